"""The review queue: what reps list, inspect, accept, edit or reject. Shared by the CLI and the API.

Why the queue works on decisions: each decision version is one suggestion with its evidence, rule and
money compared; accepting writes the outbox row in the same transaction as the status change (the
outbox pattern again), and an edit is what gets pushed — the engine's text is kept in the decision
for the record. A reason-change request reaches the platform only through an explicit accept here,
and the audit event of that accept carries the evidence it rested on. Any reply text that leaves,
edited or not, passes the guardrail first or the request is refused naming the phrase.

Why two forms of an item: the service works on the store's integer ids, but people and callers only
ever see opaque ones (``dc_…`` for a decision, ``cs_…`` for its case, ``ob_…`` for an outbox row), in
the API, on the review page and in the CLI alike; ``public_item`` and ``public_detail`` make that form
in one place, and ``find`` / ``current_for_case`` look an opaque id up (within one shop when given).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from marketplace_returns.errors import GuardrailViolation, InputError
from marketplace_returns.models.vocabulary import Action
from marketplace_returns.service import reply_dates, tasks
from marketplace_returns.service import repository as repo
from marketplace_returns.service.bounds import Amount, SafeText
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.decide import NOT_PUSHED
from marketplace_returns.service.followup import RULE as FOLLOWUP_RULE
from marketplace_returns.service.tables import CaseRecord, DecisionRecord, OutboxAction

DECISION_REF = re.compile(r"^dc_[A-Za-z0-9_-]{16}$")
"""A decision's opaque id as the API, the review page and the CLI take it."""
CASE_REF = re.compile(r"^cs_[A-Za-z0-9_-]{16}$")
"""A case's opaque id."""


class NotFound(InputError):
    """The decision does not exist or belongs to another shop (the same answer for both)."""


class QueueItem(BaseModel):
    id: int
    case_id: int
    shop_id: str
    refund_id: str
    deadline: datetime | None
    family: str | None
    category: str | None
    action: str | None
    amount: Decimal | None
    reason_change_to: str | None
    rule: str | None
    needs_approval: bool
    escalated: bool
    version: int
    currency: str | None = None
    """The case's currency: every amount of the item is in it."""


class QueueDetail(QueueItem):
    status: str
    reason: str | None
    message: str | None
    item_price: Decimal | None
    refund_amount: Decimal | None
    platform_status: str | None
    evidence: list[str]
    rationale: str | None
    reply: str | None
    money: dict[str, Any] | None
    fallbacks: list[dict[str, Any]]
    actions: list[dict[str, Any]]


class PublicItem(QueueItem):
    """A queue item as people and callers see it: opaque ids, never the tables' sequential integers."""

    id: str  # type: ignore[assignment]
    case_id: str  # type: ignore[assignment]


class PublicDetail(QueueDetail):
    """A suggestion in full with opaque ids (its outbox rows' ``id`` too)."""

    id: str  # type: ignore[assignment]
    case_id: str  # type: ignore[assignment]


class Edit(BaseModel):
    """A rep's change to a suggestion before it is pushed; unset fields keep the engine's value."""

    model_config = ConfigDict(extra="forbid")

    amount: Amount | None = None
    reply: SafeText | None = Field(default=None, max_length=2000)
    action: Action | None = None


def item(d: DecisionRecord, c: CaseRecord) -> QueueItem:
    assert d.id is not None and c.id is not None
    return QueueItem(id=d.id, case_id=c.id, shop_id=c.shop_id, refund_id=c.refund_id,
                     deadline=repo.as_utc(c.deadline),
                     family=d.family, category=d.category, action=d.action, amount=d.amount,
                     reason_change_to=d.reason_change_to, rule=d.rule, needs_approval=d.needs_approval,
                     escalated=c.escalated_at is not None, version=d.version, currency=c.currency)


