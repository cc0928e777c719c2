"""The API's bounds: a huge body is refused early (413) whoever sends it; malformed ids, pages, periods,
amounts and text are 422 naming the field, never a 500; timestamps come back with their time zone."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from marketplace_returns.security.tokens import issue_token
from marketplace_returns.service import repository as repo
from marketplace_returns.service.api import create_app
from marketplace_returns.service.bounds import MAX_BODY_BYTES
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.poller import poll_shop
from service_db import migrated
from service_fakes import FakeClock, FakeConnector, make_context

HUGE = 200 * 1024 * 1024
CHUNK = 64 * 1024


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[ServiceContext]:
    platform = FakeConnector()
    platform.add("r1", reason="manual", price="80", message="Sorry about that.")
    with migrated("sqlite", tmp_path, None) as url:
        c = make_context(url, platform, FakeClock())
        yield c
        c.db.dispose()


@pytest.fixture
async def setup(ctx: ServiceContext) -> dict[str, Any]:
    await poll_shop(ctx, "shop-a")
    with Session(ctx.db) as session:
        token = issue_token(session, shop_id="shop-a")
        session.commit()
        [(decision, _)] = repo.list_queue(session, shop_id="shop-a")
    return {"auth": {"Authorization": f"Bearer {token}"}, "id": decision.public_id}


@pytest.fixture
async def client(ctx: ServiceContext) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://api", timeout=60) as c:
        yield c


def _rss() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.parametrize("with_token", [False, True])
@pytest.mark.parametrize("declared", [False, True])
async def test_a_200_mb_body_is_refused_early_with_or_without_a_token(
        client: httpx.AsyncClient, setup: dict[str, Any], with_token: bool, declared: bool) -> None:
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        block = b"x" * CHUNK
        while sent < HUGE:
            sent += CHUNK
            yield block

    headers = {"Content-Type": "application/json", **(setup["auth"] if with_token else {})}
    if declared:
        headers["Content-Length"] = str(HUGE)
    before, started = _rss(), time.monotonic()
    res = await client.post(f"/queue/{setup['id']}/accept", content=body(), headers=headers)
    assert res.status_code == 413
    assert sent <= MAX_BODY_BYTES + 2 * CHUNK  # stopped reading at the limit, not after 200 MB
    assert _rss() - before < 20 * 1024 * 1024
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("path", [
    "/metrics?since=0002-01-01", "/metrics?until=0001-01-01", "/metrics?since=2025-01-01&until=2026-06-01",
    "/metrics?until=9999-12-31", "/metrics/anomalies?until=0001-01-01", "/metrics/anomalies?until=9999-12-31",
])
async def test_periods_out_of_bounds_are_422_at_once(client: httpx.AsyncClient, setup: dict[str, Any],
                                                      path: str) -> None:
    started = time.monotonic()
    res = await client.get(path, headers=setup["auth"])
    assert res.status_code == 422, res.text[:300]
    assert res.json()["detail"][0]["loc"][0] == "query"
    assert time.monotonic() - started < 2


async def test_a_year_of_metrics_is_still_served(client: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    # the fake platform ships no metrics.yaml: 404 for /metrics, yet the period itself was accepted
    res = await client.get("/metrics?since=2026-01-01&until=2026-12-31", headers=setup["auth"])
    assert res.status_code == 404 and "no metrics" in res.text
    res = await client.get("/metrics/anomalies?recent_days=90&baseline_days=365", headers=setup["auth"])
    assert res.status_code == 200


@pytest.mark.parametrize("path", [
    "/queue/9223372036854775808", "/queue/99999999999999999999999", "/cases/9223372036854775808",
    "/cases/9223372036854775808/decisions", "/cases?offset=9223372036854775808", "/cases?offset=100001",
    "/audit?case_id=9223372036854775808", "/queue/0", "/cases/-1",
])
async def test_ids_and_offsets_past_64_bits_are_422(client: httpx.AsyncClient, setup: dict[str, Any],
                                                    path: str) -> None:
    res = await client.get(path, headers=setup["auth"])
    assert res.status_code == 422, res.text[:300]


async def test_ids_past_64_bits_in_a_post_are_422(client: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    res = await client.post("/queue/9223372036854775808/accept", json={"rep": "ann"}, headers=setup["auth"])
    assert res.status_code == 422


@pytest.mark.parametrize("amount", ["Infinity", "NaN", "-Infinity", "1e400", "0", "0.00", " 1 ", "1_000",
                                    "١٢", "12.345", "12.500", "00.5", "-1", "+1", "1e3", "", True, 12.5, 0,
                                    -3, 10**12])
async def test_malformed_amounts_are_422_naming_the_field(client: httpx.AsyncClient, setup: dict[str, Any],
                                                          amount: Any) -> None:
    res = await client.post(f"/queue/{setup['id']}/edit", json={"rep": "ann", "amount": amount},
                            headers=setup["auth"])
    assert res.status_code == 422, res.text[:300]
    assert "amount" in [str(p) for p in res.json()["detail"][0]["loc"]]


@pytest.mark.parametrize("raw", [b'{"rep": "ann", "amount": 1e400}', b'{"rep": "ann", "amount": NaN}',
                                 b'{"rep": "ann", "amount": Infinity}', b'{"rep": "ann", "amount": 0}'])
async def test_non_finite_json_numbers_are_422(client: httpx.AsyncClient, setup: dict[str, Any],
                                               raw: bytes) -> None:
    res = await client.post(f"/queue/{setup['id']}/edit", content=raw,
                            headers={**setup["auth"], "Content-Type": "application/json"})
    assert res.status_code == 422, res.text[:300]


async def test_good_amounts_are_taken(client: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    res = await client.post(f"/queue/{setup['id']}/edit", json={"rep": "ann", "amount": "12.5"},
                            headers=setup["auth"])
    assert res.status_code == 200, res.text
    [act] = (await client.get("/actions", headers=setup["auth"])).json()
    assert act["amount"] == "12.50"


@pytest.mark.parametrize(("route", "field"), [("edit", "reply"), ("reject", "note")])
async def test_a_lone_surrogate_in_text_is_422(client: httpx.AsyncClient, setup: dict[str, Any], route: str,
                                               field: str) -> None:
    raw = b'{"rep": "ann", "' + field.encode() + b'": "sorry \\ud800 about that"}'
    res = await client.post(f"/queue/{setup['id']}/{route}", content=raw,
                            headers={**setup["auth"], "Content-Type": "application/json"})
    assert res.status_code == 422, res.text[:300]
    assert field in [str(p) for p in res.json()["detail"][0]["loc"]]


async def test_a_lone_surrogate_in_a_purge_is_422(client: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    res = await client.post("/buyers/purge", content=b'{"buyer_id": "\\udfff"}',
                            headers={**setup["auth"], "Content-Type": "application/json"})
    assert res.status_code == 422


async def test_timestamps_carry_their_time_zone_on_sqlite(client: httpx.AsyncClient,
                                                          setup: dict[str, Any]) -> None:
    [case] = (await client.get("/cases", headers=setup["auth"])).json()
    stamp = case["first_seen_at"]
    assert stamp.endswith(("Z", "+00:00")), stamp
    events = (await client.get("/audit", headers=setup["auth"])).json()
    assert events and all(e["at"].endswith(("Z", "+00:00")) for e in events)
