"""What a report or a query looks at: a period of whole UTC days and optional filters.

The period is half-open, ``[since, until)``, in days, because order counts are kept per day and a
rate is only honest when numerator and denominator cover the same days.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Table
from sqlmodel import SQLModel

from marketplace_returns.errors import InputError
from marketplace_returns.service import tables as _tables  # noqa: F401 - registers the tables

FILTERS = ("shop_id", "platform", "sku", "batch", "reason", "product_category", "category", "rule")


def table(name: str) -> Table:
    """One of the store's tables as a Core ``Table`` (the SQLModel classes register them)."""
    return SQLModel.metadata.tables[name]


@dataclass(frozen=True)
class Scope:
    since: date
    until: date
    """Exclusive: ``until`` itself is not in the period."""
    shop_id: str | None = None
    platform: str | None = None
    sku: str | None = None
    batch: str | None = None
    reason: str | None = None
    product_category: str | None = None
    category: str | None = None
    """The engine's category of the case (decisions.category), not the product's."""
    rule: str | None = None

    def __post_init__(self) -> None:
        if self.until <= self.since:
            raise InputError(
                f"the period is empty: until ({self.until}) must come after since ({self.since})",
                field="until",
            )

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time(0), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.until, time(0), tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.until - self.since).days

    def shifted(self, since: date, until: date) -> Scope:
        return replace(self, since=since, until=until)

    def filters(self) -> dict[str, str]:
        return {name: value for name in FILTERS if (value := getattr(self, name)) is not None}

    @classmethod
    def last_days(cls, days: int, *, today: date | None = None, **filters: str | None) -> Scope:
        """The ``days`` whole days before ``today`` plus today itself (so today's cases count)."""
        end = (today or datetime.now(UTC).date()) + timedelta(days=1)
        return cls(since=end - timedelta(days=days), until=end, **filters)
