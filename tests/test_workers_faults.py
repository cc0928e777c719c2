"""Three worker processes of the real ``run --no-api`` command share one PostgreSQL store while the
sandbox injects every fault it knows; workers are SIGKILLed at seeded random moments and restarted, and
the database drops every connection in the middle. At the end the sandbox's own record is the judge:
every refund is one case, every action a rep accepted or the playbook made automatic was applied
exactly once, and the audit log tells each action's story.

The database "restart": with ``MARKETPLACE_RETURNS_TEST_PG_RESTART=1`` (``.ci/run`` sets it; it needs
root and a local cluster) the server itself is restarted with ``pg_ctlcluster``; otherwise every
connection to the test database is terminated with ``pg_terminate_backend``, which is what a restart
looks like from the clients' side (the server is shared with other tests on a laptop).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from marketplace_returns.errors import StoreError
from marketplace_returns.sandbox.config import build_state
from marketplace_returns.sandbox.server import SandboxServer
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext, real_triage
from marketplace_returns.service.db import make_engine, session_scope
from marketplace_returns.service.demo import _entries, _rep_pass
from marketplace_returns.service.shops import save_shops
from marketplace_returns.service.tables import AuditEvent, CaseRecord, DecisionRecord, OutboxAction
from service_db import migrated

pytestmark = [pytest.mark.postgres, pytest.mark.e2e, pytest.mark.slow]

FAULTS = {"5xx": 0.08, "timeout": 0.03, "throttle": 0.08, "duplicate_page": 0.15, "reorder_page": 0.15,
          "stale": 0.05}
WORKERS = 3
CHAOS_S = 30.0
DRAIN_S = 90.0
OPEN_STATUSES = {"WAIT_SELLER_AGREE", "WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS"}


def _worker(url: str, log: Path, extra: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "marketplace_returns", "run", "--no-api", "--db", url,
            "--poll-lease-s", "4", "--push-lease-s", "12", "--push-interval-s", "0.3", *extra]
    with log.open("ab") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ))


def _restart_database(url: str) -> str:
    """Restart the server where allowed, else cut every connection to the test database."""
    cluster = shutil.which("pg_ctlcluster")
    if os.environ.get("MARKETPLACE_RETURNS_TEST_PG_RESTART") == "1" and cluster and os.geteuid() == 0:
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        subprocess.run([cluster, "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
                       check=True, capture_output=True, timeout=60)
        return "restarted"
    name = make_url(url).database
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        cut = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}).scalar()
    admin.dispose()
    return f"terminated {cut} connections"


@contextmanager
def _sandbox(seed: int) -> Iterator[SandboxServer]:
    server = SandboxServer(build_state(seed=seed, speed=1.0), tick_seconds=0.05).start()
    try:
        yield server
    finally:
        server.stop()


def _rep(ctx: ServiceContext) -> None:
    """The test's rep accepts what waits; a dropped connection just means "try again next round"."""
    with suppress(StoreError, OperationalError):  # the database is restarting under the rep
        _rep_pass(ctx)


def _rid(refund_id: str) -> str:
    """The sandbox's refund id of a stored case (a Shopify case is keyed by its Return's gid)."""
    return refund_id.removeprefix("gid://shopify/Return/")


def _refunds(server: SandboxServer, shops: set[str]) -> dict[tuple[str, str], str]:
    """(shop, refund id) → status, read from the sandbox's state (it runs in this process)."""
    state = server.state
    with state.lock:
        return {(r.shop_id, r.refund_id): r.status for r in state.refunds.values() if r.shop_id in shops}


def _quiet(ctx: ServiceContext, server: SandboxServer, shops: set[str]) -> bool:
    refunds = _refunds(server, shops)
    with Session(ctx.db) as session:
        cases = session.exec(select(CaseRecord.shop_id, CaseRecord.refund_id)).all()
        waiting = len(repo.list_queue(session, limit=10_000))
        open_actions = repo.count_open_actions(session)
    return len(cases) >= len(refunds) and waiting == 0 and open_actions == 0


