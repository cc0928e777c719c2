"""What the outbox does when the platform is slow or has moved: nothing approved is lost or doubled.

* a push answered "stale" sends its case back to triage on the next poll (a new decision version in the
  queue, an audit event saying why), even when the listing never shows the refund again;
* a write whose outcome is unknown (timed out) is not sent again until the platform was asked;
* a push in flight keeps its claim (heartbeat), and a holder whose claim lapsed cannot close the row
  (fencing by ``lease_epoch``);
* an answer older than the stored state (a lagging replica) neither rolls the case back nor is triaged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from marketplace_returns.connectors.base import ActionOutcome
from marketplace_returns.errors import PlatformRejected, PlatformUnavailable, WriteOutcomeUnknown
from marketplace_returns.service import queue
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext, utcnow
from marketplace_returns.service.db import session_scope
from marketplace_returns.service.poller import poll_shop
from marketplace_returns.service.pusher import push_due
from marketplace_returns.service.tables import CaseRecord, OutboxAction
from service_db import migrated
from service_fakes import FakeClock, FakeConnector, make_context


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with migrated("sqlite", tmp_path, None) as u:
        yield u


def _events(ctx: ServiceContext) -> list[str]:
    with Session(ctx.db) as session:
        return [e.event for e in repo.list_audit(session, shop_id="shop-a", limit=1000)]


def _actions(ctx: ServiceContext) -> list[OutboxAction]:
    with Session(ctx.db) as session:
        return repo.list_actions(session)


def _accept_all(ctx: ServiceContext) -> int:
    with Session(ctx.db) as session:
        ids = [i.id for i in queue.list_pending(session)]
    for decision_id in ids:
        with session_scope(ctx.db) as session:
            queue.accept(session, ctx, decision_id=decision_id, rep="ann", now=ctx.now())
    return len(ids)


async def test_a_stale_push_goes_back_to_triage_with_the_refunds_new_state(url: str) -> None:
    platform = FakeConnector()
    platform.add("r1", reason="manual", message="it broke")
    ctx = make_context(url, platform, FakeClock())
    assert (await poll_shop(ctx, "shop-a")).decisions == 1
    assert _accept_all(ctx) == 1  # the seller approved a return
    platform.answer = ActionOutcome.STALE  # ...but the buyer edited the request meanwhile
    platform.refunds["r1"].update(version="2", message="it broke, and the box was open")
    await push_due(ctx)
    [row] = _actions(ctx)
    assert (row.status, row.outcome) == ("done", "stale")

    platform.answer = None
    report = await poll_shop(ctx, "shop-a")  # the listing's cursor is past r1: only the flag brings it back
    assert report.error is None and report.decisions == 1
    with Session(ctx.db) as session:
        [case] = repo.list_cases(session, shop_id="shop-a")
        assert case.id is not None
        versions = repo.list_decisions(session, case_id=case.id)
        waiting = queue.list_pending(session)
        assert case.retriage_reason is None
        assert case.platform_version == "2" and case.message == "it broke, and the box was open"
    assert [(d.version, d.status) for d in versions] == [(1, "accepted"), (2, "pending")]
    assert [w.version for w in waiting] == [2]
    events = _events(ctx)
    assert events.index("stale_push") < events.index("retriaged")
    with Session(ctx.db) as session:
        [retriaged] = [e for e in repo.list_audit(session, shop_id="shop-a") if e.event == "retriaged"]
    assert retriaged.detail is not None and "stale" in retriaged.detail["why"]
    assert retriaged.detail["version"] == 2

    assert (await poll_shop(ctx, "shop-a")).decisions == 0  # flag cleared: no third version
    ctx.db.dispose()


async def test_a_stale_push_on_a_refund_that_closed_says_so_in_the_audit_log(url: str) -> None:
    platform = FakeConnector()
    platform.add("r1", reason="manual")
    ctx = make_context(url, platform, FakeClock())
    await poll_shop(ctx, "shop-a")
    _accept_all(ctx)
    platform.answer = ActionOutcome.STALE
    await push_due(ctx)
    original = platform._fetched

    def closed(raw: dict[str, object]):  # type: ignore[no-untyped-def]
        return original(raw).model_copy(update={"platform_status": "CLOSED", "version": "3"})

    platform._fetched = closed  # type: ignore[method-assign]
    await poll_shop(ctx, "shop-a")
    with Session(ctx.db) as session:
        [case] = session.exec(select(CaseRecord)).all()
        [event] = [e for e in repo.list_audit(session, shop_id="shop-a") if e.event == "retriaged"]
    assert case.retriage_reason is None
    assert event.detail is not None and "closed" in event.detail["outcome"]
    ctx.db.dispose()


async def test_a_write_with_an_unknown_outcome_is_looked_up_before_it_is_sent_again(url: str) -> None:
    platform = FakeConnector()
    platform.add("r1", reason="auto")
    clock = FakeClock()
    ctx = make_context(url, platform, clock, backoff_base_s=1.0, unknown_settle=timedelta(seconds=30))
    platform.errors = [WriteOutcomeUnknown("timed out", platform="fake")]
    await poll_shop(ctx, "shop-a")
    report = await push_due(ctx)
    assert report.retried == 1
    [row] = _actions(ctx)
    assert row.status == "sending"  # not "pending": a plain retry would write again while it may land
    clock.advance(5)  # past the backoff, within the settle window
    assert (await push_due(ctx)).claimed == 0
    platform.applied["r1"] = ["refund_without_return"]  # the slow write landed after the client gave up
    clock.advance(30)
    report = await push_due(ctx)
    assert (report.claimed, report.recovered) == (1, 1)
    assert platform.apply_calls == 1 and platform.find_calls == 1
    [row] = _actions(ctx)
    assert (row.status, row.outcome) == ("done", "already_done")
    assert "push_unknown" in _events(ctx)
    ctx.db.dispose()


async def test_a_holder_whose_claim_was_taken_over_cannot_close_the_row(url: str) -> None:
    platform = FakeConnector()
    platform.add("r1", reason="auto")
    clock = FakeClock()
    ctx = make_context(url, platform, clock)
    await poll_shop(ctx, "shop-a")
    with session_scope(ctx.db) as session:
        [(first, _)] = repo.claim_actions(session, worker="w1", now=clock(), lease=timedelta(seconds=10))
        old_epoch = first.lease_epoch
    clock.advance(11)  # its lease lapsed while its call was in flight; the same worker name claims again
    with session_scope(ctx.db) as session:
        [(second, recovering)] = repo.claim_actions(session, worker="w1", now=clock(),
                                                    lease=timedelta(seconds=10))
        assert recovering and second.lease_epoch == old_epoch + 1
    with session_scope(ctx.db) as session:
        assert first.id is not None
        assert not repo.mark_done(session, action_id=first.id, outcome="applied", response=None, now=clock(),
                                  worker="w1", epoch=old_epoch)
        assert not repo.renew_claim(session, action_id=first.id, worker="w1", epoch=old_epoch,
                                    until=clock() + timedelta(seconds=10))
        assert repo.mark_done(session, action_id=first.id, outcome="applied", response=None, now=clock(),
                              worker="w1", epoch=second.lease_epoch)
    ctx.db.dispose()


async def test_a_slow_push_keeps_its_claim_so_no_other_worker_sends_it_again(url: str) -> None:
    platform = FakeConnector(apply_delay=1.2)
    platform.add("r1", reason="auto")
    lease = timedelta(seconds=0.4)
    one = make_context(url, platform, FakeClock(), worker="w1")
    one.clock = utcnow
    one.push_lease = lease
    two = make_context(url, platform, FakeClock(), worker="w2")
    two.clock = utcnow
    two.push_lease = lease
    await poll_shop(one, "shop-a")

    async def second_worker() -> int:
        await asyncio.sleep(0.8)  # twice the lease: without a heartbeat the claim looks dead
        return (await push_due(two)).claimed

    first, taken = await asyncio.gather(push_due(one), second_worker())
    assert first.done == 1 and taken == 0
    assert platform.apply_calls == 1 and platform.find_calls == 0
    [row] = _actions(one)
    assert (row.status, row.outcome, row.claimed_by) == ("done", "applied", "w1")
    one.db.dispose()
    two.db.dispose()


async def test_a_stale_case_the_platform_will_not_give_back_is_not_retried_forever(url: str) -> None:
    platform = FakeConnector()
    platform.add("r1", reason="manual")
    ctx = make_context(url, platform, FakeClock())
    await poll_shop(ctx, "shop-a")
    _accept_all(ctx)
    platform.answer = ActionOutcome.STALE
    await push_due(ctx)
    platform.get_errors = [PlatformUnavailable("503", platform="fake")]
    first = await poll_shop(ctx, "shop-a")  # a passing outage: the flag waits, the poll is not failed
    assert first.error is None
    with Session(ctx.db) as session:
        [case] = session.exec(select(CaseRecord)).all()
        assert case.retriage_reason is not None
    platform.get_errors = [PlatformRejected("isv.refund-not-exist", platform="fake")]
    await poll_shop(ctx, "shop-a")
    with Session(ctx.db) as session:
        [case] = session.exec(select(CaseRecord)).all()
        [event] = [e for e in repo.list_audit(session, shop_id="shop-a") if e.event == "retriaged"]
    assert case.retriage_reason is None
    assert event.detail is not None and "refused the read" in event.detail["outcome"]
    ctx.db.dispose()


async def test_a_lagging_answer_neither_rolls_the_case_back_nor_is_triaged(url: str) -> None:
    platform = FakeConnector()
    clock = FakeClock()
    now = clock()
    platform.add("r1", reason="manual", message="the zip broke on day two", version="2", updated=now)
    ctx = make_context(url, platform, clock)
    assert (await poll_shop(ctx, "shop-a")).decisions == 1
    with session_scope(ctx.db) as session:
        [case] = repo.list_cases(session, shop_id="shop-a")
        assert case.id is not None
        repo.flag_retriage(session, case_id=case.id, reason="push answered stale")
    old = {**platform.refunds["r1"], "version": "1", "message": "the zip",
           "updated": (now - timedelta(minutes=5)).isoformat()}
    platform.lagging = [old]
    report = await poll_shop(ctx, "shop-a")
    assert report.error is None and report.decisions == 0 and report.older_reads == 1
    with Session(ctx.db) as session:
        [case] = repo.list_cases(session, shop_id="shop-a")
        assert case.platform_version == "2" and case.message == "the zip broke on day two"
        assert case.retriage_reason is not None  # the flag waits for an answer at least as new
    report = await poll_shop(ctx, "shop-a")
    assert report.decisions == 1 and report.older_reads == 0
    with Session(ctx.db) as session:
        [case] = repo.list_cases(session, shop_id="shop-a")
        assert case.retriage_reason is None
    ctx.db.dispose()
