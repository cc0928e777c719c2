"""The metrics router over HTTP: the token's shop only, the same figures as the report."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session

from marketplace_returns.metrics.api import router
from marketplace_returns.security.pii import mask_identifier
from marketplace_returns.security.tokens import issue_token
from metrics_builders import hand_store, sqlite_engine

Client = tuple[httpx.AsyncClient, str, str]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    engine = sqlite_engine(tmp_path)
    with engine.begin() as conn:
        hand_store(conn)
    with Session(engine) as session:
        s1 = issue_token(session, shop_id="s1")
        s2 = issue_token(session, shop_id="s2")
        session.commit()
    app = FastAPI()
    app.state.engine = engine
    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://metrics.test") as http:
        yield http, s1, s2
    engine.dispose()


async def test_metrics_need_a_token(client: Client) -> None:
    http, _, _ = client
    assert (await http.get("/metrics")).status_code == 401
    assert (await http.get("/metrics", headers={"Authorization": "Bearer nope"})).status_code == 401


async def test_metrics_are_scoped_to_the_tokens_shop(client: Client) -> None:
    http, s1, s2 = client
    params = {"since": "2026-11-01", "until": "2026-11-10"}
    one = await http.get("/metrics", params=params, headers={"Authorization": f"Bearer {s1}"})
    assert one.status_code == 200, one.text
    body = one.json()
    assert body["scope"]["shop_id"] == "s1" and body["platforms"] == ["taobao"]
    assert body["totals"]["requests"] == 6 and body["totals"]["refunds"] == 3
    assert {s["key"]: s["value"] for s in body["standing"]}["refund_rate"] == pytest.approx(0.003)
    two = (await http.get("/metrics", params=params, headers={"Authorization": f"Bearer {s2}"})).json()
    assert two["scope"]["shop_id"] == "s2" and two["totals"]["requests"] == 1
    assert two["definitions"]["platform"] == "shopify"


async def test_anomalies_endpoint(client: Client) -> None:
    http, s1, _ = client
    got = await http.get(
        "/metrics/anomalies",
        params={"until": "2026-11-10", "min_orders": 2},
        headers={"Authorization": f"Bearer {s1}"},
    )
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["shop_id"] == "s1" and body["anomalies"] == []
    assert [r["buyer_id"] for r in body["repeat_refunders"]] == [
        mask_identifier("b1")
    ]  # b1 refunded on 4 orders
    bad = await http.get(
        "/metrics",
        params={"since": "2026-11-10", "until": "2026-11-01"},
        headers={"Authorization": f"Bearer {s1}"},
    )
    assert bad.status_code == 422


async def test_the_service_context_engine_is_used(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path)
    with engine.begin() as conn:
        hand_store(conn)
    with Session(engine) as session:
        token = issue_token(session, shop_id="s1")
        session.commit()
    app = FastAPI()
    app.state.ctx = type("Ctx", (), {"db": engine})()  # the service keeps its engine on its context
    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://metrics.test") as http:
        got = await http.get(
            "/metrics",
            params={"since": "2026-11-01", "until": "2026-11-10"},
            headers={"Authorization": f"Bearer {token}"},
        )
    engine.dispose()
    assert got.status_code == 200 and got.json()["totals"]["requests"] == 6
