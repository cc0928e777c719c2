"""A write that stalls past the client's timeout still lands; it must not be written twice.

The sandbox's ``refund.message.add`` is made to stall longer than the connector's timeout (the
existing fault run stalls 1 s, under the timeout, so the client always saw the answer). TOP's message
call carries no version and no idempotency key: only the refund's own message log can tell whether a
re-send would be a duplicate. Judged by the sandbox's record and message log.

Shopify's mutations are stalled with the sandbox's ``slow_write`` fault (reads stay quick): not even
``refundCreate``, whose idempotency key would make the platform refuse a repeat, may reach the sandbox a
second time; the return is read (its status, the key in a refund's note) instead.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from marketplace_returns.connectors.registry import create_connector
from marketplace_returns.sandbox import taobao_api
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext, utcnow
from marketplace_returns.service.demo import _rep_pass
from marketplace_returns.service.poller import poll_shop
from marketplace_returns.service.pusher import push_due
from service_db import migrated
from service_sandbox import Running, sandbox, service_context

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
STALL_S = 2.5
CLIENT_TIMEOUT_S = 0.5


def _real_seconds(ctx: ServiceContext, market: Running) -> None:
    """Real seconds from here on, not before the sandbox's clock: the settle window and the stall."""
    shift = max(timedelta(0), market.state.clock.now() - utcnow()) + timedelta(seconds=1)
    ctx.clock = lambda: utcnow() + shift


async def _drain(ctx: ServiceContext) -> None:
    """Push until nothing is open (60 s at most), then let any write still stalled in the sandbox land
    before the test judges."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        await push_due(ctx)
        with Session(ctx.db) as session:
            if repo.count_open_actions(session) == 0:
                break
        await asyncio.sleep(0.2)
    await asyncio.sleep(STALL_S)


@pytest.mark.timeout(120)
async def test_a_message_write_that_times_out_but_lands_is_not_sent_twice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = taobao_api.HANDLERS["taobao.refund.message.add"]

    async def slow(state: Any, shop: Any, params: dict[str, str]) -> dict[str, Any]:
        await asyncio.sleep(STALL_S)  # the platform is slow; the client gives up, the write goes on
        return await original(state, shop, params)

    monkeypatch.setitem(taobao_api.HANDLERS, "taobao.refund.message.add", slow)
    with migrated("sqlite", tmp_path, None) as url, sandbox(seed=9) as market:
        market.traffic(40, seed=9)
        ctx = service_context(url, market, backoff_base_s=0.2,
                              unknown_settle=timedelta(seconds=STALL_S + 1.5))
        ctx.connector_factory = lambda p: create_connector(p, clock=market.state.clock.now,
                                                           backfill_seconds=3600, max_attempts=3,
                                                           timeout=CLIENT_TIMEOUT_S)
        for shop in ("demo-tb", "demo-tm"):
            assert (await poll_shop(ctx, shop)).error is None
        _rep_pass(ctx)
        _real_seconds(ctx, market)
        with Session(ctx.db) as session:
            intended = repo.list_actions(session)
        messages = [a for a in intended if a.action in ("request_evidence", "request_reason_change",
                                                        "offer_partial_refund")]
        assert messages, "no message action was intended: the test proves nothing"
        await _drain(ctx)
        with Session(ctx.db) as session:
            rows = repo.list_actions(session)
            events = Counter(e.event for s in ("demo-tb", "demo-tm")
                             for e in repo.list_audit(session, shop_id=s, limit=10_000))
        await ctx.aclose()
        writes = market.actions()
        posted = Counter((w["refund_id"], w["params"].get("content")) for w in writes
                         if w["api_method"] == "taobao.refund.message.add" and w["outcome"] == "applied")
        with market.state.lock:
            logs = {r.refund_id: [m["content"] for m in r.messages]
                    for r in market.state.refunds.values()}
        ctx.db.dispose()

    assert {a.status for a in rows} <= {"done"}, Counter((a.status, a.last_error) for a in rows)
    assert posted, "no message reached the sandbox"
    assert all(n == 1 for n in posted.values()), posted.most_common(3)
    assert all(len(contents) == len(set(contents)) for contents in logs.values())
    assert events["push_unknown"] >= 1  # the timeouts did happen
    assert events["recovered"] >= 1  # ...and the message log was read instead of writing again


@pytest.mark.timeout(120)
async def test_a_shopify_mutation_that_times_out_but_lands_is_not_sent_again(tmp_path: Path) -> None:
    with migrated("sqlite", tmp_path, None) as url, sandbox(seed=9) as market:
        market.traffic(40, seed=9, shops=("demo-shop",))
        ctx = service_context(url, market, frozenset({"shopify"}), backoff_base_s=0.2,
                              unknown_settle=timedelta(seconds=STALL_S + 1.5))
        ctx.connector_factory = lambda p: create_connector(p, clock=market.state.clock.now,
                                                           backfill_seconds=3600, max_attempts=3,
                                                           timeout=CLIENT_TIMEOUT_S)
        assert (await poll_shop(ctx, "demo-shop")).error is None
        _rep_pass(ctx)
        with Session(ctx.db) as session:
            intended = repo.list_actions(session)
        assert intended, "no action was intended: the test proves nothing"
        market.state.faults.update({"slow_write": 1.0}, timeout_seconds=STALL_S)
        _real_seconds(ctx, market)
        await _drain(ctx)
        with Session(ctx.db) as session:
            rows = repo.list_actions(session)
            events = Counter(e.event for e in repo.list_audit(session, shop_id="demo-shop", limit=10_000))
        await ctx.aclose()
        writes = market.actions()
        ctx.db.dispose()

    assert {a.status for a in rows} <= {"done", "dead"}, Counter((a.status, a.last_error) for a in rows)
    dead = [a.last_error for a in rows if a.status == "dead"]
    assert all("unknown" not in (e or "") for e in dead), dead  # a refusal may die; a timeout may not
    received = Counter((w["refund_id"], w["action"]) for w in writes)
    assert writes and market.state.faults.as_dict()["drawn"]["slow_write"] >= 1
    assert all(n == 1 for n in received.values()), received.most_common(3)  # nothing sent a second time
    assert not [w for w in writes if w["outcome"] == "duplicate"]
    assert events["push_unknown"] >= 1  # the timeouts did happen
    assert events["recovered"] >= 1  # ...and the return was read instead of writing again
