"""Poll one shop: lease, cursor, batches; each batch with its decisions and cursor in one transaction.

Why a lease in the database and a lock in the process: the scheduler already refuses to start a poll
job twice (``max_instances=1``), but a webhook hint or a second worker may ask for the same shop; the
``poll_cursors`` lease (one conditional UPDATE) makes "one poll per shop at a time" hold across
processes, and an expired lease (a dead worker) simply moves to whoever asks next.

Why one transaction per batch: the connector hands back each batch with the cursor that is safe to
store *with it*; cases, decisions, outbox rows, audit events and the cursor commit together, so a
crash re-reads at most one batch, and the natural-key upsert makes that harmless.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from marketplace_returns.connectors.base import (
    Capabilities,
    Connector,
    FetchBatch,
    FetchedCase,
    KnownTokens,
    ShopConfig,
)
from marketplace_returns.errors import ConfigError, ConnectorError, InputError, StoreError
from marketplace_returns.service import followup
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.db import session_scope
from marketplace_returns.service.decide import triage_case
from marketplace_returns.service.lifecycle import apply_lifecycle, is_terminal
from marketplace_returns.service.shops import flag_shop_error, shop_config
from marketplace_returns.service.tables import CaseRecord, Shop

log = logging.getLogger(__name__)


@dataclass
class PollReport:
    shop_id: str
    skipped: str | None = None
    batches: int = 0
    cases_seen: int = 0
    cases_new_or_moved: int = 0
    decisions: int = 0
    mapping_issues: int = 0
    older_reads: int = 0
    """Records the platform answered in an older state than the store holds (kept, not triaged)."""
    error: str | None = None
    api_calls: int = 0
    decided_case_ids: list[int] = field(default_factory=list)


async def poll_shop(ctx: ServiceContext, shop_id: str) -> PollReport:
    """Poll ``shop_id`` once (skips, saying why, when stopped, misconfigured or leased elsewhere)."""
    lock = ctx.poll_locks.setdefault(shop_id, asyncio.Lock())
    if lock.locked():
        return PollReport(shop_id, skipped="poll already running in this process")
    async with lock, ctx.poll_slots():
        return await _poll(ctx, shop_id)


def _prepare(ctx: ServiceContext, shop_id: str) -> tuple[Shop, ShopConfig, str | None] | str:
    with session_scope(ctx.db) as session:
        shop = repo.get_shop(session, shop_id=shop_id)
        if shop is None or not shop.active:
            return "unknown or inactive shop"
        if shop.config_error:
            return f"stopped by a configuration error: {shop.config_error}"
        try:
            config = shop_config(shop)
            ctx.playbook_for(shop, None)  # a named playbook that does not load stops the shop now
        except ConfigError as exc:
            flag_shop_error(session, shop_id=shop_id, message=str(exc), now=ctx.now(), actor="poller")
            return f"stopped by a configuration error: {exc}"
        spacing = timedelta(seconds=shop.poll_interval_s * ctx.poll_spacing) if ctx.poll_spacing else None
        if not repo.acquire_poll_lease(session, shop_id=shop_id, owner=ctx.worker, now=ctx.now(),
                                       ttl=ctx.poll_lease, spacing=spacing):
            return "leased by another worker"
        cursor = repo.read_cursor(session, shop_id=shop_id)
        session.expunge(shop)
        return shop, config, cursor


async def _poll(ctx: ServiceContext, shop_id: str) -> PollReport:
    report = PollReport(shop_id)
    prepared = await asyncio.to_thread(_prepare, ctx, shop_id)
    if isinstance(prepared, str):
        report.skipped = prepared
        return report
    shop, config, cursor = prepared
    error: str | None = None
    try:
        connector = ctx.connector(shop.platform)
        capabilities = connector.capabilities()
        async for batch in connector.fetch_changed(config, cursor, known=_known_tokens(ctx, shop_id)):
            kept = await asyncio.to_thread(_store_batch, ctx, shop, capabilities, batch, report)
            if not kept:
                error = "poll lease lost to another worker; stopped after the last committed batch"
                break
        if error is None:
            await _retriage_flagged(ctx, shop, config, connector, capabilities, report)
    except (ConnectorError, InputError, StoreError) as exc:
        error = str(exc)[:500]
        log.warning("poll of %s failed: %s", shop_id, error)
    except ConfigError as exc:
        error = str(exc)[:500]
        await asyncio.to_thread(_flag, ctx, shop_id, error)
    finally:
        await asyncio.to_thread(_release, ctx, shop_id, error)
    report.error = error
    return report


def _known_tokens(ctx: ServiceContext, shop_id: str) -> KnownTokens:
    """The store's answer to "which of these refunds do you hold, in which listing state?"."""

    def read(refund_ids: list[str]) -> dict[str, str | None]:
        with session_scope(ctx.db) as session:
            return repo.change_tokens(session, shop_id=shop_id, refund_ids=refund_ids)

    async def known(refund_ids: list[str]) -> dict[str, str | None]:
        return await asyncio.to_thread(read, refund_ids)

    return known


