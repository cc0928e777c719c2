"""Repository: every read and write the service makes, as functions over a Session.

Why functions with keyword-only arguments and no commits: the caller owns the transaction, so a batch
of cases, their decisions, their outbox rows, their audit events and the poll cursor commit together
or not at all (the outbox pattern needs exactly that). Claims (poll lease, outbox rows) are single
conditional UPDATEs or ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers can share
one database without a home-made lock.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from marketplace_returns.connectors.base import FetchedCase
from marketplace_returns.errors import InputError
from marketplace_returns.models.decision import Decision
from marketplace_returns.security.purge import buyer_pseudonym, is_purged, purge_record
from marketplace_returns.service.db import is_postgres, utc
from marketplace_returns.service.tables import (
    AuditEvent,
    CaseRecord,
    DecisionRecord,
    OutboxAction,
    PollCursor,
    Shop,
)

log = logging.getLogger(__name__)

OPEN_DECISION = "pending"
IN_CHUNK = 500
"""Most values one ``IN (...)`` list carries (well under SQLite's and PostgreSQL's parameter limits)."""
TERMINAL_OUTBOX = ("done", "dead", "cancelled")


# -- audit -------------------------------------------------------------------------------------------

def append_audit(session: Session, *, actor: str, event: str, now: datetime, shop_id: str | None = None,
                 case_id: int | None = None, detail: dict[str, Any] | None = None) -> AuditEvent:
    """Add one audit event (append-only: nothing in the package updates or deletes these rows)."""
    row = AuditEvent(at=now, shop_id=shop_id, case_id=case_id, actor=actor, event=event, detail=detail)
    session.add(row)
    return row


def list_audit(session: Session, *, shop_id: str, case_id: int | None = None,
               limit: int = 200) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.shop_id == shop_id)
    if case_id is not None:
        query = query.where(AuditEvent.case_id == case_id)
    return list(session.exec(query.order_by(col(AuditEvent.id)).limit(limit)).all())


# -- shops and poll leases ---------------------------------------------------------------------------

def get_shop(session: Session, *, shop_id: str) -> Shop | None:
    return session.get(Shop, shop_id)


def list_shops(session: Session, *, active_only: bool = False) -> list[Shop]:
    query = select(Shop).order_by(col(Shop.shop_id))
    if active_only:
        query = query.where(col(Shop.active).is_(True))
    return list(session.exec(query).all())


def set_shop_error(session: Session, *, shop_id: str, error: str | None) -> None:
    session.execute(update(Shop).where(col(Shop.shop_id) == shop_id).values(config_error=error))


def _ensure_cursor_row(session: Session, shop_id: str) -> None:
    if session.get(PollCursor, shop_id) is not None:
        return
    try:
        with session.begin_nested():
            session.add(PollCursor(shop_id=shop_id))
    except IntegrityError:
        pass  # another worker created it first


def acquire_poll_lease(session: Session, *, shop_id: str, owner: str, now: datetime,
                       ttl: timedelta, spacing: timedelta | None = None) -> bool:
    """Take (or renew) the shop's poll lease; ``False`` while another owner holds an unexpired one, or
    while the last poll ended less than ``spacing`` ago (another worker just polled this shop).

    One conditional UPDATE: of two workers racing, the database lets exactly one row update succeed.
    The caller commits at once so the lease is visible to the others.
    """
    _ensure_cursor_row(session, shop_id)
    conditions = [col(PollCursor.shop_id) == shop_id,
                  or_(col(PollCursor.lease_owner).is_(None), col(PollCursor.lease_until) < now,
                      col(PollCursor.lease_owner) == owner)]
    if spacing is not None and spacing > timedelta(0):
        conditions.append(or_(col(PollCursor.polled_at).is_(None),
                              col(PollCursor.polled_at) <= now - spacing))
    result = session.execute(update(PollCursor).where(*conditions)
                             .values(lease_owner=owner, lease_until=now + ttl))
    return bool(getattr(result, "rowcount", 0) == 1)


def release_poll_lease(session: Session, *, shop_id: str, owner: str, error: str | None = None,
                       now: datetime | None = None) -> None:
    values: dict[str, Any] = {"lease_owner": None, "lease_until": None, "last_error": error}
    if now is not None:
        values["polled_at"] = now
    session.execute(update(PollCursor)
                    .where(col(PollCursor.shop_id) == shop_id, col(PollCursor.lease_owner) == owner)
                    .values(**values))


def read_cursor(session: Session, *, shop_id: str) -> str | None:
    row = session.get(PollCursor, shop_id)
    return row.cursor if row else None


def commit_cursor(session: Session, *, shop_id: str, owner: str, cursor: str, now: datetime,
                  ttl: timedelta) -> bool:
    """Store the cursor (with the batch, same transaction) and extend the lease; ``False`` if lost."""
    result = session.execute(
        update(PollCursor).where(col(PollCursor.shop_id) == shop_id, col(PollCursor.lease_owner) == owner)
        .values(cursor=cursor, updated_at=now, lease_until=now + ttl, last_error=None))
    return bool(getattr(result, "rowcount", 0) == 1)


# -- cases -------------------------------------------------------------------------------------------

def change_tokens(session: Session, *, shop_id: str, refund_ids: list[str]) -> dict[str, str | None]:
    """refund id → stored ``change_token`` for those of ``refund_ids`` the store holds."""
    rows = session.execute(select(CaseRecord.refund_id, CaseRecord.change_token)
                           .where(col(CaseRecord.shop_id) == shop_id,
                                  col(CaseRecord.refund_id).in_(refund_ids)))
    return {refund_id: token for refund_id, token in rows}


def upsert_case(session: Session, *, shop_id: str, platform: str, fetched: FetchedCase,
                now: datetime) -> tuple[CaseRecord, bool]:
    """Insert or update one case by (shop_id, refund_id); the row and whether it is new or moved."""
    row, moved, _ = upsert_cases(session, shop_id=shop_id, platform=platform, fetched=[fetched], now=now)[0]
    return row, moved


def upsert_cases(session: Session, *, shop_id: str, platform: str, fetched: Sequence[FetchedCase],
                 now: datetime) -> list[tuple[CaseRecord, bool, bool]]:
    """Insert or update a batch of cases by (shop_id, refund_id): ``(row, moved, created)`` per input.

    "Moved" means the platform's version or status changed, or the raw record differs: the overlap of
    two polls (the lookback) re-reads unchanged refunds, and those must not be triaged again.

    Why a batch: one SELECT finds every stored row of the page and one flush inserts the new ones
    (SQLAlchemy sends them as one multi-row INSERT ... RETURNING). Case by case it was a round trip
    each way per refund, the largest cost of a Double-11 burst. A refund listed twice in one batch
    finds the row its first listing made (``created`` is true only for the first).
    """
    wanted = list(dict.fromkeys(f.refund_id for f in fetched))
    stored: dict[str, CaseRecord] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        query = select(CaseRecord).where(CaseRecord.shop_id == shop_id,
                                         col(CaseRecord.refund_id).in_(wanted[start:start + IN_CHUNK]))
        stored.update((row.refund_id, row) for row in session.exec(query))
    out: list[tuple[CaseRecord, bool, bool]] = []
    for one in fetched:
        row = stored.get(one.refund_id)
        created = row is None
        if row is None:
            row = stored[one.refund_id] = CaseRecord(shop_id=shop_id, platform=platform,
                                                     refund_id=one.refund_id, first_seen_at=now)
            session.add(row)
        moved = _apply_fetched(row, one, created=created, now=now)
        out.append((row, moved, created))
    session.flush()
    return out


def older_than_stored(row: CaseRecord, fetched: FetchedCase) -> bool:
    """The platform answered with an older state of the refund than the one stored (a lagging replica,
    a page cached upstream): it must neither roll the case back nor be triaged."""
    seen, stored = utc(fetched.updated_at), utc(row.platform_updated_at)
    return seen is not None and stored is not None and seen < stored


def _apply_fetched(row: CaseRecord, fetched: FetchedCase, *, created: bool, now: datetime) -> bool:
    """Copy a fresh platform read onto ``row`` (no I/O); whether it is new or moved. A read older than
    the stored state changes nothing and is not "moved"."""
    if not created and older_than_stored(row, fetched):
        log.info("case %s/%s: the platform answered an older state (%s, stored %s); kept the stored one",
                 row.shop_id, row.refund_id, fetched.updated_at, row.platform_updated_at)
        return False
    raw = fetched.raw
    purged = not created and is_purged(row.buyer_id)
    if purged:  # the buyer asked to be forgotten: never write their data back from a fresh read
        raw = purge_record(raw, buyer_id=fetched.case.buyer_id if fetched.case else None) or {}
    changed = created or (row.platform_version != fetched.version
                          or row.platform_status != fetched.platform_status or row.raw != raw)
    if not changed:
        if fetched.change_token is not None and row.change_token != fetched.change_token:
            row.change_token = fetched.change_token
        if row.platform_updated_at is None and fetched.updated_at is not None:  # stored before 0006
            row.platform_updated_at = utc(fetched.updated_at)
        return False
    case = fetched.case
    row.raw = raw
    row.change_token = fetched.change_token
    row.platform_status = fetched.platform_status
    row.platform_version = fetched.version
    row.platform_updated_at = utc(fetched.updated_at) or row.platform_updated_at
    row.deadline = utc(fetched.deadline) or row.deadline
    row.updated_at = now
    row.mapping_error = (f"{fetched.mapping_issue.field}: {fetched.mapping_issue.message}"
                         if fetched.mapping_issue else None)
    if case is not None:
        row.case_json = case.model_dump(mode="json")
        row.order_id = case.order_id
        row.sku = case.sku
        row.batch = case.batch
        row.buyer_id = case.buyer_id
        row.product_category = case.category
        row.currency = case.currency
        row.item_price = case.item_price
        row.refund_amount = case.asked
        row.reason = case.reason
        row.message = case.message
        row.goods_status = case.goods_status.value if case.goods_status else None
        row.requested_at = utc(case.requested_at)
        if purged:
            row.case_json = purge_record(row.case_json, buyer_id=case.buyer_id)
            row.buyer_id = buyer_pseudonym(case.buyer_id) if case.buyer_id else row.buyer_id
            row.message = None
    return True


def get_case(session: Session, *, case_id: int, shop_id: str | None = None) -> CaseRecord | None:
    """The case, or ``None``; with ``shop_id`` the shop is part of the one query, so another shop's case
    and a missing one cost the same work and give the same answer."""
    if shop_id is None:
        return session.get(CaseRecord, case_id)
    return session.exec(select(CaseRecord).where(CaseRecord.id == case_id,
                                                 CaseRecord.shop_id == shop_id)).first()


def find_case(session: Session, *, public_id: str, shop_id: str) -> CaseRecord | None:
    """A case by its opaque API id within one shop (one query; foreign and missing alike)."""
    return session.exec(select(CaseRecord).where(CaseRecord.public_id == public_id,
                                                 CaseRecord.shop_id == shop_id)).first()


def load_decision(session: Session, *, decision_id: int | None = None, public_id: str | None = None,
                  shop_id: str | None = None) -> tuple[DecisionRecord, CaseRecord] | None:
    """A decision with its case, by internal or opaque id, within ``shop_id`` when given: one joined
    query, so another shop's decision and a missing one take the same path and the same work."""
    query = select(DecisionRecord, CaseRecord).join(CaseRecord, col(CaseRecord.id) == DecisionRecord.case_id)
    if public_id is not None:
        query = query.where(DecisionRecord.public_id == public_id)
    else:
        query = query.where(DecisionRecord.id == decision_id)
    if shop_id is not None:
        query = query.where(CaseRecord.shop_id == shop_id)
    found = session.exec(query).first()
    return (found[0], found[1]) if found is not None else None


