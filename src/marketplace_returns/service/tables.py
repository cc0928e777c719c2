"""The store's tables (SQLModel). Alembic owns the schema; these classes describe it.

Layering: wire models are never tables; the normalised case and the raw platform record are kept
side by side (``cases.case_json`` / ``cases.raw``) for audit and replay. Every timestamp is UTC with a
time zone. Money is ``Numeric(14, 2)``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    Index,
    Numeric,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


class UtcDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that reads back aware UTC on every store.

    PostgreSQL's ``timestamptz`` does so already; SQLite keeps text without an offset and handed back
    naive values, which the API then published against its own ``date-time`` schema. Written values
    are converted to UTC first (an aware non-UTC time would otherwise be stored as its wall time).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime(), nullable=nullable, index=index))


def _money(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(Numeric(14, 2), nullable=nullable))


def new_public_id(prefix: str) -> str:
    """A random opaque id (96 bits) for the API: it says nothing about how many rows exist."""
    return prefix + secrets.token_urlsafe(12)


def _public(prefix: str) -> Any:
    return Field(default_factory=lambda: new_public_id(prefix),
                 sa_column=Column(String, nullable=True, unique=True, index=True))


def _json() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


class Shop(SQLModel, table=True):
    """A seller's shop and its connector settings. Secrets are references, never values."""

    __tablename__ = "shops"

    shop_id: str = Field(primary_key=True)
    platform: str = Field(index=True)
    base_url: str
    credentials_ref: dict[str, str] | None = _json()
    """credential name → ``env:VAR`` or ``file:/path`` (resolved at use, never stored in plain text)."""
    sign_method: str = "hmac-sha256"
    poll_interval_s: int = 60
    playbook: str | None = None
    overrides: dict[str, Any] | None = _json()
    auto_rules: list[str] | None = _json()
    options: dict[str, Any] | None = _json()
    active: bool = True
    config_error: str | None = None
    created_at: datetime | None = _ts()


class PollCursor(SQLModel, table=True):
    """Where the last committed poll of a shop stopped, and who holds the poll lease."""

    __tablename__ = "poll_cursors"

    shop_id: str = Field(primary_key=True)
    cursor: str | None = None
    updated_at: datetime | None = _ts()
    lease_owner: str | None = None
    lease_until: datetime | None = _ts()
    last_error: str | None = None
    polled_at: datetime | None = _ts()
    """When the last poll ended (released its lease): other workers wait out the interval from here."""


class CaseRecord(SQLModel, table=True):
    """One refund: the normalised case plus the raw platform record, upserted by natural key."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("shop_id", "refund_id", name="uq_cases_shop_refund"),
        Index("ix_cases_shop_requested", "shop_id", "requested_at"),
        Index("ix_cases_shop_retriage", "shop_id", "retriage_reason"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str | None = _public("cs_")
    shop_id: str = Field(index=True)
    platform: str
    refund_id: str
    order_id: str | None = None
    sku: str | None = Field(default=None, index=True)
    batch: str | None = None
    buyer_id: str | None = Field(default=None, index=True)
    product_category: str | None = None
    currency: str | None = None
    item_price: Decimal | None = _money()
    refund_amount: Decimal | None = _money()
    reason: str | None = None
    reason_penalises: str | None = None
    message: str | None = None
    goods_status: str | None = None
    requested_at: datetime | None = _ts()
    platform_status: str | None = None
    platform_version: str | None = None
    deadline: datetime | None = _ts(index=True)
    case_json: dict[str, Any] | None = _json()
    raw: dict[str, Any] | None = _json()
    mapping_error: str | None = None
    change_token: str | None = None
    """The connector's listing state of this record when stored (connectors/base.py ``KnownTokens``)."""
    platform_updated_at: datetime | None = _ts()
    """When the platform last changed the refund, by the stored read: an older read is not stored."""
    dispute: bool = False
    """The platform stepped in (customer service intervened)."""
    dispute_seller_fault: bool = False
    completed_by: str | None = None
    """``seller`` (the seller's action closed it), ``platform`` (ruled by the platform), ``timeout``."""
    first_seen_at: datetime | None = _ts()
    first_response_at: datetime | None = _ts()
    completed_at: datetime | None = _ts()
    refunded_amount: Decimal | None = _money()
    updated_at: datetime | None = _ts()
    escalated_at: datetime | None = _ts()
    """Set by the deadline job when a pending case nears its platform deadline (flag for reps)."""
    retriage_reason: str | None = None
    """Set when a push of an approved decision was answered "stale" (the refund moved under it): the
    next poll of the shop re-reads the refund and triages it again, then clears this."""


