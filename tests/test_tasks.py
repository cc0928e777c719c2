"""Manual tasks: an accepted action the platform cannot carry out is listed until a rep closes it, over
the API (scoped to the token's shop, opaque ``tk_`` ids) and the CLI; the deadline job escalates it; the
report counts it."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlmodel import Session, select
from typer.testing import CliRunner

from marketplace_returns.cli import app as cli_app
from marketplace_returns.connectors.base import ActionSupport, Capabilities
from marketplace_returns.models.vocabulary import Action
from marketplace_returns.service import repository as repo
from marketplace_returns.service import tasks
from marketplace_returns.service.api import create_app
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.deadlines import run_deadlines
from marketplace_returns.service.poller import poll_shop
from marketplace_returns.service.tables import Shop, new_public_id
from service_db import migrated
from service_fakes import T0, FakeClock, FakeConnector, make_context, polled_with_tokens

DEADLINE = T0 + timedelta(hours=48)


@dataclass
class NoExchange(FakeConnector):
    """A platform with no exchange API (TOP): an accepted exchange is a rep's job."""

    def capabilities(self) -> Capabilities:
        return Capabilities(platform=self.platform, actions={
            a: ActionSupport(action=a, supported=a is not Action.EXCHANGE,
                             how="no API; arrange it with the buyer" if a is Action.EXCHANGE else "api")
            for a in Action})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ctx(tmp_path: Path, clock: FakeClock) -> Iterator[ServiceContext]:
    platform = NoExchange()
    platform.add("r1", reason="manual", price="80", deadline=DEADLINE)
    platform.add("r2", reason="manual", price="50", deadline=DEADLINE + timedelta(hours=1))
    with migrated("sqlite", tmp_path, None) as url:
        c = make_context(url, platform, clock, shops=("shop-a", "shop-b"))
        yield c
        c.db.dispose()


@pytest.fixture
async def setup(ctx: ServiceContext) -> dict[str, Any]:
    return await polled_with_tokens(ctx)


@pytest.fixture
async def client(ctx: ServiceContext) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def edit(client: httpx.AsyncClient, headers: dict[str, str], decision_id: str, rep: str,
               action: str) -> httpx.Response:
    body = {"rep": rep, "action": action}
    return await client.post(f"/queue/{decision_id}/edit", headers=headers, json=body)


async def test_an_unsupported_accept_opens_a_task_listed_until_done(
        client: httpx.AsyncClient, setup: dict[str, Any], ctx: ServiceContext) -> None:
    a, b = auth(setup["tokens"]["shop-a"]), auth(setup["tokens"]["shop-b"])
    r = await edit(client, a, setup["ids"]["r1"], "ann", "exchange")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outbox_id"] is None and body["task_id"] is not None
    assert re.fullmatch(r"tk_[A-Za-z0-9_-]{16}", body["task_id"])
    listed = (await client.get("/tasks", headers=a)).json()
    assert [(t["id"], t["refund_id"], t["action"], t["assignee"], t["status"]) for t in listed] == [
        (body["task_id"], "r1", "exchange", "ann", "open")]
    # its case and decision by their opaque ids too, the ones the queue publishes
    case_id = (await client.get(f"/queue/{setup['ids']['r1']}", headers=a)).json()["case_id"]
    assert (listed[0]["case_id"], listed[0]["decision_id"]) == (case_id, setup["ids"]["r1"])
    assert listed[0]["due_at"].startswith(DEADLINE.isoformat()[:16])  # by the platform's deadline
    assert "arrange it with the buyer" in listed[0]["what"]
    # another shop sees nothing and cannot touch it (same answer as a missing task)
    assert (await client.get("/tasks", headers=b)).json() == []
    stolen = await client.post(f"/tasks/{body['task_id']}/done", headers=b, json={"rep": "eve"})
    missing = await client.post(f"/tasks/{new_public_id('tk_')}/done", headers=b, json={"rep": "eve"})
    assert (stolen.status_code, stolen.json()) == (missing.status_code, missing.json()) == (
        404, {"detail": "not found"})
    assert (await client.get("/tasks")).status_code == 401

    moved = await client.post(f"/tasks/{body['task_id']}/reassign", headers=a,
                              json={"rep": "ann", "to": "bo"})
    assert moved.status_code == 200 and moved.json()["assignee"] == "bo"
    assert (await client.get("/tasks", headers=a, params={"assignee": "ann"})).json() == []
    done = await client.post(f"/tasks/{body['task_id']}/done", headers=a, json={"rep": "bo", "note": "sent"})
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["done_by"] == "bo"
    assert (await client.get("/tasks", headers=a)).json() == []
    assert len((await client.get("/tasks", headers=a, params={"status": "all"})).json()) == 1
    again = await client.post(f"/tasks/{body['task_id']}/done", headers=a, json={"rep": "bo"})
    assert again.status_code == 409
    with Session(ctx.db) as session:
        events = [e.event for e in repo.list_audit(session, shop_id="shop-a")]
    assert {"manual_action", "task_opened", "task_reassigned", "task_done"} <= set(events)


