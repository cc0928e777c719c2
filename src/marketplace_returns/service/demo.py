"""``marketplace-returns demo``: the sandbox marketplace and the whole service, end to end, in seconds.

What runs is the real thing over loopback HTTP: the sandbox (``SandboxServer``, its clock sped up so a
few minutes of seeded refund traffic pass in seconds), the service on a fresh SQLite file in a temp
directory, the scheduler's poll/push/deadline jobs, the engine, the outbox. A scripted "rep" accepts
every suggestion that waits for a person — reason-change requests included, each one explicitly, so
the audit log shows who approved it — and rejects what the guardrail refuses. At the end the
sandbox's own record of the writes it received (``GET /_sandbox/actions``) is the judge of what was
pushed, confirmed, and duplicated.

The service's clock is the sandbox's clock (the ``clock=`` every part takes), so deadlines and
latencies are measured in the marketplace's time and divided by the speed for wall time.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import nullcontext
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlmodel import Session, col, select

from marketplace_returns.connectors.base import Connector
from marketplace_returns.errors import GuardrailViolation, InputError
from marketplace_returns.service import followup, queue
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext, real_triage
from marketplace_returns.service.db import make_engine, session_scope, upgrade_database
from marketplace_returns.service.scheduler import ServiceScheduler
from marketplace_returns.service.shops import ShopEntry, save_shops
from marketplace_returns.service.tables import AuditEvent, CaseRecord, DecisionRecord, OutboxAction

SPEED = 30.0
"""Sandbox seconds per wall second: 12 wall seconds carry 6 minutes of marketplace traffic."""
TRAFFIC_PER_MINUTE = 18
DRAIN_TIMEOUT_S = 20.0
GOODS_BACK_AFTER_S = 49 * 3600
"""Sandbox seconds the demo skips once the traffic is handled, so every agreed return is shipped back
(buyers ship within 48 h) and the service's goods-back follow-ups run: returns complete on screen."""


def _platforms() -> set[str]:
    """Platforms with both a connector and a sandbox router in this build."""
    from importlib.util import find_spec

    found = set()
    if find_spec("marketplace_returns.sandbox.taobao_api") \
            and find_spec("marketplace_returns.connectors.taobao"):
        found |= {"taobao", "tmall"}
    if find_spec("marketplace_returns.sandbox.shopify_api"):
        try:
            from marketplace_returns.connectors.registry import connector_class

            connector_class("shopify")
            found.add("shopify")
        except Exception:  # the Shopify connector is not in this build
            pass
    return found


def _entries(url: str, shops: list[dict[str, str]], platforms: set[str]) -> list[ShopEntry]:
    """The sandbox's shops as a seller would write them: every credential an env: reference."""
    entries = []
    for shop in shops:
        if shop["platform"] not in platforms:
            continue
        refs = {}
        for key, value in shop.items():
            if key in ("shop_id", "platform", "shop_domain"):
                continue
            var = f"MR_DEMO_{shop['shop_id'].upper().replace('-', '_')}_{key.upper()}"
            os.environ[var] = value
            refs[key] = f"env:{var}"
        base = f"{url}/router/rest" if shop["platform"] != "shopify" else url
        entries.append(ShopEntry(shop_id=shop["shop_id"], platform=shop["platform"], base_url=base,
                                 credentials=refs, sign_method="md5", poll_interval_s=1,
                                 options={"lookback_seconds": 30, "deadline_margin_s": 3600}))
    return entries


def _connector_factory(clock: Any) -> Any:
    from marketplace_returns.connectors.registry import create_connector

    def make(platform: str) -> Connector:
        try:
            return create_connector(platform, clock=clock, backfill_seconds=3600, max_attempts=4)
        except TypeError:
            return create_connector(platform)

    return make


