"""The sandbox's seeded traffic and fault plan: replayable, and covering what the brief asks for."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict
from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace_returns.models.vocabulary import Category
from marketplace_returns.profiles import load_profile
from marketplace_returns.sandbox.config import Credentials, build_state, default_shops
from marketplace_returns.sandbox.faults import KINDS, FaultPlan
from marketplace_returns.sandbox.records import SandboxRefund
from marketplace_returns.sandbox.traffic import TrafficGenerator
from sandbox_builders import T0

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def refunds() -> list[SandboxRefund]:
    return TrafficGenerator(11).generate(3000, default_shops(0), start=T0 - timedelta(days=3),
                                         spread=timedelta(days=3))


def test_same_seed_same_refunds_other_seed_others() -> None:
    shops = default_shops(0)
    a = [asdict(r) for r in TrafficGenerator(5).generate(60, shops, start=T0, spread=timedelta(hours=1))]
    b = [asdict(r) for r in TrafficGenerator(5).generate(60, shops, start=T0, spread=timedelta(hours=1))]
    c = [asdict(r) for r in TrafficGenerator(6).generate(60, shops, start=T0, spread=timedelta(hours=1))]
    assert a == b and a != c


def test_every_category_in_both_languages(refunds: list[SandboxRefund]) -> None:
    seen = {(r.lang, r.truth_category) for r in refunds}
    assert seen >= {(lang, c.value) for lang in ("zh", "en") for c in Category}
    assert all(CJK.search(r.message) for r in refunds if r.lang == "zh" and r.message)
    assert not any(CJK.search(r.message) for r in refunds if r.lang == "en")
    assert {r.platform for r in refunds} == {"taobao", "tmall", "shopify"}


def test_reasons_are_the_platforms_own(refunds: list[SandboxRefund]) -> None:
    known = {p: {x.text for x in load_profile(p).reasons} for p in ("taobao", "tmall", "shopify")}
    assert all(r.reason in known[r.platform] for r in refunds)


def test_the_hard_cases_are_there(refunds: list[SandboxRefund]) -> None:
    misfiled = [r for r in refunds
                if r.truth_family == "non_quality" and r.reason in ("质量问题", "DEFECTIVE")]
    empty = [r for r in refunds if not r.message]
    no_photo_dear = [r for r in refunds if r.truth_family == "quality" and r.photos == 0
                     and r.item_price > (400 if r.currency == "CNY" else 200)]
    over = [r for r in refunds if r.truth_category == "not_as_described" and (r.size_deviation_cm or 0) > 3]
    within = [r for r in refunds if r.truth_category == "size_fit" and r.size_deviation_cm is not None]
    assert misfiled and empty and no_photo_dear and over and within
    assert all(r.size_deviation_cm is not None and r.size_deviation_cm <= 3 for r in within)
    delay = [r for r in refunds if r.truth_category == "shipping_delay" and r.platform != "shopify"]
    late = [r for r in delay if (r.shipped_at or r.created) > r.ship_by]  # type: ignore[operator]
    assert late and len(late) < len(delay)  # some filed late although the promise held


def test_money_and_timeline_are_plausible(refunds: list[SandboxRefund]) -> None:
    for r in refunds:
        low, high, legs = (8, 300, (5, 15)) if r.currency == "USD" else (5, 800, (8, 20))
        assert Decimal(low) <= r.item_price <= Decimal(high)
        assert Decimal(0) < r.refund_amount <= r.item_price
        assert legs[0] <= r.return_shipping_cost <= legs[1]
        assert (r.shipped_at is None) == (r.goods_status == "not_shipped")
        assert r.shipped_at is None or r.shipped_at < r.created
        assert (r.delivered_at is not None) == (r.goods_status == "received")
        assert r.created.tzinfo is not None and r.deadline > r.created


def test_bursts_crowd_short_windows(refunds: list[SandboxRefund]) -> None:
    per_minute = Counter(r.created.replace(second=0) for r in refunds)
    uniform = len(refunds) / (3 * 24 * 60)
    assert max(per_minute.values()) > 10 * uniform


def test_ids_are_unique_and_numeric(refunds: list[SandboxRefund]) -> None:
    assert len({r.refund_id for r in refunds}) == len(refunds)
    assert all(r.refund_id.isdigit() and r.order_id.isdigit() for r in refunds)


def test_build_state_settles_old_history_and_keeps_given_credentials() -> None:
    state = build_state(seed=2, refunds=400, speed=0, start=T0, credentials=Credentials(app_key="11112222"))
    plain = build_state(seed=2, speed=0, start=T0)
    assert state.shops["demo-tb"].app_key == "11112222"
    assert state.shops["demo-tb"].app_secret == plain.shops["demo-tb"].app_secret
    statuses = Counter(r.status for r in state.refunds.values())
    assert statuses["WAIT_SELLER_AGREE"] and statuses["SUCCESS"]
    assert all(r.deadline > T0 for r in state.refunds.values() if r.status == "WAIT_SELLER_AGREE")
    assert state.advance() == {}  # nothing overdue at the start


def test_fault_plan_replays_for_a_seed() -> None:
    rates = {"5xx": 0.3, "throttle": 0.2}
    a, b = FaultPlan(rates, seed=9), FaultPlan(rates, seed=9)
    draws = [(a.draw("5xx"), a.draw("timeout"), a.draw("throttle")) for _ in range(200)]
    assert draws == [(b.draw("5xx"), b.draw("timeout"), b.draw("throttle")) for _ in range(200)]
    assert not any(t for _, t, _ in draws)
    hits = sum(x for x, _, _ in draws)
    assert 30 < hits < 90 and a.as_dict()["drawn"]["5xx"] == hits


def test_fault_plan_refuses_nonsense() -> None:
    plan = FaultPlan()
    with pytest.raises(ValueError):
        plan.update({"5xx": 1.5})
    with pytest.raises(ValueError):
        plan.update({"meteor": 0.1})
    plan.update(dict.fromkeys(KINDS, 1.0), seed=1, timeout_seconds=0.5)
    assert all(plan.draw(k) for k in KINDS) and plan.timeout_seconds == 0.5