@pytest.mark.parametrize("verb", ["done", "reassign"])
async def test_a_foreign_task_id_answers_exactly_like_a_missing_one(
        client: httpx.AsyncClient, setup: dict[str, Any], ctx: ServiceContext, verb: str) -> None:
    await poll_shop(ctx, "shop-b")
    with Session(ctx.db) as session:
        theirs = {c.refund_id: d.public_id for d, c in repo.list_queue(session, shop_id="shop-b")}
    b = auth(setup["tokens"]["shop-b"])
    foreign = (await edit(client, b, theirs["r1"], "bo", "exchange")).json()["task_id"]
    assert foreign is not None
    a = auth(setup["tokens"]["shop-a"])
    body = {"rep": "eve"} if verb == "done" else {"rep": "eve", "to": "eve"}
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    answers = []
    for task_id in (foreign, new_public_id("tk_")):
        seen.clear()
        event.listen(ctx.db, "before_cursor_execute", record)
        try:
            r = await client.post(f"/tasks/{task_id}/{verb}", headers=a, json=body)
        finally:
            event.remove(ctx.db, "before_cursor_execute", record)
        answers.append((r.status_code, r.json(), list(seen)))
    assert answers[0][:2] == answers[1][:2] == (404, {"detail": "not found"})
    assert answers[0][2] == answers[1][2]  # the same statements, in the same order
    with Session(ctx.db) as session:  # and shop-b's task is untouched
        mine = tasks.list_tasks(session, now=ctx.now(), shop_id="shop-b")
    assert [(t.id, t.status, t.assignee) for t in mine] == [(foreign, "open", "bo")]
    # a malformed id is refused by its pattern, like the dc_ routes
    assert (await client.post(f"/tasks/1/{verb}", headers=a, json=body)).status_code == 422


async def test_audit_details_name_the_task_by_its_opaque_id(client: httpx.AsyncClient,
                                                             setup: dict[str, Any]) -> None:
    a = auth(setup["tokens"]["shop-a"])
    task_id = (await edit(client, a, setup["ids"]["r1"], "ann", "exchange")).json()["task_id"]
    await client.post(f"/tasks/{task_id}/done", headers=a, json={"rep": "ann"})
    events = (await client.get("/audit", headers=a)).json()
    named = {e["event"]: (e["detail"] or {}).get("task") for e in events if e["event"].startswith("task_")}
    assert named == {"task_opened": task_id, "task_done": task_id}