def _flag(ctx: ServiceContext, shop_id: str, message: str) -> None:
    with session_scope(ctx.db) as session:
        flag_shop_error(session, shop_id=shop_id, message=message, now=ctx.now(), actor="poller")


def _release(ctx: ServiceContext, shop_id: str, error: str | None) -> None:
    with session_scope(ctx.db) as session:
        repo.release_poll_lease(session, shop_id=shop_id, owner=ctx.worker, error=error, now=ctx.now())
        if error:
            repo.append_audit(session, actor="poller", event="poll_failed", now=ctx.now(), shop_id=shop_id,
                              detail={"error": error})


def _store_batch(ctx: ServiceContext, shop: Shop, capabilities: Capabilities, batch: FetchBatch,
                 report: PollReport) -> bool:
    now = ctx.now()
    with session_scope(ctx.db) as session:
        decided: list[int] = []
        stored = repo.upsert_cases(session, shop_id=shop.shop_id, platform=shop.platform, fetched=batch.cases,
                                   now=now)
        for fetched, (row, moved, created) in zip(batch.cases, stored, strict=True):
            report.cases_seen += 1
            if not moved:
                report.older_reads += repo.older_than_stored(row, fetched)
                continue
            report.cases_new_or_moved += 1
            _handle(session, ctx, shop, capabilities, fetched, row, created, now, report, decided)
        if not repo.commit_cursor(session, shop_id=shop.shop_id, owner=ctx.worker, cursor=batch.cursor,
                                  now=now, ttl=ctx.poll_lease):
            session.rollback()
            return False
        if batch.cases:
            repo.append_audit(session, actor="poller", event="batch", now=now, shop_id=shop.shop_id,
                              detail={"cases": len(batch.cases), "decided": len(decided),
                                      "cursor": batch.cursor, "api_calls": batch.api_calls})
    report.batches += 1
    report.api_calls += batch.api_calls
    report.decided_case_ids.extend(decided)
    return True


def _handle(session: Session, ctx: ServiceContext, shop: Shop, capabilities: Capabilities,
            fetched: FetchedCase, row: CaseRecord, created: bool, now: datetime, report: PollReport,
            decided: list[int]) -> None:
    """One new or moved case (or one flagged for re-triage): lifecycle, then decide what it needs."""
    assert row.id is not None
    apply_lifecycle(session, row=row, fetched=fetched, now=now,
                    penalises=ctx.penalises(shop.platform, row.reason))
    if fetched.mapping_issue is not None or fetched.case is None:
        report.mapping_issues += 1
        repo.append_audit(session, actor="poller", event="mapping_error", now=now,
                          shop_id=shop.shop_id, case_id=row.id, detail={"error": row.mapping_error})
        _retriaged(session, row, now, "not re-triaged: the refund's new state does not map", None)
        return
    if is_terminal(fetched.platform_status):
        if not created:
            _expire_pending(session, row.id, shop.shop_id, fetched.platform_status, now)
        _retriaged(session, row, now, f"not re-triaged: the refund closed ({fetched.platform_status})", None)
        return
    followed = followup.step(session, shop=shop, row=row, fetched=fetched, capabilities=capabilities, now=now)
    if followed is not False:  # goods back: the follow-up step owns the case
        if followed is not None:
            report.decisions += 1
            decided.append(row.id)
        _retriaged(session, row, now, "handed to the goods-back follow-up",
                   followed.version if followed is not None and followed is not True else None)
        return
    if not created and not _needs_triage(session, row):
        return
    record = triage_case(session, ctx, shop=shop, row=row, case=fetched.case, capabilities=capabilities,
                         now=now, first=created)
    if record is not None:
        report.decisions += 1
        decided.append(row.id)
        _retriaged(session, row, now, "triaged again on the refund's new state", record.version)


