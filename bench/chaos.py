"""The fault run as one command: faults, stalls past the client timeout, SIGKILLed workers; then a count.

    .venv/bin/python bench/chaos.py --db sqlite --workers 1 --refunds 1000 --kills 3 --faults 0.2 \\
        --stall-s 3 --seed 1
    .venv/bin/python bench/chaos.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        --workers 2 --refunds 1000 --kills 3 --faults 0.2 --stall-s 3 --seed 1 --json

What runs: the sandbox marketplace in this process (real time, speed 1) with its Taobao, Tmall and
Shopify shops; ``--faults`` is the share of platform calls that fail (split over 5xx, timeouts,
throttling and stale versions; listing pages are also duplicated and reordered at that rate), and a
timeout stalls the call ``--stall-s`` seconds — longer than the service's client timeout
(``--client-timeout-s``), so a write the client gave up on still lands afterwards. ``--refunds``
refunds arrive over ``--window-s`` seconds. ``--workers`` processes of ``marketplace-returns run
--no-api`` share one fresh store (a new PostgreSQL database beside ``--db``, dropped after, or a SQLite
file); this process plays the rep and accepts every suggestion waiting in the queue. ``--kills`` times,
at seeded random moments of the window, a worker is SIGKILLed and started again. Then the faults stop
and the run waits (at most ``--drain-s``) for the drain: every refund a case, nothing waiting for a rep,
no outbox row pending or sending.

The count, against the sandbox's own record of seller writes (``/_sandbox/actions``). An outbox row is
one *intent*; its expected effect on the platform is a *kind* on its refund: ``pay`` (agree refund,
confirm goods, refundCreate, returnProcess), ``return`` (agree / approve the return), ``refuse``
(refuse, decline, refuse the goods) or ``message`` with its exact text (TOP's refund messages; a
counter-offer is judged by its message).

* **intended**: outbox rows not cancelled (a newer decision replaced them before they were sent).
* **applied**: intents whose effect the platform shows: matched by an applied write of their kind on
  their refund (each write matches one intent), or, for an intent answered "already done", by the
  refund's final state (the platform itself granted it at its deadline, say).
* **duplicated**: applied writes beyond the intents of their kind on their refund (a second message
  with the same text, a second payment): effects nobody intended twice.
* **lost**: intents the service closed as done with no effect on the platform, plus intents answered
  "stale" whose case did not go back to triage (no newer decision version, no ``retriaged`` event),
  i.e. approved work dropped silently.
* **stuck**: intents still pending or sending when the drain ended (or timed out).
* **dead**: intents in the dead letter (refused for good, shown to reps: not lost, not silent).
* **retriaged**: intents answered "stale" whose case went back to triage (a newer decision version).
  intended = applied + retriaged + dead + lost + stuck.
* **kills**, **seconds** (wall time of the whole run, store set-up to count).

Targets (issue 14): duplicated 0, lost 0, stuck 0 over five seeds, 2 workers on PostgreSQL and 1 on
SQLite, 20 % faults, stalls past the timeout, at least 3 kills and 1,000 refunds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from marketplace_returns.errors import MarketplaceReturnsError
from marketplace_returns.sandbox.config import build_state
from marketplace_returns.sandbox.server import SandboxServer
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext, real_triage
from marketplace_returns.service.db import make_engine, session_scope, upgrade_database
from marketplace_returns.service.demo import _entries, _rep_pass
from marketplace_returns.service.followup import RULE as FOLLOWUP_RULE
from marketplace_returns.service.shops import save_shops
from marketplace_returns.service.tables import AuditEvent, CaseRecord, DecisionRecord, OutboxAction

PAY = frozenset({"agree_refund", "confirm_goods", "refund_create", "process_return"})
RETURN = frozenset({"agree_return", "approve_return"})
REFUSE = frozenset({"refuse", "decline_return", "refuse_return"})
MESSAGE_ACTIONS = frozenset({"request_evidence", "request_reason_change", "offer_partial_refund"})
PAID = frozenset({"SUCCESS"})
MESSAGE_MAX_BYTES = 400


@dataclass
class Outcome:
    intended: int = 0
    applied: int = 0
    duplicated: int = 0
    lost: int = 0
    stuck: int = 0
    dead: int = 0
    retriaged: int = 0
    kills: int = 0
    seconds: float = 0.0
    refunds: int = 0
    drained: bool = False
    faults_drawn: dict[str, int] | None = None
    seed: int = 0
    store: str = ""
    workers: int = 0


def fault_rates(total: float) -> dict[str, float]:
    """``total`` of calls fail, split over the kinds that fail a call; pages misbehave at ``total``."""
    return {"5xx": total * 0.3, "timeout": total * 0.25, "throttle": total * 0.25, "stale": total * 0.2,
            "duplicate_page": total, "reorder_page": total}


@contextlib.contextmanager
def fresh_store(db: str, workdir: Path) -> Iterator[str]:
    """A migrated, empty store: a SQLite file, or a new PostgreSQL database beside ``db`` (dropped after)."""
    if db == "sqlite":
        url = f"sqlite:///{workdir / 'chaos.db'}"
        upgrade_database(url)
        yield url
        return
    name = "chaos_" + secrets.token_hex(5)
    admin = make_engine(db).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(db).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_database(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _worker(url: str, log: Path, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "marketplace_returns", "run", "--no-api", "--db", url,
           "--poll-lease-s", "4", "--push-lease-s", str(args.push_lease_s), "--push-interval-s", "0.3",
           "--platform-timeout-s", str(args.client_timeout_s),
           "--unknown-settle-s", str(args.stall_s + args.client_timeout_s + 2)]
    with log.open("ab") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ))


def _rep(ctx: ServiceContext) -> None:
    with contextlib.suppress(MarketplaceReturnsError, OperationalError):
        _rep_pass(ctx)


def _rid(refund_id: str) -> str:
    return refund_id.removeprefix("gid://shopify/Return/")


def _quiet(ctx: ServiceContext, server: SandboxServer, shops: set[str]) -> bool:
    with server.state.lock:
        refunds = sum(1 for r in server.state.refunds.values() if r.shop_id in shops)
    with Session(ctx.db) as session:
        cases = len(session.exec(select(CaseRecord.id)).all())
        waiting = len(repo.list_queue(session, limit=10_000))
        flagged = len(session.exec(select(CaseRecord.id).where(
            CaseRecord.retriage_reason.is_not(None))).all())  # type: ignore[union-attr]
        open_actions = repo.count_open_actions(session)
    return cases >= refunds and waiting == 0 and open_actions == 0 and flagged == 0


def _kind(row: OutboxAction, platform: str, rule: str | None) -> str:
    if row.action in MESSAGE_ACTIONS and platform != "shopify":
        text = (row.reply_text or "").strip().encode("utf-8")[:MESSAGE_MAX_BYTES].decode("utf-8", "ignore")
        return "message:" + text
    if row.action == "refuse":
        return "refuse"
    if row.action == "return_and_refund" and rule != FOLLOWUP_RULE:
        return "return"
    return "pay"


def _write_kind(write: dict[str, Any]) -> str | None:
    action = write["action"]
    if action == "message":
        return "message:" + str((write.get("params") or {}).get("content", "")).strip()
    if action in PAY:
        return "pay"
    if action in RETURN:
        return "return"
    if action in REFUSE:
        return "refuse"
    return None  # negotiate: judged by its message


def _shows(kind: str, status: str | None) -> bool:
    """Does a refund in ``status`` show an effect of ``kind`` (done by the platform itself)?"""
    if kind == "pay":
        return status in PAID
    if kind == "return":
        return status in ("WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS", "SUCCESS")
    if kind == "refuse":
        return status in ("SELLER_REFUSE_BUYER", "CLOSED")
    return False


def reconcile(url: str, server: SandboxServer, out: Outcome) -> dict[str, Any]:
    """Fill ``out`` from the store and the sandbox's record (see the module docstring)."""
    writes = httpx.get(f"{server.url}/_sandbox/actions", timeout=30).json()
    with server.state.lock:
        status = {r.refund_id: r.status for r in server.state.refunds.values()}
    engine = make_engine(url)
    with Session(engine) as session:
        platforms = {c.id: c.platform for c in session.exec(select(CaseRecord)).all() if c.id is not None}
        decisions = list(session.exec(select(DecisionRecord)).all())
        rows = list(session.exec(select(OutboxAction).order_by(OutboxAction.id)).all())  # type: ignore[arg-type]
        retriaged = {e.case_id for e in session.exec(select(AuditEvent)
                                                     .where(AuditEvent.event == "retriaged"))}
    engine.dispose()
    return count(out, rows=rows, platforms=platforms, decisions=decisions, retriaged=retriaged, writes=writes,
                 status=status)