async def test_a_supported_accept_opens_no_task(client: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    a = auth(setup["tokens"]["shop-a"])
    r = await client.post(f"/queue/{setup['ids']['r2']}/accept", headers=a, json={"rep": "ann"})
    assert r.json()["outbox_id"] is not None and r.json()["task_id"] is None
    assert (await client.get("/tasks", headers=a)).json() == []


async def test_an_escalation_is_a_task_too(client: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    a = auth(setup["tokens"]["shop-a"])
    r = await edit(client, a, setup["ids"]["r2"], "cy", "escalate")
    assert r.json()["task_id"] is not None
    assert [t["action"] for t in (await client.get("/tasks", headers=a)).json()] == ["escalate"]


async def test_the_deadline_job_escalates_open_tasks_near_their_deadline(
        client: httpx.AsyncClient, setup: dict[str, Any], ctx: ServiceContext, clock: FakeClock) -> None:
    a = auth(setup["tokens"]["shop-a"])
    await edit(client, a, setup["ids"]["r1"], "ann", "exchange")
    await run_deadlines(ctx)
    assert (await client.get("/tasks", headers=a)).json()[0]["escalated"] is False  # 48 h away
    clock.advance(43 * 3600)  # within the default 6 h margin
    await run_deadlines(ctx)
    await run_deadlines(ctx)  # once only
    task = (await client.get("/tasks", headers=a)).json()[0]
    assert task["escalated"] is True and task["overdue"] is False
    clock.advance(6 * 3600)
    assert (await client.get("/tasks", headers=a)).json()[0]["overdue"] is True
    with Session(ctx.db) as session:
        events = [e.event for e in repo.list_audit(session, shop_id="shop-a")]
        assert events.count("task_escalated") == 1
        assert tasks.counts(session, shop_ids=["shop-a"], now=clock()) == {
            "opened": 1, "open": 1, "overdue": 1, "done": 0, "done_late": 0}


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli_app, list(args), env={"COLUMNS": "80"})
    return result.exit_code, result.output


async def test_cli_lists_closes_and_reassigns(client: httpx.AsyncClient, setup: dict[str, Any],
                                              ctx: ServiceContext) -> None:
    a = auth(setup["tokens"]["shop-a"])
    task_id = (await edit(client, a, setup["ids"]["r1"], "ann", "exchange")).json()["task_id"]
    url = str(ctx.db.url)
    code, out = cli("tasks", "list", "--db", url)
    assert code == 0 and "r1" in out and "exchange" in out and "ann" in out
    assert task_id in out  # the same opaque id the API gave, whole
    assert max(len(line) for line in out.splitlines()) <= 80
    assert json.loads(cli("tasks", "list", "--json", "--db", url)[1])[0]["id"] == task_id
    code, out = cli("tasks", "reassign", task_id, "--to", "bo", "--as", "ann", "--db", url)
    assert code == 0 and "bo" in out
    code, out = cli("tasks", "done", task_id, "--shop", "shop-b", "--db", url)
    assert code == 2 and f"no task {task_id}" in out  # another shop's task is not found
    code, out = cli("tasks", "done", task_id, "--as", "bo", "--note", "called", "--db", url)
    assert code == 0 and "done" in out
    code, out = cli("tasks", "done", task_id, "--db", url)
    assert code == 2 and "already done" in out
    assert json.loads(cli("tasks", "list", "--json", "--db", url)[1]) == []


async def test_the_report_counts_manual_tasks(client: httpx.AsyncClient, setup: dict[str, Any],
                                              ctx: ServiceContext, clock: FakeClock) -> None:
    from marketplace_returns.metrics.render_html import render_html
    from marketplace_returns.metrics.report import build_report
    from marketplace_returns.metrics.scope import Scope

    a = auth(setup["tokens"]["shop-a"])
    first = (await edit(client, a, setup["ids"]["r1"], "ann", "exchange")).json()["task_id"]
    await edit(client, a, setup["ids"]["r2"], "ann", "escalate")
    clock.advance(50 * 3600)  # past both deadlines (48 h, 49 h)
    await client.post(f"/tasks/{first}/done", headers=a, json={"rep": "ann"})
    with Session(ctx.db) as session:  # the report reads the platform's metric definitions
        for shop in session.exec(select(Shop)).all():
            shop.platform = "taobao"
            session.add(shop)
        session.commit()
    scope = Scope(since=T0.date(), until=T0.date() + timedelta(days=3), shop_id="shop-a")
    with ctx.db.connect() as conn:
        report = build_report(conn, scope, now=clock())
        other = build_report(conn, replace(scope, shop_id="shop-b"), now=clock())
    assert report.tasks == {"opened": 2, "open": 1, "overdue": 1, "done": 1, "done_late": 1}
    assert other.tasks["opened"] == 0
    assert "2 opened in the period: 1 open (1 past the platform's deadline), 1 done (1 after it)" \
        in render_html(report)


def test_cli_accept_of_an_exchange_on_taobao_says_where_the_task_is(tmp_path: Path) -> None:
    from test_queue_cli import SHOPS, _seed

    url = f"sqlite:///{tmp_path / 'q.db'}"
    shops = tmp_path / "shops.yaml"
    shops.write_text(SHOPS, encoding="utf-8")
    cli("shops", "add", str(shops), "--db", url)
    ids = _seed(url)
    code, out = cli("queue", "edit", ids["r-edit"], "--action", "exchange", "--as", "ann", "--db", url)
    assert code == 0, out
    listed = json.loads(cli("tasks", "list", "--json", "--db", url)[1])
    assert [(t["refund_id"], t["action"], t["assignee"]) for t in listed] == [("r-edit", "exchange", "ann")]
    assert f"manual task {listed[0]['id']}" in out and f"tasks done {listed[0]['id']}" in out
    assert "nothing to push" not in out


async def test_a_buyer_purge_masks_the_reply_kept_in_a_task(client: httpx.AsyncClient, setup: dict[str, Any],
                                                            ctx: ServiceContext) -> None:
    from marketplace_returns.security.purge import purge_buyer
    from marketplace_returns.service.tables import CaseRecord

    a = auth(setup["tokens"]["shop-a"])
    r = await client.post(f"/queue/{setup['ids']['r1']}/edit", headers=a, json={
        "rep": "ann", "action": "exchange", "reply": "您好，换货会寄到您留的电话13812345678对应的地址。"})
    task_id = r.json()["task_id"]
    with Session(ctx.db) as session:
        case = session.exec(select(CaseRecord).where(CaseRecord.refund_id == "r1")).one()
        case.buyer_id = "buyer-42"
        session.add(case)
        session.commit()
        purge_buyer(session, buyer_id="buyer-42")
        session.commit()
        task = session.exec(select(tasks.ManualTask).where(tasks.ManualTask.public_id == task_id)).one()
        assert task.reply_text is not None
        assert "13812345678" not in task.reply_text and "138****5678" in task.reply_text
