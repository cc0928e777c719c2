"""Golden decisions for shared/examples/cases.jsonl: family, category, action and rule, per each `why`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from marketplace_returns.engine import default_playbook_for, evaluate, load_playbook
from marketplace_returns.models.case import Case
from marketplace_returns.models.decision import Decision
from steering_checks import Tally, check

GOLDEN = {
    # id: (family, category, action, rule, reason_change_to)
    "ex-1": ("non_quality", "size_fit", "request_reason_change", "reason-change", "七天无理由退换货"),
    "ex-2": ("quality", "defect", "offer_partial_refund", "minor-defect-partial", None),
    "ex-3": ("quality", "defect", "return_and_refund", "serious-defect-return", None),
    "ex-4": ("non_quality", "changed_mind", "request_reason_change", "reason-change-in-transit",
             "七天无理由退换货"),
    "ex-5": ("non_quality", "shipping_delay", "intercept", "in-transit-intercept", None),
    "ex-6": ("quality", "defect", "refund_without_return", "cheap-item-refund", None),
    "ex-7": ("non_quality", "ordered_by_mistake", "refund_without_return", "not-shipped-refund", None),
    "ex-8": ("quality", "not_as_described", "return_and_refund", "size-beyond-tolerance", None),
    "ex-9": ("quality", "defect", "repair", "repair-sole", None),
    "ex-10": ("quality", "defect", "request_evidence", "quality-no-evidence", None),
    "ex-11": ("quality", "defect", "return_and_refund", "serious-defect-return", None),
    "ex-12": ("non_quality", "size_fit", "exchange", "size-exchange", None),
    "ex-13": ("non_quality", "style_preference", "return_and_refund", "non-quality-return", None),
    "ex-14": ("quality", "not_as_described", "return_and_refund", "serious-defect-return", None),
    "ex-15": ("quality", "defect", "refund_without_return", "serious-defect-keep", None),
}
_playbook = cache(load_playbook)


def _examples(shared: Path) -> dict[str, tuple[dict[str, object], Decision]]:
    out = {}
    for line in (shared / "examples" / "cases.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            case = Case.model_validate(raw)
            out[case.refund_id] = (raw, evaluate(case, _playbook(default_playbook_for(case))))
    return out


@pytest.fixture(scope="module")
def decided(shared_dir: Path) -> dict[str, tuple[dict[str, object], Decision]]:
    return _examples(shared_dir)


def test_all_fifteen_examples_are_golden(decided: dict[str, tuple[dict[str, object], Decision]]) -> None:
    assert set(decided) == set(GOLDEN)


@pytest.mark.parametrize("refund_id", sorted(GOLDEN, key=lambda k: int(k.split("-")[1])))
def test_golden_decision(refund_id: str, decided: dict[str, tuple[dict[str, object], Decision]]) -> None:
    raw, d = decided[refund_id]
    family, category, action, rule, change_to = GOLDEN[refund_id]
    assert d.classification is not None and d.recommendation is not None and d.reply is not None
    got = (d.classification.family.value, d.classification.category.value, d.recommendation.action.value,
           d.rule, d.recommendation.reason_change_to)
    assert got == (family, category, action, rule, change_to), raw["why"]
    why = str(raw["why"]).lower()
    if "never steer" in why or "no reason change" in why:
        assert d.recommendation.action != "request_reason_change"
    assert d.reply.lang == ("zh" if raw["platform"] == "taobao" else "en")
    Decision.model_validate(d.model_dump())  # the decision is a valid contract object


def test_minor_defect_offer_is_below_the_shipping_it_replaces(
        decided: dict[str, tuple[dict[str, object], Decision]]) -> None:
    _, d = decided["ex-2"]
    assert d.recommendation is not None and d.money is not None
    assert d.recommendation.amount == 10 and d.money["return_leg"] == 12 and d.money["saved"] == 2
    fallbacks = [f.action.value for f in d.recommendation.fallbacks]
    assert fallbacks == ["offer_partial_refund", "return_and_refund"]
    assert d.recommendation.fallbacks[0].amount == 11


def test_reason_change_needs_a_rep(decided: dict[str, tuple[dict[str, object], Decision]]) -> None:
    for rid in ("ex-1", "ex-4"):
        _, d = decided[rid]
        assert d.needs_approval and not d.auto and d.penalising


def test_reason_changes_quote_the_buyer_or_the_case_and_no_quality_case_is_steered(
        decided: dict[str, tuple[dict[str, object], Decision]]) -> None:
    """The honest-steering checks of tests/test_steering_properties.py over the fifteen examples."""
    tally = Tally()
    for raw, d in decided.values():
        check(Case.model_validate(raw), d, tally)
    assert tally.cases == 15 and tally.problems == []
    assert tally.quality_steered == 0 and tally.ungrounded == []
    # ex-1 quotes the buyer's clause, ex-4 the shipping times (never the buyer's "不要了")
    assert (tally.steered, tally.steered_on_words, tally.steered_on_facts) == (2, 1, 1)
    _, ex1 = decided["ex-1"]
    assert ex1.recommendation is not None and ex1.reply is not None
    assert ex1.recommendation.reason_change_grounds == "尺码偏小穿不上"
    assert "您提到「尺码偏小穿不上」" in ex1.reply.text and "商品本身没有问题" not in ex1.reply.text
    _, ex4 = decided["ex-4"]
    assert ex4.reply is not None and "您提到" not in ex4.reply.text and "不要了" not in ex4.reply.text
