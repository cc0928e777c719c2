"""Replay protection for webhooks: remember each delivery id for as long as it could come back.

Why both a TTL and a timestamp window: the receiver refuses deliveries whose ``X-Shopify-Triggered-At``
lies outside its window (:mod:`marketplace_returns.security.webhooks`), so an id only has to be
remembered for that window plus the allowed clock skew; older receipts can be forgotten without
opening a hole. Shopify re-sends the same id on its own retries, and may deliver the same event to
two workers at once: claiming is therefore one atomic step (a dict under a lock, or an INSERT
against a primary key), never "look, then write".

``InMemoryReplayGuard`` suits one process (the laptop case). ``SqlReplayGuard`` shares receipts
between workers through the ``webhook_receipts`` table; the service's Alembic migration must create
it (the table is declared here, on ``SQLModel.metadata``, so ``create_all`` includes it in tests).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Column, DateTime, delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from marketplace_returns.errors import StoreError

DEFAULT_TTL = timedelta(minutes=15)
"""The receiver's window (5 min) plus future skew (1 min), with a margin."""


class WebhookReceipt(SQLModel, table=True):
    """One webhook delivery id we have accepted (``X-Shopify-Webhook-Id``)."""

    __tablename__ = "webhook_receipts"

    id: str = Field(primary_key=True, max_length=255)
    received_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


_received_at_col = WebhookReceipt.__table__.c.received_at  # type: ignore[attr-defined]
_id_col = WebhookReceipt.__table__.c.id  # type: ignore[attr-defined]


class ReplayGuard(Protocol):
    """Remembers delivery ids. ``claim`` is atomic: of two concurrent claims of one id, one wins."""

    def claim(self, delivery_id: str, *, now: datetime) -> bool:
        """Record ``delivery_id``; ``True`` if it was not seen within the TTL, ``False`` for a replay."""
        ...

    def release(self, delivery_id: str) -> None:
        """Forget ``delivery_id`` (its handling failed and the sender should be allowed to retry)."""
        ...


class InMemoryReplayGuard:
    """Per-process receipts with a TTL and a size bound (oldest forgotten first)."""

    def __init__(self, *, ttl: timedelta = DEFAULT_TTL, max_entries: int = 100_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._seen: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, delivery_id: str, *, now: datetime) -> bool:
        with self._lock:
            self._expire(now)
            if delivery_id in self._seen:
                return False
            self._seen[delivery_id] = now
            while len(self._seen) > self.max_entries:
                self._seen.popitem(last=False)
            return True

    def release(self, delivery_id: str) -> None:
        with self._lock:
            self._seen.pop(delivery_id, None)

    def __len__(self) -> int:
        return len(self._seen)

    def _expire(self, now: datetime) -> None:
        cutoff = now - self.ttl
        while self._seen:
            first, at = next(iter(self._seen.items()))
            if at >= cutoff:
                break
            del self._seen[first]


class SqlReplayGuard:
    """Receipts in the ``webhook_receipts`` table, shared by every worker on the database.

    Each claim is its own short transaction (an INSERT; a primary-key violation means a replay), so
    it never joins or spoils the caller's transaction. Expired receipts are deleted opportunistically,
    at most once per ``prune_every``.
    """

    def __init__(self, engine: Engine, *, ttl: timedelta = DEFAULT_TTL,
                 prune_every: timedelta = timedelta(minutes=1)) -> None:
        self.engine = engine
        self.ttl = ttl
        self.prune_every = prune_every
        self._last_prune: datetime | None = None

    def claim(self, delivery_id: str, *, now: datetime) -> bool:
        self._maybe_prune(now)
        try:
            with Session(self.engine) as session:
                old = session.get(WebhookReceipt, delivery_id)
                if old is not None:
                    if old.received_at is None or _aware(old.received_at) >= now - self.ttl:
                        return False
                    session.delete(old)  # expired and not yet pruned: take it over
                    session.flush()
                session.add(WebhookReceipt(id=delivery_id, received_at=now))
                session.commit()
                return True
        except IntegrityError:
            return False  # a concurrent claim of the same id committed first
        except Exception as exc:  # translated once, here: the receiver answers "try again"
            raise StoreError(f"webhook receipt could not be recorded: {type(exc).__name__}") from exc

    def release(self, delivery_id: str) -> None:
        try:
            with Session(self.engine) as session:
                session.execute(delete(WebhookReceipt).where(_id_col == delivery_id))
                session.commit()
        except Exception as exc:
            raise StoreError(f"webhook receipt could not be released: {type(exc).__name__}") from exc

    def prune(self, *, now: datetime) -> int:
        """Delete receipts older than the TTL; returns how many."""
        with Session(self.engine) as session:
            result = session.execute(
                delete(WebhookReceipt).where(_received_at_col < now - self.ttl))
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

    def _maybe_prune(self, now: datetime) -> None:
        if self._last_prune is None or now - self._last_prune >= self.prune_every:
            self._last_prune = now
            try:
                self.prune(now=now)
            except Exception:  # pruning is housekeeping; a failure must not refuse a webhook
                self._last_prune = None


def _aware(at: datetime) -> datetime:
    """SQLite returns naive datetimes even for ``timezone=True`` columns; they were written in UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