def _rep_pass(ctx: ServiceContext) -> tuple[int, int]:
    """Accept every waiting suggestion as the demo rep; reject what the guardrail refuses."""
    accepted = rejected = 0
    with Session(ctx.db) as session:
        ids = [i.id for i in queue.list_pending(session, limit=500)]
    for decision_id in ids:
        try:
            with session_scope(ctx.db) as session:
                queue.accept(session, ctx, decision_id=decision_id, rep="demo-rep", now=ctx.now())
            accepted += 1
        except (GuardrailViolation, InputError) as exc:
            with session_scope(ctx.db) as session:
                d = session.get(DecisionRecord, decision_id)
                if d is not None and d.status == repo.OPEN_DECISION:
                    queue.reject(session, decision_id=decision_id, rep="demo-rep", now=ctx.now(),
                                 note=str(exc))
                    rejected += 1
    return accepted, rejected


def _goods_back_seen(ctx: ServiceContext, state: Any) -> bool:
    """Has the service read every refund whose goods are back (so its follow-ups are decided)?

    Shopify returns are left out: its mapping does not yet tell goods back from goods on the way.
    """
    with state.lock:
        back = {r.refund_id for r in state.refunds.values()
                if r.status in followup.GOODS_BACK_STATUSES and r.platform != "shopify"}
    if not back:
        return True
    with Session(ctx.db) as session:
        seen = set(session.exec(select(CaseRecord.refund_id).where(
            col(CaseRecord.platform_status).in_(sorted(followup.GOODS_BACK_STATUSES)))).all())
    return back <= seen


def _counts(ctx: ServiceContext) -> dict[str, int]:
    with Session(ctx.db) as session:
        cases = len(session.exec(select(CaseRecord.id)).all())
        waiting = len(repo.list_queue(session, limit=10_000))
        open_actions = repo.count_open_actions(session)
    return {"cases": cases, "waiting": waiting, "open_actions": open_actions}


async def _run(seconds: float, seed: int, progress: Progress | None) -> dict[str, Any]:
    from marketplace_returns.sandbox.config import build_state
    from marketplace_returns.sandbox.server import SandboxServer

    started = time.monotonic()
    tmp = tempfile.TemporaryDirectory(prefix="mr-demo-")
    url = f"sqlite:///{Path(tmp.name) / 'demo.db'}"
    upgrade_database(url)
    state = build_state(seed=seed, speed=SPEED)
    server = SandboxServer(state, tick_seconds=0.05).start()
    engine = make_engine(url)
    ctx = ServiceContext(db=engine, triage=real_triage(), clock=state.clock.now,
                         connector_factory=_connector_factory(state.clock.now))
    scheduler = ServiceScheduler(ctx, push_interval_s=0.5, deadline_interval_s=2.0, sync_interval_s=5.0)
    task = progress.add_task("starting", total=None) if progress else None
    accepted = rejected = 0
    goods_back_phase = False
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            platforms = _platforms()
            shops = (await http.get("/_sandbox/shops")).json()
            entries = _entries(server.url, shops, platforms)
            with session_scope(engine) as session:
                save_shops(session, entries=entries, errors=[], now=ctx.now(), actor="demo")
            count = max(10, round(TRAFFIC_PER_MINUTE * seconds * SPEED / 60))
            spread = seconds * SPEED * 0.8
            await http.post("/_sandbox/traffic", json={"count": count, "spread_seconds": spread, "seed": seed,
                                                       "shops": [e.shop_id for e in entries]})
            scheduler.start()
            traffic_end = time.monotonic() + seconds
            drain_end = traffic_end + DRAIN_TIMEOUT_S
            while True:
                a, r = await asyncio.to_thread(_rep_pass, ctx)
                accepted, rejected = accepted + a, rejected + r
                if a:
                    scheduler.kick_push()
                counts = await asyncio.to_thread(_counts, ctx)
                now = time.monotonic()
                if progress is not None and task is not None:
                    phase = "traffic" if now < traffic_end else "draining"
                    progress.update(task, description=f"{phase}: {counts['cases']} cases, "
                                    f"{counts['waiting']} waiting, {counts['open_actions']} to push, "
                                    f"rep accepted {accepted}")
                if now >= traffic_end and state.pending == 0 and counts["cases"] >= len(state.refunds) \
                        and counts["waiting"] == 0 and counts["open_actions"] == 0:
                    if not goods_back_phase:  # the buyers ship their returns back: one jump of the clock
                        goods_back_phase = True
                        await http.post("/_sandbox/advance", json={"seconds": GOODS_BACK_AFTER_S})
                        drain_end = time.monotonic() + DRAIN_TIMEOUT_S
                        continue
                    if await asyncio.to_thread(_goods_back_seen, ctx, state):
                        break
                if now >= drain_end:
                    break
                await asyncio.sleep(0.25)
            await scheduler.stop()
            actions = (await http.get("/_sandbox/actions")).json()
    finally:
        scheduler.shutdown()
        await ctx.aclose()
        server.stop()
    summary = summarise(ctx, actions, platforms=sorted(platforms))
    summary.update(seconds=round(time.monotonic() - started, 2), seed=seed, speed=SPEED,
                   rep_accepted=accepted, rep_rejected=rejected)
    engine.dispose()
    tmp.cleanup()
    return summary


