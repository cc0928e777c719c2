"""Anomaly tests: exact tails against brute force, planted spikes fire, seeded noise does not."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace_returns.metrics.anomalies import detect, repeat_refunders
from marketplace_returns.metrics.scope import Scope, table
from marketplace_returns.metrics.stats import benjamini_hochberg, binom_sf, hypergeom_sf
from marketplace_returns.security.pii import mask_identifier
from metrics_builders import at, orders, pg_engine, shop, sqlite_engine

UNTIL = date(2026, 11, 29)  # recent window 11-22 .. 11-28, baseline 10-25 .. 11-21
SCOPE = Scope(since=UNTIL - timedelta(days=35), until=UNTIL, shop_id="s1")
QUALITY, OTHER = "质量问题", "七天无理由退换货"


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 80), p=st.floats(0.001, 0.999), k=st.integers(-1, 82))
def test_binomial_tail_matches_the_sum(n: int, p: float, k: int) -> None:
    exact = sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(max(k, 0), n + 1))
    assert binom_sf(k, n, p) == pytest.approx(exact, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_hypergeometric_tail_matches_the_sum(data: st.DataObject) -> None:
    m = data.draw(st.integers(1, 60))
    good = data.draw(st.integers(0, m))
    draws = data.draw(st.integers(0, m))
    k = data.draw(st.integers(0, draws + 1))
    exact = sum(math.comb(good, x) * math.comb(m - good, draws - x) for x in range(k, min(good, draws) + 1))
    assert hypergeom_sf(k, m, good, draws) == pytest.approx(exact / math.comb(m, draws), abs=1e-12)


def test_benjamini_hochberg_worked_example() -> None:
    # sorted 0.01, 0.03, 0.04, 0.5 against 0.0125, 0.025, 0.0375, 0.05: only the first passes
    rejected, adjusted = benjamini_hochberg([0.01, 0.04, 0.03, 0.5], q=0.05)
    assert rejected == [True, False, False, False]
    assert adjusted == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])


def _poisson(rnd: random.Random, lam: float) -> int:
    limit, k, prod = math.exp(-lam), 0, rnd.random()
    while prod > limit:
        k += 1
        prod *= rnd.random()
    return k


def _store(
    conn: sa.Connection, seed: int, *, hot: bool, quality_jump: bool, order_surge: float = 1.0
) -> None:
    """60 SKUs with their own daily refund rates and a 10 % quality share; optional planted spikes."""
    rnd = random.Random(seed)
    shop(conn)
    rows: list[dict[str, Any]] = []
    n = 0
    for s in range(60):
        lam = 2.0 if s == 1 else 0.3 + 1.2 * rnd.random()
        for d in range(35):
            day = SCOPE.since + timedelta(days=d)
            recent = day >= UNTIL - timedelta(days=7)
            rate = lam * (order_surge if recent else 1.0)
            q_share = 0.1
            if hot and s == 0 and recent:
                rate = lam * 6
            if quality_jump and s == 1 and recent:
                q_share = 0.8
            for _ in range(_poisson(rnd, rate)):
                n += 1
                rows.append(
                    {
                        "shop_id": "s1",
                        "platform": "taobao",
                        "refund_id": f"r{n}",
                        "order_id": f"o{n}",
                        "sku": f"SKU{s}",
                        "batch": f"SKU{s}-B{rnd.randrange(2)}",
                        "buyer_id": f"b{n}",
                        "reason": QUALITY if rnd.random() < q_share else OTHER,
                        "requested_at": at(day, rnd.random() * 23),
                        "dispute": False,
                        "dispute_seller_fault": False,
                    }
                )
    conn.execute(table("cases").insert(), rows)
    days = [(SCOPE.since + timedelta(days=d)).isoformat() for d in range(35)]
    orders(conn, "s1", days[:28], 1000, 900)
    orders(conn, "s1", days[28:], int(1000 * order_surge), int(900 * order_surge))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    eng = sqlite_engine(tmp_path)
    yield eng
    eng.dispose()


def test_planted_spikes_fire_and_nothing_else(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        _store(conn, seed=11, hot=True, quality_jump=True)
        flagged = detect(conn, SCOPE)
    by = {(a.unit, a.key, a.test): a for a in flagged}
    hot = by[("sku", "SKU0", "refund_rate")]
    assert hot.exposure == "orders" and hot.recent > hot.baseline / 4 * 2  # well above its own pace
    assert hot.ratio is not None and hot.ratio > 3 and hot.q_value <= 0.05 and hot.p_value < hot.q_value
    assert ("sku", "SKU1", "quality_share") in by
    q = by[("sku", "SKU1", "quality_share")]
    assert q.exposure == "refunds" and q.recent_rate > 0.5 > 0.25 > q.baseline_rate
    assert {key for _, key, _ in by} <= {"SKU0", "SKU1", "SKU0-B0", "SKU0-B1", "SKU1-B0", "SKU1-B1"}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_noise_does_not_fire(engine: sa.Engine, seed: int) -> None:
    with engine.begin() as conn:
        _store(conn, seed=seed, hot=False, quality_jump=False)
        assert detect(conn, SCOPE) == []


def test_a_shop_wide_order_surge_is_not_a_sku_anomaly(engine: sa.Engine) -> None:
    # every SKU refunds twice as often in the last week because the shop sold twice as much
    with engine.begin() as conn:
        _store(conn, seed=7, hot=False, quality_jump=False, order_surge=2.0)
        assert [a for a in detect(conn, SCOPE) if a.test == "refund_rate"] == []
        conn.execute(table("order_counts").delete())  # without order counts the test runs per day
        per_day = [a for a in detect(conn, SCOPE) if a.test == "refund_rate"]
    assert per_day and all(a.exposure == "days" for a in per_day)


def _refunders(conn: sa.Connection) -> None:
    shop(conn)
    rows = [
        *[
            {
                "refund_id": f"x{i}",
                "order_id": f"ox{i}",
                "buyer_id": "bX",
                "reason_penalises": "quality_refund_rate",
            }
            for i in range(4)
        ],
        *[
            {"refund_id": f"y{i}", "order_id": "oy", "buyer_id": "bY", "reason_penalises": None}
            for i in range(3)
        ],
        {"refund_id": "z", "order_id": "oz", "buyer_id": "bZ", "reason_penalises": None},
    ]
    for i, r in enumerate(rows):
        r.update(
            shop_id="s1",
            platform="taobao",
            requested_at=at("2026-11-20", i),
            refund_amount=10,
            dispute=False,
            dispute_seller_fault=False,
        )
    conn.execute(table("cases").insert(), rows)


def test_repeat_refunders_count_orders_not_requests(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        _refunders(conn)
        found = repeat_refunders(conn, SCOPE, min_orders=3)
    assert [(r.buyer_id, r.refunds, r.orders, r.penalising) for r in found] == [
        (mask_identifier("bX"), 4, 4, 4)
    ]
    assert found[0].amount == pytest.approx(40)


@pytest.mark.postgres
def test_spike_and_refunders_on_postgres(postgres_url: str) -> None:
    with pg_engine(postgres_url) as eng, eng.begin() as conn:
        _store(conn, seed=11, hot=True, quality_jump=False)
        assert ("SKU0", "refund_rate") in {(a.key, a.test) for a in detect(conn, SCOPE)}
        conn.execute(table("cases").delete())
        conn.execute(table("order_counts").delete())
        conn.execute(table("shops").delete())
        _refunders(conn)
        assert [r.buyer_id for r in repeat_refunders(conn, SCOPE)] == [mask_identifier("bX")]