def public_item(d: DecisionRecord, c: CaseRecord) -> PublicItem:
    return PublicItem.model_validate({**item(d, c).model_dump(), "id": d.public_id or "",
                                      "case_id": c.public_id or ""})


def list_pending(session: Session, *, shop_id: str | None = None, limit: int = 100) -> list[QueueItem]:
    return [item(d, c) for d, c in repo.list_queue(session, shop_id=shop_id, limit=limit)]


def _load(session: Session, decision_id: int, shop_id: str | None) -> tuple[DecisionRecord, CaseRecord]:
    found = repo.load_decision(session, decision_id=decision_id, shop_id=shop_id)
    if found is None:  # missing, or another shop's: one query either way, one answer
        raise NotFound(f"no decision {decision_id}", field="id")
    return found


def show(session: Session, *, decision_id: int, shop_id: str | None = None) -> QueueDetail:
    d, c = _load(session, decision_id, shop_id)
    doc = d.decision_json or {}
    rec = doc.get("recommendation") or {}
    actions = [{"id": a.id, "public_id": a.public_id, "action": a.action, "status": a.status,
                "outcome": a.outcome, "amount": a.amount, "attempts": a.attempts, "last_error": a.last_error}
               for a in repo.list_actions(session, case_id=c.id)]
    return QueueDetail(**item(d, c).model_dump(), status=d.status, reason=c.reason, message=c.message,
                       item_price=c.item_price, refund_amount=c.refund_amount,
                       platform_status=c.platform_status,
                       evidence=list((doc.get("classification") or {}).get("evidence") or []),
                       rationale=rec.get("rationale"), reply=(doc.get("reply") or {}).get("text"),
                       money=doc.get("money"), fallbacks=list(rec.get("fallbacks") or []), actions=actions)


def list_public(session: Session, *, shop_id: str | None = None, limit: int = 100) -> list[PublicItem]:
    return [public_item(d, c) for d, c in repo.list_queue(session, shop_id=shop_id, limit=limit)]


def public_detail(session: Session, d: DecisionRecord, c: CaseRecord) -> PublicDetail:
    """``show`` with opaque ids: the decision's, its case's and each outbox row's."""
    assert d.id is not None
    doc = show(session, decision_id=d.id, shop_id=c.shop_id).model_dump()
    for act in doc["actions"]:
        act["id"] = act.pop("public_id", None)
    return PublicDetail.model_validate({**doc, "id": d.public_id or "", "case_id": c.public_id or ""})


def find(session: Session, ref: str, *, shop_id: str | None = None) -> tuple[DecisionRecord, CaseRecord]:
    """A decision and its case by the decision's opaque id; ``NotFound`` for a missing one and another
    shop's alike (one query with the shop in it)."""
    found = repo.load_decision(session, public_id=ref, shop_id=shop_id)
    if found is None:
        raise NotFound(f"no decision {ref}", field="id")
    return found


def current_for_case(session: Session, ref: str, *,
                     shop_id: str | None = None) -> tuple[DecisionRecord, CaseRecord]:
    """The case's current decision (its latest version) by the case's opaque id; ``NotFound`` for a
    missing or foreign case and for a case without a decision."""
    query = select(CaseRecord).where(CaseRecord.public_id == ref)
    if shop_id is not None:
        query = query.where(CaseRecord.shop_id == shop_id)
    case = session.exec(query).first()
    latest = repo.latest_decision(session, case_id=case.id) if case is not None and case.id else None
    if case is None or latest is None:
        raise NotFound(f"no case {ref} with a suggestion", field="id")
    return latest, case


def _pending(d: DecisionRecord) -> None:
    if d.status != repo.OPEN_DECISION:
        raise InputError(f"decision {d.public_id or d.id} is {d.status}, not pending", field="id")


def _check(ctx: ServiceContext, text: str | None) -> None:
    if text:
        ctx.triage.check_outgoing(text)  # raises GuardrailViolation naming the phrase