def public_ids(session: Session, model: type[CaseRecord] | type[DecisionRecord] | type[OutboxAction],
               ids: Sequence[int | None]) -> dict[int, str]:
    """Internal id → opaque API id for ``ids`` of one table."""
    wanted = sorted({i for i in ids if i is not None})
    out: dict[int, str] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        rows = session.execute(select(model.id, model.public_id)
                               .where(col(model.id).in_(wanted[start:start + IN_CHUNK])))
        out.update({int(i): str(p) for i, p in rows if p is not None})
    return out


def list_cases(session: Session, *, shop_id: str, limit: int = 100, offset: int = 0) -> list[CaseRecord]:
    return list(session.exec(select(CaseRecord).where(CaseRecord.shop_id == shop_id)
                             .order_by(col(CaseRecord.id)).offset(offset).limit(limit)).all())


# -- decisions ---------------------------------------------------------------------------------------

def latest_decision(session: Session, *, case_id: int) -> DecisionRecord | None:
    return session.exec(select(DecisionRecord).where(DecisionRecord.case_id == case_id)
                        .order_by(col(DecisionRecord.version).desc())).first()


def list_decisions(session: Session, *, case_id: int) -> list[DecisionRecord]:
    return list(session.exec(select(DecisionRecord).where(DecisionRecord.case_id == case_id)
                             .order_by(col(DecisionRecord.version))).all())