def count(out: Outcome, *, rows: list[OutboxAction], platforms: dict[int, str],
          decisions: list[DecisionRecord], retriaged: set[int | None], writes: list[dict[str, Any]],
          status: dict[str, str]) -> dict[str, Any]:
    """The accounting itself, on plain rows (so a test can check each definition)."""
    rules = {d.id: d.rule for d in decisions}
    newest = Counter[int]()
    for d in decisions:
        newest[d.case_id] = max(newest[d.case_id], d.version)
    version_of = {d.id: d.version for d in decisions}

    effects: Counter[tuple[str, str]] = Counter()
    for w in writes:
        kind = _write_kind(w)
        if w["outcome"] == "applied" and kind is not None:
            effects[(w["refund_id"], kind)] += 1
    intents: dict[tuple[str, str], list[OutboxAction]] = {}
    for row in rows:
        if row.status == "cancelled":
            continue
        key = (_rid(row.refund_id), _kind(row, platforms.get(row.case_id, ""), rules.get(row.decision_id)))
        intents.setdefault(key, []).append(row)
    lost_rows: list[dict[str, Any]] = []
    for key, group in intents.items():
        refund, kind = key
        landed = effects.get(key, 0)
        out.intended += len(group)
        out.duplicated += max(0, landed - len(group))
        budget = landed
        for row in group:
            if row.status in ("pending", "sending"):
                out.stuck += 1
            elif row.status == "dead":
                out.dead += 1
            elif row.outcome == "stale":
                later = newest[row.case_id] > version_of.get(row.decision_id, 0)
                if later or row.case_id in retriaged:
                    out.retriaged += 1
                else:
                    out.lost += 1
                    lost_rows.append({"id": row.id, "refund": refund, "kind": kind[:40],
                                      "why": "stale, dropped"})
            elif budget > 0:
                budget -= 1
                out.applied += 1
            elif row.outcome == "already_done" and _shows(kind, status.get(refund)):
                out.applied += 1
            else:
                out.lost += 1
                lost_rows.append({"id": row.id, "refund": refund, "kind": kind[:40], "outcome": row.outcome,
                                  "status": status.get(refund)})
    return {"lost_rows": lost_rows[:20],
            "duplicated_keys": [f"{r}/{k[:40]}" for (r, k), n in effects.items()
                                if n > len(intents.get((r, k), []))][:20]}


