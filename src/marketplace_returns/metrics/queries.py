"""Refund figures aggregated in SQL, for any period and any grouping (shop, SKU, batch, reason, rule...).

``breakdowns`` answers every dimension from one statement: the per-case values of ``measures`` as a
materialised CTE, four fine groupings of it, and one ``GROUP BY`` per dimension over its fine grouping,
joined by ``UNION ALL``. Python only merges the aggregated rows. A case counts on two dates: requests
on the day requested, outcomes (refunds, disputes, who completed, completion time) on the day
completed, as the platforms count their rates.

Denominators come from ``order_counts`` (paid and signed-for orders per shop and day). A SKU, batch,
reason or rule has no orders of its own, so its rate is its share of the scope's orders: the points it
adds to the shop's rate.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Float,
    String,
    and_,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement, FromClause, Select

from marketplace_returns.metrics.definitions import definitions_for
from marketplace_returns.metrics.measures import (
    FLOATS,
    MEASURES,
    OUTCOME_MEASURES,
    REQUEST_MEASURES,
    Row,
    case_values,
    cases,
    current,
    measure_sums,
    orders,
    reason_changes,
    scope_where,
    shops,
)
from marketplace_returns.metrics.scope import Scope
from marketplace_returns.metrics.sqlfn import day_key, utc_day

Dimension = Literal[
    "total",
    "shop",
    "platform",
    "sku",
    "batch",
    "reason",
    "product_category",
    "category",
    "family",
    "rule",
    "day",
    "currency",
]
DIMENSIONS: tuple[str, ...] = Dimension.__args__  # type: ignore[attr-defined]


def rollup(conn: Connection, fine: Select[Any], groupings: dict[str, str | None]) -> dict[str, list[Row]]:
    """Roll the fine grouping up to each dimension in SQL: one statement, the fine CTE computed once.

    ``groupings`` maps a dimension to its key column in the fine grouping (None: one total row).
    """
    cte = fine.cte("fine").prefix_with("MATERIALIZED")
    keys = {col for col in groupings.values() if col}
    measures = [col for col in cte.c if col.name not in keys]
    parts = []
    for dim, col in groupings.items():
        key: ColumnElement[Any] = cast(cte.c[col], String) if col else literal("all", String)
        stmt = select(
            literal(dim, String).label("dim"),
            key.label("key"),
            *[
                (
                    type_coerce(func.coalesce(func.sum(m), 0), Float)
                    if m.name in FLOATS
                    else cast(func.coalesce(func.sum(m), 0), BigInteger)
                ).label(m.name)
                for m in measures
            ],
        )
        parts.append(stmt.group_by(cte.c[col]) if col else stmt)
    out: dict[str, list[Row]] = {dim: [] for dim in groupings}
    for rec in conn.execute(union_all(*parts)).mappings():
        row = dict(rec)
        out[row.pop("dim")].append(row)
    return out


def order_side(scope: Scope, dim: str) -> Select[Any]:
    """Paid and signed-for orders; grouped only by shop, platform or day (orders carry nothing else)."""
    o = orders.c
    src: FromClause = orders
    where: list[ColumnElement[bool]] = [o.day >= scope.since, o.day < scope.until]
    if scope.shop_id:
        where.append(o.shop_id == scope.shop_id)
    if scope.platform or dim == "platform":
        src = orders.join(shops, shops.c.shop_id == o.shop_id)
        if scope.platform:
            where.append(shops.c.platform == scope.platform)
    keys: dict[str, ColumnElement[Any]] = {"shop": o.shop_id, "platform": shops.c.platform, "day": o.day}
    key = keys.get(dim, literal("all"))
    return (
        select(
            key.label("key"),
            func.coalesce(func.sum(o.paid_orders), 0).label("paid_orders"),
            func.coalesce(func.sum(o.signed_orders), 0).label("signed_orders"),
        )
        .select_from(src)
        .where(*where)
        .group_by(key)
    )


KEY_COLS: dict[str, ColumnElement[Any]] = {
    "shop": cases.c.shop_id,
    "platform": cases.c.platform,
    "reason": cases.c.reason,
    "product_category": cases.c.product_category,
    "sku": cases.c.sku,
    "batch": cases.c.batch,
    "category": current.c.category,
    "family": current.c.family,
    "rule": current.c.rule,
    "currency": cases.c.currency,
    "day_req": utc_day(cases.c.requested_at),
    "day_done": utc_day(cases.c.completed_at),
}


ALL_MEASURES = frozenset(
    (
        "requests",
        "requested_amount",
        "penalising_before",
        "penalising_after",
        "reason_change_requested",
        "reason_changed",
        "responded",
        "response_hours",
        "responded_within_ack",
        "with_deadline",
        "deadline_missed",
        "completed",
        "refunds",
        "refunded_amount",
        "quality_refunds",
        "disputes",
        "disputes_seller_fault",
        "self_completed",
        "completion_hours",
        "completed_within_48h",
        "completed_48_120h",
        "completed_over_120h",
        "quality_classified",
        "compensation_paid",
        "shipping_saved",
        "pending",
    )
)
_RATES = frozenset(
    (
        "requests",
        "requested_amount",
        "penalising_before",
        "penalising_after",
        "completed",
        "refunds",
        "refunded_amount",
        "quality_refunds",
        "disputes",
        "disputes_seller_fault",
        "self_completed",
        "completion_hours",
    )
)
BRANCH_MEASURES: dict[str, frozenset[str]] = {
    # every sum costs one evaluation per case per branch: a breakdown computes what its rows show
    # (counts, amounts and the platform rates); the total row carries every measure.
    **{dim: _RATES for dim in ("shop", "platform", "reason", "product_category", "sku", "batch")},
    **{
        dim: _RATES | {"quality_classified", "compensation_paid", "shipping_saved", "pending"}
        for dim in ("category", "family", "rule", "currency")
    },
    "day_req": frozenset(
        (
            "requests",
            "penalising_before",
            "penalising_after",
            "responded",
            "response_hours",
            "responded_within_ack",
            "with_deadline",
            "deadline_missed",
            "requested_amount",
            "reason_change_requested",
            "reason_changed",
        )
    ),
    "day_done": frozenset(
        (
            "completed",
            "refunds",
            "refunded_amount",
            "quality_refunds",
            "disputes",
            "disputes_seller_fault",
            "self_completed",
            "completion_hours",
            "completed_within_48h",
            "completed_48_120h",
            "completed_over_120h",
        )
    ),
}


FINE_GROUPS: dict[str, tuple[str, ...]] = {
    "low": ("total", "shop", "platform", "reason", "product_category", "category", "family", "rule",
            "currency"),
    "units": ("sku", "batch"),
    "day_req": ("day_req",),
    "day_done": ("day_done",),
}
"""Dimensions rolled up from one fine grouping: few values each, so their combinations stay few."""
FINE_MEASURES: dict[str, frozenset[str]] = {
    "low": ALL_MEASURES,
    "units": _RATES,
    "day_req": BRANCH_MEASURES["day_req"],
    "day_done": BRANCH_MEASURES["day_done"],
}


def _rolled(fine: FromClause, name: str) -> ColumnElement[Any]:
    total = func.coalesce(func.sum(fine.c[name]), 0)
    return (type_coerce(total, Float) if name in FLOATS else cast(total, BigInteger)).label(name)


def _typed_null(name: str) -> ColumnElement[Any]:
    """A measure a branch does not compute (UNION ALL needs the same, typed, columns everywhere)."""
    return cast(null(), Float if name in FLOATS else BigInteger).label(name)


def _passes(conn: Connection, scope: Scope, dims: list[str], now: datetime) -> dict[str, list[Row]]:
    """Aggregated rows per dimension from ONE pass over the cases, in one statement.

    The per-case values (``_facts``, with the case's current decision and reason-change history
    joined once) are a materialised CTE. Four fine groupings read it (the few-valued dimensions
    together, SKU with batch, and the two day keys: requests count on the day requested, outcomes on
    the day completed); each dimension is then a ``GROUP BY`` over its small fine grouping, all
    joined by ``UNION ALL``.
    """
    c = cases.c
    rc = reason_changes()
    src = cases.outerjoin(current, and_(current.c.case_id == c.id, current.c.status != "superseded"))
    src = src.outerjoin(rc, rc.c.case_id == c.id)
    in_period = or_(
        and_(c.requested_at >= scope.start, c.requested_at < scope.end),
        and_(c.completed_at >= scope.start, c.completed_at < scope.end),
    )
    branches = [b for d in dims for b in (("day_req", "day_done") if d == "day" else (d,))]
    keys = {b: KEY_COLS[b] for b in branches if b != "total"}
    facts = (
        select(*[col.label(f"k_{name}") for name, col in keys.items()], *case_values(scope, now, rc, True))
        .select_from(src)
        .where(in_period, *scope_where(scope))
        .cte("facts")
        .prefix_with("MATERIALIZED")
    )
    every = {m.name: m for m in measure_sums(facts, True)}
    parts = []
    for group, members in FINE_GROUPS.items():
        chosen = [b for b in members if b in branches]
        if not chosen:
            continue
        # first level: a fine grouping over the per-case values (one scan of them per group) ...
        measures = FINE_MEASURES[group]
        fine_keys = [facts.c[f"k_{b}"] for b in chosen if b != "total"]
        fine = (
            select(*fine_keys, *[every[m].label(m) for m in every if m in measures])
            .group_by(*fine_keys)
            .cte(f"fine_{group}")
            .prefix_with("MATERIALIZED")
        )
        # ... second level: each dimension rolled up from the (small) fine grouping
        for branch in chosen:
            cols = [_rolled(fine, name) if name in measures else _typed_null(name) for name in every]
            head = [literal(branch, String).label("dim")]
            if branch == "total":
                parts.append(select(*head, literal("all", String).label("key"), *cols))
            else:
                key = fine.c[f"k_{branch}"]
                parts.append(select(*head, cast(key, String).label("key"), *cols).group_by(key))
    out: dict[str, list[Row]] = {b: [] for b in branches}
    for rec in conn.execute(union_all(*parts)).mappings():
        row = dict(rec)
        out[row.pop("dim")].append(row)
    if "day" in dims:
        zero = dict.fromkeys((*REQUEST_MEASURES, *OUTCOME_MEASURES), 0)
        days: dict[str, Row] = {}
        for side, names in (("day_req", REQUEST_MEASURES), ("day_done", OUTCOME_MEASURES)):
            for row in out.pop(side):
                if row["key"] is not None:
                    days.setdefault(day_key(row["key"]), dict(zero)).update({n: row[n] for n in names})
        # every day of the period, quiet ones too, so trailing rates see each day's orders
        every_day = [(scope.since + timedelta(days=i)).isoformat() for i in range(scope.days)]
        out["day"] = [{"key": k, **days.get(k, zero)} for k in every_day]
    return out


def breakdowns(
    conn: Connection,
    scope: Scope,
    dims: list[str],
    *,
    now: datetime | None = None,
    platforms: list[str] | None = None,
) -> dict[str, list[Row]]:
    """Rows per value of each dimension with every measure and the rates the definitions make of them.

    ``platforms`` picks the definitions (the scope's platform by default; Taobao's when mixed).
    Measures a pass does not compute (the decision measures of SKU, batch and day rows) are None.
    """
    unknown = [d for d in dims if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension {unknown[0]!r}")
    found = _passes(conn, scope, dims, now or datetime.now(UTC))
    totals = conn.execute(order_side(scope, "total")).mappings().first()
    result: dict[str, list[Row]] = {}
    for dim in dims:
        own_orders = dim in ("shop", "platform", "day", "total")
        orders_by = (
            {
                str(r["key"])[:10] if dim == "day" else str(r["key"]): r
                for r in conn.execute(order_side(scope, dim)).mappings()
            }
            if own_orders
            else {}
        )
        rows = []
        for rec in found.get(dim, []):
            key = "(none)" if rec["key"] is None else str(rec["key"])
            full: Row = {"key": key, **{m: rec.get(m) for m in MEASURES}}
            source = orders_by.get(key) if own_orders else totals
            full["paid_orders"] = int(source["paid_orders"]) if source else 0
            full["signed_orders"] = int(source["signed_orders"]) if source else 0
            full["orders_of"] = "group" if own_orders else "scope"
            if not (full["requests"] or full["completed"]) and dim not in ("total", "day"):
                continue
            chosen = [key] if dim == "platform" else platforms or ([scope.platform] if scope.platform else [])
            rows.append(with_rates(full, platforms=chosen))
        if dim == "day":
            rows.sort(key=lambda r: r["key"])
        else:
            rows.sort(key=lambda r: (-(r["requests"] or 0), -(r["completed"] or 0), r["key"]))
        result[dim] = rows
    return result


def breakdown(
    conn: Connection,
    scope: Scope,
    dim: str,
    *,
    now: datetime | None = None,
    platforms: list[str] | None = None,
) -> list[Row]:
    """One dimension's rows (see ``breakdowns``)."""
    return breakdowns(conn, scope, [dim], now=now, platforms=platforms)[dim]


def with_rates(row: Row, *, platforms: list[str]) -> Row:
    """Add the platform-defined rates and ours to a row of measures."""
    defs = definitions_for(platforms)
    for key, definition in defs.metrics.items():
        row[key] = definition.value(row)

    def ratio(a: str, b: str) -> float | None:
        return float(row[a]) / float(row[b]) if row.get(b) and row.get(a) is not None else None

    row["dispute_share"] = ratio("disputes", "completed")
    row["penalising_share_before"] = ratio("penalising_before", "requests")
    row["penalising_share_after"] = ratio("penalising_after", "requests")
    row["first_response_hours"] = ratio("response_hours", "responded")
    row["responded_within_ack_share"] = ratio("responded_within_ack", "requests")
    row["deadline_missed_share"] = ratio("deadline_missed", "with_deadline")
    return row