def record_decision(session: Session, *, case_id: int, decision: Decision, now: datetime,
                    status: str = OPEN_DECISION, first: bool = False) -> DecisionRecord:
    """Store a new version of the decision on a case; older pending versions become ``superseded``.

    Pending outbox rows of superseded decisions are cancelled in the same transaction (nothing that
    a newer decision replaced may still reach the platform).

    ``first``: the case row was created in this transaction, so there is no earlier version to number
    after or to supersede; the two look-ups are skipped and the row is left to the session's next flush
    (a batch of new cases then inserts its decisions in one statement). Its ``id`` is ``None`` until then.
    """
    if first:
        top, older = 0, []
    else:
        top = session.exec(select(func.max(DecisionRecord.version))
                           .where(DecisionRecord.case_id == case_id)).one()
        older = list(session.exec(select(DecisionRecord).where(DecisionRecord.case_id == case_id,
                                                               DecisionRecord.status == OPEN_DECISION)).all())
    for old in older:
        old.status = "superseded"
        session.add(old)
        session.execute(update(OutboxAction).where(col(OutboxAction.decision_id) == old.id,
                                                   col(OutboxAction.status) == "pending")
                        .values(status="cancelled", done_at=now))
    rec = decision.recommendation
    cls = decision.classification
    money = decision.money or {}
    row = DecisionRecord(
        case_id=case_id, version=int(top or 0) + 1, playbook=decision.playbook, rule=decision.rule,
        family=cls.family.value if cls else None, category=cls.category.value if cls else None,
        confidence=cls.confidence if cls else None, action=rec.action.value if rec else None,
        amount=rec.amount if rec else None, reason_change_to=rec.reason_change_to if rec else None,
        penalising=bool(decision.penalising), penalising_metric=decision.penalising_metric,
        auto=decision.auto, needs_approval=decision.needs_approval, shipping_saved=money.get("saved"),
        decision_json=decision.model_dump(mode="json", exclude_none=True), status=status, created_at=now)
    session.add(row)
    if not first:
        session.flush()
    return row


