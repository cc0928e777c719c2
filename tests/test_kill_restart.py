"""A pusher process is SIGKILLed between a platform call and its record; a restart loses nothing and
applies nothing twice — judged by the sandbox's own record, which runs in this process and survives."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session

from marketplace_returns.service import repository as repo
from marketplace_returns.service.demo import _rep_pass
from marketplace_returns.service.poller import poll_shop
from service_db import migrated
from service_sandbox import sandbox, service_context

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
HELPER = Path(__file__).with_name("kill_pusher.py")


def _run(url: str, offset: float, kill: bool = False) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, str(HELPER), url, str(offset)] + (["kill"] if kill else [])
    return subprocess.run(args, capture_output=True, text=True, timeout=90, check=False)


@pytest.mark.timeout(180)
async def test_sigkill_between_call_and_record_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    with migrated("sqlite", tmp_path, None) as url, sandbox(seed=9) as market:
        market.traffic(30, seed=9)
        ctx = service_context(url, market)
        for shop in ("demo-tb", "demo-tm"):
            assert (await poll_shop(ctx, shop)).error is None
        _rep_pass(ctx)  # a rep accepts everything waiting: many outbox rows
        with Session(ctx.db) as session:
            intended = {a.id: a for a in repo.list_actions(session)}
        assert len(intended) >= 5
        await ctx.aclose()

        killed = _run(url, 300, kill=True)
        assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
        with Session(ctx.db) as session:
            states = Counter(a.status for a in repo.list_actions(session))
        assert states["sending"] >= 1  # the killed call's row: applied on the platform, not recorded
        landed = [a for a in market.actions() if a["outcome"] == "applied"]
        assert landed  # the platform did receive it

        restarted = _run(url, 600)  # its claims have expired by then
        assert restarted.returncode == 0, restarted.stderr[-2000:]

        with Session(ctx.db) as session:
            rows = repo.list_actions(session)
            events = Counter(e.event for s in ("demo-tb", "demo-tm")
                             for e in repo.list_audit(session, shop_id=s, limit=10_000))
        assert {a.id for a in rows} == set(intended)
        assert all(a.status == "done" for a in rows), Counter(a.status for a in rows)
        writes = market.actions()
        applied = Counter((a["refund_id"], a["action"]) for a in writes if a["outcome"] == "applied")
        assert all(n == 1 for n in applied.values()), applied
        assert not [a for a in writes if a["outcome"] == "duplicate"]
        assert {a.refund_id for a in rows} <= {rid for rid, _ in applied}
        assert events["recovered"] >= 1  # found applied on the platform, recorded without a re-send
        ctx.db.dispose()
