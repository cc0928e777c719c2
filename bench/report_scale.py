"""Time the report's aggregation over a large store (default 1,000,000 cases plus their decisions).

    .venv/bin/python bench/report_scale.py                       # SQLite in a temp file
    .venv/bin/python bench/report_scale.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/report_scale.py --pg                  # MARKETPLACE_RETURNS_TEST_DATABASE_URL

Rows are generated with a fixed seed and bulk-loaded (executemany on SQLite, COPY on PostgreSQL, into
a fresh schema that is dropped afterwards), then ``build_report`` runs over the whole period, every
section included. Target: under 10 s on both databases.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

from marketplace_returns.metrics.report import build_report
from marketplace_returns.metrics.scope import Scope
from marketplace_returns.profiles import load_profile
from marketplace_returns.service import tables  # noqa: F401 - registers the tables

CASE_COLS = (
    "id",
    "shop_id",
    "platform",
    "refund_id",
    "order_id",
    "sku",
    "batch",
    "buyer_id",
    "product_category",
    "currency",
    "item_price",
    "refund_amount",
    "reason",
    "reason_penalises",
    "requested_at",
    "deadline",
    "dispute",
    "dispute_seller_fault",
    "completed_by",
    "first_response_at",
    "completed_at",
    "refunded_amount",
)
DEC_COLS = (
    "id",
    "case_id",
    "version",
    "rule",
    "family",
    "category",
    "action",
    "amount",
    "reason_change_to",
    "penalising",
    "auto",
    "needs_approval",
    "shipping_saved",
    "status",
    "reviewed_by",
    "reviewed_at",
    "created_at",
)
START = datetime(2026, 8, 1, tzinfo=UTC)
DAYS = 90


def _ts(value: datetime | None, sqlite: bool) -> Any:
    if value is None or not sqlite:
        return value
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(n: int, sqlite: bool, seed: int = 7) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    rnd = random.Random(seed)
    reasons = load_profile("taobao").reasons
    actions = [
        "return_and_refund",
        "offer_partial_refund",
        "refund_without_return",
        "request_reason_change",
        "exchange",
        "refuse",
    ]
    reps = [f"rep{i}" for i in range(8)]
    for i in range(1, n + 1):
        r = reasons[rnd.randrange(len(reasons))]
        sku = f"SKU{rnd.randrange(2000)}"
        req = START + timedelta(seconds=rnd.randrange(DAYS * 86400))
        responded = req + timedelta(hours=rnd.expovariate(1 / 10)) if rnd.random() < 0.95 else None
        done = req + timedelta(hours=rnd.expovariate(1 / 60)) if rnd.random() < 0.85 else None
        price = round(rnd.uniform(10, 400), 2)
        refunded = price if done and rnd.random() < 0.9 else None
        dispute = rnd.random() < 0.02
        case = (
            i,
            f"shop{i % 4}",
            "taobao",
            f"r{i}",
            f"o{rnd.randrange(n)}",
            sku,
            f"{sku}-B{rnd.randrange(3)}",
            f"buyer{rnd.randrange(n // 3)}",
            "apparel",
            "CNY",
            price,
            price,
            r.text,
            r.penalises,
            _ts(req, sqlite),
            _ts(req + timedelta(hours=48), sqlite),
            dispute,
            dispute and rnd.random() < 0.5,
            rnd.choice(["seller", "seller", "platform", "timeout"]) if done else None,
            _ts(responded, sqlite),
            _ts(done, sqlite),
            refunded,
        )
        status = rnd.choice(["accepted", "accepted", "edited", "rejected", "auto", "pending"])
        action = rnd.choice(actions)
        decision = (
            i,
            i,
            1,
            f"rule{rnd.randrange(40)}",
            r.family.value,
            r.category.value,
            action,
            round(price * 0.1, 2) if action == "offer_partial_refund" else None,
            "七天无理由退换货" if action == "request_reason_change" else None,
            r.penalises is not None,
            status == "auto",
            False,
            12.0 if action == "offer_partial_refund" else None,
            status,
            rnd.choice(reps) if status in ("accepted", "edited", "rejected") else None,
            _ts(responded, sqlite),
            _ts(req, sqlite),
        )
        yield case, decision


def load(engine: sa.Engine, n: int) -> float:
    sqlite = engine.dialect.name == "sqlite"
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if sqlite:
            cases_sql = f"INSERT INTO cases ({','.join(CASE_COLS)}) VALUES ({','.join('?' * len(CASE_COLS))})"
            dec_sql = f"INSERT INTO decisions ({','.join(DEC_COLS)}) VALUES ({','.join('?' * len(DEC_COLS))})"
            batch_c: list[tuple[Any, ...]] = []
            batch_d: list[tuple[Any, ...]] = []
            for c, d in generate(n, sqlite):
                batch_c.append(c)
                batch_d.append(d)
                if len(batch_c) >= 50_000:
                    cur.executemany(cases_sql, batch_c)
                    cur.executemany(dec_sql, batch_d)
                    batch_c, batch_d = [], []
            cur.executemany(cases_sql, batch_c)
            cur.executemany(dec_sql, batch_d)
        else:
            pg = raw.driver_connection
            assert pg is not None
            with pg.cursor() as pcur:  # type: ignore[attr-defined]
                with pcur.copy(f"COPY cases ({','.join(CASE_COLS)}) FROM STDIN") as cp:
                    for c, _ in generate(n, sqlite):
                        cp.write_row(c)
                with pcur.copy(f"COPY decisions ({','.join(DEC_COLS)}) FROM STDIN") as cp:
                    for _, d in generate(n, sqlite):
                        cp.write_row(d)
                pcur.execute("ANALYZE cases")
                pcur.execute("ANALYZE decisions")
        days = [START.date() + timedelta(days=k) for k in range(DAYS)]
        rows = [(f"shop{s}", d, 3000, 2700, "seller") for s in range(4) for d in days]
        mark = "?" if sqlite else "%s"
        cur.executemany(
            f"INSERT INTO order_counts (shop_id, day, paid_orders, signed_orders, source) "
            f"VALUES ({','.join([mark] * 5)})",
            [(a, str(b) if sqlite else b, c, e, f) for a, b, c, e, f in rows],
        )
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def verdict(seconds: float) -> str:
    return "ok" if seconds < 10 else "missed"


def run(url: str, n: int, schema: str | None) -> None:
    engine = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"} if schema else {})
    SQLModel.metadata.create_all(engine)
    print(f"{engine.dialect.name}: loading {n:,} cases + {n:,} decisions ...", flush=True)
    print(f"  load: {load(engine, n):.1f} s", flush=True)
    end = START.date() + timedelta(days=DAYS)
    for label, scope in (
        (f"whole store ({DAYS} days)", Scope(since=START.date(), until=end)),
        ("default period (last 30 days)", Scope(since=end - timedelta(days=30), until=end)),
        ("one shop, last 30 days", Scope(since=end - timedelta(days=30), until=end, shop_id="shop0")),
    ):
        with engine.connect() as conn:
            started = time.perf_counter()
            report = build_report(conn, scope, now=START + timedelta(days=DAYS))
            took = time.perf_counter() - started
        print(
            f"  report, {label}: {report.totals['requests']:,} requests in the period, {took:.2f} s "
            f"({len(report.breakdowns)} breakdowns, {len(report.anomalies)} anomalies, "
            f"{len(report.repeat_refunders)} repeat refunders)  target < 10 s: {verdict(took)}",
            flush=True,
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--pg", action="store_true", help="use MARKETPLACE_RETURNS_TEST_DATABASE_URL")
    args = parser.parse_args()
    url = args.db or (os.environ.get("MARKETPLACE_RETURNS_TEST_DATABASE_URL") if args.pg else None)
    if url and url.startswith("postgresql"):
        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.execute(sa.schema.CreateSchema(schema))
        try:
            run(url, args.cases, schema)
        finally:
            with admin.begin() as conn:
                conn.execute(sa.schema.DropSchema(schema, cascade=True))
            admin.dispose()
    elif url:
        run(url, args.cases, None)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.cases, None)


if __name__ == "__main__":
    main()
