"""Small hand-made stores for the metrics tests: rows inserted straight into the store's tables."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from marketplace_returns.metrics.scope import table
from marketplace_returns.service import tables  # noqa: F401 - registers the tables

_ids = itertools.count(1)


def at(day: date | str, hour: float = 0.0) -> datetime:
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(hours=hour)


def sqlite_engine(tmp_path: Path) -> Engine:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    SQLModel.metadata.create_all(engine)
    return engine


@contextmanager
def pg_engine(url: str) -> Iterator[Engine]:
    """A fresh schema on the test server, dropped afterwards; the tables are created inside it."""
    schema = "metrics_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
    engine = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        SQLModel.metadata.create_all(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True))
        admin.dispose()


def shop(conn: sa.Connection, shop_id: str = "s1", platform: str = "taobao") -> None:
    conn.execute(
        table("shops").insert(),
        [
            {
                "shop_id": shop_id,
                "platform": platform,
                "base_url": "http://127.0.0.1:1",
                "sign_method": "hmac-sha256",
                "poll_interval_s": 60,
                "active": True,
            }
        ],
    )


def orders(conn: sa.Connection, shop_id: str, days: list[str], paid: int, signed: int) -> None:
    conn.execute(
        table("order_counts").insert(),
        [
            {
                "shop_id": shop_id,
                "day": date.fromisoformat(d),
                "paid_orders": paid,
                "signed_orders": signed,
                "source": "seller",
            }
            for d in days
        ],
    )


def case(
    conn: sa.Connection,
    *,
    decision: dict[str, Any] | None = None,
    decisions: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> int:
    """Insert one case (defaults fill the rest) and its decisions; returns the case id."""
    n = next(_ids)
    row: dict[str, Any] = {
        "shop_id": "s1",
        "platform": "taobao",
        "refund_id": f"r{n}",
        "order_id": f"o{n}",
        "dispute": False,
        "dispute_seller_fault": False,
        "currency": "CNY",
    }
    for money in ("item_price", "refund_amount", "refunded_amount"):
        if money in fields and fields[money] is not None:
            fields[money] = Decimal(str(fields[money]))
    row.update(fields)
    case_id = int(conn.execute(table("cases").insert().returning(table("cases").c.id), [row]).scalar_one())
    for i, dec in enumerate(([decision] if decision else []) + (decisions or [])):
        drow: dict[str, Any] = {
            "case_id": case_id,
            "version": i + 1,
            "status": "pending",
            "penalising": False,
            "auto": False,
            "needs_approval": False,
        }
        for money in ("amount", "shipping_saved"):
            if money in dec and dec[money] is not None:
                dec[money] = Decimal(str(dec[money]))
        drow.update(dec)
        conn.execute(table("decisions").insert(), [drow])
    return case_id
