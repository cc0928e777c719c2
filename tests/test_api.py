"""The HTTP API: per-shop tokens (401/404 without leaks), 422 naming the field, accept/edit/reject."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from marketplace_returns.service.api import create_app
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.tables import CaseRecord
from service_db import migrated
from service_fakes import FakeClock, FakeConnector, make_context, polled_with_tokens


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[ServiceContext]:
    platform = FakeConnector()
    platform.add("r1", reason="manual", price="80", message="Sorry about that.")
    platform.add("r2", reason="steer", price="50")
    with migrated("sqlite", tmp_path, None) as url:
        c = make_context(url, platform, FakeClock(), shops=("shop-a", "shop-b"))
        yield c
        c.db.dispose()


@pytest.fixture
async def setup(ctx: ServiceContext) -> dict[str, Any]:
    return await polled_with_tokens(ctx)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def client(ctx: ServiceContext) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:
        yield c


async def test_health_and_openapi_are_public(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json()["status"] == "ok"
    spec = (await client.get("/openapi.json")).json()
    assert {"/queue", "/queue/{decision_id}/accept", "/cases", "/audit"} <= set(spec["paths"])


async def test_missing_malformed_or_unknown_tokens_are_401(client: httpx.AsyncClient,
                                                           setup: dict[str, Any]) -> None:
    assert (await client.get("/queue")).status_code == 401
    assert (await client.get("/queue", headers={"Authorization": "Basic abc"})).status_code == 401
    unknown = auth("mrt_not-a-real-token-at-all-xxxxxxx")
    assert (await client.get("/queue", headers=unknown)).status_code == 401


async def test_a_token_sees_only_its_shop(client: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    a, b = setup["tokens"]["shop-a"], setup["tokens"]["shop-b"]
    rid = setup["ids"]["r1"]
    assert [i["refund_id"] for i in (await client.get("/queue", headers=auth(a))).json()] == ["r1", "r2"]
    assert (await client.get("/queue", headers=auth(b))).json() == []
    other = await client.get(f"/queue/{rid}", headers=auth(b))
    missing = await client.get("/queue/dc_AAAAAAAAAAAAAAAA", headers=auth(b))
    assert (other.status_code, other.json()) == (404, missing.json()) == (404, {"detail": "not found"})
    stolen = await client.post(f"/queue/{rid}/accept", json={"rep": "eve"}, headers=auth(b))
    assert stolen.status_code == 404
    case_id = (await client.get(f"/queue/{rid}", headers=auth(a))).json()["case_id"]
    assert (await client.get(f"/cases/{case_id}", headers=auth(b))).status_code == 404
    assert (await client.get(f"/cases/{case_id}", headers=auth(a))).json()["refund_id"] == "r1"
    assert (await client.get("/audit", headers=auth(b))).json() == []


async def test_show_then_accept_enqueues_once(client: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    a, rid = setup["tokens"]["shop-a"], setup["ids"]["r1"]
    detail = (await client.get(f"/queue/{rid}", headers=auth(a))).json()
    assert detail["evidence"] == ["reason manual"] and detail["rule"] == "rule-manual"
    assert detail["money"] == {"saved": 5.0} or detail["money"] == {"saved": "5"}
    res = await client.post(f"/queue/{rid}/accept", json={"rep": "ann"}, headers=auth(a))
    assert res.status_code == 200 and res.json()["status"] == "accepted" and res.json()["outbox_id"]
    again = await client.post(f"/queue/{rid}/accept", json={"rep": "ann"}, headers=auth(a))
    assert again.status_code == 409
    actions = (await client.get("/actions", headers=auth(a))).json()
    assert [(x["refund_id"], x["action"], x["status"]) for x in actions] == [
        ("r1", "return_and_refund", "pending")]
    events = [e["event"] for e in (await client.get("/audit", headers=auth(a))).json()]
    assert "accepted" in events


async def test_reason_change_accept_keeps_its_evidence(client: httpx.AsyncClient,
                                                       setup: dict[str, Any]) -> None:
    a, rid = setup["tokens"]["shop-a"], setup["ids"]["r2"]
    res = await client.post(f"/queue/{rid}/accept", json={"rep": "ann"}, headers=auth(a))
    assert res.status_code == 200
    [event] = [e for e in (await client.get("/audit", headers=auth(a))).json() if e["event"] == "accepted"]
    assert event["actor"] == "rep:ann"
    assert event["detail"]["reason_change_to"] == "size_fit"
    assert event["detail"]["evidence"] == ["reason steer"]


@pytest.mark.parametrize(("body", "field"), [
    ({"rep": "ann", "amount": "abc"}, "amount"),
    ({"rep": "ann", "amount": -1}, "amount"),
    ({"rep": "ann", "action": "bribe"}, "action"),
    ({"rep": ""}, "rep"),
    ({"rep": "ann", "colour": "red"}, "colour"),
    ({"rep": "ann", "amount": 81}, "amount"),
])
async def test_invalid_payloads_are_422_naming_the_field(client: httpx.AsyncClient, setup: dict[str, Any],
                                                          body: dict[str, Any], field: str) -> None:
    a, rid = setup["tokens"]["shop-a"], setup["ids"]["r1"]
    res = await client.post(f"/queue/{rid}/edit", json=body, headers=auth(a))
    assert res.status_code == 422
    assert field in [str(p) for p in res.json()["detail"][0]["loc"]]


async def test_edit_is_what_gets_pushed_and_the_guardrail_names_the_phrase(
        client: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    a, rid = setup["tokens"]["shop-a"], setup["ids"]["r1"]
    bad = await client.post(f"/queue/{rid}/edit", json={"rep": "ann", "reply": "Refund for a good review"},
                      headers=auth(a))
    assert bad.status_code == 422 and bad.json()["detail"][0]["phrase"] == "good review"
    ok = await client.post(f"/queue/{rid}/edit", headers=auth(a), json={
        "rep": "ann", "amount": "15.50", "reply": "We refund 15.50 for the scratch.",
        "action": "offer_partial_refund"})
    assert ok.status_code == 200 and ok.json()["status"] == "edited"
    [act] = (await client.get("/actions", headers=auth(a))).json()
    assert (act["action"], act["amount"]) == ("offer_partial_refund", "15.50")


async def test_reject_pushes_nothing(client: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    a, rid = setup["tokens"]["shop-a"], setup["ids"]["r1"]
    res = await client.post(f"/queue/{rid}/reject", json={"rep": "ann", "note": "buyer called"},
                            headers=auth(a))
    assert res.json()["status"] == "rejected"
    assert (await client.get("/actions", headers=auth(a))).json() == []
    assert [i["refund_id"] for i in (await client.get("/queue", headers=auth(a))).json()] == ["r2"]


async def test_purge_erases_a_buyer_in_the_tokens_shop_only(client: httpx.AsyncClient, ctx: ServiceContext,
                                                            setup: dict[str, Any]) -> None:
    buyer = "AAHk5d-EAAeGwJedwSHpg8bT"
    with Session(ctx.db) as session:
        for shop, rid in (("shop-a", "p1"), ("shop-b", "p2")):
            session.add(CaseRecord(shop_id=shop, platform="taobao", refund_id=rid, buyer_id=buyer,
                                   message="电话13812345678", raw={"buyer_nick": "tb小明"}))
        session.commit()
    a = setup["tokens"]["shop-a"]
    missing = await client.post("/buyers/purge", json={}, headers=auth(a))
    assert missing.status_code == 422 and "buyer_id" in missing.text
    first = await client.post("/buyers/purge", json={"buyer_id": buyer}, headers=auth(a))
    assert first.status_code == 200 and first.json()["cases"] == 1
    assert buyer not in first.text and first.json()["buyer"].startswith("purged:")
    again = await client.post("/buyers/purge", json={"buyer_id": buyer}, headers=auth(a))
    assert again.json()["cases"] == 1  # idempotent: the pseudonymised case is found again
    with Session(ctx.db) as session:
        rows = {c.shop_id: c for c in session.exec(select(CaseRecord).where(
            col(CaseRecord.refund_id).in_(["p1", "p2"]))).all()}
    assert rows["shop-a"].message is None and rows["shop-a"].buyer_id == first.json()["buyer"]
    assert rows["shop-b"].buyer_id == buyer and rows["shop-b"].message  # another shop's: untouched
    assert (await client.post("/buyers/purge", json={"buyer_id": buyer})).status_code == 401