def set_decision_status(session: Session, *, decision: DecisionRecord, status: str, now: datetime,
                        by: str | None = None) -> None:
    """Move ``decision`` from the status the caller read to ``status``, or raise InputError(field="id").

    One conditional UPDATE (``... WHERE id = :id AND status = :read``): of a deadline job and a rep, or
    two workers, moving the same decision at once, exactly one succeeds (PostgreSQL makes the second
    wait for the first's row lock and then sees the new status); the other gets "no longer pending"
    (409 in the API) instead of queueing a second action for one decision.
    """
    if decision.id is None:  # not flushed yet: nobody else can see it
        decision.status, decision.reviewed_by, decision.reviewed_at = status, by, now
        session.add(decision)
        return
    session.flush()
    read = decision.status
    result = session.execute(
        update(DecisionRecord)
        .where(col(DecisionRecord.id) == decision.id, col(DecisionRecord.status) == read)
        .values(status=status, reviewed_by=by, reviewed_at=now)
        .execution_options(synchronize_session=False))  # the object changes only if the row did
    if getattr(result, "rowcount", 0) != 1:
        raise InputError(f"decision {decision.id} is no longer {read}", field="id")
    for name, value in (("status", status), ("reviewed_by", by), ("reviewed_at", now)):
        set_committed_value(decision, name, value)


def list_queue(session: Session, *, shop_id: str | None = None,
               limit: int = 100) -> list[tuple[DecisionRecord, CaseRecord]]:
    """Pending decisions with their cases, nearest platform deadline first (no deadline last)."""
    query = (select(DecisionRecord, CaseRecord).join(CaseRecord, col(CaseRecord.id) == DecisionRecord.case_id)
             .where(DecisionRecord.status == OPEN_DECISION))
    if shop_id is not None:
        query = query.where(CaseRecord.shop_id == shop_id)
    query = query.order_by(col(CaseRecord.deadline).is_(None), col(CaseRecord.deadline),
                           col(DecisionRecord.id)).limit(limit)
    return [(d, c) for d, c in session.exec(query).all()]


