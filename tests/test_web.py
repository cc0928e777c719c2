"""The review page's routes without a browser: login by shop token, CSRF refusals, per-shop 404s, the
language switch, accept/edit/reject through the same queue functions as the API, manual tasks."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from marketplace_returns.service import repository as repo
from marketplace_returns.service import tasks
from marketplace_returns.service.api import create_app
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.web.i18n import MESSAGES, pick
from service_db import migrated
from service_fakes import FakeClock, FakeConnector, make_context, polled_with_tokens

Browser = httpx.AsyncClient
NOWHERE = "dc_AAAAAAAAAAAAAAAA"
"""A well-formed decision id that no decision has."""


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[ServiceContext]:
    platform = FakeConnector()
    platform.add("r1", reason="manual", price="80", message="Sorry about that. <script>alert(1)</script>")
    platform.add("r2", reason="steer", price="50")
    with migrated("sqlite", tmp_path, None) as url:
        c = make_context(url, platform, FakeClock(), shops=("shop-a", "shop-b"))
        yield c
        c.db.dispose()


@pytest.fixture
async def setup(ctx: ServiceContext) -> dict[str, Any]:
    return await polled_with_tokens(ctx)


def browser(app: Any) -> Browser:
    """One browser: its own cookie jar (httpx's ASGI transport, as in test_api.py)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                             follow_redirects=True)


@pytest.fixture
def app(ctx: ServiceContext) -> Any:
    return create_app(ctx)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[Browser]:
    async with browser(app) as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


async def login(client: Browser, token: str, rep: str = "ann") -> None:
    csrf = csrf_of((await client.get("/ui/login")).text)
    res = await client.post("/ui/login", data={"csrf": csrf, "token": token, "rep": rep},
                            follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/ui/queue"


def status_of(ctx: ServiceContext, ref: str) -> str:
    with Session(ctx.db) as session:
        found = repo.load_decision(session, public_id=ref)
        assert found is not None
        return found[0].status


async def test_pages_need_a_login(client: Browser) -> None:
    res = await client.get("/ui/queue", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/ui/login"
    assert (await client.get("/ui/", follow_redirects=False)).headers["location"] == "/ui/login"


async def test_login_checks_the_token_and_sets_strict_httponly_cookies(client: Browser,
                                                                 setup: dict[str, Any]) -> None:
    page = await client.get("/ui/login")
    assert page.status_code == 200 and "script" not in page.text.lower()
    assert "default-src 'none'" in page.headers["content-security-policy"]
    csrf = csrf_of(page.text)
    bad = await client.post("/ui/login", data={"csrf": csrf, "token": "mrt_wrong", "rep": "ann"})
    assert bad.status_code == 401 and "not valid" in bad.text
    res = await client.post("/ui/login", follow_redirects=False,
                            data={"csrf": csrf, "token": setup["tokens"]["shop-a"], "rep": "ann"})
    assert res.status_code == 303
    cookies = [c for c in res.headers.get_list("set-cookie") if c.startswith("mr_token=")]
    assert len(cookies) == 1
    assert all(flag in cookies[0].lower() for flag in ("httponly", "samesite=strict", "path=/ui"))
    queue = await client.get("/ui/queue")
    assert queue.status_code == 200
    assert re.findall(r"<code>(r\d)</code>", queue.text) == ["r1", "r2"]
    assert 'id="shop">shop-a<' in queue.text
    await login(client, setup["tokens"]["shop-a"], rep="小王")  # a Chinese name survives the cookie
    assert "· 小王" in (await client.get("/ui/queue")).text


async def test_a_post_without_the_csrf_token_is_refused_and_does_nothing(
        client: Browser, app: Any, ctx: ServiceContext, setup: dict[str, Any]) -> None:
    rid = setup["ids"]["r1"]
    # Even the login form needs it: a login from another site is refused.
    refused_login = await client.post("/ui/login", data={"token": setup["tokens"]["shop-a"], "rep": "ann"})
    assert refused_login.status_code == 403
    await login(client, setup["tokens"]["shop-a"])
    assert (await client.post(f"/ui/queue/{rid}/accept", data={})).status_code == 403
    assert (await client.post(f"/ui/queue/{rid}/accept", data={"csrf": "0" * 64})).status_code == 403
    assert (await client.post(f"/ui/queue/{rid}/reject", data={"csrf": ""})).status_code == 403
    assert status_of(ctx, rid) == "pending"
    with Session(ctx.db) as session:
        assert repo.list_actions(session) == []
    csrf = csrf_of((await client.get(f"/ui/queue/{rid}")).text)
    async with browser(app) as other:  # another browser: its own nonce, so this page's CSRF token fails
        other.cookies.set("mr_token", setup["tokens"]["shop-a"])
        other.cookies.set("mr_rep", "eve")
        assert (await other.get("/ui/queue")).status_code == 200  # logged in by the stolen cookie
        assert (await other.post(f"/ui/queue/{rid}/accept", data={"csrf": csrf})).status_code == 403
    assert status_of(ctx, rid) == "pending"


async def test_accept_from_the_card_enqueues_like_the_api(client: Browser, ctx: ServiceContext,
                                                    setup: dict[str, Any]) -> None:
    rid = setup["ids"]["r1"]
    await login(client, setup["tokens"]["shop-a"])
    card = await client.get(f"/ui/queue/{rid}")
    assert card.status_code == 200
    assert "reason manual" in card.text and "rule-manual" in card.text and "Sorry about that." in card.text
    assert "<script>" not in card.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in card.text  # escaped
    res = await client.post(f"/ui/queue/{rid}/accept", data={"csrf": csrf_of(card.text)},
                            follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/ui/queue?done=done_accepted"
    assert status_of(ctx, rid) == "accepted"
    with Session(ctx.db) as session:
        [action] = repo.list_actions(session)
        events = [e.event for e in repo.list_audit(session, shop_id="shop-a")]
    assert (action.refund_id, action.action, action.status) == ("r1", "return_and_refund", "pending")
    assert "accepted" in events
    again = await client.post(f"/ui/queue/{rid}/accept", data={"csrf": csrf_of(card.text)})
    assert again.status_code == 409 and "not pending" in again.text


async def test_a_forbidden_edit_is_refused_in_place_naming_phrase_and_rule(
        client: Browser, ctx: ServiceContext, setup: dict[str, Any]) -> None:
    rid = setup["ids"]["r1"]
    await login(client, setup["tokens"]["shop-a"])
    csrf = csrf_of((await client.get(f"/ui/queue/{rid}")).text)
    reply = "We refund 10 if you leave a good review."
    res = await client.post(f"/ui/queue/{rid}/edit", data={"csrf": csrf, "reply": reply, "amount": "10",
                                                      "action": "offer_partial_refund"})
    assert res.status_code == 422
    assert 'id="refusal-phrase">good review<' in res.text
    assert 'id="refusal-rule">no-review-inducement<' in res.text
    assert reply in res.text  # the rep's draft is kept in the textarea to fix
    assert f'href="/ui/queue/{rid}?lang=zh"' in res.text  # the language link reloads the card, not the POST
    assert status_of(ctx, rid) == "pending"
    ok = await client.post(f"/ui/queue/{rid}/edit", follow_redirects=False, data={
        "csrf": csrf, "reply": "We refund 10 for the scratch.", "amount": "10.00",
        "action": "offer_partial_refund"})
    assert ok.status_code == 303 and status_of(ctx, rid) == "edited"
    with Session(ctx.db) as session:
        [action] = repo.list_actions(session)
    assert (action.action, str(action.amount), action.reply_text) == (
        "offer_partial_refund", "10.00", "We refund 10 for the scratch.")


async def test_a_bad_amount_is_named_and_nothing_changes(client: Browser, ctx: ServiceContext,
                                                   setup: dict[str, Any]) -> None:
    rid = setup["ids"]["r1"]
    await login(client, setup["tokens"]["shop-a"])
    csrf = csrf_of((await client.get(f"/ui/queue/{rid}")).text)
    for amount in ("abc", "-1", "1.234", "81"):
        res = await client.post(f"/ui/queue/{rid}/edit", data={"csrf": csrf, "amount": amount})
        assert res.status_code == 422 and 'id="error"' in res.text and "amount" in res.text, amount
    assert status_of(ctx, rid) == "pending"


async def test_reject_pushes_nothing(client: Browser, ctx: ServiceContext, setup: dict[str, Any]) -> None:
    rid = setup["ids"]["r1"]
    await login(client, setup["tokens"]["shop-a"])
    csrf = csrf_of((await client.get(f"/ui/queue/{rid}")).text)
    res = await client.post(f"/ui/queue/{rid}/reject", data={"csrf": csrf, "note": "buyer called"})
    assert res.status_code == 200 and status_of(ctx, rid) == "rejected"
    assert re.findall(r"<code>(r\d)</code>", res.text) == ["r2"]
    with Session(ctx.db) as session:
        assert repo.list_actions(session) == []


async def test_another_shops_case_answers_404_like_a_missing_one(client: Browser, ctx: ServiceContext,
                                                          setup: dict[str, Any]) -> None:
    rid = setup["ids"]["r1"]
    await login(client, setup["tokens"]["shop-b"], rep="eve")
    assert "r1" not in (await client.get("/ui/queue")).text
    other, missing = await client.get(f"/ui/queue/{rid}"), await client.get(f"/ui/queue/{NOWHERE}")
    assert other.status_code == missing.status_code == 404
    assert other.text.replace(rid, "N") == missing.text.replace(NOWHERE, "N")
    csrf = csrf_of((await client.get("/ui/queue")).text)
    assert (await client.post(f"/ui/queue/{rid}/accept", data={"csrf": csrf})).status_code == 404
    assert (await client.post(f"/ui/queue/{rid}/edit", data={"csrf": csrf, "reply": "x"})).status_code == 404
    assert status_of(ctx, rid) == "pending"
    bearer = {"Authorization": f"Bearer {setup['tokens']['shop-b']}"}
    api = await client.get(f"/queue/{NOWHERE}", headers=bearer)
    assert api.json() == {"detail": "not found"}  # the API's 404 is still JSON


async def test_language_from_the_query_the_cookie_or_the_browser(client: Browser,
                                                                 setup: dict[str, Any]) -> None:
    await login(client, setup["tokens"]["shop-a"])
    assert "Queue" in (await client.get("/ui/queue")).text
    zh = await client.get("/ui/queue", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert "待审队列" in zh.text and 'lang="zh-CN"' in zh.text
    assert "待审队列" in (await client.get("/ui/queue?lang=zh")).text
    assert "待审队列" in (await client.get("/ui/queue")).text  # remembered
    assert "Queue" in (await client.get("/ui/queue?lang=en", headers={"Accept-Language": "zh-CN"})).text
    assert pick(None, None, "en;q=0.5, zh-TW;q=0.8") == "zh"
    assert pick(None, None, "fr, de") == "en" and pick("xx", None, None) == "en"


def test_time_left_to_a_deadline_reads_like_the_cli() -> None:
    from datetime import UTC, datetime, timedelta

    from marketplace_returns.service.web.i18n import Messages
    from marketplace_returns.service.web.routes import _left

    now = datetime(2026, 11, 11, tzinfo=UTC)
    en, zh = Messages("en"), Messages("zh")
    assert _left(en, now + timedelta(hours=2, minutes=52, seconds=30), now) == "2h 52m left"
    assert _left(en, now + timedelta(days=1, hours=4, minutes=5), now) == "1d 4h left"
    assert _left(zh, now + timedelta(minutes=5), now) == "剩余 0h 5m"
    assert _left(en, now - timedelta(seconds=1), now) == "overdue" and _left(en, None, now) == ""


def test_both_languages_have_every_message() -> None:
    assert set(MESSAGES["zh"]) == set(MESSAGES["en"])
    assert all(v.strip() for table in MESSAGES.values() for v in table.values())


async def test_tasks_listed_closed_and_handed_on_per_shop(
        client: Browser, app: Any, ctx: ServiceContext, setup: dict[str, Any]) -> None:
    rid1, rid2 = setup["ids"]["r1"], setup["ids"]["r2"]
    await login(client, setup["tokens"]["shop-a"])
    csrf = csrf_of((await client.get(f"/ui/queue/{rid1}")).text)
    for rid in (rid1, rid2):  # an escalation is work by hand: the accept opens a task
        res = await client.post(f"/ui/queue/{rid}/edit", data={"csrf": csrf, "action": "escalate"},
                          follow_redirects=False)
        assert res.headers["location"] == "/ui/queue?done=done_task"
    page = await client.get("/ui/tasks")
    ids = re.findall(r'<tr data-id="(tk_[\w-]+)"', page.text)
    assert len(ids) == 2 and "escalate" in page.text
    done = await client.post(f"/ui/tasks/{ids[0]}/done", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303
    moved = await client.post(f"/ui/tasks/{ids[1]}/reassign", data={"csrf": csrf, "to": "bob"})
    assert moved.status_code == 200 and ">bob<" in moved.text
    again = await client.post(f"/ui/tasks/{ids[0]}/done", data={"csrf": csrf})
    assert again.status_code == 409
    with Session(ctx.db) as session:
        rows = {t.id: t for t in tasks.list_tasks(session, now=ctx.now(), status=None)}
    assert (rows[ids[0]].status, rows[ids[0]].done_by) == ("done", "ann")
    assert (rows[ids[1]].status, rows[ids[1]].assignee) == ("open", "bob")
    async with browser(app) as eve:
        await login(eve, setup["tokens"]["shop-b"], rep="eve")
        assert f'data-id="{ids[1]}"' not in (await eve.get("/ui/tasks")).text
        csrf_b = csrf_of((await eve.get("/ui/tasks")).text)
        assert (await eve.post(f"/ui/tasks/{ids[1]}/reassign", data={"csrf": csrf_b, "to": "eve"})
                ).status_code == 404
        assert (await eve.post(f"/ui/tasks/{ids[1]}/done", data={"csrf": csrf_b})).status_code == 404
