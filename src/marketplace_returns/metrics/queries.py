"""Refund figures aggregated in SQL, for any period and any grouping (shop, SKU, batch, reason, rule...).

Every number is a ``GROUP BY`` with conditional sums over the ``cases`` table joined to the case's
current decision; Python only merges the few aggregated rows. Two sides, each on its own date:

* request side, on ``requested_at``: what came in (requests, amounts asked, penalising reasons before
  and after reason-change requests, response times against deadlines, money of accepted decisions);
* outcome side, on ``completed_at``: how refunds closed (successful refunds, quality refunds, disputes,
  who completed them, completion time) — the platforms count their rates on the day a refund closes.

Denominators come from ``order_counts`` (paid and signed-for orders per shop and day). A SKU, batch,
reason or rule has no orders of its own, so its rate is its share of the scope's orders: the points it
adds to the shop's rate. The current decision of a case is its row whose status is not ``superseded``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Float, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement, FromClause, Select

from marketplace_returns.metrics.definitions import definitions_for
from marketplace_returns.metrics.scope import Scope, table
from marketplace_returns.metrics.sqlfn import day_key, hours_between, utc_day
from marketplace_returns.models.vocabulary import Family
from marketplace_returns.profiles import available_platforms, load_profile

Dimension = Literal["total", "shop", "platform", "sku", "batch", "reason", "product_category", "category",
                    "family", "rule", "day"]
DIMENSIONS: tuple[str, ...] = Dimension.__args__  # type: ignore[attr-defined]
Row = dict[str, Any]

TAKEN = ("accepted", "edited", "auto")
"""Decision statuses under which the suggestion was carried out (by a rep or automatically)."""

cases = table("cases")
decisions = table("decisions")
orders = table("order_counts")
shops = table("shops")
current = decisions.alias("d")


def count_if(cond: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def money_sum(expr: ColumnElement[Any]) -> ColumnElement[Any]:
    return type_coerce(func.coalesce(func.sum(expr), 0), Float)


def quality_reason() -> ColumnElement[bool]:
    """The case's reason is a quality reason on its platform (per the platform profile).

    A reason that penalises ``quality_refund_rate`` where the platform has one (Taobao, Tmall);
    otherwise a reason whose prior category is in the quality family (Shopify's DEFECTIVE...).
    Platforms without a profile fall back to the stored ``reason_penalises``.
    """
    clauses: list[ColumnElement[bool]] = []
    names = [*available_platforms(), "sandbox"]
    for name in names:
        profile = load_profile(name)
        texts = [r.text for r in profile.reasons if r.penalises == "quality_refund_rate"]
        if not texts:
            texts = [r.text for r in profile.reasons if r.family is Family.QUALITY]
        if texts:
            clauses.append(and_(cases.c.platform == name, cases.c.reason.in_(texts)))
    clauses.append(and_(cases.c.platform.not_in(names), cases.c.reason_penalises == "quality_refund_rate"))
    return or_(*clauses)


def _ack_hours() -> ColumnElement[Any]:
    whens = {name: load_profile(name).deadlines.acknowledge_hours for name in available_platforms()}
    return case(whens, value=cases.c.platform, else_=24)


def _reason_changes() -> FromClause:
    """Per case: a reason change was requested and carried out; was the reason penalising then."""
    d = decisions
    return (
        select(d.c.case_id.label("case_id"),
               func.max(case((d.c.penalising, 1), else_=0)).label("was_penalising"),
               func.max(d.c.reason_change_to).label("asked"))
        .where(d.c.reason_change_to.is_not(None), d.c.status.in_(("accepted", "edited")))
        .group_by(d.c.case_id)
        .subquery("rc")
    )


def _key(dim: str, side: str) -> ColumnElement[Any]:
    if dim == "day":
        return utc_day(cases.c.requested_at if side == "request" else cases.c.completed_at)
    if dim == "total":
        return literal("all")
    if dim in ("category", "family", "rule"):
        return current.c[dim]
    return cases.c["shop_id" if dim == "shop" else dim]


def _where(scope: Scope) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    for name, value in scope.filters().items():
        col = current.c[name] if name in ("category", "rule") else cases.c[name]
        out.append(col == value)
    return out


def _joined(rc: FromClause | None = None) -> FromClause:
    base = cases.outerjoin(current, and_(current.c.case_id == cases.c.id, current.c.status != "superseded"))
    return base.outerjoin(rc, rc.c.case_id == cases.c.id) if rc is not None else base


def request_side(scope: Scope, dim: str, *, now: datetime | None = None) -> Select[Any]:
    c, d = cases.c, current.c
    rc = _reason_changes()
    key = _key(dim, "request")
    now = now or datetime.now(UTC)
    resp = hours_between(c.first_response_at, c.requested_at)
    missed = and_(c.deadline.is_not(None),
                  or_(c.first_response_at > c.deadline,
                      and_(c.first_response_at.is_(None), c.deadline < now)))
    return (
        select(
            key.label("key"),
            func.count().label("requests"),
            money_sum(c.refund_amount).label("requested_amount"),
            count_if(or_(c.reason_penalises.is_not(None), rc.c.was_penalising == 1))
            .label("penalising_before"),
            count_if(c.reason_penalises.is_not(None)).label("penalising_after"),
            count_if(rc.c.case_id.is_not(None)).label("reason_change_requested"),
            count_if(and_(rc.c.case_id.is_not(None), c.reason == rc.c.asked)).label("reason_changed"),
            count_if(d.family == Family.QUALITY.value).label("quality_classified"),
            count_if(c.first_response_at.is_not(None)).label("responded"),
            type_coerce(func.coalesce(func.sum(resp), 0), Float).label("response_hours"),
            count_if(resp <= _ack_hours()).label("responded_within_ack"),
            count_if(c.deadline.is_not(None)).label("with_deadline"),
            count_if(missed).label("deadline_missed"),
            money_sum(case((and_(d.status.in_(TAKEN), d.action == "offer_partial_refund"), d.amount),
                        else_=None)).label("compensation_paid"),
            money_sum(case((d.status.in_(TAKEN), d.shipping_saved), else_=None)).label("shipping_saved"),
            count_if(d.status == "pending").label("pending"),
        )
        .select_from(_joined(rc))
        .where(c.requested_at >= scope.start, c.requested_at < scope.end, *_where(scope))
        .group_by(key)
    )


def outcome_side(scope: Scope, dim: str) -> Select[Any]:
    c = cases.c
    key = _key(dim, "outcome")
    refunded = c.refunded_amount > 0
    done = hours_between(c.completed_at, c.requested_at)
    return (
        select(
            key.label("key"),
            func.count().label("completed"),
            count_if(refunded).label("refunds"),
            money_sum(c.refunded_amount).label("refunded_amount"),
            count_if(and_(refunded, quality_reason())).label("quality_refunds"),
            count_if(c.dispute).label("disputes"),
            count_if(and_(c.dispute, c.dispute_seller_fault)).label("disputes_seller_fault"),
            count_if(c.completed_by == "seller").label("self_completed"),
            type_coerce(func.coalesce(func.sum(done), 0), Float).label("completion_hours"),
            count_if(done <= 48).label("completed_within_48h"),
            count_if(and_(done > 48, done <= 120)).label("completed_48_120h"),
            count_if(done > 120).label("completed_over_120h"),
        )
        .select_from(_joined())
        .where(c.completed_at >= scope.start, c.completed_at < scope.end, *_where(scope))
        .group_by(key)
    )


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
    return (select(key.label("key"), func.coalesce(func.sum(o.paid_orders), 0).label("paid_orders"),
                   func.coalesce(func.sum(o.signed_orders), 0).label("signed_orders"))
            .select_from(src).where(*where).group_by(key))


MEASURES = ("requests", "requested_amount", "penalising_before", "penalising_after",
            "reason_change_requested", "reason_changed", "quality_classified", "responded", "response_hours",
            "responded_within_ack",
            "with_deadline", "deadline_missed", "compensation_paid", "shipping_saved", "pending", "completed",
            "refunds", "refunded_amount", "quality_refunds", "disputes", "disputes_seller_fault",
            "self_completed", "completion_hours", "completed_within_48h", "completed_48_120h",
            "completed_over_120h", "paid_orders", "signed_orders")


def _norm(dim: str, value: Any) -> str:
    if value is None:
        return "(none)"
    return day_key(value) if dim == "day" else str(value)


def breakdown(conn: Connection, scope: Scope, dim: str, *, now: datetime | None = None) -> list[Row]:
    """One row per value of ``dim`` with every measure and the rates the definitions make of them."""
    if dim not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dim!r}")
    rows: dict[str, Row] = {}

    def merge(stmt: Select[Any]) -> None:
        for rec in conn.execute(stmt).mappings():
            row = rows.setdefault(_norm(dim, rec["key"]), {})
            row.update({k: v for k, v in rec.items() if k != "key"})

    merge(request_side(scope, dim, now=now))
    merge(outcome_side(scope, dim))
    own_orders = dim in ("shop", "platform", "day", "total")
    if own_orders:
        merge(order_side(scope, dim))
    else:
        totals = conn.execute(order_side(scope, "total")).mappings().first()
        for row in rows.values():
            row["paid_orders"] = totals["paid_orders"] if totals else 0
            row["signed_orders"] = totals["signed_orders"] if totals else 0
    out = []
    for key, row in rows.items():
        full: Row = {"key": key, **{m: row.get(m) or 0 for m in MEASURES}}
        full["orders_of"] = "group" if own_orders else "scope"
        platforms = [key] if dim == "platform" else [scope.platform] if scope.platform else []
        out.append(with_rates(full, platforms=platforms))
    return sorted(out, key=lambda r: r["key"]) if dim == "day" else sorted(out, key=lambda r: -r["requests"])


def with_rates(row: Row, *, platforms: list[str]) -> Row:
    """Add the platform-defined rates and ours to a row of measures."""
    defs = definitions_for(platforms)
    for key, definition in defs.metrics.items():
        row[key] = definition.value(row)

    def ratio(a: str, b: str) -> float | None:
        return float(row[a]) / float(row[b]) if row.get(b) else None

    row["dispute_share"] = ratio("disputes", "completed")
    row["penalising_share_before"] = ratio("penalising_before", "requests")
    row["penalising_share_after"] = ratio("penalising_after", "requests")
    row["first_response_hours"] = ratio("response_hours", "responded")
    row["responded_within_ack_share"] = ratio("responded_within_ack", "requests")
    row["deadline_missed_share"] = ratio("deadline_missed", "with_deadline")
    return row