# -- outbox ------------------------------------------------------------------------------------------

def idempotency_key(*, shop_id: str, refund_id: str, decision_version: int, action: str) -> str:
    """A stable key for one intended effect: the same on every retry and after any restart."""
    text = "\x1f".join((shop_id, refund_id, str(decision_version), action))
    return "mr-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def enqueue_action(session: Session, *, case: CaseRecord, decision: DecisionRecord, action: str,
                   now: datetime, amount: Decimal | None = None, reply_text: str | None = None,
                   reason_change_to: str | None = None) -> OutboxAction:
    """Write the outbox row in the caller's transaction (the one that records the decision).

    Enqueuing the same intended effect twice returns the existing row (the key is unique).
    """
    if case.id is None or decision.id is None:
        session.flush()
    assert case.id is not None and decision.id is not None
    key = idempotency_key(shop_id=case.shop_id, refund_id=case.refund_id, decision_version=decision.version,
                          action=action)
    existing = session.exec(select(OutboxAction).where(OutboxAction.idempotency_key == key)).first()
    if existing is not None:
        return existing
    row = OutboxAction(case_id=case.id, decision_id=decision.id, shop_id=case.shop_id,
                       refund_id=case.refund_id, action=action, amount=amount, reply_text=reply_text,
                       reason_change_to=reason_change_to, expected_version=case.platform_version,
                       idempotency_key=key, status="pending", next_attempt_at=now, created_at=now)
    session.add(row)
    session.flush()
    return row


def claim_actions(session: Session, *, worker: str, now: datetime, lease: timedelta,
                  limit: int = 20) -> list[tuple[OutboxAction, bool]]:
    """Claim due actions for ``worker``; each comes with ``recovering`` (it was found mid-send).

    Due: ``pending`` with ``next_attempt_at`` reached, or ``sending`` whose claim expired (its worker
    died between marking it and recording the answer: the pusher must ask the platform first).
    Claiming marks the row ``sending`` — committed by the caller *before* the platform call.
    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` so concurrent workers take disjoint rows. SQLite: a single
    writer at a time anyway; each row is taken by an UPDATE whose WHERE repeats the due condition.
    """
    next_at = col(OutboxAction.next_attempt_at)
    due = or_(and_(col(OutboxAction.status) == "pending", or_(next_at.is_(None), next_at <= now)),
              and_(col(OutboxAction.status) == "sending", col(OutboxAction.claimed_until) < now))
    query = select(OutboxAction).where(due).order_by(col(OutboxAction.next_attempt_at), col(OutboxAction.id))
    query = query.limit(limit)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    claimed: list[tuple[OutboxAction, bool]] = []
    for row in session.exec(query).all():
        recovering = row.status == "sending"
        result = session.execute(
            update(OutboxAction).where(col(OutboxAction.id) == row.id, due)
            .values(status="sending", claimed_by=worker, claimed_until=now + lease,
                    attempts=OutboxAction.attempts + 1, lease_epoch=OutboxAction.lease_epoch + 1)
            .execution_options(synchronize_session=False))
        if getattr(result, "rowcount", 0) == 1:
            session.refresh(row)
            claimed.append((row, recovering))
    return claimed


def _held(action_id: int, worker: str | None, epoch: int | None) -> list[Any]:
    """The row is still ``sending`` under this claim: same worker and, when given, the same epoch (a
    worker whose lease ran out while its call was in flight, and whose row was claimed again meanwhile,
    holds an older epoch and is fenced off)."""
    cond: list[Any] = [col(OutboxAction.id) == action_id, col(OutboxAction.status) == "sending"]
    if worker is not None:
        cond.append(col(OutboxAction.claimed_by) == worker)
    if epoch is not None:
        cond.append(col(OutboxAction.lease_epoch) == epoch)
    return cond


def _finish(session: Session, action_id: int, worker: str | None, values: dict[str, Any],
            epoch: int | None = None) -> bool:
    cond = _held(action_id, worker, epoch)
    result = session.execute(update(OutboxAction).where(*cond).values(claimed_until=None, **values)
                             .execution_options(synchronize_session=False))
    done = bool(getattr(result, "rowcount", 0) == 1)
    cached = session.get(OutboxAction, action_id)
    if cached is not None:
        session.refresh(cached)
    return done


