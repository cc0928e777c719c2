"""A poll's window is capped on the platform's clock: refunds a sandbox stamped ahead of the real clock
(``sandbox --speed 30``) are read at the next poll, not once the real clock catches up."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import SecretStr

from marketplace_returns.connectors.base import ShopConfig
from marketplace_returns.connectors.platform_clock import PlatformClock, read_headers
from marketplace_returns.connectors.shopify.connector import ShopifyConnector
from marketplace_returns.connectors.taobao.connector import TaobaoConnector
from marketplace_returns.sandbox.config import build_state
from marketplace_returns.sandbox.server import SandboxServer


def test_the_clock_follows_what_the_platform_states_and_its_speed() -> None:
    clock = PlatformClock(lambda: datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now("http://p:1/x") == datetime(2026, 1, 1, tzinfo=UTC)  # nothing stated yet: ours
    stated = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    clock.observe("http://p:1/router/rest", httpx.Headers({"x-sandbox-now": stated.isoformat(),
                                                           "x-sandbox-speed": "30"}))
    time.sleep(0.2)
    now = clock.now("http://p:1/other")
    assert stated + timedelta(seconds=5.9) <= now <= stated + timedelta(seconds=60)  # 30× the real 0.2 s+
    assert clock.now("http://elsewhere:2/") == datetime(2026, 1, 1, tzinfo=UTC)  # per origin
    assert read_headers(httpx.Headers({"date": "Sat, 05 Dec 2026 09:00:00 GMT"})) == (
        datetime(2026, 12, 5, 9, 0, tzinfo=UTC), 1.0)
    assert read_headers(httpx.Headers({"date": "garbage"})) is None


def _setup(server: SandboxServer) -> dict[str, ShopConfig]:
    """Six refunds stamped on the sandbox's clock; the Taobao and Shopify shops' configs."""
    shops = {s["platform"]: s for s in httpx.get(f"{server.url}/_sandbox/shops", timeout=10).json()}
    tb, sh = shops["taobao"], shops["shopify"]
    added = httpx.post(f"{server.url}/_sandbox/traffic", timeout=30, json={
        "count": 6, "spread_seconds": 60, "seed": 4, "shops": [tb["shop_id"], sh["shop_id"]]}).json()
    assert added["added"] == 6
    httpx.post(f"{server.url}/_sandbox/advance", json={"seconds": 120}, timeout=10).raise_for_status()
    top = {k: SecretStr(tb[k]) for k in ("app_key", "app_secret", "session")}
    return {
        "taobao": ShopConfig(shop_id=tb["shop_id"], platform="taobao", base_url=f"{server.url}/router/rest",
                             sign_method="md5", credentials=top),
        "shopify": ShopConfig(shop_id=sh["shop_id"], platform="shopify", base_url=server.url,
                              credentials={"access_token": SecretStr(sh["access_token"])}),
    }


def _real_now() -> datetime:
    return datetime.now(UTC)


async def _ids(conn: TaobaoConnector | ShopifyConnector, config: ShopConfig) -> set[str]:
    found: set[str] = set()
    async for batch in conn.fetch_changed(config, None):
        found |= {c.refund_id for c in batch.cases}
    return found


async def test_refunds_stamped_ahead_of_the_real_clock_are_read() -> None:
    ahead = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)  # a sandbox that ran at 30×
    state = build_state(seed=3, speed=0, start=ahead)
    server = SandboxServer(state, tick_seconds=None).start()
    try:
        configs = await asyncio.to_thread(_setup, server)
        for name, connector in (("taobao", TaobaoConnector(backfill_seconds=86400)),
                                ("shopify", ShopifyConnector(backfill_seconds=86400))):
            try:
                found = await _ids(connector, configs[name])  # the first poll already asks the time
                assert found, name
            finally:
                await connector.aclose()
            # the same poll capped on our clock (3 h behind the platform's) misses what was stamped ahead
            ours: TaobaoConnector | ShopifyConnector = (
                TaobaoConnector(backfill_seconds=86400, clock=_real_now) if name == "taobao"
                else ShopifyConnector(backfill_seconds=86400, clock=_real_now))
            try:
                missed = await _ids(ours, configs[name])
            finally:
                await ours.aclose()
            assert missed < found, (name, missed, found)
    finally:
        server.stop()
