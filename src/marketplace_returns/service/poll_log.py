"""What ``run`` says after each poll: one INFO line with the counts, then one line per case it decided.

Why: someone trying the service watched ``run`` say nothing while refunds arrived, and could not tell
a quiet shop from a broken poll. The summary line is always there (0 new is an answer too); the case
lines name the refund, what the engine made of it and what it suggests, and stop at ``MAX_CASE_LINES``
per poll (a backfill or a burst would otherwise bury the log) with a count of the rest.
"""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import Session, col, select

from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.poller import PollReport
from marketplace_returns.service.tables import CaseRecord, DecisionRecord

log = logging.getLogger("marketplace_returns.service.poll")

MAX_CASE_LINES = 20


def summary(report: PollReport) -> str:
    text = (f"poll {report.shop_id}: {report.cases_seen} seen, {report.cases_new_or_moved} new or changed, "
            f"{report.decisions} decided, {report.mapping_issues} unreadable, {report.api_calls} API calls")
    if report.older_reads:
        text += f", {report.older_reads} answered older than stored (kept)"
    return f"{text}; failed: {report.error}" if report.error else text


def case_lines(ctx: ServiceContext, report: PollReport) -> list[str]:
    ids = report.decided_case_ids[:MAX_CASE_LINES]
    if not ids:
        return []
    with Session(ctx.db) as session:
        cases = {c.id: c for c in session.exec(select(CaseRecord).where(col(CaseRecord.id).in_(ids))).all()}
        latest: dict[int, DecisionRecord] = {}
        for d in session.exec(select(DecisionRecord).where(col(DecisionRecord.case_id).in_(ids))
                              .order_by(col(DecisionRecord.version))).all():
            latest[d.case_id] = d
    lines = []
    for case_id in ids:
        case, found = cases.get(case_id), latest.get(case_id)
        if case is None or found is None:
            continue
        d = found
        amount = f" {d.amount:.2f} {case.currency or ''}".rstrip() if d.amount is not None else ""
        state = "sent automatically" if d.status == "auto" else f"waits for a rep (queue show {d.public_id})"
        lines.append(f"  {report.shop_id}/{case.refund_id}: {d.family}/{d.category} → {d.action}{amount}, "
                     f"{state}")
    rest = len(report.decided_case_ids) - len(ids)
    if rest > 0:
        lines.append(f"  … and {rest} more (queue list)")
    return lines


async def log_poll(ctx: ServiceContext, report: PollReport) -> None:
    """Log one poll (nothing at INFO for a poll skipped because another worker holds the shop)."""
    if report.skipped:
        log.debug("poll %s skipped: %s", report.shop_id, report.skipped)
        return
    log.info(summary(report))
    if report.decided_case_ids:
        for line in await asyncio.to_thread(case_lines, ctx, report):
            log.info(line)
