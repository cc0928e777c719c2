"""``POST /guardrail/check``: token + text give the verdict (rule, phrase, why); a bad body is 422."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from marketplace_returns.security.tokens import issue_token
from marketplace_returns.service.api import create_app
from marketplace_returns.service.context import ServiceContext
from service_db import migrated
from service_fakes import FakeClock, FakeConnector, make_context


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[ServiceContext]:
    with migrated("sqlite", tmp_path, None) as url:
        c = make_context(url, FakeConnector(), FakeClock(), shops=("shop-a",))
        yield c
        c.db.dispose()


@pytest.fixture
def token(ctx: ServiceContext) -> str:
    with Session(ctx.db) as session:
        tok = issue_token(session, shop_id="shop-a")
        session.commit()
    return tok


@pytest.fixture
async def client(ctx: ServiceContext) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:
        yield c


async def test_check_names_rule_phrase_and_why(client: httpx.AsyncClient, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    res = await client.post("/guardrail/check", headers=headers, json={
        "text": "Thanks for waiting. Please change the reason to 'no reason', otherwise we cannot refund."})
    assert res.status_code == 200
    body = res.json()
    assert body["blocked"] is True and body["rule"] == "refund_threat"
    assert body["phrase"] == "Please change the reason to 'no reason', otherwise we cannot refund"
    assert "threatens" in body["why"]
    ok = await client.post("/guardrail/check", headers=headers,
                           json={"text": "原因选哪个由您决定，不影响退款"})
    assert ok.json() == {"blocked": False, "rule": None, "phrase": None, "why": None}


async def test_needs_a_token_and_a_valid_body(client: httpx.AsyncClient, token: str) -> None:
    assert (await client.post("/guardrail/check", json={"text": "hi"})).status_code == 401
    headers = {"Authorization": f"Bearer {token}"}
    for body in ({}, {"text": 5}, {"text": "x" * 20_001}, {"text": "hi", "extra": 1}):
        res = await client.post("/guardrail/check", headers=headers, json=body)
        assert res.status_code == 422, body
    bad = await client.post("/guardrail/check", headers={**headers, "Content-Type": "application/json"},
                            content=b"not json")
    assert bad.status_code == 422
