"""What the platform's record says about a case's life, kept on the case row for the metrics.

Why here and not in the connectors: the metrics (refund rates, dispute rate, response and completion
times) read ``cases.reason_penalises``, ``completed_at``, ``completed_by``, ``refunded_amount`` and
``dispute``; those follow from the platform's status, the profile's reason table and what the service
itself did (an action it pushed), which only the service knows together.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session, col, select

from marketplace_returns.connectors.base import FetchedCase
from marketplace_returns.service.db import utc
from marketplace_returns.service.tables import CaseRecord, OutboxAction

TERMINAL_STATUSES = frozenset({"CLOSED", "SUCCESS", "DECLINED", "CANCELED", "CANCELLED", "REFUND_SUCCESS"})
REFUNDED_STATUSES = frozenset({"SUCCESS", "REFUND_SUCCESS"})
INTERVENED_CS_STATUS = 3
"""TOP ``cs_status``: 1 none needed, 2 requested, 3 customer service intervened, 4–6 later stages."""


def is_terminal(status: str | None) -> bool:
    return bool(status) and str(status).upper() in TERMINAL_STATUSES


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def apply_lifecycle(session: Session, *, row: CaseRecord, fetched: FetchedCase, now: datetime,
                    penalises: str | None) -> None:
    """Update the row's lifecycle columns from a fresh platform read (caller's transaction)."""
    row.reason_penalises = penalises
    raw = fetched.raw or {}
    cs = _int(raw.get("cs_status"))
    if cs is not None and cs >= INTERVENED_CS_STATUS:
        row.dispute = True
    if not is_terminal(fetched.platform_status) or row.completed_at is not None:
        return
    row.completed_at = utc(fetched.updated_at) or now
    status = str(fetched.platform_status).upper()
    if status in REFUNDED_STATUSES:
        try:
            row.refunded_amount = Decimal(str(raw.get("refund_fee"))) if raw.get("refund_fee") is not None \
                else row.refund_amount
        except InvalidOperation:
            row.refunded_amount = row.refund_amount
    pushed = session.exec(select(OutboxAction.id).where(OutboxAction.case_id == row.id,
                                                        col(OutboxAction.outcome) == "applied")).first()
    deadline = utc(row.deadline)
    if row.dispute:
        row.completed_by = "platform"
    elif pushed is not None:
        row.completed_by = "seller"
    elif deadline is not None and deadline <= row.completed_at:
        row.completed_by = "timeout"