class DecisionRecord(SQLModel, table=True):
    """Every version of the engine's decision on a case, and what a rep did with it."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("case_id", "version", name="uq_decisions_case_version"),)

    id: int | None = Field(default=None, primary_key=True)
    public_id: str | None = _public("dc_")
    case_id: int = Field(foreign_key="cases.id", index=True)
    version: int = 1
    playbook: str | None = None
    rule: str | None = Field(default=None, index=True)
    family: str | None = None
    category: str | None = None
    confidence: float | None = None
    action: str | None = None
    amount: Decimal | None = _money()
    reason_change_to: str | None = None
    penalising: bool = False
    penalising_metric: str | None = None
    auto: bool = False
    needs_approval: bool = False
    shipping_saved: Decimal | None = _money()
    decision_json: dict[str, Any] | None = _json()
    status: str = Field(default="pending", index=True)
    """pending → auto | accepted | edited | rejected; superseded when a newer version replaces it;
    expired when the refund closed on the platform while the suggestion still waited."""
    reviewed_by: str | None = None
    reviewed_at: datetime | None = _ts()
    created_at: datetime | None = _ts()


class OutboxAction(SQLModel, table=True):
    """An external effect, written in the same transaction as the decision to take it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    public_id: str | None = _public("ob_")
    case_id: int = Field(foreign_key="cases.id", index=True)
    decision_id: int | None = Field(default=None, foreign_key="decisions.id")
    shop_id: str = Field(index=True)
    refund_id: str
    action: str
    amount: Decimal | None = _money()
    reply_text: str | None = None
    reason_change_to: str | None = None
    expected_version: str | None = None
    idempotency_key: str = Field(unique=True)
    status: str = "pending"
    """pending → sending → done | dead (dead letter, seen by reps); cancelled when its decision was
    superseded before it was sent. ``outcome`` keeps the platform's answer: applied, already_done,
    stale (closed as done, not failed: the case goes back to triage, ``cases.retriage_reason``),
    rejected."""
    outcome: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = _ts()
    claimed_by: str | None = None
    claimed_until: datetime | None = _ts()
    lease_epoch: int = 0
    """Incremented by every claim; closes and heartbeats name the epoch they claimed with (fencing)."""
    last_error: str | None = None
    platform_response: dict[str, Any] | None = _json()
    created_at: datetime | None = _ts()
    done_at: datetime | None = _ts()


class AuditEvent(SQLModel, table=True):
    """Append-only: who or what decided, accepted, edited, pushed, and what the platform answered."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str | None = _public("ev_")
    at: datetime | None = _ts(index=True)
    shop_id: str | None = Field(default=None, index=True)
    case_id: int | None = Field(default=None, index=True)
    actor: str
    """``engine``, ``poller``, ``pusher``, ``scheduler``, ``rep:<name>``."""
    event: str
    detail: dict[str, Any] | None = _json()


class OrderCount(SQLModel, table=True):
    """Orders per shop and day: the denominator of refund rates (fetched or provided by the seller)."""

    __tablename__ = "order_counts"

    shop_id: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    paid_orders: int = 0
    signed_orders: int = 0
    source: str = "seller"


class ApiToken(SQLModel, table=True):
    """A per-shop API token, stored hashed (sha256); the plain token is shown once at creation."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True)
    shop_id: str = Field(index=True)
    name: str | None = None
    created_at: datetime | None = _ts()
    expires_at: datetime | None = _ts()
    """After this the token no longer opens anything (``token create --expires``); None: no expiry."""
    revoked_at: datetime | None = _ts()
    """Set by ``token revoke``; the row stays for the record."""
