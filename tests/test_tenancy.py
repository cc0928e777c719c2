"""Tenancy: one shop's token learns nothing of another shop — not by answers, ids, timing or logs.

* a foreign id and a missing id run the same queries and get the same answer;
* ids in the API are opaque (no global sequential integers, also not inside audit details);
* ``/health`` says "ok" to strangers and counts only the token's own shop;
* tokens can be listed, revoked and given an expiry;
* the access log masks ``?token=``; webhook replay is judged on the signed body's digest.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlmodel import Session
from typer.testing import CliRunner

from marketplace_returns.cli import app as cli_app
from marketplace_returns.security.logmask import install_log_masking
from marketplace_returns.security.tokens import issue_token, revoke_token, shop_for_token
from marketplace_returns.service import queue
from marketplace_returns.service import repository as repo
from marketplace_returns.service.api import create_app
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.db import session_scope
from marketplace_returns.service.poller import poll_shop
from service_db import migrated
from service_fakes import FakeClock, FakeConnector, make_context

OPAQUE = re.compile(r"^(cs|dc|ob|ev)_[A-Za-z0-9_-]{16}$")


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    with migrated("sqlite", tmp_path, None) as url:
        yield url


@pytest.fixture
def ctx(db_url: str) -> Iterator[ServiceContext]:
    platform = FakeConnector()
    platform.add("r1", reason="manual", price="80", message="Sorry about that.")
    platform.add("r2", reason="auto", price="30")
    c = make_context(db_url, platform, FakeClock(), shops=("shop-a", "shop-b"))
    yield c
    c.db.dispose()


@pytest.fixture
async def setup(ctx: ServiceContext) -> dict[str, Any]:
    await poll_shop(ctx, "shop-a")
    await poll_shop(ctx, "shop-b")
    with Session(ctx.db) as session:
        tokens = {s: issue_token(session, shop_id=s) for s in ("shop-a", "shop-b")}
        session.commit()
        mine = {c.shop_id: (d.public_id, c.public_id) for d, c in repo.list_queue(session)}
    return {"tokens": tokens, "a": mine["shop-a"], "b": mine["shop-b"]}


@pytest.fixture
async def client(ctx: ServiceContext) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _statements(ctx: ServiceContext, call: Any) -> tuple[int, list[str], Any]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(ctx.db, "before_cursor_execute", record)
    try:
        response = await call()
    finally:
        event.remove(ctx.db, "before_cursor_execute", record)
    return response.status_code, seen, response.json()


@pytest.mark.parametrize("route", ["/queue/{d}", "/cases/{c}", "/cases/{c}/decisions", "/queue/{d}/accept",
                                   "/queue/{d}/reject"])
async def test_a_foreign_id_and_a_missing_id_do_the_same_work(
        client: httpx.AsyncClient, ctx: ServiceContext, setup: dict[str, Any], route: str) -> None:
    a = setup["tokens"]["shop-a"]
    foreign_d, foreign_c = setup["b"]
    missing = {"d": "dc_" + "A" * 16, "c": "cs_" + "A" * 16}
    post = route.endswith(("accept", "reject"))

    def call(path: str) -> Any:
        if post:
            return lambda: client.post(path, json={"rep": "eve"}, headers=auth(a))
        return lambda: client.get(path, headers=auth(a))

    foreign = await _statements(ctx, call(route.format(d=foreign_d, c=foreign_c)))
    absent = await _statements(ctx, call(route.format(**missing)))
    assert foreign[0] == absent[0] == 404
    assert foreign[2] == absent[2]
    assert foreign[1] == absent[1]  # the same statements, in the same order


def _ids(doc: Any) -> list[Any]:
    """Every value of a key named id or ending in _id (except the platform's own refund/order ids)."""
    found: list[Any] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if (k == "id" or k.endswith("_id")) and k not in ("refund_id", "order_id", "shop_id"):
                found.append(v)
            found += _ids(v)
    elif isinstance(doc, list):
        for v in doc:
            found += _ids(v)
    return found


async def test_ids_in_the_api_are_opaque(client: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    a = auth(setup["tokens"]["shop-a"])
    decision, case = setup["a"]
    accepted = (await client.post(f"/queue/{decision}/accept", json={"rep": "ann"}, headers=a)).json()
    pages = [accepted, (await client.get("/queue", headers=a)).json(),
             (await client.get(f"/queue/{decision}", headers=a)).json(),
             (await client.get("/cases", headers=a)).json(),
             (await client.get(f"/cases/{case}", headers=a)).json(),
             (await client.get(f"/cases/{case}/decisions", headers=a)).json(),
             (await client.get("/actions", headers=a)).json(),
             (await client.get("/audit", headers=a)).json(),
             (await client.get(f"/audit?case_id={case}", headers=a)).json()]
    ids = [i for page in pages for i in _ids(page) if i is not None]
    assert len(ids) > 10
    assert all(isinstance(i, str) and OPAQUE.match(i) for i in ids), [i for i in ids
                                                                       if not OPAQUE.match(str(i))]
    events = (await client.get("/audit", headers=a)).json()
    assert any((e["detail"] or {}).get("outbox_id", "").startswith("ob_") for e in events)


async def test_health_says_only_ok_to_strangers(client: httpx.AsyncClient, ctx: ServiceContext,
                                                setup: dict[str, Any]) -> None:
    with session_scope(ctx.db) as session:  # shop-a: one accepted action waiting to be pushed
        d = repo.load_decision(session, public_id=setup["a"][0])
        assert d is not None and d[0].id is not None
        queue.accept(session, ctx, decision_id=d[0].id, rep="ann", now=ctx.now())
        open_all = repo.count_open_actions(session)
    stranger = await client.get("/health")
    assert stranger.json() == {"status": "ok"}
    bad = await client.get("/health", headers=auth("mrt_" + "x" * 43))
    assert bad.json() == {"status": "ok"}
    mine = (await client.get("/health", headers=auth(setup["tokens"]["shop-a"]))).json()
    theirs = (await client.get("/health", headers=auth(setup["tokens"]["shop-b"]))).json()
    with Session(ctx.db) as session:
        assert mine["open_actions"] == repo.count_open_actions(session, shop_id="shop-a") >= 1
        assert theirs["open_actions"] == repo.count_open_actions(session, shop_id="shop-b")
    assert mine["open_actions"] + theirs["open_actions"] == open_all


async def test_revoked_and_expired_tokens_are_refused(client: httpx.AsyncClient, ctx: ServiceContext) -> None:
    now = datetime.now(UTC)
    with session_scope(ctx.db) as session:
        keep = issue_token(session, shop_id="shop-a")
        gone = issue_token(session, shop_id="shop-a", name="old laptop")
        soon = issue_token(session, shop_id="shop-a", expires_at=now + timedelta(hours=1))
        past = issue_token(session, shop_id="shop-a", expires_at=now + timedelta(seconds=1), now=now)
    with session_scope(ctx.db) as session:
        [row] = [t for t in repo_tokens(session) if t.name == "old laptop"]
        assert row.id is not None and revoke_token(session, token_id=row.id)
        assert not revoke_token(session, token_id=row.id)  # already revoked
    with Session(ctx.db) as session:
        assert shop_for_token(session, past, now=now + timedelta(seconds=2)) is None
        assert shop_for_token(session, soon, now=now + timedelta(minutes=59)) == "shop-a"
        assert shop_for_token(session, soon, now=now + timedelta(minutes=61)) is None
    assert (await client.get("/queue", headers=auth(keep))).status_code == 200
    assert (await client.get("/queue", headers=auth(gone))).status_code == 401
    assert (await client.get("/metrics", headers=auth(gone))).status_code == 401


def repo_tokens(session: Session) -> list[Any]:
    from marketplace_returns.security.tokens import list_tokens

    return list_tokens(session)


def test_token_cli_creates_with_expiry_lists_and_revokes(db_url: str) -> None:
    make_context(db_url, FakeConnector(), FakeClock(), shops=("shop-a",)).db.dispose()
    runner = CliRunner()
    made = runner.invoke(cli_app, ["token", "create", "--shop", "shop-a", "--name", "ci", "--expires", "30d",
                                   "--db", db_url])
    assert made.exit_code == 0, made.output
    token = made.output.strip()
    assert token.startswith("mrt_")
    listed = runner.invoke(cli_app, ["token", "list", "--json", "--db", db_url])
    [doc] = [json.loads(line) for line in listed.output.splitlines()]
    assert doc["state"] == "active" and doc["name"] == "ci" and doc["expires_at"]
    assert token not in listed.output and "hash" not in listed.output
    expires = datetime.fromisoformat(doc["expires_at"])
    assert timedelta(days=29, hours=23) < expires - datetime.now(UTC) <= timedelta(days=30)
    assert runner.invoke(cli_app, ["token", "create", "--shop", "shop-a", "--expires", "yesterday",
                                   "--db", db_url]).exit_code != 0
    revoked = runner.invoke(cli_app, ["token", "revoke", str(doc["id"]), "--db", db_url])
    assert revoked.exit_code == 0, revoked.output
    [doc] = [json.loads(line) for line in runner.invoke(
        cli_app, ["token", "list", "--json", "--db", db_url]).output.splitlines()]
    assert doc["state"] == "revoked"
    assert runner.invoke(cli_app, ["token", "revoke", str(doc["id"]), "--db", db_url]).exit_code != 0


@pytest.mark.parametrize("query", ["token=hunter2-secret", "api_token=hunter2-secret",
                                   "since=2026-01-01&token=hunter2-secret",
                                   "token=mrt_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"])
def test_the_access_log_masks_a_token_in_the_query(query: str) -> None:
    """Through the service's own installation (runner.py's prefixes), on uvicorn's access logger, whose
    formatter needs ``args`` to stay a 5-tuple."""
    from uvicorn.logging import AccessFormatter

    undo = install_log_masking(prefixes=("marketplace_returns", "uvicorn"))
    try:
        record = logging.getLogger("uvicorn.access").makeRecord(
            "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
            ("127.0.0.1:5000", "GET", f"/metrics?{query}", "1.1", 200), None)
    finally:
        undo()
    text = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert "hunter2" not in text and "abcdefghijklmnop" not in text
    assert "/metrics?" in text and "200" in text


async def test_a_replayed_body_under_a_fresh_webhook_id_is_a_duplicate() -> None:
    from test_webhooks import Receiver

    r = Receiver()
    first = await r.post(webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    again = await r.post(webhook_id="00000000-0000-4000-8000-000000000000")  # the id is not signed
    assert first.json()["status"] == "accepted" and again.json()["status"] == "duplicate"
    assert len(r.events) == 1
