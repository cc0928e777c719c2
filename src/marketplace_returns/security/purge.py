"""Erase one buyer's personal data from the store, and say so in the audit log.

Why the records stay: refunds, decisions and pushed actions are the seller's business record (money
paid back, what the platform was told) and the audit trail an owner needs; only what identifies or
was written by the buyer goes. Per case that means:

- ``cases.message`` (the buyer's own words) is blanked;
- ``cases.raw`` (the platform record) keeps its shape and business fields, with names, contacts,
  addresses and free text replaced by ``[purged]`` (:func:`mask_payload` with ``purge=True``) and the
  buyer's platform id (``buyer_open_uid``, a customer id) by the pseudonym;
- ``cases.case_json`` (the normalised case) loses ``message``; ``buyer_id`` becomes a pseudonym
  (``purged:<sha256 prefix>``) in the row and in the JSON, so the store no longer holds the
  platform's id but a second purge of the same buyer still finds the cases;
- each decision's ``decision_json``, each outbox row's ``reply_text`` (what was or will be sent to the
  buyer) and every audit ``detail`` of those cases (``edited`` keeps the rep's and the engine's reply)
  are masked by pattern and by every name the case knows — the raw record's structured names and nick
  and the buyer's platform id, however short — wherever they occur, labelled or not (a reply may greet
  the buyer by nick, an evidence quote may repeat a phone number); a quoted fragment of the buyer's own
  message (``message "..."`` in the evidence) becomes ``[purged]``.
- ``webhook_receipts`` hold a delivery id (or digest) and a time, never buyer text: nothing to purge.

One ``pii_purged`` audit event per case records the pseudonym, never the id. The function flushes
and leaves the commit to the caller, so a purge is all-or-nothing inside the caller's transaction.
What it cannot reach: the platform itself (the next poll brings the raw record back: the poller must
pass it through :func:`purge_record` when :func:`is_purged` says the stored buyer is purged), log
files already written, backups.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from marketplace_returns.errors import InputError
from marketplace_returns.security.pii import PURGED, collect_names, mask_payload, mask_text
from marketplace_returns.service.tables import AuditEvent, CaseRecord, DecisionRecord, OutboxAction

PSEUDONYM_PREFIX = "purged:"
PURGED_FIELDS = ("message", "raw", "case_json", "buyer_id")


def buyer_pseudonym(buyer_id: str) -> str:
    """The stable stand-in a purged buyer's id is replaced with."""
    if buyer_id.startswith(PSEUDONYM_PREFIX):
        return buyer_id
    return PSEUDONYM_PREFIX + hashlib.sha256(buyer_id.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def is_purged(buyer_id: str | None) -> bool:
    """Whether a stored ``buyer_id`` is a purge pseudonym (the buyer asked to be forgotten)."""
    return bool(buyer_id) and str(buyer_id).startswith(PSEUDONYM_PREFIX)


def purge_record(doc: dict[str, Any] | None, *, buyer_id: str | None) -> dict[str, Any] | None:
    """A platform record (or case JSON) as the store keeps it for a purged buyer.

    For the poller: when the stored case's buyer is purged (:func:`is_purged`), a fresh copy of the
    record from the platform must go through this before it is stored or compared, else the next
    poll writes the personal data back.
    """
    if not buyer_id:
        return mask_payload(doc, purge=True) if doc is not None else None
    return _purge_json(doc, buyer_id, buyer_pseudonym(buyer_id))


@dataclass
class PurgeReport:
    """What a purge changed (counts and case ids; never personal data)."""

    buyer: str
    """The pseudonym."""
    case_ids: list[int] = field(default_factory=list)
    decisions_masked: int = 0
    audit_events_masked: int = 0
    outbox_masked: int = 0
    at: datetime | None = None

    @property
    def cases(self) -> int:
        return len(self.case_ids)


def _swap(obj: Any, old: str, new: str) -> Any:
    """``obj`` with every string equal to ``old`` (the platform's buyer id) replaced by ``new``."""
    if isinstance(obj, str):
        return new if obj == old else obj
    if isinstance(obj, dict):
        return {k: _swap(v, old, new) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_swap(v, old, new) for v in obj]
    return obj


def _purge_json(doc: dict[str, Any] | None, buyer_id: str, pseudonym: str) -> dict[str, Any] | None:
    if doc is None:
        return None
    out: dict[str, Any] = _swap(mask_payload(doc, purge=True), buyer_id, pseudonym)
    if "message" in out:
        out["message"] = None
    return out


_QUOTED = re.compile(r'"([^"]{1,200})"|“([^”]{1,200})”|「([^」]{1,200})」')


def _buyer_words(case: CaseRecord) -> list[str]:
    """What the buyer wrote on this case (its message and the raw record's free text)."""
    words = [case.message or ""]
    if isinstance(case.raw, dict):
        words += [str(v) for k, v in case.raw.items() if k in ("desc", "message", "customer_note") and v]
    if isinstance(case.case_json, dict) and case.case_json.get("message"):
        words.append(str(case.case_json["message"]))
    return [w for w in words if w and w != PURGED]


def _unquote(obj: Any, said: list[str]) -> Any:
    """``obj`` with every quoted fragment of the buyer's own words replaced by ``[purged]``."""
    if not said:
        return obj
    if isinstance(obj, str):
        def swap(m: re.Match[str]) -> str:
            inner = next(g for g in m.groups() if g is not None)
            return m[0].replace(inner, PURGED) if any(inner in w for w in said) else m[0]
        return _QUOTED.sub(swap, obj)
    if isinstance(obj, dict):
        return {k: _unquote(v, said) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_unquote(v, said) for v in obj]
    return obj


def purge_buyer(session: Session, *, buyer_id: str, actor: str = "privacy",
                now: datetime | None = None, shop_id: str | None = None) -> PurgeReport:
    """Blank the personal data of every case of ``buyer_id`` (in ``shop_id``, or in every shop) and
    audit it; caller commits. Idempotent: a second purge finds the pseudonymised cases again."""
    from marketplace_returns.service import tasks as manual_tasks  # here: tasks imports the repository,
    # which imports this module

    if not buyer_id or not buyer_id.strip():
        raise InputError("buyer_id must not be empty", field="buyer_id")
    at = now or datetime.now(UTC)
    pseudonym = buyer_pseudonym(buyer_id)
    report = PurgeReport(buyer=pseudonym, at=at)
    query = select(CaseRecord).where(
        or_(col(CaseRecord.buyer_id) == buyer_id, col(CaseRecord.buyer_id) == pseudonym))
    if shop_id is not None:
        query = query.where(col(CaseRecord.shop_id) == shop_id)
    cases = session.exec(query.order_by(col(CaseRecord.id))).all()
    for case in cases:
        if case.id is None:  # not possible for a row read back; keeps the type checker honest
            continue
        names = collect_names(case.raw) | collect_names(case.case_json)
        if case.buyer_id and not case.buyer_id.startswith(PSEUDONYM_PREFIX):
            names.add(case.buyer_id)  # on TOP the id may be the nick itself, however short
        if buyer_id != pseudonym:
            names.add(buyer_id)
        said = _buyer_words(case)
        case.message = None
        original = case.buyer_id or buyer_id
        case.raw = _purge_json(case.raw, original, pseudonym)
        case.case_json = _purge_json(case.case_json, original, pseudonym)
        case.buyer_id = pseudonym
        case.updated_at = at
        session.add(case)
        report.case_ids.append(case.id)
        for decision in session.exec(select(DecisionRecord).where(DecisionRecord.case_id == case.id)).all():
            if decision.decision_json is not None:
                masked = _unquote(mask_payload(decision.decision_json, names=names), said)
                if masked != decision.decision_json:
                    decision.decision_json = masked
                    session.add(decision)
                    report.decisions_masked += 1
        for action in session.exec(select(OutboxAction).where(OutboxAction.case_id == case.id)).all():
            if action.reply_text:
                text = _unquote(mask_text(action.reply_text, names=names), said)
                if text != action.reply_text:
                    action.reply_text = text
                    session.add(action)
                    report.outbox_masked += 1
        manual_tasks.mask_personal(session, case_id=case.id, names=names)  # a task keeps the reply too
        for event in session.exec(select(AuditEvent).where(AuditEvent.case_id == case.id)).all():
            if event.detail is not None and event.event != "pii_purged":
                masked = _unquote(mask_payload(event.detail, names=names), said)
                if masked != event.detail:
                    event.detail = masked
                    session.add(event)
                    report.audit_events_masked += 1
        session.add(AuditEvent(
            at=at, shop_id=case.shop_id, case_id=case.id, actor=actor, event="pii_purged",
            detail={"buyer": pseudonym, "fields": list(PURGED_FIELDS), "placeholder": PURGED}))
    session.flush()
    return report
