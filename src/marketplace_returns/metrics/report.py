"""The report: every figure a shop owner asked for, assembled once, rendered many ways.

``build_report`` runs the SQL aggregations (``queries``, ``reviews``, ``anomalies``) and returns one
pydantic ``Report``; the terminal tables, CSV, JSON, HTML and the HTTP API all render that same
object, so they can never disagree. The platform standing is computed over the platform's own metric
window (30 days ending at the period's end) whatever period the rest of the report covers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.engine import Connection

from marketplace_returns.errors import MarketplaceReturnsError
from marketplace_returns.metrics import anomalies, measures, queries, reviews
from marketplace_returns.metrics.anomalies import Anomaly, RepeatRefunder
from marketplace_returns.metrics.definitions import definitions_for
from marketplace_returns.metrics.scope import Scope, table
from marketplace_returns.metrics.thresholds import OURS, Standing, stand

SECTIONS = ("day", "reason", "category", "product_category", "sku", "batch", "rule", "shop")
"""Breakdowns in the report, in the order they are shown."""

ASSUMPTIONS = [
    "A refund request counts on the day it was requested; a refund's outcome (success, dispute, who "
    "completed it, completion time) counts on the day it completed, as the platforms count their rates.",
    "A successful refund is a completed case with refunded_amount > 0 (partial refunds included).",
    "Order counts (the denominators) are the seller's import (`marketplace-returns orders import`) or a "
    "connector's; a SKU, batch, reason or rule has no orders of its own, so its rate is its share of "
    "the scope's orders (the points it adds to the shop's rate).",
    "Compensation paid is the amount of partial-refund offers taken (accepted, edited or automatic); "
    "shipping avoided is the engine's decisions.shipping_saved estimate for decisions taken, from the "
    "playbook's shipping costs at decision time, not a courier invoice; it assumes the buyer took the offer.",
    "Penalising share before = cases whose reason penalised when requested (now, or when a reason-change "
    "request was accepted on them); after = cases whose current reason still penalises.",
    "Projected rates take every pending suggestion as suggested and assume the buyer goes along "
    "(a reason-change request is honoured, so that refund closes under a non-quality reason).",
]


class Report(BaseModel):
    generated_at: str
    scope: dict[str, Any]
    platforms: list[str]
    definitions: dict[str, Any]
    standing: list[Standing]
    totals: dict[str, Any]
    breakdowns: dict[str, list[dict[str, Any]]]
    acceptance_by_rule: list[dict[str, Any]]
    acceptance_by_rep: list[dict[str, Any]]
    queue: dict[str, Any]
    anomalies: list[Anomaly]
    repeat_refunders: list[RepeatRefunder]
    assumptions: list[str]
    money: list[dict[str, Any]] = []
    """Amounts per currency (requested, refunded, compensation paid, shipping avoided): never summed
    across currencies. With more than one currency, the amounts of ``totals`` and ``breakdowns`` are
    None (a sum of CNY and USD means nothing) and this list is the only place amounts appear."""
    definitions_by_platform: dict[str, dict[str, Any]] = {}
    """Each platform's metric definitions (name, version, source) in a report that spans several."""
    tasks: dict[str, int] = {}
    """Manual tasks (service/tasks.py) opened in the period: open, overdue, done, done after deadline."""


def platforms_of(conn: Connection, scope: Scope) -> list[str]:
    """The platforms the scope covers: the filter, else the shop's, else every shop's, else the cases'."""
    if scope.platform:
        return [scope.platform]
    shops, cases = table("shops"), table("cases")
    stmt = select(shops.c.platform).distinct()
    if scope.shop_id:
        stmt = stmt.where(shops.c.shop_id == scope.shop_id)
    found = [str(p) for p in conn.execute(stmt).scalars()]
    if not found:
        alt = select(cases.c.platform).distinct()
        if scope.shop_id:
            alt = alt.where(cases.c.shop_id == scope.shop_id)
        found = [str(p) for p in conn.execute(alt.limit(10)).scalars()]
    return sorted(found)


