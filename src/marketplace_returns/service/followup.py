"""The seller's second step on a return: the goods came back, inspect them and refund.

Why a separate step: a case gets one decision from the engine, and the poller only re-triages while
that decision still waits. An agreed return (TOP ``rp.returngoods.agree``) moves on the platform to
WAIT_SELLER_CONFIRM_GOODS once the buyer ships the goods back; without this step nobody is asked to
confirm them and the platform's timeout decides. The follow-up is a new decision *version* (so a new
idempotency key, same outbox and pusher), made once per goods-back transition: once recorded it is the
latest decision, so a later poll of the same state finds nothing to do.

Why it waits for a rep by default: someone has to look at the goods. A shop opts in to pushing it on
its own by listing :data:`RULE` in its ``auto_rules``.

Shopify is not covered yet: the mapping shows an approved return as OPEN whether or not the reverse
delivery arrived, so there is no goods-back state to react to (see docs/service.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlmodel import Session

from marketplace_returns.connectors.base import Capabilities, FetchedCase
from marketplace_returns.i18n import phrases
from marketplace_returns.models.decision import Classification, Decision, Recommendation
from marketplace_returns.models.vocabulary import Action
from marketplace_returns.service import repository as repo
from marketplace_returns.service.tables import CaseRecord, DecisionRecord, Shop

RULE: Final = "followup.goods_back"
RATIONALE: Final = "goods back: inspect and refund"
"""The decision's rationale, followed by its reasons (``"; "`` between them)."""
REASONS: Final = ("agreed: {agreed} (decision v{version}, {status})", "goods back: {at}",
                  "amount requested: {amount}", "platform deadline: {deadline}")
"""The reasons, each also a line of the decision's evidence. Stored in English (the record); shown to a
rep in their language by :func:`say`, which matches them back against these templates."""
NO_DEADLINE: Final = "none given"
PHRASES: Final = (RATIONALE, *REASONS)
GOODS_BACK_STATUSES: Final = frozenset({"WAIT_SELLER_CONFIRM_GOODS"})
"""Platform statuses meaning "the returned goods reached the seller" (TOP)."""
AGREED_RETURN: Final = frozenset({Action.RETURN_AND_REFUND.value, Action.EXCHANGE.value})
PUSHED_STATUSES: Final = frozenset({"auto", "accepted", "edited"})


def say(text: str, *, language: str | None = None) -> str:
    """The follow-up's rationale or one of its evidence lines in the reader's language (``language``,
    else the current one: ``i18n``); any other text, the engine's among it, as it is."""
    return phrases(text, PHRASES, language=language)


def goods_back(fetched: FetchedCase) -> bool:
    return fetched.platform_status in GOODS_BACK_STATUSES


def _agreed_return(session: Session, latest: DecisionRecord) -> str | None:
    """The agreed-return action the latest decision sent out (``None``: it did not send one)."""
    if latest.status not in PUSHED_STATUSES:
        return None
    for row in repo.list_actions(session, case_id=latest.case_id):
        if row.decision_id == latest.id and row.action in AGREED_RETURN and row.status != "cancelled":
            return row.action
    return None


def step(session: Session, *, shop: Shop, row: CaseRecord, fetched: FetchedCase,
         capabilities: Capabilities | None, now: datetime) -> DecisionRecord | bool | None:
    """Handle a case whose goods are back, in the caller's transaction.

    Returns ``False`` when this step has nothing to do (not goods back, or no pushed return before it:
    the caller triages as usual), ``None`` when the follow-up already exists (the caller leaves the
    case alone), else the new follow-up decision.
    """
    if not goods_back(fetched):
        return False
    assert row.id is not None
    latest = repo.latest_decision(session, case_id=row.id)
    if latest is not None and latest.rule == RULE:
        return None  # made on an earlier poll of this state: the engine must not supersede it
    agreed = _agreed_return(session, latest) if latest is not None else None
    if latest is None or agreed is None:
        return False
    amount = row.refund_amount
    returned_at = fetched.updated_at or now
    values = {"agreed": agreed, "version": latest.version, "status": latest.status,
              "at": returned_at.isoformat(), "amount": f"{amount} {row.currency or ''}".strip(),
              "deadline": fetched.deadline.isoformat() if fetched.deadline else NO_DEADLINE}
    reasons = [template.format(**values) for template in REASONS]
    previous = (latest.decision_json or {}).get("classification")
    cls = Classification.model_validate(previous) if previous else None
    if cls is not None:
        cls = cls.model_copy(update={"evidence": reasons})
    auto = shop.auto_rules is not None and RULE in shop.auto_rules
    decision = Decision(refund_id=row.refund_id, classification=cls, rule=RULE, playbook=latest.playbook,
                        recommendation=Recommendation(action=Action.RETURN_AND_REFUND, amount=amount,
                                                      rationale="; ".join((RATIONALE, *reasons))),
                        auto=auto, needs_approval=not auto)
    record = repo.record_decision(session, case_id=row.id, decision=decision, now=now)
    row.escalated_at = None  # a new wait with a new platform deadline: the deadline job may escalate again
    session.add(row)
    repo.append_audit(session, actor="followup", event="decided", now=now, shop_id=shop.shop_id,
                      case_id=row.id, detail={"version": record.version, "rule": RULE,
                                              "action": Action.RETURN_AND_REFUND.value,
                                              "amount": str(amount) if amount is not None else None,
                                              "evidence": reasons})
    supported = capabilities is None or capabilities.supports(Action.RETURN_AND_REFUND)
    if not auto or not supported:
        why = "goods must be inspected by a rep" if supported else f"{shop.platform} cannot push it"
        repo.append_audit(session, actor="followup", event="queued_for_rep", now=now, shop_id=shop.shop_id,
                          case_id=row.id, detail={"version": record.version, "why": why})
        return record
    repo.set_decision_status(session, decision=record, status="auto", now=now, by="followup")
    action = repo.enqueue_action(session, case=row, decision=record, action=Action.RETURN_AND_REFUND.value,
                                 now=now, amount=amount)
    repo.append_audit(session, actor="followup", event="auto_enqueued", now=now, shop_id=shop.shop_id,
                      case_id=row.id, detail={"version": record.version, "outbox_id": action.id,
                                              "idempotency_key": action.idempotency_key})
    return record
