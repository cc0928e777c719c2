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


def hand_store(conn: sa.Connection) -> None:
    """The worked example of tests/test_metrics_queries.py (answers worked out there, by hand).

    Shop s1 (taobao), orders 2026-11-01..10: 100 paid and 80 signed-for a day. Shop s2 (shopify),
    no orders. "now" is 2026-11-11 00:00 UTC.
    """
    shop(conn, "s1", "taobao")
    shop(conn, "s2", "shopify")
    orders(conn, "s1", [f"2026-11-{d:02d}" for d in range(1, 11)], 100, 80)

    def dec(day: str, hour: float, **kw: Any) -> dict[str, Any]:
        reviewed = kw.get("status") in ("accepted", "edited", "rejected")
        return {"created_at": at(day, hour), "reviewed_at": at(day, hour + 1) if reviewed else None, **kw}

    # c1: quality reason, answered in 2 h, refunded 100 after 24 h by the seller; suggestion accepted.
    case(
        conn,
        sku="A",
        batch="A1",
        reason="质量问题",
        reason_penalises="quality_refund_rate",
        refund_amount=100,
        refunded_amount=100,
        requested_at=at("2026-11-01", 10),
        first_response_at=at("2026-11-01", 12),
        completed_at=at("2026-11-02", 10),
        completed_by="seller",
        deadline=at("2026-11-02", 10),
        buyer_id="b1",
        decision=dec(
            "2026-11-01",
            10,
            rule="r_defect",
            family="quality",
            category="defect",
            action="return_and_refund",
            status="accepted",
            reviewed_by="amy",
            penalising=True,
        ),
    )
    # c2: quality reason, answered after 30 h, partial refund 10 (shipping 12 avoided) after 48 h; edited.
    case(
        conn,
        sku="A",
        batch="A2",
        reason="做工粗糙/有瑕疵",
        reason_penalises="quality_refund_rate",
        refund_amount=30,
        refunded_amount=10,
        requested_at=at("2026-11-02"),
        first_response_at=at("2026-11-03", 6),
        completed_at=at("2026-11-04"),
        completed_by="seller",
        buyer_id="b1",
        decision=dec(
            "2026-11-02",
            0,
            rule="r_minor",
            family="quality",
            category="defect",
            action="offer_partial_refund",
            amount=10,
            shipping_saved=12,
            status="edited",
            reviewed_by="bob",
            penalising=True,
        ),
    )
    # c3: non-quality, answered in 1 h, platform stepped in and ruled against the seller after 144 h.
    case(
        conn,
        sku="B",
        reason="七天无理由退换货",
        refund_amount=50,
        refunded_amount=50,
        requested_at=at("2026-11-03"),
        first_response_at=at("2026-11-03", 1),
        completed_at=at("2026-11-09"),
        completed_by="platform",
        dispute=True,
        dispute_seller_fault=True,
        buyer_id="b1",
        decision=dec(
            "2026-11-03",
            0,
            rule="r_nq",
            family="non_quality",
            category="size_fit",
            action="return_and_refund",
            status="rejected",
            reviewed_by="amy",
        ),
    )
    # c4: filed under a quality reason, re-filed under 七天无理由 after an accepted reason-change request;
    # no response yet and its deadline (11-05) has passed; still open.
    case(
        conn,
        sku="B",
        reason="七天无理由退换货",
        refund_amount=40,
        requested_at=at("2026-11-04"),
        deadline=at("2026-11-05"),
        buyer_id="b1",
        decision=dec(
            "2026-11-04",
            0,
            rule="r_steer",
            family="non_quality",
            category="size_fit",
            action="request_reason_change",
            reason_change_to="七天无理由退换货",
            penalising=True,
            status="accepted",
            reviewed_by="amy",
        ),
    )
    # c5, c6: the pending queue. c5 would refund under a quality reason; c6 asks to re-file.
    case(
        conn,
        sku="C",
        reason="质量问题",
        reason_penalises="quality_refund_rate",
        refund_amount=60,
        requested_at=at("2026-11-05"),
        deadline=at("2026-11-20"),
        decision=dec(
            "2026-11-05",
            0,
            rule="r_defect",
            family="quality",
            category="defect",
            action="refund_without_return",
            status="pending",
            penalising=True,
        ),
    )
    case(
        conn,
        sku="C",
        reason="质量问题",
        reason_penalises="quality_refund_rate",
        refund_amount=70,
        requested_at=at("2026-11-06"),
        decisions=[
            dec(
                "2026-11-06",
                0,
                rule="r_defect",
                family="quality",
                action="return_and_refund",
                status="superseded",
                penalising=True,
            ),
            dec(
                "2026-11-06",
                1,
                rule="r_steer",
                family="non_quality",
                category="size_fit",
                action="request_reason_change",
                reason_change_to="七天无理由退换货",
                status="pending",
                penalising=True,
            ),
        ],
    )
    # c7: requested before the period, closed inside it by the seller with nothing refunded (60 h).
    case(
        conn,
        reason="多拍/拍错/不想要",
        refund_amount=20,
        refunded_amount=0,
        requested_at=at("2026-10-30"),
        completed_at=at("2026-11-01", 12),
        completed_by="seller",
    )
    # c8: the other shop (shopify), a defective item refunded.
    case(
        conn,
        shop_id="s2",
        platform="shopify",
        sku="S",
        reason="DEFECTIVE",
        refund_amount=20,
        refunded_amount=20,
        requested_at=at("2026-11-02"),
        completed_at=at("2026-11-03"),
        completed_by="seller",
    )