def _pct(values: list[float], q: float) -> float | None:
    values = [v for v in values if v == v]
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def _bare(refund_id: str) -> str:
    """``gid://shopify/Return/42`` → ``42`` (the sandbox records Shopify returns by their number)."""
    return refund_id.rsplit("/", 1)[-1]


def _wall(later: Any, earlier: Any, speed: float) -> float:
    a, b = repo.as_utc(later), repo.as_utc(earlier)
    return (a - b).total_seconds() / speed if a is not None and b is not None else float("nan")


def _accept_to_push(audit: Sequence[AuditEvent], speed: float) -> list[float]:
    """Each rep's accept to the push that followed it on the same case (audit in id order).

    Paired in order, not by case alone: a case with a goods-back follow-up is accepted and pushed twice,
    and its first push must not be timed from the second accept (that made negative latencies).
    """
    waiting: dict[int | None, Any] = {}
    out = []
    for event in audit:
        if event.event in ("accepted", "edited"):
            waiting[event.case_id] = event.at
        elif event.event == "pushed" and event.case_id in waiting:
            out.append(_wall(event.at, waiting.pop(event.case_id), speed))
    return out


def summarise(ctx: ServiceContext, actions: list[dict[str, Any]], *, platforms: list[str]) -> dict[str, Any]:
    """What happened, from the store and from the sandbox's own record of writes."""
    speed = SPEED
    with Session(ctx.db) as session:
        cases = session.exec(select(CaseRecord)).all()
        decisions = session.exec(select(DecisionRecord).order_by(col(DecisionRecord.version))).all()
        outbox = session.exec(select(OutboxAction)).all()
        audit = session.exec(select(AuditEvent).where(col(AuditEvent.event).in_(("accepted", "edited",
                                                                                 "pushed")))
                             .order_by(col(AuditEvent.id))).all()
    latest: dict[int, DecisionRecord] = {d.case_id: d for d in decisions}
    by_family = Counter(d.family or "unknown" for d in latest.values())
    by_action = Counter(d.action or "none" for d in latest.values())
    offered = sum((d.amount or Decimal(0) for d in latest.values() if d.action == "offer_partial_refund"),
                  Decimal(0))
    kept_goods = sum((d.amount or Decimal(0) for d in latest.values() if d.action == "refund_without_return"),
                     Decimal(0))
    saved = sum((d.shipping_saved or Decimal(0) for d in latest.values()), Decimal(0))
    first: dict[int, DecisionRecord] = {}
    for d in decisions:
        first.setdefault(d.case_id, d)
    # The first suggestion, not the latest: a goods-back follow-up comes days (marketplace time) later.
    to_queue = [_wall(d.created_at, c.requested_at, speed)
                for c in cases for d in [first.get(c.id or -1)] if d is not None]
    to_platform = _accept_to_push(audit, speed)
    applied = [a for a in actions if a.get("outcome") == "applied"]
    seen = Counter((a["refund_id"], a["action"]) for a in applied)
    duplicated = sum(n - 1 for n in seen.values() if n > 1)
    confirmed_refunds = {_bare(str(a["refund_id"])) for a in applied}
    done = [o for o in outbox if o.status == "done"]
    return {
        "platforms": platforms,
        "cases": len(cases),
        "by_family": dict(by_family),
        "by_action": dict(by_action),
        "auto_decisions": sum(1 for d in latest.values() if d.status == "auto"),
        "rep_decisions": sum(1 for d in latest.values() if d.status in ("accepted", "edited", "rejected")),
        "reason_changes_approved": sum(1 for d in latest.values()
                                       if d.action == "request_reason_change" and d.status == "accepted"),
        "money_offered": float(offered),
        "refunded_without_return": float(kept_goods),
        "shipping_saved": float(saved),
        "actions_enqueued": len(outbox),
        "actions_pushed": len(done),
        "actions_outcomes": dict(Counter(o.outcome or o.status for o in outbox)),
        "actions_dead": sum(1 for o in outbox if o.status == "dead"),
        "actions_confirmed_by_marketplace": sum(1 for o in done if _bare(o.refund_id) in confirmed_refunds),
        "marketplace_writes": len(actions),
        "marketplace_outcomes": dict(Counter(a.get("outcome") for a in actions)),
        "marketplace_writes_by_action": dict(Counter(str(a.get("action")) for a in actions)),
        "actions_duplicated": duplicated,
        "goods_back_followups": sum(1 for d in decisions if d.rule == followup.RULE),
        "returns_refunded_by_marketplace": sum(1 for a in applied if a["action"] in ("confirm_goods",
                                                                                    "process_return")),
        "latency_refund_to_queue_s": {"p50": _pct(to_queue, 0.5), "p95": _pct(to_queue, 0.95),
                                      "max": _pct(to_queue, 1.0)},
        "latency_accept_to_platform_s": {"p50": _pct(to_platform, 0.5), "p95": _pct(to_platform, 0.95),
                                         "max": _pct(to_platform, 1.0)},
    }