def _retriaged(session: Session, row: CaseRecord, now: datetime, outcome: str, version: int | None) -> None:
    """Clear a stale push's re-triage flag, saying in the audit log what became of it."""
    if row.retriage_reason is None:
        return
    repo.append_audit(session, actor="poller", event="retriaged", now=now, shop_id=row.shop_id,
                      case_id=row.id,
                      detail={"why": row.retriage_reason, "outcome": outcome, "version": version,
                              "platform_version": row.platform_version,
                              "platform_status": row.platform_status})
    row.retriage_reason = None
    session.add(row)


async def _retriage_flagged(ctx: ServiceContext, shop: Shop, config: ShopConfig, connector: Connector,
                            capabilities: Capabilities, report: PollReport) -> None:
    """Cases whose approved push was answered "stale": re-read each refund and triage it again.

    They are read one by one (``connector.get``) because the listing may never show them again: the
    refund may have moved before the cursor that the poll already stored.
    """

    def flagged() -> list[str]:
        with session_scope(ctx.db) as session:
            return [c.refund_id for c in repo.list_retriage(session, shop_id=shop.shop_id)]

    for refund_id in await asyncio.to_thread(flagged):
        try:
            fetched = await connector.get(config, refund_id)
        except ConnectorError as exc:
            if exc.retryable:  # the platform is unwell: the flags wait for the next poll
                log.warning("re-triage of %s/%s deferred: %s", shop.shop_id, refund_id, exc)
                return
            await asyncio.to_thread(_unreadable, ctx, shop.shop_id, refund_id, str(exc))
            continue
        await asyncio.to_thread(_store_retriage, ctx, shop, capabilities, fetched, report)


def _unreadable(ctx: ServiceContext, shop_id: str, refund_id: str, error: str) -> None:
    """The platform refuses to give the refund back for good (gone, not ours): say so and stop asking."""
    now = ctx.now()
    with session_scope(ctx.db) as session:
        row = session.exec(select(CaseRecord).where(CaseRecord.shop_id == shop_id,
                                                    CaseRecord.refund_id == refund_id)).first()
        if row is not None:
            _retriaged(session, row, now, f"not re-triaged: the platform refused the read ({error[:200]})",
                       None)


def _store_retriage(ctx: ServiceContext, shop: Shop, capabilities: Capabilities, fetched: FetchedCase,
                    report: PollReport) -> None:
    now = ctx.now()
    with session_scope(ctx.db) as session:
        decided: list[int] = []
        [(row, _moved, created)] = repo.upsert_cases(session, shop_id=shop.shop_id, platform=shop.platform,
                                                     fetched=[fetched], now=now)
        if row.retriage_reason is None:  # another worker got there first
            return
        if repo.older_than_stored(row, fetched):  # a lagging answer: the flag waits for a fresh one
            report.older_reads += 1
            return
        _handle(session, ctx, shop, capabilities, fetched, row, created, now, report, decided)
    report.decided_case_ids.extend(decided)


def _expire_pending(session: Session, case_id: int, shop_id: str, status: str | None, now: datetime) -> None:
    """The refund closed on the platform (buyer cancelled, platform ruled): its waiting suggestion leaves
    the queue as ``expired`` — accepting it could only ever be answered "stale"."""
    latest = repo.latest_decision(session, case_id=case_id)
    if latest is not None and latest.status == repo.OPEN_DECISION:
        repo.set_decision_status(session, decision=latest, status="expired", now=now, by="platform")
        repo.append_audit(session, actor="poller", event="expired", now=now, shop_id=shop_id, case_id=case_id,
                          detail={"version": latest.version, "platform_status": status})


def _needs_triage(session: Session, row: CaseRecord) -> bool:
    """New open cases, open cases whose last decision still waits (the platform moved under it), and
    cases whose approved push was answered "stale" (the seller's decision met a refund that had moved)."""
    if row.retriage_reason is not None:
        return True
    assert row.id is not None
    latest = repo.latest_decision(session, case_id=row.id)
    return latest is None or latest.status == repo.OPEN_DECISION