STALL_PAST_TIMEOUT = ("--platform-timeout-s", "0.6", "--unknown-settle-s", "3")
"""Workers whose client gives up after 0.6 s while the sandbox stalls 1 s: a timed-out write still lands
after the client gave up (TOP's messages carry no key; a Shopify mutation is not resent either, keyed or
not): it must be looked up, never sent twice. That run also stalls one write in ten alone
(``slow_write``), so writes land late while the reads around them stay quick."""
SLOW_WRITES = {"slow_write": 0.1}


START_S = 60.0
"""How long the workers may take to store their first case (a loaded machine starts them slowly)."""


def _first_case_stored(engine: Engine, workers: list[subprocess.Popen[bytes]], log: Path) -> float:
    """The moment a worker first stored a case: the chaos clock starts there, not at launch.

    Why: under load the three processes take seconds to import and migrate; a clock started at launch
    could close the window before any write was made, and the run would prove nothing.
    """
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        assert all(w.poll() is None for w in workers), log.read_text()[-3000:]
        with suppress(OperationalError), Session(engine) as session:
            if session.exec(select(CaseRecord.id).limit(1)).first() is not None:
                return time.monotonic()
        time.sleep(0.2)
    pytest.fail(f"no worker stored a case in {START_S} s; worker log tail:\n{log.read_text()[-3000:]}")


def _chaos_goes_on(server: SandboxServer, faults: dict[str, float], elapsed: float) -> bool:
    """CHAOS_S seconds of faults, longer (up to twice that) until each write-only fault was drawn once."""
    if elapsed < CHAOS_S:
        return True
    drawn = server.state.faults.as_dict()["drawn"]
    return elapsed < 2 * CHAOS_S and not all(drawn[kind] for kind in SLOW_WRITES if kind in faults)


@pytest.mark.timeout(360)
@pytest.mark.parametrize(("seed", "extra", "faults"), [(11, (), FAULTS),
                                                   (12, STALL_PAST_TIMEOUT, {**FAULTS, **SLOW_WRITES})],
                         ids=["stall-under-timeout", "stall-past-timeout"])
