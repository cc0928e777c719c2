"""What reps did with the engine's suggestions, and what the waiting queue will do to the rates.

Acceptance counts decisions by their final status: ``accepted`` (taken as suggested), ``edited``
(taken after a change), ``rejected``; ``auto`` ran without a rep and ``pending`` waits. A decision
belongs to the period in which it was reviewed (or created, while unreviewed). ``superseded``
versions were replaced before anyone acted on them and are left out.

The projection takes the pending queue *as suggested*: every pending suggestion on an open case is
assumed carried out and the buyer assumed to go along. Refunding actions become successful refunds;
a request to re-file under the accurate reason is assumed honoured, so the refund closes under a
non-quality reason; refusals, exchanges, repairs, evidence requests and escalations add nothing yet.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement, FromClause

from marketplace_returns.metrics.definitions import definitions_for
from marketplace_returns.metrics.measures import Row, cases, count_if, current, money_sum, quality_reason
from marketplace_returns.metrics.queries import rollup
from marketplace_returns.metrics.scope import Scope

REFUNDING = (
    "refund_without_return",
    "return_and_refund",
    "offer_partial_refund",
    "intercept",
    "request_reason_change",
)


def _scope_where(scope: Scope) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    for name, value in scope.filters().items():
        out.append((current.c[name] if name in ("category", "rule") else cases.c[name]) == value)
    return out


def _decisions_of(scope: Scope) -> FromClause:
    """The decisions, joined to their cases only when a filter needs a case column."""
    if any(name not in ("category", "rule") for name in scope.filters()):
        return current.join(cases, cases.c.id == current.c.case_id)
    return current


def acceptances(
    conn: Connection, scope: Scope, by: tuple[str, ...] = ("rule", "rep")
) -> dict[str, list[Row]]:
    """Suggestion acceptance per ``rule`` and per rep (decisions.reviewed_by): one grouping, rolled up."""
    d = current.c
    cols = {"rule": d.rule, "rep": d.reviewed_by}
    when = func.coalesce(d.reviewed_at, d.created_at)
    fine = (
        select(
            *[cols[k].label(k) for k in by],
            func.count().label("decisions"),
            count_if(d.status == "accepted").label("accepted"),
            count_if(d.status == "edited").label("edited"),
            count_if(d.status == "rejected").label("rejected"),
            count_if(d.status == "auto").label("auto"),
            count_if(d.status == "pending").label("pending"),
        )
        .select_from(_decisions_of(scope))
        .where(d.status != "superseded", when >= scope.start, when < scope.end, *_scope_where(scope))
        .group_by(*[cols[k] for k in by])
    )
    found = rollup(conn, fine, {k: k for k in by})
    result: dict[str, list[Row]] = {}
    for dim, rows in found.items():
        out: list[Row] = []
        for row in rows:
            row["key"] = "(none)" if row["key"] is None else str(row["key"])
            reviewed = row["accepted"] + row["edited"] + row["rejected"]
            row["reviewed"] = reviewed
            row["acceptance_rate"] = row["accepted"] / reviewed if reviewed else None
            row["taken_rate"] = (row["accepted"] + row["edited"]) / reviewed if reviewed else None
            if dim != "rep" or reviewed:
                out.append(row)
        result[dim] = sorted(out, key=lambda r: (-r["decisions"], r["key"]))
    return result


def acceptance(conn: Connection, scope: Scope, by: str) -> list[Row]:
    """Suggestion acceptance per ``rule`` or per ``rep``."""
    return acceptances(conn, scope, (by,))[by]


def queue(conn: Connection, scope: Scope) -> Row:
    """The pending queue now (any request date) within the scope's filters, and what it would refund."""
    d = current.c
    refunding = d.action.in_(REFUNDING)
    quality = and_(refunding, quality_reason(), d.action != "request_reason_change")
    stmt = (
        select(
            func.count().label("queue"),
            count_if(refunding).label("queue_refunds"),
            count_if(quality).label("queue_quality_refunds"),
            count_if(and_(d.action == "request_reason_change", quality_reason())).label(
                "queue_reason_changes"
            ),
            money_sum(d.amount).label("queue_amount"),
        )
        .select_from(current.join(cases, cases.c.id == d.case_id))
        .where(d.status == "pending", cases.c.completed_at.is_(None), *_scope_where(scope))
    )
    rec = conn.execute(stmt).mappings().one()
    return {k: (v or 0) for k, v in rec.items()}


def projected(window: Row, pending: Row, *, platforms: list[str]) -> Row:
    """The platform rates of ``window`` (a total row over the metric window) with the queue taken."""
    defs = definitions_for(platforms)
    after = dict(window)
    after["refunds"] = window["refunds"] + pending["queue_refunds"]
    after["quality_refunds"] = window["quality_refunds"] + pending["queue_quality_refunds"]
    out: Row = {}
    for key, definition in defs.metrics.items():
        if definition.numerator.measure in ("refunds", "quality_refunds"):
            out[key] = {"now": definition.value(window), "projected": definition.value(after)}
    return out
