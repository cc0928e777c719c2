"""The review page ``run`` serves: log in with the shop's token, read the queue and a suggestion, accept
(as is or changed) or reject, close manual tasks; one shop only, escaped, same-site forms, zh or en."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from marketplace_returns.security.tokens import issue_token
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.poller import poll_shop
from marketplace_returns.service.runner import build_app
from service_db import migrated
from service_fakes import T0, FakeClock, make_context
from test_tasks import NoExchange


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[ServiceContext]:
    platform = NoExchange()
    platform.add("r1", reason="manual", price="80", message="<script>alert(1)</script> 衣服破了",
                 deadline=T0 + timedelta(hours=30))
    platform.add("r2", reason="manual", price="50", deadline=T0 + timedelta(hours=40))
    with migrated("sqlite", tmp_path, None) as url:
        c = make_context(url, platform, FakeClock(), shops=("shop-a", "shop-b"))
        yield c
        c.db.dispose()


@pytest.fixture
async def setup(ctx: ServiceContext) -> dict[str, Any]:
    await poll_shop(ctx, "shop-a")
    with Session(ctx.db) as session:
        tokens = {s: issue_token(session, shop_id=s) for s in ("shop-a", "shop-b")}
        session.commit()
        ids = {c.refund_id: d.id for d, c in repo.list_queue(session, shop_id="shop-a")}
    return {"tokens": tokens, "ids": ids}


@pytest.fixture
async def browser(ctx: ServiceContext) -> AsyncIterator[httpx.AsyncClient]:
    app, _ = build_app(ctx)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://review.test") as c:
        yield c


async def login(browser: httpx.AsyncClient, token: str) -> None:
    r = await browser.post("/review/login", data={"token": token})
    assert r.status_code == 303 and "mr_review" in r.headers["set-cookie"]
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


async def test_login_then_queue_and_a_suggestion_escaped(browser: httpx.AsyncClient,
                                                         setup: dict[str, Any]) -> None:
    page = await browser.get("/review")
    assert page.status_code == 200 and 'name="token"' in page.text
    bad = await browser.post("/review/login", data={"token": "mrt_nope"})
    assert bad.status_code == 401 and "unknown token" in bad.text
    await login(browser, setup["tokens"]["shop-a"])
    page = await browser.get("/review")
    assert "shop-a" in page.text and "r1" in page.text and "r2" in page.text
    item = await browser.get(f"/review/{setup['ids']['r1']}")
    assert item.status_code == 200
    assert "<script>alert(1)</script>" not in item.text and "&lt;script&gt;" in item.text
    assert "衣服破了" in item.text


async def test_another_shops_item_is_not_found(browser: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    await login(browser, setup["tokens"]["shop-b"])
    assert (await browser.get(f"/review/{setup['ids']['r1']}")).status_code == 404
    r = await browser.post(f"/review/{setup['ids']['r1']}/accept", data={"rep": "eve"})
    assert r.status_code == 404


async def test_accepting_an_exchange_opens_a_task_closed_on_the_tasks_page(
        browser: httpx.AsyncClient, setup: dict[str, Any], ctx: ServiceContext) -> None:
    await login(browser, setup["tokens"]["shop-a"])
    rid = setup["ids"]["r1"]
    bad = await browser.post(f"/review/{rid}/accept", data={"rep": "ann", "amount": "abc"})
    assert bad.status_code == 422 and "amount: &#34;abc&#34; is not an amount" in bad.text
    r = await browser.post(f"/review/{rid}/accept", data={"rep": "ann", "action": "exchange", "amount": ""})
    assert r.status_code == 303 and r.headers["location"] == "/review?done=task"
    page = await browser.get("/review?done=task")
    assert "a manual task was opened" in page.text and f'href="/review/{rid}"' not in page.text
    listed = await browser.get("/review/tasks")
    assert "exchange" in listed.text and "r1" in listed.text
    with Session(ctx.db) as session:
        from marketplace_returns.service import tasks

        task_id = tasks.list_tasks(session, now=ctx.now(), shop_id="shop-a")[0].id
    r = await browser.post(f"/review/tasks/{task_id}/done", data={"rep": "ann"})
    assert r.status_code == 303
    assert "no open manual tasks" in (await browser.get("/review/tasks")).text
    with Session(ctx.db) as session:
        events = {(e.event, e.actor) for e in repo.list_audit(session, shop_id="shop-a")}
    assert {("edited", "rep:ann"), ("task_done", "rep:ann")} <= events


async def test_accept_as_suggested_pushes_and_reject_is_recorded(
        browser: httpx.AsyncClient, setup: dict[str, Any], ctx: ServiceContext) -> None:
    await login(browser, setup["tokens"]["shop-a"])
    r = await browser.post(f"/review/{setup['ids']['r1']}/accept", data={"rep": "bo"})
    assert r.headers["location"] == "/review?done=accepted"
    r = await browser.post(f"/review/{setup['ids']['r2']}/reject", data={"rep": "bo", "note": "called"})
    assert r.headers["location"] == "/review?done=rejected"
    with Session(ctx.db) as session:
        assert [a.refund_id for a in repo.list_actions(session, shop_id="shop-a")] == ["r1"]
        events = {(e.event, e.actor) for e in repo.list_audit(session, shop_id="shop-a")}
    assert {("accepted", "rep:bo"), ("rejected", "rep:bo")} <= events


async def test_forms_from_another_site_are_refused_and_chinese_on_request(
        browser: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    await login(browser, setup["tokens"]["shop-a"])
    r = await browser.post(f"/review/{setup['ids']['r1']}/accept", data={"rep": "eve"},
                           headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    zh = await browser.get("/review?lang=zh")
    assert '<html lang="zh">' in zh.text and "待处理退款" in zh.text and "退货退款" in zh.text
    again = await browser.get("/review")  # the choice is kept
    assert '<html lang="zh">' in again.text
    by_header = await browser.get("/review?lang=en")
    assert '<html lang="en">' in by_header.text