def run_demo(*, seconds: float = 12.0, seed: int = 7, progress: bool = True) -> dict[str, Any]:
    import logging

    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "skipped: already running" is expected here
    console = Console(stderr=True)
    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                   transient=True) if progress else None
    with bar if bar is not None else nullcontext():
        return asyncio.run(_run(seconds, seed, bar))


def _writes_line(summary: dict[str, Any]) -> str:
    """Why this can exceed "actions pushed": one outbox action may take several marketplace calls.

    A partial-refund counter-offer on TOP is ``negotiatereturn`` and then ``message.add`` with the
    proposal; the per-kind count lets the reader match the two figures instead of suspecting a duplicate
    (duplicates are counted on their own line).
    """
    by_kind = sorted(summary.get("marketplace_writes_by_action", {}).items())
    kinds = ", ".join(f"{kind} {n}" for kind, n in by_kind)
    calls, outcomes = summary.get("marketplace_writes"), summary.get("marketplace_outcomes")
    why = "a counter-offer is two calls: negotiate, then its message"
    return f"{calls} calls {outcomes}; by kind: {kinds} ({why})"


def print_summary(summary: dict[str, Any], console: Console) -> None:
    from rich.table import Table

    table = Table("what", "value", title="marketplace-returns demo", show_header=False)
    keys = ("cases", "by_family", "by_action", "auto_decisions", "rep_decisions", "reason_changes_approved",
            "money_offered", "refunded_without_return", "shipping_saved", "actions_pushed",
            "actions_confirmed_by_marketplace", "actions_duplicated", "actions_dead", "marketplace_writes",
            "latency_refund_to_queue_s", "latency_accept_to_platform_s", "seconds")
    for key in keys:
        value = _writes_line(summary) if key == "marketplace_writes" else str(summary.get(key))
        table.add_row(key.replace("_", " "), value)
    console.print(table)
