"""Every outgoing text passes the real guardrail: at decision time and again at push time.

The queue-edit path is in tests/test_queue_cli.py (both languages); the engine's own replies in
tests/test_guardrail.py. Follow-ups (service/followup.py) write no reply text, so they have nothing
to check; their pushes go through the same pusher check as everything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import Session

from marketplace_returns.engine import check_outgoing
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext, real_triage
from marketplace_returns.service.poller import poll_shop
from marketplace_returns.service.pusher import push_due
from service_db import migrated
from service_fakes import FAKE_TRIAGE, FakeClock, FakeConnector, make_context

THREAT = "Please change the reason to 'no reason', otherwise we cannot refund."


@pytest.fixture
def platform() -> FakeConnector:
    conn = FakeConnector()
    conn.add("r1", reason="auto", message=THREAT)
    return conn


@pytest.fixture
def ctx(tmp_path: Path, platform: FakeConnector) -> Iterator[ServiceContext]:
    with migrated("sqlite", tmp_path, None) as url:
        c = make_context(url, platform, FakeClock())
        yield c
        c.db.dispose()


def test_the_service_wires_the_real_guardrail() -> None:
    assert real_triage().check_outgoing is check_outgoing


async def test_blocked_at_decision_time(ctx: ServiceContext, platform: FakeConnector) -> None:
    ctx.triage = replace(FAKE_TRIAGE, check_outgoing=check_outgoing)
    await poll_shop(ctx, "shop-a")
    with Session(ctx.db) as session:
        assert repo.list_actions(session) == []  # waits for a rep instead
    await push_due(ctx)
    assert platform.apply_calls == 0


async def test_blocked_again_at_push_time(ctx: ServiceContext, platform: FakeConnector) -> None:
    await poll_shop(ctx, "shop-a")  # the fake check lets it into the outbox (as an older rule set might)
    with Session(ctx.db) as session:
        [queued] = repo.list_actions(session)
        assert queued.reply_text == THREAT and queued.status == "pending"
    ctx.triage = replace(FAKE_TRIAGE, check_outgoing=check_outgoing)
    await push_due(ctx)
    assert platform.apply_calls == 0
    with Session(ctx.db) as session:
        [row] = repo.list_actions(session)
        assert row.status == "dead" and "refund_threat" in (row.last_error or "")