def build_report(
    conn: Connection,
    scope: Scope,
    *,
    thresholds: dict[str, float] | None = None,
    top: int = 20,
    sections: tuple[str, ...] = SECTIONS,
    now: datetime | None = None,
    recent_days: int = 7,
    baseline_days: int = 28,
    q: float = 0.05,
    min_orders: int = 3,
) -> Report:
    thresholds = thresholds or {}
    now = now or datetime.now(UTC)
    _tune(conn)
    platforms = platforms_of(conn, scope)
    defs = definitions_for(platforms)
    dims = ["total", *[d for d in sections if not (d == "shop" and scope.shop_id)], "currency"]
    found = queries.breakdowns(conn, scope, dims, now=now, platforms=platforms)
    totals = _first(found["total"])
    window = scope.shifted(scope.until - timedelta(days=defs.window_days), scope.until)
    window_totals = _window_totals(conn, scope, window, found, totals, now=now, platforms=platforms)
    pending = reviews.queue(conn, scope)
    projection = reviews.projected(window_totals, pending, platforms=platforms)
    standing = [
        stand(
            key,
            d.name,
            window_totals.get(key),
            better=d.better,
            thresholds=thresholds,
            projected=projection.get(key, {}).get("projected"),
            with_projection=key in projection,
        )
        for key, d in defs.metrics.items()
    ] + [
        stand(key, key, totals.get(key), better=better, thresholds=thresholds) for key, better in OURS.items()
    ]
    money = _money(found.pop("currency", []))
    mixed = len(money) > 1
    totals = _amounts(totals, mixed)
    breakdowns = {dim: [_amounts(r, mixed) for r in (rows if dim == "day" else rows[:top])]
                  for dim, rows in found.items() if dim != "total"}
    accepted = reviews.acceptances(conn, scope)
    return Report(
        generated_at=now.isoformat(timespec="seconds"),
        scope={
            "since": scope.since.isoformat(),
            "until": scope.until.isoformat(),
            **scope.filters(),
            "metric_window": {"since": window.since.isoformat(), "until": window.until.isoformat()},
        },
        platforms=platforms,
        definitions={
            "platform": defs.platform,
            "version": defs.version,
            "window_days": defs.window_days,
            "source": defs.source,
            "metrics": {
                k: {
                    "name": d.name,
                    "meaning": d.meaning,
                    "numerator": d.numerator.columns,
                    "denominator": d.denominator.columns,
                }
                for k, d in defs.metrics.items()
            },
        },
        standing=standing,
        money=money,
        definitions_by_platform={
            p: {"platform": d.platform, "version": d.version, "source": d.source,
                "window_days": d.window_days, "metrics": {k: m.name for k, m in d.metrics.items()}}
            for p in platforms if (d := _defs(p)) is not None
        },
        totals=totals,
        breakdowns=breakdowns,
        acceptance_by_rule=accepted["rule"][:top],
        acceptance_by_rep=accepted["rep"][:top],
        queue=_amounts(dict(pending), False),
        anomalies=anomalies.detect(conn, scope, recent_days=recent_days, baseline_days=baseline_days, q=q),
        repeat_refunders=anomalies.repeat_refunders(conn, scope, min_orders=min_orders, limit=top),
        assumptions=ASSUMPTIONS + ([MIXED] if mixed else []),
        tasks=manual_tasks(conn, scope, now=now),
    )


AMOUNTS = ("requested_amount", "refunded_amount", "compensation_paid", "shipping_saved", "queue_amount")
MIXED = ("The scope holds several currencies: amounts are shown per currency (money) and left out of the "
         "totals and breakdowns, never added across currencies.")