def accept(session: Session, ctx: ServiceContext, *, decision_id: int, rep: str, now: datetime,
           shop_id: str | None = None, edit: Edit | None = None) -> OutboxAction | None:
    """Accept (optionally edited) and enqueue; ``None`` when the action is not a platform call (it then
    opens a manual task: ``tasks.for_decision``)."""
    d, c = _load(session, decision_id, shop_id)
    _pending(d)
    doc = d.decision_json or {}
    action = edit.action if edit and edit.action else (Action(d.action) if d.action else None)
    if action is None:
        raise InputError("the decision has no action to accept; edit it with an action", field="action")
    amount = edit.amount if edit and edit.amount is not None else d.amount
    if amount is not None and c.item_price is not None and amount > c.item_price:
        raise InputError(f"amount {amount} is above the price paid {c.item_price}", field="amount")
    asked = c.refund_amount
    if d.rule == FOLLOWUP_RULE and amount is not None and asked is not None and amount > asked:
        raise InputError(f"goods back: amount {amount} is above the requested {asked}", field="amount")
    reply = edit.reply if edit and edit.reply is not None else (doc.get("reply") or {}).get("text")
    reply = reply_dates.redate(reply, now=now, deadline=repo.as_utc(c.deadline), only_past=True,
                               hours=reply_dates.decide_hours(c.platform))  # never a date already past
    _check(ctx, reply)
    reason_to = d.reason_change_to if action is Action.REQUEST_REASON_CHANGE else None
    edited = edit is not None and any(v is not None for v in (edit.amount, edit.reply, edit.action))
    repo.set_decision_status(session, decision=d, status="edited" if edited else "accepted", now=now, by=rep)
    detail: dict[str, Any] = {"version": d.version, "action": action.value,
                              "amount": str(amount) if amount is not None else None}
    if edited:
        detail["engine"] = {"action": d.action, "amount": str(d.amount) if d.amount is not None else None,
                            "reply": (doc.get("reply") or {}).get("text")}
        detail["reply"] = reply
    if reason_to:
        detail["reason_change_to"] = reason_to
        detail["evidence"] = (doc.get("classification") or {}).get("evidence") or []
    repo.append_audit(session, actor=f"rep:{rep}", event="edited" if edited else "accepted", now=now,
                      shop_id=c.shop_id, case_id=c.id, detail=detail)
    capabilities = ctx.capabilities(c.platform)
    if action in NOT_PUSHED or not capabilities.supports(action):  # e.g. an exchange on TOP: by hand
        support = capabilities.actions.get(action)
        repo.append_audit(session, actor=f"rep:{rep}", event="manual_action", now=now, shop_id=c.shop_id,
                          case_id=c.id,
                          detail={"action": action.value, "how": support.how if support else None})
        tasks.open_task(session, case=c, decision=d, action=action.value,  # listed until a rep closes it
                        how=support.how if support else None, amount=amount, reply_text=reply, rep=rep,
                        now=now)
        return None
    return repo.enqueue_action(session, case=c, decision=d, action=action.value, now=now, amount=amount,
                               reply_text=reply, reason_change_to=reason_to)


def reject(session: Session, *, decision_id: int, rep: str, now: datetime, shop_id: str | None = None,
           note: str | None = None) -> None:
    d, c = _load(session, decision_id, shop_id)
    _pending(d)
    repo.set_decision_status(session, decision=d, status="rejected", now=now, by=rep)
    repo.append_audit(session, actor=f"rep:{rep}", event="rejected", now=now, shop_id=c.shop_id, case_id=c.id,
                      detail={"version": d.version, "note": note})


__all__ = ["CASE_REF", "DECISION_REF", "Edit", "GuardrailViolation", "NotFound", "PublicDetail", "PublicItem",
           "QueueDetail", "QueueItem", "accept", "current_for_case", "find", "item", "list_pending",
           "list_public", "public_detail", "public_item", "reject", "show"]
