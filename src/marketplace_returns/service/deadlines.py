"""The deadline job: pending suggestions whose platform deadline nears are escalated or auto-applied.

Why: on Taobao and Tmall a seller who does not answer before ``refund_remind_timeout`` loses the case
by default (the platform agrees the refund for them and counts it). A suggestion that nobody looked at
must therefore either reach a rep's attention in time (escalate: ``cases.escalated_at`` set, an audit
event, first in ``queue list``) or, where the shop chose it (``options.deadline_action: accept``), be
applied as the playbook suggested — never a reason-change request, never text the guardrail blocks.
``options.deadline_margin_s`` (default 6 h) says how near "near" is. Open manual tasks (service/tasks.py)
whose deadline is that near, or past, are escalated the same way (``tasks.escalated_at``, an audit event).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from marketplace_returns.errors import GuardrailViolation, InputError
from marketplace_returns.service import queue, tasks
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.db import session_scope
from marketplace_returns.service.tables import CaseRecord, DecisionRecord, Shop

log = logging.getLogger(__name__)

DEFAULT_MARGIN_S = 6 * 3600
MAX_MARGIN_S = 7 * 86400


DUE_CHUNK = 500
"""Due decisions loaded (with their case and shop rows) per transaction."""


def _margin(shop: Shop) -> timedelta:
    options = shop.options or {}
    return timedelta(seconds=float(options.get("deadline_margin_s", DEFAULT_MARGIN_S)))


def _due_decisions(ctx: ServiceContext, now: datetime) -> list[int]:
    """Ids of the pending decisions whose deadline is within their shop's margin, nearest first.

    Why ids and three narrow columns, not whole rows: every open decision of the store is a candidate,
    and loading each with its case (``raw``, ``case_json``) and ``decision_json`` every minute peaked
    at ~300 MB of Python objects per pass at 20,000 open cases (linear in them: GBs of worker RSS in a
    100,000-refund burst), to escalate a handful. The due rows are then loaded ``DUE_CHUNK`` at a time.
    """
    with session_scope(ctx.db) as session:
        margins = {shop.shop_id: _margin(shop) for shop in session.exec(select(Shop)).all()}
        if not margins:
            return []
        widest = min(max(margins.values()), timedelta(seconds=MAX_MARGIN_S))
        rows = session.exec(
            select(DecisionRecord.id, CaseRecord.shop_id, CaseRecord.deadline)
            .join(CaseRecord, col(CaseRecord.id) == DecisionRecord.case_id)
            .where(DecisionRecord.status == repo.OPEN_DECISION, col(CaseRecord.escalated_at).is_(None),
                   col(CaseRecord.deadline).is_not(None), col(CaseRecord.deadline) <= now + widest)
            .order_by(col(CaseRecord.deadline))).all()
    due: list[int] = []
    for decision_id, shop_id, raw_deadline in rows:
        margin = margins.get(shop_id)
        deadline = repo.as_utc(raw_deadline)
        if margin is None or decision_id is None or deadline is None or deadline > now + margin:
            continue
        due.append(decision_id)
    return due


def _deadline_pass(ctx: ServiceContext) -> int:
    now = ctx.now()
    enqueued = 0
    due = _due_decisions(ctx, now)
    for start in range(0, len(due), DUE_CHUNK):
        with session_scope(ctx.db) as session:
            rows = session.exec(
                select(DecisionRecord, CaseRecord, Shop)
                .join(CaseRecord, col(CaseRecord.id) == DecisionRecord.case_id)
                .join(Shop, col(Shop.shop_id) == CaseRecord.shop_id)
                .where(col(DecisionRecord.id).in_(due[start:start + DUE_CHUNK]),
                       DecisionRecord.status == repo.OPEN_DECISION, col(CaseRecord.escalated_at).is_(None))
                .order_by(col(CaseRecord.deadline))).all()
            for decision, case, shop in rows:
                enqueued += _handle(session, ctx, decision, case, shop, now)
    with session_scope(ctx.db) as session:
        escalated = tasks.escalate_due(session, now=now)
    if escalated:
        log.warning("%d manual task(s) near or past their platform deadline escalated", escalated)
    return enqueued


def _handle(session: Session, ctx: ServiceContext, decision: DecisionRecord, case: CaseRecord, shop: Shop,
            now: datetime) -> bool:
    """Accept (the shop's ``deadline_action``) or escalate one due decision; True when enqueued."""
    options = shop.options or {}
    deadline = repo.as_utc(case.deadline)
    if deadline is None or deadline > now + _margin(shop):
        return False
    assert decision.id is not None
    if options.get("deadline_action") == "accept" and decision.action != "request_reason_change" \
            and not decision.reason_change_to:
        try:
            with session.begin_nested():
                action = queue.accept(session, ctx, decision_id=decision.id, rep="deadline", now=now)
            return action is not None
        except (GuardrailViolation, InputError) as exc:
            log.warning("deadline accept of decision %s refused: %s", decision.id, exc)
    case.escalated_at = now
    session.add(case)
    repo.append_audit(session, actor="scheduler", event="deadline_escalated", now=now,
                      shop_id=case.shop_id, case_id=case.id,
                      detail={"deadline": deadline.isoformat(), "decision": decision.id,
                              "version": decision.version})
    return False


async def run_deadlines(ctx: ServiceContext) -> int:
    """One pass; returns how many actions it enqueued (the caller may then kick the pusher)."""
    return await asyncio.to_thread(_deadline_pass, ctx)
