"""Order counts from the seller: a CSV of orders per shop and day, the denominators of every rate.

Neither TOP's refund APIs nor Shopify's returns give the number of paid or signed-for orders, so
the seller exports them (Taobao 生意参谋 / Shopify Analytics "Orders") and imports them here, or a
connector fills ``order_counts`` with ``source`` set to its name. The CSV has a header row:

    day,paid_orders,signed_orders[,shop_id]

``shop_id`` may be left out when ``--shop`` names the shop; ``signed_orders`` may be empty (then
unknown, stored as 0 and the quality refund rate shows no data). Rows are upserted by (shop, day), so
importing a corrected export again replaces the old numbers.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from marketplace_returns.errors import InputError
from marketplace_returns.metrics.scope import table

REQUIRED = ("day", "paid_orders")


def parse_orders(text: str, *, shop_id: str | None = None, source: str = "seller") -> list[dict[str, Any]]:
    """Validate the CSV; an error names the line and the column. Taobao's analytics export and Shopify's
    orders export are read by their own headers (``orders_exports.py``)."""
    from marketplace_returns.metrics.orders_exports import detect

    text = text.lstrip("\ufeff")
    converted = detect(text)
    if converted is not None:
        text = converted
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"the header lacks {', '.join(missing)} (have: {', '.join(header) or 'none'})",
            line=1,
            field=missing[0],
        )
    if "shop_id" not in header and not shop_id:
        raise InputError("no shop_id column: name the shop with --shop", line=1, field="shop_id")
    rows: dict[tuple[str, date], dict[str, Any]] = {}
    for number, raw in enumerate(reader, start=2):
        rec = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        shop = rec.get("shop_id") or shop_id
        if not shop:
            raise InputError("shop_id is empty", line=number, field="shop_id")
        try:
            day = date.fromisoformat(rec["day"])
        except ValueError:
            raise InputError(f"day {rec['day']!r} is not YYYY-MM-DD", line=number, field="day") from None
        counts: dict[str, int] = {}
        for col in ("paid_orders", "signed_orders"):
            value = rec.get(col, "")
            if col == "signed_orders" and value == "":
                counts[col] = 0
                continue
            if not value.isdigit():
                raise InputError(f"{col} {value!r} is not a whole number ≥ 0", line=number, field=col)
            counts[col] = int(value)
        if counts["signed_orders"] > counts["paid_orders"]:
            raise InputError("signed_orders exceeds paid_orders", line=number, field="signed_orders")
        rows[(shop, day)] = {"shop_id": shop, "day": day, **counts, "source": source}
    return list(rows.values())


def upsert_orders(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert or replace the rows (by shop and day); returns how many were written."""
    if not rows:
        return 0
    orders = table("order_counts")
    keys = [orders.c.shop_id, orders.c.day]
    if conn.dialect.name == "postgresql":
        pg = pg_insert(orders)
        update = {c: pg.excluded[c] for c in ("paid_orders", "signed_orders", "source")}
        conn.execute(pg.on_conflict_do_update(index_elements=keys, set_=update), rows)
    else:
        lite = sqlite_insert(orders)
        update = {c: lite.excluded[c] for c in ("paid_orders", "signed_orders", "source")}
        conn.execute(lite.on_conflict_do_update(index_elements=keys, set_=update), rows)
    return len(rows)