def run(args: argparse.Namespace) -> tuple[Outcome, dict[str, Any]]:
    rng = random.Random(args.seed)
    out = Outcome(kills=0, seed=args.seed, store="sqlite" if args.db == "sqlite" else "postgresql",
                  workers=args.workers)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp, fresh_store(args.db, Path(tmp)) as url:
        log = Path(tmp) / "workers.log"
        server = SandboxServer(build_state(seed=args.seed, speed=1.0), tick_seconds=0.05).start()
        workers: list[subprocess.Popen[bytes]] = []
        try:
            market = server.url
            shops = httpx.get(f"{market}/_sandbox/shops", timeout=10).json()
            engine = make_engine(url)
            entries = _entries(market, shops, {"taobao", "tmall", "shopify"})
            with session_scope(engine) as session:
                save_shops(session, entries=entries, errors=[], now=server.state.clock.now())
            shop_ids = {e.shop_id for e in entries}
            ctx = ServiceContext(db=engine, triage=real_triage())
            httpx.post(f"{market}/_sandbox/faults", timeout=10, json={
                **fault_rates(args.faults), "seed": args.seed, "timeout_seconds": args.stall_s,
            }).raise_for_status()
            httpx.post(f"{market}/_sandbox/traffic", timeout=60, json={
                "count": args.refunds, "spread_seconds": args.window_s, "seed": args.seed,
                "shops": sorted(shop_ids)}).raise_for_status()
            workers = [_worker(url, log, args) for _ in range(args.workers)]
            moments = sorted(rng.uniform(2.0, args.window_s) for _ in range(args.kills))
            window_end = time.monotonic() + args.window_s
            t0 = time.monotonic()
            while time.monotonic() < window_end or moments:
                time.sleep(0.5)
                _rep(ctx)
                while moments and time.monotonic() - t0 >= moments[0]:
                    moments.pop(0)
                    index = rng.randrange(len(workers))
                    workers[index].send_signal(signal.SIGKILL)
                    workers[index].wait(timeout=10)
                    out.kills += 1
                    workers[index] = _worker(url, log, args)
            out.faults_drawn = httpx.get(f"{market}/_sandbox/faults", timeout=10).json().get("drawn")
            httpx.post(f"{market}/_sandbox/faults", timeout=10,
                       json=dict.fromkeys(fault_rates(0), 0.0)).raise_for_status()
            deadline = time.monotonic() + args.drain_s
            while time.monotonic() < deadline:
                _rep(ctx)
                if _quiet(ctx, server, shop_ids):
                    out.drained = True
                    break
                time.sleep(1.0)
            time.sleep(args.stall_s + 1)  # a write still stalled in the sandbox lands before the count
            engine.dispose()
        finally:
            for w in workers:
                if w.poll() is None:
                    w.send_signal(signal.SIGTERM)
            for w in workers:
                try:
                    w.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    w.kill()
        with server.state.lock:
            out.refunds = sum(1 for r in server.state.refunds.values() if r.shop_id in shop_ids)
        extra = reconcile(url, server, out)
        server.stop()
        if not out.drained:
            extra["log_tail"] = log.read_text(errors="replace")[-3000:]
    out.seconds = round(time.monotonic() - started, 1)
    return out, extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--db", default="sqlite",
                        help="sqlite, or a PostgreSQL URL to create a database beside")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--refunds", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--faults", type=float, default=0.2, help="share of platform calls that fail")
    parser.add_argument("--stall-s", type=float, default=3.0, help="a timeout fault stalls this long")
    parser.add_argument("--client-timeout-s", type=float, default=1.5, help="the service's platform timeout")
    parser.add_argument("--push-lease-s", type=float, default=6.0)
    parser.add_argument("--window-s", type=float, default=40.0, help="seconds over which refunds arrive")
    parser.add_argument("--drain-s", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.db == "sqlite" and args.workers != 1:
        parser.error("SQLite is the one-process store: --workers 1")
    if not 0 <= args.faults <= 1 or args.stall_s <= args.client_timeout_s:
        parser.error("--faults within [0, 1]; --stall-s must exceed --client-timeout-s (stalls past it)")
    out, extra = run(args)
    doc = {**asdict(out), **extra}
    if args.json:
        print(json.dumps(doc))
    else:
        for key in ("store", "workers", "seed", "refunds", "intended", "applied", "duplicated", "lost",
                    "stuck", "dead", "retriaged", "kills", "seconds", "drained"):
            print(f"{key:>10}: {doc[key]}")
        print(f"{'faults':>10}: {json.dumps(doc['faults_drawn'])}")
        if extra.get("lost_rows"):
            print("lost:", json.dumps(extra["lost_rows"]))
        if extra.get("duplicated_keys"):
            print("duplicated:", json.dumps(extra["duplicated_keys"], ensure_ascii=False))
        if extra.get("log_tail"):
            print(extra["log_tail"])
    return 0 if out.duplicated == out.lost == out.stuck == 0 and out.drained else 1


if __name__ == "__main__":
    sys.exit(main())
