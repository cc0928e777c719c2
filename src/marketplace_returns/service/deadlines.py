"""The deadline job: pending suggestions whose platform deadline nears are escalated or auto-applied.

Why: on Taobao and Tmall a seller who does not answer before ``refund_remind_timeout`` loses the case
by default (the platform agrees the refund for them and counts it). A suggestion that nobody looked at
must therefore either reach a rep's attention in time (escalate: ``cases.escalated_at`` set, an audit
event, first in ``queue list``) or, where the shop chose it (``options.deadline_action: accept``), be
applied as the playbook suggested — never a reason-change request, never text the guardrail blocks.
``options.deadline_margin_s`` (default 6 h) says how near "near" is.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlmodel import col, select

from marketplace_returns.errors import GuardrailViolation, InputError
from marketplace_returns.service import queue
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.db import session_scope
from marketplace_returns.service.tables import CaseRecord, DecisionRecord, Shop

log = logging.getLogger(__name__)

DEFAULT_MARGIN_S = 6 * 3600
MAX_MARGIN_S = 7 * 86400


def _deadline_pass(ctx: ServiceContext) -> int:
    now = ctx.now()
    enqueued = 0
    with session_scope(ctx.db) as session:
        rows = session.exec(
            select(DecisionRecord, CaseRecord, Shop)
            .join(CaseRecord, col(CaseRecord.id) == DecisionRecord.case_id)
            .join(Shop, col(Shop.shop_id) == CaseRecord.shop_id)
            .where(DecisionRecord.status == repo.OPEN_DECISION, col(CaseRecord.escalated_at).is_(None),
                   col(CaseRecord.deadline).is_not(None),
                   col(CaseRecord.deadline) <= now + timedelta(seconds=MAX_MARGIN_S))
            .order_by(col(CaseRecord.deadline))).all()
        for decision, case, shop in rows:
            options = shop.options or {}
            margin = timedelta(seconds=float(options.get("deadline_margin_s", DEFAULT_MARGIN_S)))
            deadline = repo.as_utc(case.deadline)
            if deadline is None or deadline > now + margin:
                continue
            assert decision.id is not None
            if options.get("deadline_action") == "accept" and decision.action != "request_reason_change" \
                    and not decision.reason_change_to:
                try:
                    with session.begin_nested():
                        action = queue.accept(session, ctx, decision_id=decision.id, rep="deadline", now=now)
                    enqueued += action is not None
                    continue
                except (GuardrailViolation, InputError) as exc:
                    log.warning("deadline accept of decision %s refused: %s", decision.id, exc)
            case.escalated_at = now
            session.add(case)
            repo.append_audit(session, actor="scheduler", event="deadline_escalated", now=now,
                              shop_id=case.shop_id, case_id=case.id,
                              detail={"deadline": deadline.isoformat(), "decision": decision.id,
                                      "version": decision.version})
    return enqueued


async def run_deadlines(ctx: ServiceContext) -> int:
    """One pass; returns how many actions it enqueued (the caller may then kick the pusher)."""
    return await asyncio.to_thread(_deadline_pass, ctx)