def mark_done(session: Session, *, action_id: int, outcome: str, response: dict[str, Any] | None,
              now: datetime, worker: str | None = None, epoch: int | None = None) -> bool:
    """Applied, already done or stale: closed, not failed, with the platform's answer kept (a stale
    answer also sends the case back to triage: see ``flag_retriage``)."""
    return _finish(session, action_id, worker, {"status": "done", "outcome": outcome,
                                                "platform_response": response, "done_at": now,
                                                "last_error": None}, epoch)


def mark_retry(session: Session, *, action_id: int, error: str, next_attempt_at: datetime,
               worker: str | None = None, epoch: int | None = None) -> bool:
    return _finish(session, action_id, worker, {"status": "pending", "last_error": error[:500],
                                                "next_attempt_at": next_attempt_at}, epoch)


def park_sending(session: Session, *, action_id: int, until: datetime, error: str, worker: str,
                 epoch: int | None = None) -> bool:
    """Leave a row ``sending`` whose outcome is unknown, claimable again after ``until`` as recovering
    (so the platform is asked before any re-send)."""
    result = session.execute(update(OutboxAction).where(*_held(action_id, worker, epoch))
                             .values(claimed_until=until, last_error=error[:500])
                             .execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0) == 1)


def renew_claim(session: Session, *, action_id: int, worker: str, epoch: int, until: datetime) -> bool:
    """Heartbeat: push the lease of a row whose call is still in flight out to ``until``; ``False`` when
    the claim is no longer ours (fenced: another worker holds a newer epoch, or the row was closed)."""
    result = session.execute(update(OutboxAction).where(*_held(action_id, worker, epoch))
                             .values(claimed_until=until).execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0) == 1)


def mark_dead(session: Session, *, action_id: int, error: str, now: datetime,
              response: dict[str, Any] | None = None, outcome: str | None = "rejected",
              worker: str | None = None, epoch: int | None = None) -> bool:
    """Permanent failure: the dead letter a rep sees (``queue dead`` / ``GET /actions?status=dead``)."""
    return _finish(session, action_id, worker, {"status": "dead", "outcome": outcome,
                                                "last_error": error[:500], "platform_response": response,
                                                "done_at": now}, epoch)


# -- re-triage after a stale push --------------------------------------------------------------------

def flag_retriage(session: Session, *, case_id: int, reason: str) -> None:
    """Send a case back to triage on its shop's next poll (a push of its decision was answered stale)."""
    session.execute(update(CaseRecord).where(col(CaseRecord.id) == case_id)
                    .values(retriage_reason=reason[:500]).execution_options(synchronize_session=False))
    cached = session.get(CaseRecord, case_id)
    if cached is not None:
        set_committed_value(cached, "retriage_reason", reason[:500])


def list_retriage(session: Session, *, shop_id: str, limit: int = 50) -> list[CaseRecord]:
    """Cases of ``shop_id`` waiting to be triaged again, oldest flag first (by id)."""
    return list(session.exec(select(CaseRecord).where(CaseRecord.shop_id == shop_id,
                                                      col(CaseRecord.retriage_reason).is_not(None))
                             .order_by(col(CaseRecord.id)).limit(limit)).all())


def list_actions(session: Session, *, shop_id: str | None = None, status: str | None = None,
                 case_id: int | None = None, limit: int = 200) -> list[OutboxAction]:
    query = select(OutboxAction)
    if shop_id is not None:
        query = query.where(OutboxAction.shop_id == shop_id)
    if status is not None:
        query = query.where(OutboxAction.status == status)
    if case_id is not None:
        query = query.where(OutboxAction.case_id == case_id)
    query = query.order_by(col(OutboxAction.id)).limit(limit).execution_options(populate_existing=True)
    return list(session.exec(query).all())


def count_open_actions(session: Session, *, shop_id: str | None = None) -> int:
    query = (select(func.count()).select_from(OutboxAction)
             .where(col(OutboxAction.status).in_(("pending", "sending"))))
    if shop_id is not None:
        query = query.where(OutboxAction.shop_id == shop_id)
    return int(session.exec(query).one())


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored timestamp as aware UTC (SQLite keeps the wall time only: everything is written in UTC)."""
    return utc(moment)
