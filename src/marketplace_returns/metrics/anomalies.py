"""SKUs and batches whose refunds jump against their own baseline, and buyers who refund again and again.

Each SKU (and each batch) is compared with itself: its last ``recent_days`` against the
``baseline_days`` before them. Two exact one-sided tests per unit (see ``stats``):

* **refund rate**: recent refund requests against the baseline's, per shop order when order counts
  exist for both windows, otherwise per day (the conditional binomial test for two Poisson rates);
* **quality share**: recent quality refunds among the unit's refunds against the baseline share
  (Fisher's exact test). Quality is the engine's family when a decision exists, else the reason.

All p-values of one run go through one Benjamini–Hochberg procedure at false-discovery rate ``q``:
with hundreds of SKUs, a plain 5 % cut would flag a dozen by chance every week. Each flag carries the
counts, exposures, the two rates, their ratio, the p-value and the adjusted p-value behind it.
Counts come from one ``GROUP BY`` per unit kind; the tests run over those aggregated rows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from marketplace_returns.metrics.measures import Row, cases, count_if, current, money_sum, quality_reason
from marketplace_returns.metrics.queries import order_side, rollup
from marketplace_returns.metrics.scope import Scope
from marketplace_returns.metrics.stats import benjamini_hochberg, binom_sf, hypergeom_sf
from marketplace_returns.security.pii import mask_identifier


class Anomaly(BaseModel):
    unit: str
    """``sku`` or ``batch``."""
    key: str
    test: str
    """``refund_rate`` (conditional binomial) or ``quality_share`` (Fisher's exact)."""
    recent: int
    baseline: int
    recent_exposure: float
    baseline_exposure: float
    exposure: str
    """What the counts are divided by: ``orders``, ``days`` or ``refunds`` (for the quality share)."""
    recent_rate: float
    baseline_rate: float
    ratio: float | None
    p_value: float
    q_value: float


class RepeatRefunder(BaseModel):
    """A buyer with refunds on many orders; the id is shown masked (``security.pii.mask_identifier``),
    stable per buyer so the table still groups, never the id or nick itself."""

    buyer_id: str
    refunds: int
    orders: int
    amount: float
    penalising: int
    first: str
    last: str


def _counts(
    conn: Connection, scope: Scope, units: tuple[str, ...], recent_start: Any
) -> dict[str, list[Row]]:
    """Recent and baseline counts per SKU and per batch: one fine grouping, rolled up in SQL."""
    c, d = cases.c, current.c
    is_recent = c.requested_at >= recent_start
    quality = case((d.family.is_not(None), d.family == "quality"), else_=quality_reason())
    fine = (
        select(
            *[c[u].label(u) for u in units],
            count_if(is_recent).label("recent"),
            count_if(~is_recent).label("baseline"),
            count_if(and_(is_recent, quality)).label("recent_quality"),
            count_if(and_(~is_recent, quality)).label("baseline_quality"),
        )
        .select_from(cases.outerjoin(current, and_(d.case_id == c.id, d.status != "superseded")))
        .where(
            c.requested_at >= scope.start,
            c.requested_at < scope.end,
            *[c[k] == v for k, v in scope.filters().items() if k in ("shop_id", "platform")],
        )
        .group_by(*[c[u] for u in units])
    )
    found = rollup(conn, fine, {u: u for u in units})
    return {u: [r for r in rows if r["key"] is not None] for u, rows in found.items()}


def _orders(conn: Connection, scope: Scope) -> int:
    row = conn.execute(order_side(scope, "total")).mappings().first()
    return int(row["paid_orders"]) if row else 0


def detect(
    conn: Connection,
    scope: Scope,
    *,
    recent_days: int = 7,
    baseline_days: int = 28,
    q: float = 0.05,
    units: tuple[str, ...] = ("sku", "batch"),
) -> list[Anomaly]:
    """Flagged SKUs and batches over the ``recent_days`` ending at ``scope.until``, most significant first."""
    recent = scope.shifted(scope.until - timedelta(days=recent_days), scope.until)
    base = scope.shifted(recent.since - timedelta(days=baseline_days), recent.since)
    window = scope.shifted(base.since, scope.until)
    e1, e0 = _orders(conn, recent), _orders(conn, base)
    exposure = "orders" if e1 > 0 and e0 > 0 else "days"
    if exposure == "days":
        e1, e0 = recent_days, baseline_days
    candidates: list[Anomaly] = []
    counts = _counts(conn, window, units, recent.start)
    for unit in units:
        for row in counts[unit]:
            x1, x0 = int(row["recent"]), int(row["baseline"])
            if x0 == 0:
                continue  # no baseline to jump from (a new SKU or batch): nothing to test against
            share = e1 / (e1 + e0)
            candidates.append(
                _flag(unit, row["key"], "refund_rate", x1, x0, e1, e0, exposure, binom_sf(x1, x1 + x0, share))
            )
            q1, q0 = int(row["recent_quality"]), int(row["baseline_quality"])
            if x1 and x0 and q1 + q0:
                candidates.append(
                    _flag(
                        unit,
                        row["key"],
                        "quality_share",
                        q1,
                        q0,
                        x1,
                        x0,
                        "refunds",
                        hypergeom_sf(q1, x1 + x0, q1 + q0, x1),
                    )
                )
    rejected, adjusted = benjamini_hochberg([a.p_value for a in candidates], q)
    flagged = []
    for anomaly, hit, q_value in zip(candidates, rejected, adjusted, strict=True):
        anomaly.q_value = q_value
        if hit:
            flagged.append(anomaly)
    return sorted(flagged, key=lambda a: (a.p_value, a.unit, a.key))


def _flag(
    unit: str, key: object, test: str, x1: int, x0: int, e1: float, e0: float, exposure: str, p: float
) -> Anomaly:
    r1, r0 = x1 / e1, x0 / e0
    return Anomaly(
        unit=unit,
        key=str(key),
        test=test,
        recent=x1,
        baseline=x0,
        recent_exposure=e1,
        baseline_exposure=e0,
        exposure=exposure,
        recent_rate=r1,
        baseline_rate=r0,
        ratio=(r1 / r0) if r0 else None,
        p_value=p,
        q_value=p,
    )


def repeat_refunders(
    conn: Connection, scope: Scope, *, min_orders: int = 3, limit: int = 50
) -> list[RepeatRefunder]:
    """Buyers with refund requests on at least ``min_orders`` different orders in the period.

    A plain count threshold (the owner's choice), not a test: one buyer has too few events for a
    baseline of their own, and the figures (orders, amount, penalising reasons) are shown to judge.
    """
    c = cases.c
    # per (buyer, order) first, then per buyer: two hash-friendly groupings instead of COUNT(DISTINCT)
    per_order = (
        select(
            c.buyer_id.label("buyer_id"),
            func.count().label("refunds"),
            func.sum(c.refund_amount).label("amount"),
            count_if(c.reason_penalises.is_not(None)).label("penalising"),
            func.min(c.requested_at).label("first"),
            func.max(c.requested_at).label("last"),
        )
        .where(
            c.requested_at >= scope.start,
            c.requested_at < scope.end,
            c.buyer_id.is_not(None),
            *[c[k] == v for k, v in scope.filters().items() if k in ("shop_id", "platform")],
        )
        .group_by(c.buyer_id, func.coalesce(c.order_id, c.refund_id))
        .subquery("per_order")
    )
    o = per_order.c
    n_orders = func.count()
    stmt = (
        select(
            o.buyer_id,
            func.sum(o.refunds).label("refunds"),
            n_orders.label("orders"),
            money_sum(o.amount).label("amount"),
            func.sum(o.penalising).label("penalising"),
            func.min(o.first).label("first"),
            func.max(o.last).label("last"),
        )
        .group_by(o.buyer_id)
        .having(n_orders >= min_orders)
        .order_by(n_orders.desc(), func.sum(o.refunds).desc(), o.buyer_id)
        .limit(limit)
    )
    return [
        RepeatRefunder(
            buyer_id=mask_identifier(r["buyer_id"]) or "",
            refunds=int(r["refunds"]),
            orders=int(r["orders"]),
            amount=round(float(r["amount"]), 2),
            penalising=int(r["penalising"]),
            first=str(r["first"])[:19],
            last=str(r["last"])[:19],
        )
        for r in conn.execute(stmt).mappings()
    ]
