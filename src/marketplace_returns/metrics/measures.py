"""What is summed for each case: the per-case values and the measures made of them.

One place defines every measure as SQL over our columns (``case_values`` per case, ``measure_sums``
per group), so the breakdowns, the anomaly counts and the projections all count the same way. Values
are 0/1 flags and amounts per case; a measure is a sum of products of them, which keeps each sum one
multiplication per case instead of a nested CASE.

The current decision of a case is its row whose status is not ``superseded``; a reason change counts
when a request to re-file was accepted or edited by a rep (it is never automatic).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, case, func, or_, select, type_coerce
from sqlalchemy.sql.expression import ColumnElement, FromClause

from marketplace_returns.metrics.scope import Scope, table
from marketplace_returns.metrics.sqlfn import epoch_hours
from marketplace_returns.models.vocabulary import Family
from marketplace_returns.profiles import available_platforms, load_profile

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


def reason_changes() -> FromClause:
    """Per case: a reason change was requested and carried out; was the reason penalising then."""
    d = decisions
    return (
        select(
            d.c.case_id.label("case_id"),
            func.max(case((d.c.penalising, 1), else_=0)).label("was_penalising"),
            func.max(d.c.reason_change_to).label("asked"),
        )
        .where(d.c.reason_change_to.is_not(None), d.c.status.in_(("accepted", "edited")))
        .group_by(d.c.case_id)
        .subquery("rc")
    )


def scope_where(scope: Scope) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    for name, value in scope.filters().items():
        col = current.c[name] if name in ("category", "rule") else cases.c[name]
        out.append(col == value)
    return out


def _flag(cond: ColumnElement[bool]) -> ColumnElement[Any]:
    return case((cond, 1), else_=0)


def case_values(scope: Scope, now: datetime, rc: FromClause, decided: bool) -> list[ColumnElement[Any]]:
    """Per-case values, each computed once (timestamps are parsed once per row, not once per sum)."""
    c, d = cases.c, current.c
    missed = and_(
        c.deadline.is_not(None),
        or_(c.first_response_at > c.deadline, and_(c.first_response_at.is_(None), c.deadline < now)),
    )
    out: list[ColumnElement[Any]] = [
        _flag(and_(c.requested_at >= scope.start, c.requested_at < scope.end)).label("f_asked"),
        _flag(and_(c.completed_at >= scope.start, c.completed_at < scope.end)).label("f_done"),
        c.refund_amount.label("f_asked_amount"),
        c.refunded_amount.label("f_refunded_amount"),
        _flag(c.reason_penalises.is_not(None)).label("f_pen_now"),
        _flag(or_(c.reason_penalises.is_not(None), rc.c.was_penalising == 1)).label("f_pen_before"),
        _flag(rc.c.case_id.is_not(None)).label("f_rc"),
        _flag(and_(rc.c.case_id.is_not(None), c.reason == rc.c.asked)).label("f_rc_done"),
        _flag(c.first_response_at.is_not(None)).label("f_responded"),
        (epoch_hours(c.first_response_at) - epoch_hours(c.requested_at)).label("f_resp"),
        (epoch_hours(c.completed_at) - epoch_hours(c.requested_at)).label("f_took"),
        _ack_hours().label("f_ack"),
        _flag(c.deadline.is_not(None)).label("f_deadline"),
        _flag(missed).label("f_missed"),
        _flag(c.refunded_amount > 0).label("f_refunded"),
        _flag(and_(c.refunded_amount > 0, quality_reason())).label("f_quality_refund"),
        _flag(c.dispute).label("f_dispute"),
        _flag(and_(c.dispute, c.dispute_seller_fault)).label("f_fault"),
        _flag(c.completed_by == "seller").label("f_by_seller"),
    ]
    if decided:
        taken = d.status.in_(TAKEN)
        out += [
            _flag(d.family == Family.QUALITY.value).label("f_fam_quality"),
            case((and_(taken, d.action == "offer_partial_refund"), d.amount), else_=None).label("f_paid"),
            case((taken, d.shipping_saved), else_=None).label("f_saved"),
            _flag(d.status == "pending").label("f_pending"),
        ]
    return out


def measure_sums(f: FromClause, decided: bool) -> list[ColumnElement[Any]]:
    """The measures of a group, summed over the per-case values of ``case_values``."""
    v = f.c
    asked, done = v.f_asked, v.f_done  # 0/1: a product with them keeps a case in or out of a sum

    def total(expr: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(expr), 0)

    out: list[ColumnElement[Any]] = [
        total(asked).label("requests"),
        total(asked * v.f_asked_amount).label("requested_amount"),
        total(asked * v.f_pen_before).label("penalising_before"),
        total(asked * v.f_pen_now).label("penalising_after"),
        total(asked * v.f_rc).label("reason_change_requested"),
        total(asked * v.f_rc_done).label("reason_changed"),
        total(asked * v.f_responded).label("responded"),
        total(asked * v.f_resp).label("response_hours"),
        total(asked * _flag(v.f_resp <= v.f_ack)).label("responded_within_ack"),
        total(asked * v.f_deadline).label("with_deadline"),
        total(asked * v.f_missed).label("deadline_missed"),
        total(done).label("completed"),
        total(done * v.f_refunded).label("refunds"),
        total(done * v.f_refunded_amount).label("refunded_amount"),
        total(done * v.f_quality_refund).label("quality_refunds"),
        total(done * v.f_dispute).label("disputes"),
        total(done * v.f_fault).label("disputes_seller_fault"),
        total(done * v.f_by_seller).label("self_completed"),
        total(done * v.f_took).label("completion_hours"),
        total(done * _flag(v.f_took <= 48)).label("completed_within_48h"),
        total(done * _flag(and_(v.f_took > 48, v.f_took <= 120))).label("completed_48_120h"),
        total(done * _flag(v.f_took > 120)).label("completed_over_120h"),
    ]
    if decided:
        out += [
            total(asked * v.f_fam_quality).label("quality_classified"),
            total(asked * v.f_paid).label("compensation_paid"),
            total(asked * v.f_saved).label("shipping_saved"),
            total(asked * v.f_pending).label("pending"),
        ]
    return out


FLOATS = frozenset(
    {
        "requested_amount",
        "response_hours",
        "refunded_amount",
        "completion_hours",
        "compensation_paid",
        "shipping_saved",
    }
)


REQUEST_MEASURES = (
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
)
OUTCOME_MEASURES = (
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
DECISION_MEASURES = ("quality_classified", "compensation_paid", "shipping_saved", "pending")
MEASURES = (*REQUEST_MEASURES, *OUTCOME_MEASURES, *DECISION_MEASURES, "paid_orders", "signed_orders")
