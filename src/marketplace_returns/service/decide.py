"""Triage one stored case: evaluate, record the decision, enqueue what may go out on its own, audit.

Why the auto test lives here and is strict: an action leaves for the platform without a rep only when
the playbook marks the rule automatic, the shop allows that rule, the engine does not ask for approval,
it is not a reason-change request (those always need a rep: contract, "honest steering"), the platform
supports the action, and the reply text passes the guardrail. Anything else waits in the queue.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from marketplace_returns.connectors.base import Capabilities
from marketplace_returns.errors import GuardrailViolation
from marketplace_returns.models.case import Case
from marketplace_returns.models.decision import Decision
from marketplace_returns.models.vocabulary import Action
from marketplace_returns.service import reply_dates
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.tables import CaseRecord, DecisionRecord, Shop

log = logging.getLogger(__name__)

NOT_PUSHED = frozenset({Action.ESCALATE})
"""Actions that are a note to reps, not a call to the platform."""


def blocked_reason(decision: Decision, shop: Shop, capabilities: Capabilities | None) -> str | None:
    """Why this decision may not be pushed without a rep (``None``: it may)."""
    rec = decision.recommendation
    if rec is None or decision.error is not None:
        return "no recommendation"
    if not decision.auto:
        return "rule is not automatic"
    if decision.needs_approval:
        return "engine asks for approval"
    if rec.action is Action.REQUEST_REASON_CHANGE or rec.reason_change_to:
        return "reason changes always need a rep"
    if rec.action in NOT_PUSHED:
        return f"{rec.action.value} is for a rep"
    if shop.auto_rules is not None and decision.rule not in shop.auto_rules:
        return "shop does not allow this rule automatically"
    if capabilities is not None and not capabilities.supports(rec.action):
        return f"{shop.platform} does not support {rec.action.value}"
    return None


def check_reply(ctx: ServiceContext, text: str | None) -> None:
    """Raise GuardrailViolation when outgoing text breaks the honest-steering rule."""
    if text:
        ctx.triage.check_outgoing(text)


def triage_case(session: Session, ctx: ServiceContext, *, shop: Shop, row: CaseRecord, case: Case,
                capabilities: Capabilities | None, now: datetime,
                first: bool = False) -> DecisionRecord | None:
    """Evaluate ``case`` and store the outcome in the caller's transaction; ``None`` if the engine failed.

    ``first``: the case row is new in this transaction (see ``repository.record_decision``).

    A playbook that does not load (or overrides it refuses) raises ConfigError: that stops the shop.
    """
    assert row.id is not None
    playbook_name, playbook = ctx.playbook_for(shop, case)
    try:
        decision = ctx.triage.evaluate(case, playbook)
    except Exception as exc:  # the engine is pure code over data: a failure is a bug to show, not a crash
        log.exception("engine failed on %s/%s", shop.shop_id, row.refund_id)
        repo.append_audit(session, actor="engine", event="engine_error", now=now, shop_id=shop.shop_id,
                          case_id=row.id, detail={"error": type(exc).__name__, "message": str(exc)[:300]})
        return None
    if decision.playbook is None:
        decision = decision.model_copy(update={"playbook": playbook_name})
    if decision.reply is not None:  # the engine has no clock: the date comes from now and the deadline
        text = reply_dates.redate(decision.reply.text, now=now, deadline=repo.as_utc(row.deadline),
                                  hours=reply_dates.decide_hours(row.platform))
        if text != decision.reply.text:
            decision = decision.model_copy(update={"reply": decision.reply.model_copy(update={"text": text})})
    record = repo.record_decision(session, case_id=row.id, decision=decision, now=now, first=first)
    rec = decision.recommendation
    evidence = decision.classification.evidence if decision.classification else []
    repo.append_audit(session, actor="engine", event="decided", now=now, shop_id=shop.shop_id, case_id=row.id,
                      detail={"version": record.version, "rule": decision.rule, "playbook": decision.playbook,
                              "action": rec.action.value if rec else None,
                              "amount": str(rec.amount) if rec and rec.amount is not None else None,
                              "reason_change_to": rec.reason_change_to if rec else None,
                              "reason_change_grounds": rec.reason_change_grounds if rec else None,
                              "evidence": evidence})
    why = blocked_reason(decision, shop, capabilities)
    reply = decision.reply.text if decision.reply else None
    if why is None:
        try:
            check_reply(ctx, reply)
        except GuardrailViolation as exc:
            why = f"reply blocked by the guardrail: {exc.phrase!r} ({exc.rule})"
    if why is not None or rec is None:
        repo.append_audit(session, actor="engine", event="queued_for_rep", now=now, shop_id=shop.shop_id,
                          case_id=row.id, detail={"version": record.version, "why": why})
        return record
    repo.set_decision_status(session, decision=record, status="auto", now=now, by="engine")
    action = repo.enqueue_action(session, case=row, decision=record, action=rec.action.value, now=now,
                                 amount=rec.amount, reply_text=reply, reason_change_to=None)
    repo.append_audit(session, actor="engine", event="auto_enqueued", now=now, shop_id=shop.shop_id,
                      case_id=row.id, detail={"version": record.version, "outbox_id": action.id,
                                              "idempotency_key": action.idempotency_key})
    return record
