"""The sandbox's control endpoints over real loopback HTTP (SandboxServer in a thread, httpx)."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from marketplace_returns.sandbox.clock import SandboxClock
from marketplace_returns.sandbox.config import build_state, default_shops
from marketplace_returns.sandbox.server import SandboxServer
from marketplace_returns.sandbox.state import SandboxState
from sandbox_builders import T0, refund

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SandboxServer, httpx.Client]]:
    state = build_state(seed=3, refunds=300, speed=0, start=T0)
    with (SandboxServer(state, tick_seconds=None) as server,
          httpx.Client(base_url=server.url, timeout=10) as c):
        yield server, c


def test_shops_list_the_credentials_served(served: tuple[SandboxServer, httpx.Client]) -> None:
    server, client = served
    shops = {s["shop_id"]: s for s in client.get("/_sandbox/shops").json()}
    assert set(shops) == {"demo-tb", "demo-tm", "demo-shop"}
    assert shops["demo-tb"]["app_secret"] == server.state.shops["demo-tb"].app_secret
    assert shops["demo-shop"]["shop_domain"] == "demo-shop.myshopify.com"
    assert shops["demo-shop"]["access_token"].startswith("shpat_")


def test_state_counts_and_one_refund(served: tuple[SandboxServer, httpx.Client]) -> None:
    server, client = served
    snap = client.get("/_sandbox/state").json()
    assert snap["refunds"] == len(server.state.refunds)
    assert sum(n for shops in snap["by_shop"].values() for c in shops.values() for n in c.values()) == \
        snap["refunds"]
    rid = next(iter(server.state.refunds))
    one = client.get("/_sandbox/state", params={"refund_id": rid}).json()
    assert one["refund_id"] == rid and isinstance(one["item_price"], str) and one["truth_category"]
    assert client.get("/_sandbox/state", params={"refund_id": "404"}).status_code == 404


def test_traffic_then_advance_releases_it(served: tuple[SandboxServer, httpx.Client]) -> None:
    server, client = served
    before = len(server.state.refunds)
    added = client.post("/_sandbox/traffic", json={"count": 25, "spread_seconds": 600}).json()
    assert added["added"] == 25 and int(added["first"]) > max(int(r) for r in list(server.state.refunds))
    moved = client.post("/_sandbox/advance", json={"seconds": 601}).json()
    assert moved["done"]["released"] >= 1 and len(server.state.refunds) == before + 25
    assert client.post("/_sandbox/traffic", json={"count": 0}).status_code == 400
    assert client.post("/_sandbox/traffic", json={"count": 1, "shops": ["nope"]}).status_code == 400
    assert client.post("/_sandbox/advance", json={"seconds": -1}).status_code == 400


def test_faults_are_set_and_validated(served: tuple[SandboxServer, httpx.Client]) -> None:
    server, client = served
    got = client.post("/_sandbox/faults", json={"rates": {"throttle": 0.25}, "seed": 4}).json()
    assert got["rates"]["throttle"] == 0.25 and server.state.faults.rates["throttle"] == 0.25
    assert client.post("/_sandbox/faults", json={"5xx": 2}).status_code == 400
    assert client.post("/_sandbox/faults", content=b"[1]").status_code == 400
    client.post("/_sandbox/faults", json={"throttle": 0})
    assert client.get("/_sandbox/faults").json()["rates"]["throttle"] == 0


def test_actions_are_served_and_filtered(served: tuple[SandboxServer, httpx.Client]) -> None:
    server, client = served
    state = server.state
    waiting = [r for r in state.refunds.values() if r.status == "WAIT_SELLER_AGREE"][:2]
    for r in waiting:
        state.transition(r.refund_id, action="message", api_method="t", shop_id=r.shop_id,
                         params={"content": "hello", "access_token": "shpat_x"}, idempotency_key="m1")
    state.transition(waiting[0].refund_id, action="message", api_method="t", shop_id=waiting[0].shop_id,
                     params={"content": "hello"}, idempotency_key="m1")
    one = client.get("/_sandbox/actions", params={"refund_id": waiting[0].refund_id}).json()
    assert [a["outcome"] for a in one] == ["applied", "duplicate"]
    assert "access_token" not in one[0]["params"] and one[0]["params"]["content"] == "hello"
    assert len(client.get("/_sandbox/actions").json()) == len(state.actions)


def test_platform_routers_are_mounted(served: tuple[SandboxServer, httpx.Client]) -> None:
    _, client = served
    if importlib.util.find_spec("marketplace_returns.sandbox.taobao_api") is not None:
        body = client.post("/router/rest", data={}).json()
        assert body["error_response"]["code"] == 21  # missing method, in TOP's envelope
    if importlib.util.find_spec("marketplace_returns.sandbox.shopify_api") is not None:
        answer = client.post("/admin/api/2026-10/graphql.json", json={"query": "{ shop { name } }"})
        assert answer.status_code in (200, 401)


def test_the_ticker_moves_a_running_clock() -> None:
    state = SandboxState(default_shops(0), clock=SandboxClock(T0, speed=600.0))
    state.add_refunds([refund(1, created=T0 + timedelta(minutes=5))])  # 0.5 s of real time at x600
    with SandboxServer(state, tick_seconds=0.05) as server, httpx.Client(base_url=server.url) as client:
        deadline = time.monotonic() + 10
        while client.get("/_sandbox/state").json()["refunds"] == 0:
            assert time.monotonic() < deadline, "the ticker never released the scheduled refund"
            time.sleep(0.05)
    assert state.pending == 0


# ``python -m marketplace_returns`` as a terminal starts it, with Ctrl-C's handler in place. A shell starts a
# background job (``bash scripts/check &``, nohup) with SIGINT ignored, its children inherit that, and Python
# then installs no handler: the command would rightly ignore the test's SIGINT and serve on (the "flake" of
# earlier stops, which failed only in suites started in the background). So the child restores it first.
AS_FROM_A_TERMINAL = ("import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
                      "runpy.run_module('marketplace_returns', run_name='__main__', alter_sys=True)")


def test_the_command_prints_shops_and_serves_until_interrupted() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-c", AS_FROM_A_TERMINAL, "sandbox", "--port", "0", "--seed", "3",
            "--refunds", "20", "--shopify-token", "shpat_given"]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as proc:
        try:
            assert proc.stdout is not None
            lines: list[str] = []
            deadline = time.monotonic() + 30
            while not any("refunds now" in line for line in lines):
                assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
                lines.append(proc.stdout.readline())
            text = "".join(lines)
            url = re.search(r"at (http://127\.0\.0\.1:\d+)", text)
            assert url, text
            shops = {s["shop_id"]: s for s in httpx.get(f"{url.group(1)}/_sandbox/shops", timeout=10).json()}
            assert f"app_secret={shops['demo-tb']['app_secret']}" in text
            assert shops["demo-shop"]["access_token"] == "shpat_given" and "access_token=shpat_given" in text
            assert httpx.get(f"{url.group(1)}/_sandbox/state", timeout=10).json()["refunds"] == 20
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) in (0, 1, 130)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
