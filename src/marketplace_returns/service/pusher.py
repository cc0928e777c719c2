"""Drain the outbox: claim due actions, call the platform, record its answer — exactly once in effect.

The sequence for one action, and why each step is where it is:

1. **claim** (committed): the row becomes ``sending`` with ``claimed_by`` and a lease, *before* the
   call. A crash after this point leaves evidence: a ``sending`` row whose lease expires.
2. **recover**: a row claimed while already ``sending`` belonged to a worker that died mid-send. It is
   not blindly re-sent: ``connector.find_applied`` asks the platform whether the effect is there; only
   if it is absent is the call made (with the same idempotency key, so a platform that dedupes by key
   would refuse a duplicate anyway).
3. **guardrail**: the reply text is checked again (a rep may have edited it; rules may have changed).
4. **apply** with the idempotency key made when the row was written, reused on every retry.
5. **record**: applied / already done / stale → ``done``; a stale answer (the refund moved under the
   decision) also flags the case for re-triage in the same transaction, so the next poll re-reads the
   refund and puts a new decision version in the queue — an approved action is never dropped silently;
   retryable errors → back to ``pending`` at ``next_attempt_at`` (exponential backoff with jitter,
   never sooner than the platform's hint); permanent refusals → ``dead``, the dead letter reps see.

Two guards for a slow platform:

* **unknown outcome**: a write that timed out may still land (TOP keeps working after the client gave
  up, and TOP's message and negotiation calls carry no idempotency key). Such a row is not retried as
  ``pending``: it stays ``sending`` for ``ctx.unknown_settle`` (longer than the platform may take) and is
  then claimed as recovering, so the platform's record (the refund's message log) is read first.
* **heartbeat and fencing**: while a push is in flight its lease is renewed every third of the lease,
  so a slow call is not mistaken for a dead worker; every claim increments ``lease_epoch`` and every
  close names the epoch it claimed with, so a holder whose lease did lapse cannot overwrite the record
  of the worker that claimed the row after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from marketplace_returns.connectors.base import ActionOutcome, ActionRequest, ActionResult
from marketplace_returns.errors import (
    ConfigError,
    ConnectorError,
    GuardrailViolation,
    StaleVersion,
    WriteOutcomeUnknown,
)
from marketplace_returns.models.vocabulary import Action
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.db import session_scope
from marketplace_returns.service.shops import shop_config
from marketplace_returns.service.tables import CaseRecord, OutboxAction, Shop

log = logging.getLogger(__name__)


@dataclass
class PushReport:
    claimed: int = 0
    done: int = 0
    retried: int = 0
    dead: int = 0
    recovered: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def _claim(ctx: ServiceContext) -> list[tuple[OutboxAction, bool, Shop | None, CaseRecord | None]]:
    with session_scope(ctx.db) as session:
        claimed = repo.claim_actions(session, worker=ctx.worker, now=ctx.now(), lease=ctx.push_lease,
                                     limit=ctx.push_batch)
        out = []
        for action, recovering in claimed:
            shop = repo.get_shop(session, shop_id=action.shop_id)
            case = repo.get_case(session, case_id=action.case_id)
            out.append((action, recovering, shop, case))
        session.expunge_all()
        return out


async def push_due(ctx: ServiceContext) -> PushReport:
    """Claim and push every due action once (one round); returns what happened."""
    report = PushReport()
    claimed = await asyncio.to_thread(_claim, ctx)
    report.claimed = len(claimed)
    await asyncio.gather(*(_guarded(ctx, a, recovering, shop, case, report)
                           for a, recovering, shop, case in claimed))
    return report


async def _guarded(ctx: ServiceContext, action: OutboxAction, recovering: bool, shop: Shop | None,
                   case: CaseRecord | None, report: PushReport) -> None:
    """One action; a bug or an untranslated error must not strand the others or the push job. Whether
    the call landed is unknown, so the row stays ``sending`` with its lease pushed out by the backoff:
    when it is claimed again it is treated as found mid-send (the platform is asked first)."""
    beat = asyncio.create_task(_heartbeat(ctx, action))
    try:
        await push_one(ctx, action, recovering, shop, case, report)
    except Exception as exc:
        log.exception("outbox %s: unexpected failure", action.id)
        await _park(ctx, action, f"unexpected: {type(exc).__name__}: {exc}", ctx.backoff(action.attempts),
                    report)
    finally:
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat


async def _heartbeat(ctx: ServiceContext, action: OutboxAction) -> None:
    """Renew the claim of ``action`` while its push runs; stops when the claim is no longer ours."""
    period = max(0.05, ctx.push_lease.total_seconds() / 3)

    def renew() -> bool:
        assert action.id is not None
        with session_scope(ctx.db) as session:
            return repo.renew_claim(session, action_id=action.id, worker=ctx.worker, epoch=action.lease_epoch,
                                    until=ctx.now() + ctx.push_lease)

    while True:
        await asyncio.sleep(period)
        try:
            kept = await asyncio.to_thread(renew)
        except Exception:  # a dropped database connection: try again next beat
            log.warning("outbox %s: heartbeat failed", action.id, exc_info=True)
            continue
        if not kept:
            log.warning("outbox %s: claim lost (epoch %s) while the push was in flight", action.id,
                        action.lease_epoch)
            return


async def _park(ctx: ServiceContext, action: OutboxAction, error: str, wait: timedelta,
                report: PushReport) -> None:
    """The outcome is unknown: keep the row ``sending`` until ``now + wait``, then recover it (the
    platform is asked before anything is sent again)."""

    def write() -> None:
        assert action.id is not None
        now = ctx.now()
        with session_scope(ctx.db) as session:
            repo.park_sending(session, action_id=action.id, until=now + wait, error=error, worker=ctx.worker,
                              epoch=action.lease_epoch)
            repo.append_audit(session, actor="pusher", event="push_unknown", now=now,
                              shop_id=action.shop_id, case_id=action.case_id,
                              detail={"outbox_id": action.id, "error": error[:300],
                                      "attempt": action.attempts, "recheck_at": (now + wait).isoformat()})

    await asyncio.to_thread(write)
    report.retried += 1


def _request(action: OutboxAction, case: CaseRecord | None, *, recovering: bool = False) -> ActionRequest:
    context: dict[str, Any] = {}
    if case is not None and case.order_id:
        context["order_id"] = case.order_id
    if case is not None and case.raw:
        context["raw"] = case.raw
    return ActionRequest(refund_id=action.refund_id, action=Action(action.action), amount=action.amount,
                         reply_text=action.reply_text, reason_change_to=action.reason_change_to,
                         idempotency_key=action.idempotency_key, expected_version=action.expected_version,
                         context=context, may_have_been_sent=recovering)


async def push_one(ctx: ServiceContext, action: OutboxAction, recovering: bool, shop: Shop | None,
                   case: CaseRecord | None, report: PushReport) -> None:
    assert action.id is not None
    if shop is None:
        await _dead(ctx, action, "shop no longer exists", None, report)
        return
    try:
        config = shop_config(shop)
    except ConfigError as exc:  # fixable by the seller: retry later, loudly
        await _retry(ctx, action, f"configuration: {exc}", None, report)
        return
    request = _request(action, case, recovering=recovering)
    try:
        if action.reply_text:
            ctx.triage.check_outgoing(action.reply_text)
    except GuardrailViolation as exc:
        await _dead(ctx, action, f"guardrail: {exc.phrase!r} ({exc.rule})", None, report)
        return
    connector = ctx.connector(shop.platform)
    try:
        if recovering:
            found = await connector.find_applied(config, request)
            if found is not None:
                report.recovered += 1
                await _record(ctx, action, found, report, recovered=True)
                return
        result = await connector.apply(config, request)
    except StaleVersion as exc:
        result = ActionResult(outcome=ActionOutcome.STALE, message=exc.message)
    except WriteOutcomeUnknown as exc:
        if action.attempts < ctx.max_attempts:
            await _park(ctx, action, f"outcome unknown: {exc}",
                        max(ctx.backoff(action.attempts, exc.retry_after), ctx.unknown_settle), report)
        else:
            await _dead(ctx, action, f"outcome still unknown after {action.attempts} attempts: {exc}", None,
                        report)
        return
    except ConnectorError as exc:
        if exc.retryable and action.attempts < ctx.max_attempts:
            await _retry(ctx, action, str(exc), exc.retry_after, report)
        else:
            body = exc.response if isinstance(exc.response, dict) else None
            await _dead(ctx, action, str(exc), body, report)
        return
    if ctx.after_apply is not None:
        ctx.after_apply(action, result)
    await _record(ctx, action, result, report, recovered=False)


async def _record(ctx: ServiceContext, action: OutboxAction, result: ActionResult, report: PushReport,
                  *, recovered: bool) -> None:
    report.outcomes[result.outcome.value] = report.outcomes.get(result.outcome.value, 0) + 1
    if result.outcome is ActionOutcome.REJECTED:
        await _dead(ctx, action, result.message or "rejected by the platform", result.response, report,
                    outcome="rejected")
        return
    answer = {"outcome": result.outcome.value, "platform_ref": result.platform_ref, "message": result.message,
              "response": result.response}

    def write() -> None:
        assert action.id is not None
        now = ctx.now()
        with session_scope(ctx.db) as session:
            if not repo.mark_done(session, action_id=action.id, outcome=result.outcome.value, response=answer,
                                  now=now, worker=ctx.worker, epoch=action.lease_epoch):
                log.warning("outbox %s: claim lost before recording %s", action.id, result.outcome.value)
                return
            if result.outcome is ActionOutcome.STALE:  # the refund moved under the decision: decide again
                why = (f"push of {action.action} (outbox {action.id}) answered stale: "
                       f"{result.message or 'the refund moved on'}")
                repo.flag_retriage(session, case_id=action.case_id, reason=why)
                repo.append_audit(session, actor="pusher", event="stale_push", now=now,
                                  shop_id=action.shop_id, case_id=action.case_id,
                                  detail={"outbox_id": action.id, "decision_id": action.decision_id,
                                          "action": action.action,
                                          "expected_version": action.expected_version,
                                          "message": result.message, "next": "re-triage on the next poll"})
            case = repo.get_case(session, case_id=action.case_id)
            if case is not None and case.first_response_at is None:
                case.first_response_at = now
                session.add(case)
            repo.append_audit(session, actor="pusher", event="recovered" if recovered else "pushed", now=now,
                              shop_id=action.shop_id, case_id=action.case_id,
                              detail={"outbox_id": action.id, "action": action.action,
                                      "idempotency_key": action.idempotency_key, "attempt": action.attempts,
                                      **answer})

    await asyncio.to_thread(write)
    report.done += 1


async def _retry(ctx: ServiceContext, action: OutboxAction, error: str, retry_after: float | None,
                 report: PushReport) -> None:
    def write() -> None:
        assert action.id is not None
        now = ctx.now()
        at = now + ctx.backoff(action.attempts, retry_after)
        with session_scope(ctx.db) as session:
            repo.mark_retry(session, action_id=action.id, error=error, next_attempt_at=at, worker=ctx.worker,
                            epoch=action.lease_epoch)
            repo.append_audit(session, actor="pusher", event="push_retry", now=now, shop_id=action.shop_id,
                              case_id=action.case_id, detail={"outbox_id": action.id, "error": error[:300],
                                                              "attempt": action.attempts,
                                                              "next_attempt_at": at.isoformat()})

    await asyncio.to_thread(write)
    report.retried += 1


async def _dead(ctx: ServiceContext, action: OutboxAction, error: str, response: dict[str, Any] | None,
                report: PushReport, *, outcome: str | None = None) -> None:
    def write() -> None:
        assert action.id is not None
        now = ctx.now()
        with session_scope(ctx.db) as session:
            repo.mark_dead(session, action_id=action.id, error=error, now=now, response=response,
                           outcome=outcome, worker=ctx.worker, epoch=action.lease_epoch)
            repo.append_audit(session, actor="pusher", event="dead_letter", now=now, shop_id=action.shop_id,
                              case_id=action.case_id, detail={"outbox_id": action.id, "error": error[:300],
                                                              "attempt": action.attempts})

    log.error("outbox %s (%s %s) dead: %s", action.id, action.shop_id, action.action, error[:200])
    await asyncio.to_thread(write)
    report.dead += 1
