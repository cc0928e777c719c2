"""End to end over the sandbox: an agreed return comes back as WAIT_SELLER_CONFIRM_GOODS, the service
queues one follow-up ("goods back: inspect and refund"), a rep accepts, and the marketplace records
exactly one confirm-and-refund with the refund SUCCESS."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from marketplace_returns.service import followup, queue
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.db import session_scope
from marketplace_returns.service.poller import poll_shop
from marketplace_returns.service.pusher import push_due
from marketplace_returns.service.tables import CaseRecord, DecisionRecord
from service_db import migrated
from service_sandbox import Running, sandbox, service_context

pytestmark = pytest.mark.e2e
SHOPS = ("demo-tb", "demo-tm")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    base = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with migrated(request.param, tmp_path, base) as url:
        yield url


async def _drain(ctx: ServiceContext) -> None:
    while (await push_due(ctx)).claimed:
        pass


@pytest.mark.timeout(120)
async def test_goods_back_is_followed_up_once_and_the_accept_refunds_once(db_url: str) -> None:
    with sandbox(seed=5) as market:
        market.traffic(40, seed=5)
        await _run(db_url, market)


async def _run(db_url: str, market: Running) -> None:
    ctx = service_context(db_url, market)
    try:
        for shop in SHOPS:
            assert (await poll_shop(ctx, shop)).error is None
        await _drain(ctx)
        with Session(ctx.db) as session:  # a rep agrees every suggested return
            returns = [i for i in queue.list_pending(session, limit=200) if i.action == "return_and_refund"]
        assert returns, "the seeded traffic has no suggested return to agree"
        for item in returns:
            with session_scope(ctx.db) as session:
                queue.accept(session, ctx, decision_id=item.id, rep="ann", now=ctx.now())
        await _drain(ctx)
        agreed = {i.refund_id for i in returns}
        assert {r.refund_id for r in market.state.refunds.values()
                if r.status == "WAIT_BUYER_RETURN_GOODS"} >= agreed

        market.state.advance(49 * 3600)  # every buyer has shipped back by now
        back = {r.refund_id for r in market.state.refunds.values() if r.status == "WAIT_SELLER_CONFIRM_GOODS"}
        assert back & agreed
        for shop in SHOPS:
            assert (await poll_shop(ctx, shop)).error is None
        with Session(ctx.db) as session:
            follow = [i for i in queue.list_pending(session, limit=200) if i.rule == followup.RULE]
        assert {i.refund_id for i in follow} == back & agreed

        again = [await poll_shop(ctx, shop) for shop in SHOPS]  # a second poll of the same state: nothing new
        assert sum(r.decisions for r in again) == 0
        with Session(ctx.db) as session:
            rows = session.exec(select(DecisionRecord, CaseRecord)
                                .where(DecisionRecord.case_id == CaseRecord.id,
                                       DecisionRecord.rule == followup.RULE)).all()
        assert Counter(c.refund_id for _, c in rows) == Counter({rid: 1 for rid in back & agreed})

        item = follow[0]
        with session_scope(ctx.db) as session:
            assert queue.accept(session, ctx, decision_id=item.id, rep="ann", now=ctx.now()) is not None
        await _drain(ctx)
        await _drain(ctx)
        mine = [a for a in market.actions() if a["refund_id"] == item.refund_id and a["outcome"] == "applied"]
        assert [a["action"] for a in mine].count("confirm_goods") == 1
        assert market.state.refunds[item.refund_id].status == "SUCCESS"
    finally:
        await ctx.aclose()
        ctx.db.dispose()