def test_killed_workers_and_a_database_restart_lose_nothing_and_double_nothing(
        postgres_url: str, tmp_path: Path, seed: int, extra: tuple[str, ...],
        faults: dict[str, float]) -> None:
    rng = random.Random(seed)
    log = tmp_path / "workers.log"
    with migrated("postgres", tmp_path, postgres_url) as url, _sandbox(seed) as server:
        market = server.url
        shops = httpx.get(f"{market}/_sandbox/shops", timeout=10).json()
        engine = make_engine(url)
        entries = _entries(market, shops, {"taobao", "tmall", "shopify"})
        for entry in entries:
            entry.poll_interval_s = 1
        with session_scope(engine) as session:
            save_shops(session, entries=entries, errors=[], now=server.state.clock.now())
        shop_ids = {e.shop_id for e in entries}
        ctx = ServiceContext(db=engine, triage=real_triage())
        httpx.post(f"{market}/_sandbox/faults", json={**faults, "seed": seed, "timeout_seconds": 1.0},
                   timeout=10).raise_for_status()
        httpx.post(f"{market}/_sandbox/traffic", timeout=30, json={
            "count": 90, "spread_seconds": CHAOS_S * 0.7, "seed": seed, "shops": sorted(shop_ids)},
        ).raise_for_status()

        workers = [_worker(url, log, extra) for _ in range(WORKERS)]
        kills = restarts = 0
        db_event = ""
        try:
            started = _first_case_stored(engine, workers, log)
            next_kill = started + rng.uniform(2, 5)
            db_at = started + CHAOS_S / 2
            while _chaos_goes_on(server, faults, time.monotonic() - started):
                time.sleep(0.5)
                _rep(ctx)
                if time.monotonic() >= next_kill:
                    index = rng.randrange(WORKERS)
                    workers[index].send_signal(signal.SIGKILL)
                    workers[index].wait(timeout=10)
                    kills += 1
                    workers[index] = _worker(url, log, extra)
                    restarts += 1
                    next_kill = time.monotonic() + rng.uniform(1.5, 5)
                if db_at and time.monotonic() >= db_at:
                    db_event = _restart_database(url)
                    db_at = 0.0
            assert kills >= 4 and db_event, (kills, db_event)

            calm = dict.fromkeys(faults, 0.0)
            httpx.post(f"{market}/_sandbox/faults", json=calm, timeout=10).raise_for_status()
            deadline = time.monotonic() + DRAIN_S
            while time.monotonic() < deadline:
                _rep(ctx)
                if _quiet(ctx, server, shop_ids):
                    break
                time.sleep(1.0)
            else:
                pytest.fail(f"not drained in {DRAIN_S} s; worker log tail:\n{log.read_text()[-3000:]}")
            assert all(w.poll() is None for w in workers), log.read_text()[-3000:]
        finally:
            for w in workers:
                if w.poll() is None:
                    w.send_signal(signal.SIGTERM)
            for w in workers:
                try:
                    w.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    w.kill()

        writes = httpx.get(f"{market}/_sandbox/actions", timeout=10).json()
        drawn = server.state.faults.as_dict()["drawn"]
        assert all(drawn[kind] for kind in SLOW_WRITES if kind in faults), drawn  # the stalls happened
        refunds = set(_refunds(server, shop_ids))
        with Session(engine) as session:
            cases = session.exec(select(CaseRecord)).all()
            decisions = session.exec(select(DecisionRecord)).all()
            actions = session.exec(select(OutboxAction)).all()
            audit = session.exec(select(AuditEvent)).all()
        engine.dispose()

    # Every refund is one case, triaged: one decision per (case, version), every case decided.
    keys = Counter((c.shop_id, _rid(c.refund_id)) for c in cases)
    assert set(keys) == refunds and all(n == 1 for n in keys.values()), keys.most_common(3)
    versions = Counter((d.case_id, d.version) for d in decisions)
    assert all(n == 1 for n in versions.values()), versions.most_common(3)
    undecided = {c.id for c in cases if c.mapping_error is None} - {d.case_id for d in decisions}
    assert not [c for c in cases if c.id in undecided and c.platform_status in OPEN_STATUSES]

    # Every intended action applied exactly once, by the sandbox's own record.
    assert actions, "no action was ever intended: the test proves nothing"
    assert {a.status for a in actions} <= {"done", "cancelled"}, \
        Counter((a.status, a.last_error) for a in actions)
    applied = Counter(w["idempotency_key"] for w in writes
                      if w["outcome"] == "applied" and w.get("idempotency_key"))
    effects = Counter((w["refund_id"], w["action"]) for w in writes if w["outcome"] == "applied"
                      and w["action"] != "message")
    assert all(n == 1 for n in applied.values()), applied.most_common(3)
    assert all(n == 1 for n in effects.values()), effects.most_common(3)
    messages = Counter((w["refund_id"], w["params"].get("content")) for w in writes
                       if w["outcome"] == "applied" and w["action"] == "message")
    assert all(n == 1 for n in messages.values()), messages.most_common(3)  # no buyer told twice
    assert not [w for w in writes if w["outcome"] == "duplicate"]
    landed = {w["refund_id"] for w in writes if w["outcome"] in ("applied", "stale")}
    done = [a for a in actions if a.status == "done"]
    assert {_rid(a.refund_id) for a in done} <= landed

    # The audit log tells each action's story: decided, then accepted or auto-enqueued, then pushed.
    by_case: dict[int | None, list[str]] = {}
    for event in audit:
        by_case.setdefault(event.case_id, []).append(event.event)
    for action in done:
        story = by_case.get(action.case_id, [])
        assert "decided" in story, (action.id, story)
        assert {"accepted", "edited", "auto_enqueued", "deadline_escalated"} & set(story), (action.id, story)
        assert {"pushed", "recovered"} & set(story), (action.id, story)
