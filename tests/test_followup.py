"""The goods-back follow-up: one new decision version per goods-back transition (not per poll), only
after a pushed return; waiting for a rep unless the shop opts in; a rep's amount never above the ask."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from marketplace_returns.connectors.base import FetchBatch, FetchedCase, ShopConfig
from marketplace_returns.errors import InputError
from marketplace_returns.models import Case
from marketplace_returns.service import followup, queue
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.db import session_scope
from marketplace_returns.service.deadlines import run_deadlines
from marketplace_returns.service.poller import poll_shop
from marketplace_returns.service.pusher import push_due
from marketplace_returns.service.tables import CaseRecord, DecisionRecord, Shop
from service_db import migrated
from service_fakes import FakeClock, FakeConnector, make_context

BACK = "WAIT_SELLER_CONFIRM_GOODS"


class StatusConnector(FakeConnector):
    """The fake platform, with a status and a requested amount per refund."""

    def _fetched(self, raw: dict[str, Any]) -> FetchedCase:
        base = super()._fetched(raw)
        assert base.case is not None
        case = Case.model_validate({**base.case.model_dump(), "refund_amount": Decimal("15")})
        return base.model_copy(update={"case": case, "platform_status": raw.get("status", "OPEN")})

    async def fetch_changed(self, shop: ShopConfig, since_cursor: str | None, *,
                            known: Any = None) -> AsyncIterator[FetchBatch]:
        async for batch in super().fetch_changed(shop, None, known=known):  # always the whole list
            yield batch

    def move(self, refund_id: str, status: str) -> None:
        raw = self.refunds[refund_id]
        raw["status"], raw["version"] = status, str(int(raw["version"]) + 1)


@pytest.fixture
def platform() -> StatusConnector:
    conn = StatusConnector()
    conn.add("ret", reason="manual")  # the fake engine suggests return_and_refund, for a rep
    conn.add("rwr", reason="auto")  # refund without return, automatic
    conn.add("rej", reason="manual")
    return conn


@pytest.fixture
def ctx(tmp_path: Path, platform: StatusConnector) -> Iterator[ServiceContext]:
    with migrated("sqlite", tmp_path, None) as url:
        c = make_context(url, platform, FakeClock())
        yield c
        c.db.dispose()


def _decisions(ctx: ServiceContext, refund_id: str) -> list[DecisionRecord]:
    with Session(ctx.db) as session:
        case = session.exec(select(CaseRecord).where(CaseRecord.refund_id == refund_id)).one()
        assert case.id is not None
        return repo.list_decisions(session, case_id=case.id)


async def _settle(ctx: ServiceContext) -> None:
    """Poll, a rep accepts ``ret`` and rejects ``rej``, push everything."""
    assert (await poll_shop(ctx, "shop-a")).decisions == 3
    for refund_id, verdict in (("ret", "accept"), ("rej", "reject")):
        [d] = _decisions(ctx, refund_id)
        assert d.id is not None
        with session_scope(ctx.db) as session:
            if verdict == "accept":
                queue.accept(session, ctx, decision_id=d.id, rep="ann", now=ctx.now())
            else:
                queue.reject(session, decision_id=d.id, rep="ann", now=ctx.now())
    while (await push_due(ctx)).claimed:
        pass


async def test_goods_back_gets_one_followup_and_only_after_a_pushed_return(
        ctx: ServiceContext, platform: StatusConnector) -> None:
    await _settle(ctx)
    with session_scope(ctx.db) as session:  # the first wait had been escalated
        case = session.exec(select(CaseRecord).where(CaseRecord.refund_id == "ret")).one()
        case.escalated_at = ctx.now()
        session.add(case)
    for refund_id in ("ret", "rwr", "rej"):
        platform.move(refund_id, BACK)
    platform.refunds["ret"]["deadline"] = (ctx.now() + timedelta(hours=1)).isoformat()
    report = await poll_shop(ctx, "shop-a")
    assert report.decisions == 1
    first, follow = _decisions(ctx, "ret")
    assert (first.status, follow.rule) == ("accepted", followup.RULE)
    assert (follow.status, follow.version) == ("pending", 2)
    assert (follow.action, follow.amount) == ("return_and_refund", Decimal("15.00"))
    evidence = (follow.decision_json or {})["classification"]["evidence"]
    assert any(e.startswith("agreed: return_and_refund") for e in evidence)
    assert [d.rule for d in _decisions(ctx, "rwr")] == ["rule-auto"]  # a refund without return: nothing
    assert [d.status for d in _decisions(ctx, "rej")] == ["rejected"]  # a rejected return: nothing

    assert await run_deadlines(ctx) == 0  # the follow-up's deadline nears: escalated, like any wait
    with Session(ctx.db) as session:
        audit = repo.list_audit(session, shop_id="shop-a")
        events = [e.detail for e in audit if e.event == "deadline_escalated"]
    assert [(d or {}).get("version") for d in events] == [2]

    platform.move("ret", BACK)  # the record moves again (a buyer's note) in the same state
    assert (await poll_shop(ctx, "shop-a")).decisions == 0
    assert [d.status for d in _decisions(ctx, "ret")] == ["accepted", "pending"]  # not superseded

    assert follow.id is not None
    with session_scope(ctx.db) as session, pytest.raises(InputError, match="above the requested"):
        queue.accept(session, ctx, decision_id=follow.id, rep="ann", now=ctx.now(),
                     edit=queue.Edit(amount=Decimal("16")))
    with session_scope(ctx.db) as session:  # a deduction for damaged goods
        row = queue.accept(session, ctx, decision_id=follow.id, rep="ann", now=ctx.now(),
                           edit=queue.Edit(amount=Decimal("12")))
        assert row is not None
        key, amount = row.idempotency_key, row.amount
    with Session(ctx.db) as session:
        keys = {a.idempotency_key for a in repo.list_actions(session) if a.refund_id == "ret"}
    assert len(keys) == 2 and key in keys and amount == Decimal("12")
    assert (await push_due(ctx)).done == 1  # the platform's side is judged by the sandbox e2e
    with Session(ctx.db) as session:
        sent = [a for a in repo.list_actions(session) if a.idempotency_key == key]
    assert [(a.status, a.amount) for a in sent] == [("done", Decimal("12.00"))]


async def test_a_shop_that_opts_in_pushes_the_followup_itself(ctx: ServiceContext,
                                                               platform: StatusConnector) -> None:
    with session_scope(ctx.db) as session:
        shop = session.get(Shop, "shop-a")
        assert shop is not None
        shop.auto_rules = ["rule-auto", followup.RULE]
        session.add(shop)
    await _settle(ctx)
    platform.move("ret", BACK)
    assert (await poll_shop(ctx, "shop-a")).decisions == 1
    assert [d.status for d in _decisions(ctx, "ret")] == ["accepted", "auto"]
    assert (await push_due(ctx)).done == 1
    assert (await poll_shop(ctx, "shop-a")).decisions == 0


async def test_a_rep_reads_the_followups_rationale_and_evidence_in_chinese(
        ctx: ServiceContext, platform: StatusConnector) -> None:
    import httpx
    from rich.console import Console

    from marketplace_returns import i18n
    from marketplace_returns.cli.queue_views import card
    from marketplace_returns.security.tokens import issue_token
    from marketplace_returns.service.api import create_app

    await _settle(ctx)
    platform.move("ret", BACK)
    assert (await poll_shop(ctx, "shop-a")).decisions == 1
    follow = _decisions(ctx, "ret")[-1]
    english = (follow.decision_json or {})["recommendation"]["rationale"]
    assert english.startswith("goods back: inspect and refund; agreed: return_and_refund (decision v1, ")

    with Session(ctx.db) as session:  # the CLI's card
        found = repo.load_decision(session, public_id=follow.public_id or "")
        assert found is not None
        detail = queue.public_detail(session, *found)
    console = Console(record=True, width=200)
    i18n.set_lang("zh")
    try:
        console.print(card(detail, ctx.now()))
    finally:
        i18n.set_lang("en")
    text = console.export_text()
    assert "货已退回：验货后退款；此前同意：退货退款（建议第 1 版，已同意）" in text
    assert "· 申请金额：15" in text and "· 平台截止：平台未给出" in text and "inspect and refund" not in text
    console = Console(record=True, width=200)
    console.print(card(detail, ctx.now()))
    assert "goods back: inspect and refund; agreed: return_and_refund" in console.export_text()

    with Session(ctx.db) as session:  # the review page, in the page's own language
        token = issue_token(session, shop_id="shop-a")
        session.commit()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(ctx)),
                                 base_url="http://testserver", follow_redirects=True) as client:
        page = (await client.get("/ui/login")).text
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        await client.post("/ui/login", data={"csrf": csrf, "token": token, "rep": "ann"})
        zh = (await client.get(f"/ui/queue/{follow.public_id}?lang=zh")).text
        en = (await client.get(f"/ui/queue/{follow.public_id}?lang=en")).text
    assert '<p id="rationale">货已退回：验货后退款；此前同意：退货退款' in zh
    assert "<li>此前同意：退货退款（建议第 1 版，已同意）</li>" in zh
    assert '<p id="rationale">goods back: inspect and refund; agreed: return_and_refund' in en