def _money(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-currency amounts of the period (rows with nothing requested or completed are left out)."""
    out = []
    for row in rows:
        if not (row.get("requests") or row.get("completed")):
            continue
        out.append(_amounts({"currency": None if row["key"] == "(none)" else row["key"],
                             "requests": row.get("requests") or 0, "refunds": row.get("refunds") or 0,
                             **{k: row.get(k) or 0.0 for k in AMOUNTS[:4]}}, False))
    return sorted(out, key=lambda r: str(r["currency"]))


def _amounts(row: dict[str, Any], mixed: bool) -> dict[str, Any]:
    """Money to the cent, as a decimal number (a float sum printed 8400.289999999999); None when mixed."""
    for key in AMOUNTS:
        if key in row and row[key] is not None:
            row[key] = None if mixed else round(float(row[key]), 2)
    return row


def _defs(platform: str) -> Any:
    try:
        return definitions_for([platform])
    except MarketplaceReturnsError:
        return None


def manual_tasks(conn: Connection, scope: Scope, *, now: datetime) -> dict[str, int]:
    """Counts of the manual tasks opened in the period within the scope's shop or platform."""
    from sqlalchemy import inspect

    from marketplace_returns.service.tasks import ManualTask

    empty = {"opened": 0, "open": 0, "overdue": 0, "done": 0, "done_late": 0}
    if not inspect(conn).has_table("tasks"):  # a store not yet migrated to 0005
        return empty
    t = ManualTask.__table__.c  # type: ignore[attr-defined]
    stmt = select(t.status, t.due_at, t.done_at).where(t.created_at >= scope.start, t.created_at < scope.end)
    if scope.shop_id:
        stmt = stmt.where(t.shop_id == scope.shop_id)
    if scope.platform:
        shops = table("shops")
        stmt = stmt.where(t.shop_id.in_(select(shops.c.shop_id).where(shops.c.platform == scope.platform)))
    counts = dict(empty)
    for status, due_at, done_at in conn.execute(stmt):
        due, done = _utc(due_at), _utc(done_at)
        counts["opened"] += 1
        if status == "open":
            counts["open"] += 1
            counts["overdue"] += int(due is not None and due < now)
        else:
            counts["done"] += 1
            counts["done_late"] += int(due is not None and done is not None and done > due)
    return counts


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _window_totals(
    conn: Connection,
    scope: Scope,
    window: Scope,
    found: dict[str, list[dict[str, Any]]],
    totals: dict[str, Any],
    *,
    now: datetime,
    platforms: list[str],
) -> dict[str, Any]:
    """The platform's metric window. Every platform rate is an outcome measure counted by completion
    day, so when the window lies inside the period it is the sum of the period's daily rows (no second
    pass over the cases); otherwise it is queried on its own."""
    if window == scope:
        return totals
    if "day" not in found or window.since < scope.since:
        return _first(queries.breakdown(conn, window, "total", now=now, platforms=platforms))
    lo, hi = window.since.isoformat(), window.until.isoformat()
    days = [r for r in found["day"] if lo <= r["key"] < hi]
    row: dict[str, Any] = {"key": "all", **{m: 0 for m in measures.MEASURES}}
    for measure in measures.OUTCOME_MEASURES:
        row[measure] = sum(r[measure] or 0 for r in days)
    orders = conn.execute(queries.order_side(window, "total")).mappings().first()
    row["paid_orders"] = int(orders["paid_orders"]) if orders else 0
    row["signed_orders"] = int(orders["signed_orders"]) if orders else 0
    return queries.with_rates(row, platforms=platforms)


def _tune(conn: Connection) -> None:
    """On SQLite, give the report's few big sorts memory: a larger page cache and in-memory temp space.

    These are per-connection settings for a read-only analytic pass; on PostgreSQL the report's
    transaction gets a larger ``work_mem`` so its groupings hash in memory instead of sorting on disk.
    """
    if conn.dialect.name == "postgresql":
        # room for the hash aggregates of the fine groupings (until the end of this transaction)
        conn.exec_driver_sql("SET LOCAL work_mem = '128MB'")
        # the per-case pass is one big scan and join: let the planner give it parallel workers
        conn.exec_driver_sql("SET LOCAL parallel_setup_cost = 10")
        conn.exec_driver_sql("SET LOCAL parallel_tuple_cost = 0.001")
        # JIT compiling the wide per-case expressions costs more than it saves at these sizes
        conn.exec_driver_sql("SET LOCAL jit = off")
    if conn.dialect.name == "sqlite":
        for pragma in (
            "PRAGMA cache_size = -131072",
            "PRAGMA temp_store = MEMORY",
            "PRAGMA mmap_size = 268435456",
        ):
            conn.exec_driver_sql(pragma)


def _first(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if rows:
        return rows[0]
    empty: dict[str, Any] = {"key": "all", **{m: 0 for m in measures.MEASURES}}
    return queries.with_rates(empty, platforms=[])
