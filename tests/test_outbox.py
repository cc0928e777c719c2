"""The outbox pusher with a fake clock and a fake platform: every answer lands in the right state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from marketplace_returns.connectors.base import ActionOutcome
from marketplace_returns.errors import PlatformRejected, PlatformUnavailable, RateLimited, StaleVersion
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.poller import poll_shop
from marketplace_returns.service.pusher import push_due
from marketplace_returns.service.tables import OutboxAction
from service_db import migrated
from service_fakes import FakeClock, FakeConnector, make_context


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with migrated("sqlite", tmp_path, None) as u:
        yield u


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def platform() -> FakeConnector:
    conn = FakeConnector()
    conn.add("r1", reason="auto", message="Sorry, refunded.")
    return conn


@pytest.fixture
def ctx(url: str, platform: FakeConnector, clock: FakeClock) -> Iterator[ServiceContext]:
    c = make_context(url, platform, clock, backoff_base_s=2.0)
    yield c
    c.db.dispose()


def actions(ctx: ServiceContext) -> list[OutboxAction]:
    with Session(ctx.db) as session:
        return repo.list_actions(session)


async def test_auto_action_is_pushed_once_and_recorded(ctx: ServiceContext, platform: FakeConnector) -> None:
    polled = await poll_shop(ctx, "shop-a")
    assert polled.decisions == 1 and polled.error is None
    report = await push_due(ctx)
    assert (report.claimed, report.done) == (1, 1)
    [row] = actions(ctx)
    assert (row.status, row.outcome, row.attempts) == ("done", "applied", 1)
    assert platform.applied == {"r1": ["refund_without_return"]}
    assert (await push_due(ctx)).claimed == 0
    with Session(ctx.db) as session:
        events = [e.event for e in repo.list_audit(session, shop_id="shop-a")]
    assert events.count("pushed") == 1 and "auto_enqueued" in events


@pytest.mark.parametrize("failures", [1, 2, 3])
async def test_transient_errors_retry_with_backoff_on_the_fake_clock(
        ctx: ServiceContext, platform: FakeConnector, clock: FakeClock, failures: int) -> None:
    platform.errors = [PlatformUnavailable("503", platform="fake") for _ in range(failures)]
    await poll_shop(ctx, "shop-a")
    for attempt in range(1, failures + 1):
        report = await push_due(ctx)
        assert report.retried == 1
        [row] = actions(ctx)
        assert row.status == "pending" and row.attempts == attempt
        wait = (repo.as_utc(row.next_attempt_at) - clock()).total_seconds()  # type: ignore[operator]
        step = 2.0 * 2 ** (attempt - 1)
        assert step / 2 <= wait <= step
        assert (await push_due(ctx)).claimed == 0  # not due yet
        clock.advance(wait + 0.001)
    report = await push_due(ctx)
    assert report.done == 1
    [row] = actions(ctx)
    assert (row.status, row.attempts) == ("done", failures + 1)
    assert platform.applied == {"r1": ["refund_without_return"]}
    assert len({row.idempotency_key}) == 1


async def test_retry_after_hint_wins_over_a_shorter_backoff(ctx: ServiceContext, platform: FakeConnector,
                                                           clock: FakeClock) -> None:
    platform.errors = [RateLimited("ban", platform="fake", retry_after=45)]
    await poll_shop(ctx, "shop-a")
    await push_due(ctx)
    [row] = actions(ctx)
    assert repo.as_utc(row.next_attempt_at) == clock() + timedelta(seconds=45)


@pytest.mark.parametrize("answer", [ActionOutcome.STALE, ActionOutcome.ALREADY_DONE])
async def test_stale_and_already_done_close_as_done(ctx: ServiceContext, platform: FakeConnector,
                                                    answer: ActionOutcome) -> None:
    platform.answer = answer
    await poll_shop(ctx, "shop-a")
    await push_due(ctx)
    [row] = actions(ctx)
    assert (row.status, row.outcome) == ("done", answer.value)
    assert row.platform_response is not None and row.platform_response["outcome"] == answer.value


async def test_stale_version_error_closes_as_done(ctx: ServiceContext, platform: FakeConnector) -> None:
    platform.errors = [StaleVersion("moved on", platform="fake")]
    await poll_shop(ctx, "shop-a")
    await push_due(ctx)
    [row] = actions(ctx)
    assert (row.status, row.outcome) == ("done", "stale")


async def test_permanent_refusals_and_exhausted_retries_go_to_dead_letter(
        ctx: ServiceContext, platform: FakeConnector, clock: FakeClock) -> None:
    platform.add("r2", reason="auto")
    platform.errors = [PlatformRejected("isv.invalid", platform="fake")]
    await poll_shop(ctx, "shop-a")
    await push_due(ctx)  # r1 refused for good, r2 applied
    ctx.max_attempts = 1
    platform.answer = None
    by_refund = {a.refund_id: a for a in actions(ctx)}
    assert by_refund["r1"].status == "dead" and "isv.invalid" in (by_refund["r1"].last_error or "")
    assert by_refund["r2"].status == "done"
    platform.add("r3", reason="auto")
    platform.errors = [PlatformUnavailable("503", platform="fake")]
    await poll_shop(ctx, "shop-a")
    await push_due(ctx)
    assert {a.refund_id: a.status for a in actions(ctx)}["r3"] == "dead"


async def test_rejected_answer_is_dead(ctx: ServiceContext, platform: FakeConnector) -> None:
    platform.answer = ActionOutcome.REJECTED
    await poll_shop(ctx, "shop-a")
    await push_due(ctx)
    [row] = actions(ctx)
    assert (row.status, row.outcome) == ("dead", "rejected")


@pytest.mark.parametrize("landed", [True, False])
async def test_a_row_found_mid_send_asks_the_platform_before_resending(
        ctx: ServiceContext, platform: FakeConnector, clock: FakeClock, landed: bool) -> None:
    await poll_shop(ctx, "shop-a")
    with Session(ctx.db) as session:  # a worker claims, marks sending, then dies
        [(row, _)] = repo.claim_actions(session, worker="dead-worker", now=clock(), lease=ctx.push_lease)
        session.commit()
    if landed:
        platform.applied["r1"] = ["refund_without_return"]  # its call reached the platform
    assert (await push_due(ctx)).claimed == 0  # its lease still runs
    clock.advance(ctx.push_lease.total_seconds() + 1)
    report = await push_due(ctx)
    assert platform.find_calls == 1
    assert platform.apply_calls == (0 if landed else 1)
    assert report.recovered == (1 if landed else 0)
    assert platform.applied == {"r1": ["refund_without_return"]}
    [row] = actions(ctx)
    assert (row.status, row.outcome) == ("done", "already_done" if landed else "applied")


async def test_reply_text_failing_the_guardrail_never_leaves(ctx: ServiceContext,
                                                             platform: FakeConnector) -> None:
    platform.refunds.clear()
    platform.add("r9", reason="auto", message="refund if you leave a good review")
    await poll_shop(ctx, "shop-a")
    assert await push_due(ctx) is not None
    assert actions(ctx) == []  # blocked before it could be queued: waits for a rep
    assert platform.apply_calls == 0


async def test_an_unexpected_failure_parks_the_row_and_the_platform_is_asked_first(
        ctx: ServiceContext, platform: FakeConnector, clock: FakeClock) -> None:
    platform.errors = [RuntimeError("a bug after the call may have landed")]
    await poll_shop(ctx, "shop-a")
    report = await push_due(ctx)
    assert report.retried == 1
    [row] = actions(ctx)
    assert row.status == "sending" and "RuntimeError" in (row.last_error or "")
    assert (await push_due(ctx)).claimed == 0
    clock.advance(ctx.backoff_cap_s)
    await push_due(ctx)
    assert platform.find_calls == 1 and platform.apply_calls == 2
    [row] = actions(ctx)
    assert (row.status, row.outcome) == ("done", "applied")
