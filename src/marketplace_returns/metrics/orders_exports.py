"""The platforms' own order exports, read by their own headers and turned into ``day,paid_orders,
signed_orders`` rows for ``orders import``.

Why: a seller has these files already and should not retype them. ``orders import`` refused Taobao's
analytics export (生意参谋: 统计日期, 支付订单数, 签收订单数) because it wanted English column names.

* **Taobao / Tmall (生意参谋)**: one row per day. Title lines above the header are skipped (the export
  starts with the shop and the period); dates as ``2026-12-01``, ``2026/12/01`` or ``20261201``; counts
  may carry thousands separators. 签收订单数 is optional (then unknown).
* **Shopify (Orders → Export)**: one row per line item, the order's fields on its first row. Orders are
  counted once (by ``Name``) on the day they were paid (``Paid at``, else ``Created at``), leaving out
  those not paid (``Financial Status`` pending, authorized, voided); ``signed_orders`` counts the ones
  ``Fulfillment Status`` says were fulfilled, on the same day (so never more than the paid ones).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date, datetime

from marketplace_returns.errors import InputError

TAOBAO_DAY = ("统计日期", "日期")
TAOBAO_PAID = ("支付订单数", "支付子订单数")
TAOBAO_SIGNED = ("签收订单数", "签收子订单数")
SHOPIFY_NEEDS = ("Name", "Financial Status", "Created at")
SHOPIFY_UNPAID = {"pending", "authorized", "voided", "expired"}


def _csv(rows: list[tuple[str, str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("day", "paid_orders", "signed_orders"))
    writer.writerows(rows)
    return out.getvalue()


def _day(text: str, line: int, column: str) -> str:
    value = text.strip()
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value, pattern).date().isoformat()
        except ValueError:
            continue
    match = re.match(r"^(\d{4}-\d{2}-\d{2})", value)
    if match:
        return date.fromisoformat(match.group(1)).isoformat()
    raise InputError(f"{column} {value!r} is not a date", line=line, field=column)


def _count(text: str, line: int, column: str) -> str:
    value = text.strip().replace(",", "")
    if value in ("", "-"):
        return ""
    if not value.isdigit():
        raise InputError(f"{column} {text!r} is not a whole number ≥ 0", line=line, field=column)
    return value


def _pick(header: list[str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in header), None)


def _header_row(lines: list[str]) -> tuple[int, list[str], str, str] | None:
    """Where the 生意参谋 header is (title lines come first), with its day and paid-orders columns."""
    for start, line in enumerate(lines):
        header = [h.strip() for h in next(csv.reader([line]), [])]
        day_col, paid_col = _pick(header, TAOBAO_DAY), _pick(header, TAOBAO_PAID)
        if day_col and paid_col:
            return start, header, day_col, paid_col
    return None


def taobao(text: str) -> str | None:
    lines = text.splitlines()
    found = _header_row(lines)
    if found is None:
        return None
    start, header, day_col, paid_col = found
    signed_col = _pick(header, TAOBAO_SIGNED)
    rows = []
    reader = csv.DictReader(io.StringIO("\n".join(lines[start:])))
    for number, raw in enumerate(reader, start=start + 2):
        rec = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if not rec.get(day_col):
            continue
        day = _day(rec[day_col], number, day_col)
        orders = _count(rec.get(paid_col, ""), number, paid_col) or "0"
        rows.append((day, orders, _count(rec.get(signed_col, ""), number, signed_col) if signed_col else ""))
    return _csv(rows)


def shopify(text: str) -> str | None:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not all(n in header for n in SHOPIFY_NEEDS):
        return None
    paid: dict[str, set[str]] = defaultdict(set)
    signed: dict[str, set[str]] = defaultdict(set)
    for number, raw in enumerate(reader, start=2):
        rec = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        name, status = rec.get("Name", ""), rec.get("Financial Status", "").lower()
        if not name or not status or status in SHOPIFY_UNPAID:
            continue  # a line item's continuation row, or an order not paid
        when = rec.get("Paid at") or rec.get("Created at", "")
        day = _day(when, number, "Paid at" if rec.get("Paid at") else "Created at")
        paid[day].add(name)
        if rec.get("Fulfillment Status", "").lower() == "fulfilled":
            signed[day].add(name)
    return _csv([(day, str(len(paid[day])), str(len(signed[day]))) for day in sorted(paid)])


def detect(text: str) -> str | None:
    """``text`` as ``day,paid_orders,signed_orders`` CSV if it is a platform export, else ``None``."""
    return taobao(text) or shopify(text)
