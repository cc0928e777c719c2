"""Metric queries on a small hand-made store (tests/metrics_builders.py: hand_store), SQLite and PostgreSQL.

Worked by hand for shop s1, period 2026-11-01 .. 2026-11-10 (until 11-11 excluded), now = 11-11:

* requests: c1..c6 (c7 was requested 10-30, c8 is shop s2) = 6; asked amounts 100+30+50+40+60+70 = 350
* completed in the period: c1 (11-02), c2 (11-04), c3 (11-09), c7 (11-01) = 4
* successful refunds (refunded_amount > 0): c1, c2, c3 = 3 (c7 closed with 0); refunded 100+10+50+0 = 160
* quality refunds (reason penalises quality_refund_rate): c1 质量问题, c2 做工粗糙/有瑕疵 = 2
* disputes: c3 (platform ruled the seller at fault) = 1; completed by the seller: c1, c2, c7 = 3
* completion hours: c1 24 + c2 48 + c3 144 + c7 60 = 276 → 退款完结时长 276 / 4 = 69 h;
  buckets ≤48 h: c1, c2; 48–120 h: c7; >120 h: c3
* responses: c1 2 h, c2 30 h, c3 1 h → 33 / 3 = 11 h; within the 24 h acknowledge deadline: c1, c3 = 2
* deadlines: c1 (met), c4 (11-05, no response by now: missed), c5 (11-20, not yet) → 3, 1 missed
* penalising before: c1, c2, c5, c6 (reason penalises now) + c4 (accepted reason-change on a
  penalising reason) = 5; after: c1, c2, c5, c6 = 4; reason-change requested (accepted) 1, honoured 1
* engine family quality among current decisions: c1, c2, c5 = 3 (c6's current version says size)
* compensation paid: c2's partial refund 10 (edited = taken); shipping avoided 12; pending: c5, c6 = 2
* orders: 10 days × 100 paid = 1000, × 80 signed = 800
  → 退款率 3/1000 = 0.3 %, 品质退款率 2/800 = 0.25 %, 纠纷退款率 1/1000 = 0.1 %, 退款自主完结率 3/4
* queue (pending on open cases): c5 refund_without_return under a quality reason, c6 a reason change
  → 2 more refunds, 1 more quality refund → projected 退款率 5/1000, 品质退款率 3/800
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace_returns.metrics import queries, reviews
from marketplace_returns.metrics.report import build_report
from marketplace_returns.metrics.scope import Scope
from metrics_builders import at, hand_store, pg_engine, sqlite_engine

NOW = at("2026-11-11")
S1 = Scope(since=date(2026, 11, 1), until=date(2026, 11, 11), shop_id="s1")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def conn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Connection]:
    if request.param == "sqlite":
        engine = sqlite_engine(tmp_path)
        with engine.begin() as c:
            hand_store(c)
        with engine.connect() as c:
            yield c
        engine.dispose()
    else:
        url = request.getfixturevalue("postgres_url")
        with pg_engine(url) as engine:
            with engine.begin() as c:
                hand_store(c)
            with engine.connect() as c:
                yield c


def test_totals_worked_by_hand(conn: sa.Connection) -> None:
    (t,) = queries.breakdown(conn, S1, "total", now=NOW)
    assert (t["requests"], t["completed"], t["refunds"], t["quality_refunds"]) == (6, 4, 3, 2)
    assert t["requested_amount"] == pytest.approx(350) and t["refunded_amount"] == pytest.approx(160)
    assert (t["disputes"], t["disputes_seller_fault"], t["self_completed"]) == (1, 1, 3)
    assert t["completion_hours"] == pytest.approx(276, abs=1e-3)
    assert (t["completed_within_48h"], t["completed_48_120h"], t["completed_over_120h"]) == (2, 1, 1)
    assert t["responded"] == 3 and t["response_hours"] == pytest.approx(33, abs=1e-3)
    assert t["first_response_hours"] == pytest.approx(11, abs=1e-3)
    assert t["responded_within_ack"] == 2
    assert (t["with_deadline"], t["deadline_missed"]) == (3, 1)
    assert (t["penalising_before"], t["penalising_after"]) == (5, 4)
    assert (t["reason_change_requested"], t["reason_changed"]) == (1, 1)
    assert t["quality_classified"] == 3
    assert t["compensation_paid"] == pytest.approx(10) and t["shipping_saved"] == pytest.approx(12)
    assert t["pending"] == 2
    assert (t["paid_orders"], t["signed_orders"]) == (1000, 800)


def test_platform_rates_follow_the_taobao_definitions(conn: sa.Connection) -> None:
    (t,) = queries.breakdown(conn, S1, "total", now=NOW, platforms=["taobao"])
    assert t["refund_rate"] == pytest.approx(0.003)
    assert t["quality_refund_rate"] == pytest.approx(0.0025)
    assert t["dispute_refund_rate"] == pytest.approx(0.001)
    assert t["self_completion_rate"] == pytest.approx(0.75)
    assert t["completion_time"] == pytest.approx(69, abs=1e-3)
    assert t["penalising_share_before"] == pytest.approx(5 / 6)
    assert t["penalising_share_after"] == pytest.approx(4 / 6)


def test_breakdowns_by_sku_reason_rule_and_day(conn: sa.Connection) -> None:
    found = queries.breakdowns(conn, S1, ["sku", "reason", "rule", "day"], now=NOW)
    sku = {r["key"]: r for r in found["sku"]}
    assert {k: (r["requests"], r["refunds"], r["quality_refunds"]) for k, r in sku.items()} == {
        "A": (2, 2, 2),
        "B": (2, 1, 0),
        "C": (2, 0, 0),
        "(none)": (0, 0, 0),
    }
    assert sku["(none)"]["completed"] == 1  # c7 has no SKU
    assert sku["A"]["refund_rate"] == pytest.approx(2 / 1000)  # share of the shop's orders
    assert sku["A"]["orders_of"] == "scope"
    reason = {r["key"]: r["requests"] for r in found["reason"]}
    assert reason == {"质量问题": 3, "做工粗糙/有瑕疵": 1, "七天无理由退换货": 2, "多拍/拍错/不想要": 0}
    rule = {r["key"]: (r["requests"], r["refunds"]) for r in found["rule"]}
    # rules come from the current decisions; c7 has none (it only completed in the period)
    assert rule == {
        "r_defect": (2, 1),
        "r_minor": (1, 1),
        "r_nq": (1, 1),
        "r_steer": (2, 0),
        "(none)": (0, 0),
    }
    day = {r["key"]: r for r in found["day"]}
    assert (day["2026-11-01"]["requests"], day["2026-11-01"]["completed"], day["2026-11-01"]["refunds"]) == (
        1,
        1,
        0,
    )
    assert day["2026-11-02"]["refunds"] == 1 and day["2026-11-02"]["refund_rate"] == pytest.approx(0.01)
    assert day["2026-11-09"]["disputes"] == 1
    assert all("2026-11-01" <= k < "2026-11-11" for k in day)


def test_shop_and_platform_scope(conn: sa.Connection) -> None:
    everyone = Scope(since=S1.since, until=S1.until)
    plat = {r["key"]: r for r in queries.breakdown(conn, everyone, "platform", now=NOW)}
    assert plat["taobao"]["requests"] == 6 and plat["shopify"]["requests"] == 1
    assert plat["shopify"]["quality_refunds"] == 1  # DEFECTIVE is a quality-family ReturnReason
    assert plat["shopify"]["refund_rate"] is None  # no order counts for s2: no rate, not zero
    assert plat["taobao"]["refund_rate"] == pytest.approx(0.003)
    filtered = queries.breakdown(
        conn, Scope(since=S1.since, until=S1.until, rule="r_defect"), "total", now=NOW
    )
    assert filtered[0]["requests"] == 2


def test_acceptance_per_rule_and_rep(conn: sa.Connection) -> None:
    rule = {r["key"]: r for r in reviews.acceptance(conn, S1, "rule")}
    assert (rule["r_defect"]["decisions"], rule["r_defect"]["accepted"], rule["r_defect"]["pending"]) == (
        2,
        1,
        1,
    )
    assert rule["r_defect"]["acceptance_rate"] == pytest.approx(1.0)
    assert rule["r_minor"]["acceptance_rate"] == 0 and rule["r_minor"]["taken_rate"] == pytest.approx(1.0)
    assert rule["r_nq"]["taken_rate"] == 0
    rep = {r["key"]: r for r in reviews.acceptance(conn, S1, "rep")}
    assert set(rep) == {"amy", "bob"}
    assert rep["amy"]["reviewed"] == 3 and rep["amy"]["acceptance_rate"] == pytest.approx(2 / 3)


def test_queue_projection_and_standing(conn: sa.Connection) -> None:
    q = reviews.queue(conn, S1)
    assert (q["queue"], q["queue_refunds"], q["queue_quality_refunds"], q["queue_reason_changes"]) == (
        2,
        2,
        1,
        1,
    )
    report = build_report(
        conn,
        S1,
        now=NOW,
        thresholds={"refund_rate": 0.004, "quality_refund_rate": 0.003, "self_completion_rate": 0.9},
    )
    standing = {s.key: s for s in report.standing}
    assert standing["refund_rate"].value == pytest.approx(0.003)
    assert standing["refund_rate"].status == "ok"
    assert standing["refund_rate"].projected == pytest.approx(0.005)
    assert standing["refund_rate"].projected_status == "breached"
    assert standing["quality_refund_rate"].projected == pytest.approx(3 / 800)
    assert standing["self_completion_rate"].status == "breached"  # 0.75 < 0.9, higher is better
    assert standing["dispute_refund_rate"].status == "no threshold"
    assert standing["refund_rate"].name == "退款率"


def test_window_from_daily_rows_equals_a_direct_query(conn: sa.Connection) -> None:
    # a 41-day period holds the 30-day metric window: the standing is summed from the daily rows
    long = Scope(since=date(2026, 10, 1), until=date(2026, 11, 11), shop_id="s1")
    report = build_report(conn, long, now=NOW)
    (direct,) = queries.breakdown(
        conn,
        Scope(since=date(2026, 10, 12), until=date(2026, 11, 11), shop_id="s1"),
        "total",
        now=NOW,
        platforms=["taobao"],
    )
    standing = {s.key: s.value for s in report.standing}
    for key in (
        "refund_rate",
        "quality_refund_rate",
        "dispute_refund_rate",
        "self_completion_rate",
        "completion_time",
    ):
        assert standing[key] == pytest.approx(direct[key]), key
    assert standing["refund_rate"] == pytest.approx(0.003)


def test_every_day_of_the_period_has_a_row(conn: sa.Connection) -> None:
    days = queries.breakdown(conn, S1, "day", now=NOW)
    assert [r["key"] for r in days] == [f"2026-11-{d:02d}" for d in range(1, 11)]
    quiet = {r["key"]: r for r in days}["2026-11-07"]  # nothing requested or completed that day
    assert (quiet["requests"], quiet["refunds"], quiet["paid_orders"]) == (0, 0, 100)


def test_acceptance_without_case_filters_reads_decisions_alone(conn: sa.Connection) -> None:
    everyone = Scope(since=S1.since, until=S1.until)
    assert reviews.acceptance(conn, everyone, "rule") == reviews.acceptance(conn, S1, "rule")
    only_rule = reviews.acceptance(conn, Scope(since=S1.since, until=S1.until, rule="r_defect"), "rep")
    assert [(r["key"], r["accepted"]) for r in only_rule] == [("amy", 1)]
