"""Two SQL expressions the dialects spell differently: a timestamp in hours, and its UTC day.

SQLAlchemy has no portable interval arithmetic; these small compiled constructs keep every query
in Core (no SQL text built from strings) and let SQLite and PostgreSQL each do the work natively.
SQLite stores our ``DateTime(timezone=True)`` columns as naive UTC text, which ``julianday`` and
``date`` read; PostgreSQL keeps ``timestamptz``, read in UTC explicitly so the session's time zone
never moves a day boundary.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class epoch_hours(FunctionElement[float]):
    """``epoch_hours(ts)``: ``ts`` as hours since a fixed origin; differences are durations in hours.

    A duration is the difference of two of these, computed once per case (SQLite parses its text
    timestamps on every call, so no sum repeats it).
    """

    type = Float()
    inherit_cache = True
    name = "epoch_hours"


class utc_day(FunctionElement[Any]):
    """``utc_day(ts)``: the calendar day of ``ts`` in UTC."""

    type = Date()
    inherit_cache = True
    name = "utc_day"


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(epoch_hours, "sqlite")
def _epoch_sqlite(element: epoch_hours, compiler: SQLCompiler, **kw: Any) -> str:
    (ts,) = _args(element, compiler, **kw)
    return f"(julianday({ts}) * 24.0)"


@compiles(epoch_hours, "postgresql")
def _epoch_pg(element: epoch_hours, compiler: SQLCompiler, **kw: Any) -> str:
    (ts,) = _args(element, compiler, **kw)
    return f"(EXTRACT(EPOCH FROM {ts}) / 3600.0)"


@compiles(utc_day, "sqlite")
def _day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    (ts,) = _args(element, compiler, **kw)
    return f"date({ts})"


@compiles(utc_day, "postgresql")
def _day_pg(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    (ts,) = _args(element, compiler, **kw)
    return f"CAST(({ts} AT TIME ZONE 'UTC') AS DATE)"


def day_key(value: object) -> str:
    """The ISO day of a value returned by ``utc_day`` (SQLite gives text, PostgreSQL a date)."""
    return str(value)[:10]


__all__ = ["ColumnElement", "day_key", "epoch_hours", "utc_day"]
