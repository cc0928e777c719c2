"""Each rule family of the engine: money ladder, playbook load-time checks, overrides, honest steering."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from marketplace_returns.engine import evaluate, load_playbook
from marketplace_returns.engine import money as mo
from marketplace_returns.engine.playbook import candidate_rules, compiled_rules
from marketplace_returns.engine.playbook_models import Playbook, Settings
from marketplace_returns.errors import InputError, PlaybookError
from marketplace_returns.models.case import Case, GoodsStatus
from marketplace_returns.models.vocabulary import Action, Category, Family

BASE: dict[str, Any] = {
    "refund_id": "t-1", "platform": "taobao", "category": "apparel", "currency": "CNY", "item_price": 129,
    "reason": "其他", "photos": 1, "goods_status": "received", "return_shipping_cost": 12,
    "forward_shipping_cost": 12, "ship_by": "2026-09-01T23:59:59+08:00",
    "shipped_at": "2026-09-01T10:00:00+08:00", "delivered_at": "2026-09-03T14:00:00+08:00",
    "requested_at": "2026-09-05T09:00:00+08:00",
}


def case(**kw: Any) -> Case:
    return Case.model_validate({**BASE, **kw})


def facts(price: str, rl: str, fl: str, currency: str = "CNY", asked: str | None = None) -> mo.MoneyFacts:
    return mo.MoneyFacts(currency=currency, price=Decimal(price), asked=Decimal(asked or price),
                         return_leg=Decimal(rl), forward_leg=Decimal(fl))


# ----- money ladder ----------------------------------------------------------------------------------

def test_seed_ladder_return_leg_12_offers_10_then_11() -> None:
    assert mo.partial_refund_ladder(facts("129", "12", "12"), Settings(), "return") == [10, 11]


def test_seed_ladder_exchange_24_offers_20_then_23() -> None:
    assert mo.partial_refund_ladder(facts("129", "12", "12"), Settings(), "exchange") == [20, 23]


def test_usd_rounds_to_cents_and_stays_below_the_leg() -> None:
    ladder = mo.partial_refund_ladder(facts("60", "8", "6.5", "USD"), Settings(), "return")
    assert ladder == [Decimal("6.72"), Decimal("7.00")]
    assert all(x < 8 for x in ladder)


def test_offer_never_above_price_asked_or_goodwill_cap() -> None:
    # 60 % floor: a 20-yuan item can be discounted by at most 8
    assert mo.partial_refund_ladder(facts("20", "12", "12"), Settings(), "return") == [8]
    # the buyer asks only 5 back
    assert mo.partial_refund_ladder(facts("129", "12", "12", asked="5"), Settings(), "return") == [5]
    # nothing fits: legs of 1 with a gap of 1
    assert mo.partial_refund_ladder(facts("129", "1", "1"), Settings(), "return") == []


def test_depreciation_half_percent_a_day_after_thirty_days() -> None:
    m = facts("100", "8", "8", "USD")
    assert mo.depreciation(m, Settings(), 30) == 0
    assert mo.depreciation(m, Settings(), 40) == Decimal("5.00")
    assert mo.depreciation(m, Settings(), 400) == Decimal("40.00")  # never below the 60 % floor


# ----- playbook loading ------------------------------------------------------------------------------

GOOD = """
name: t
rules:
  - id: quality
    when:
      - {type: family_is, value: quality}
    then: {type: return_and_refund}
  - id: rest
    when: []
    then: {type: escalate}
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_good_playbook_loads_from_a_path(tmp_path: Path) -> None:
    pb = load_playbook(write(tmp_path, GOOD))
    assert [r.id for r in pb.ordered_rules()] == ["quality", "rest"]


@pytest.mark.parametrize(("text", "needle", "rule", "line"), [
    (GOOD.replace("family_is, value: quality", "field_equals, path: signals.severty, value: minor"),
     "did you mean 'signals.severity'", "quality", 6),
    (GOOD.replace("{type: family_is, value: quality}", "{type: price_below, than: settings.return_leg}"),
     "did you mean 'settings.return_leg_default'", "quality", 6),
    (GOOD.replace("id: rest", "id: quality"), "duplicate rule id", "quality", 8),
    (GOOD.replace("    when:\n      - {type: family_is, value: quality}\n", "    when: []\n"),
     "catch-all rule shadows", "quality", 5),
    (GOOD.replace("then: {type: return_and_refund}", "then: {type: request_reason_change}\n    auto: true"),
     "never automatic", "quality", 8),
    (GOOD.replace("then: {type: return_and_refund}", "then: {type: return_and_refund, payer: buyer}"),
     "Extra inputs are not permitted", "quality", 7),
    (GOOD.replace("family_is", "famly_is"), "does not match any of the expected tags", "quality", 6),
    (GOOD.replace("    when: []\n    then: {type: escalate}",
                  "    when:\n      - {type: family_is, value: quality}\n    then: {type: escalate}"),
     "same conditions as rule 'quality'", "rest", 9),
])
def test_broken_playbook_names_file_rule_path_and_line(tmp_path: Path, text: str, needle: str, rule: str,
                                                       line: int) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PlaybookError) as info:
        load_playbook(path)
    err = info.value
    assert needle in str(err)
    assert err.file == path and err.rule == rule and err.line == line
    assert f"rule {rule}" in str(err)


def test_last_rule_must_be_a_catch_all(tmp_path: Path) -> None:
    text = GOOD.replace("    when: []\n    then: {type: escalate}",
                        "    when:\n      - {type: family_is, value: non_quality}\n"
                        "    then: {type: escalate}")
    with pytest.raises(PlaybookError, match="catch-all"):
        load_playbook(write(tmp_path, text))


def test_unknown_playbook_name_lists_the_shipped_ones() -> None:
    with pytest.raises(PlaybookError, match="apparel"):
        load_playbook("aparel")


def test_priority_reorders_rules(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: rest\n", "  - id: first\n    priority: 1\n    when:\n"
                        "      - {type: goods_status_is, value: received}\n    then: {type: refuse}\n"
                        "  - id: rest\n")
    pb = load_playbook(write(tmp_path, text))
    assert [r.id for r in pb.ordered_rules()] == ["first", "quality", "rest"]


# ----- per-shop overrides ----------------------------------------------------------------------------

def test_overrides_change_amounts_without_touching_rules() -> None:
    base = load_playbook("apparel")
    shop = load_playbook("apparel", overrides={"evidence_threshold": 1000, "return_leg_default": 20})
    assert shop.settings.evidence_threshold == 1000 and shop.settings.return_leg_default == 20
    assert [r.id for r in shop.rules] == [r.id for r in base.rules]
    expensive = case(reason="质量问题", message="", photos=0, item_price=699, category="electronics")
    assert evaluate(expensive, base).rule == "quality-no-evidence"
    assert evaluate(expensive, shop).rule != "quality-no-evidence"


def test_bad_override_is_named_with_a_hint() -> None:
    with pytest.raises(PlaybookError, match="did you mean 'evidence_threshold'") as info:
        load_playbook("apparel", overrides={"evidence_treshold": 10})
    assert info.value.path == "overrides.evidence_treshold"
    with pytest.raises(PlaybookError, match=r"overrides\.goodwill_floor"):
        load_playbook("apparel", overrides={"goodwill_floor": 2})


def test_schema_is_exported() -> None:
    schema = Playbook.model_json_schema()
    assert schema["additionalProperties"] is False
    assert "price_below" in str(schema) and "request_reason_change" in str(schema)


# ----- honest steering in code, whatever the playbook says ------------------------------------------

STEER_ALL = """
name: steer-all
rules:
  - id: always-steer
    when:
      - {type: reason_penalises}
    then: {type: request_reason_change}
  - id: refuse-everything
    when:
      - {type: family_is, value: non_quality}
    then: {type: refuse}
  - id: rest
    when: []
    then: {type: escalate}
"""


def test_a_quality_case_is_never_steered_even_by_a_careless_playbook(tmp_path: Path) -> None:
    pb = load_playbook(write(tmp_path, STEER_ALL))
    d = evaluate(case(reason="质量问题", message="领口开线了"), pb, explain=True)
    assert d.recommendation is not None
    assert d.recommendation.action != "request_reason_change" and d.recommendation.reason_change_to is None
    assert d.rule == "rest"
    assert d.trace is not None and any(s.step == "guard" and "honest steering" in s.detail for s in d.trace)


def test_the_seven_day_no_reason_return_is_never_refused(tmp_path: Path) -> None:
    pb = load_playbook(write(tmp_path, STEER_ALL))
    d = evaluate(case(reason="七天无理由退换货", message="不喜欢"), pb)
    assert d.recommendation is not None and d.recommendation.action != "refuse"
    # on Shopify there is no such law: the careless playbook's refusal stands
    d2 = evaluate(case(platform="shopify", currency="USD", reason="UNWANTED", message="Changed my mind."), pb)
    assert d2.recommendation is not None and d2.recommendation.action == "refuse"


def test_late_shipment_reason_is_accurate_when_shipped_late() -> None:
    pb = load_playbook("apparel")
    d = evaluate(case(reason="未按约定时间发货", message="还没收到，不要了", goods_status="in_transit",
                      shipped_at="2026-09-04T09:00:00+08:00"), pb)
    assert d.recommendation is not None and d.recommendation.action == "intercept"
    assert d.money is not None and d.money["late_shipment_compensation"] == Decimal("6.45")  # 5 % of 129


def test_unknown_platform_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        evaluate(case(platform="mars"), load_playbook("apparel"))
    assert info.value.field == "platform"


def test_explain_lists_rules_tried_and_the_match() -> None:
    d = evaluate(case(reason="质量问题", message="领口有两个线头"), load_playbook("apparel"), explain=True)
    assert d.trace is not None
    steps = [s.step for s in d.trace]
    assert steps[:4] == ["words", "reason_prior", "facts", "combine"]
    assert steps[-1] == "match" and d.trace[-1].detail == "minor-defect-partial"
    assert any(s.detail.startswith("not-shipped-refund: not goods_status_is") for s in d.trace)
    assert evaluate(case(), load_playbook("apparel")).trace is None


# ----- what a refusal tells the buyer ----------------------------------------------------------------

PAST_WINDOW = {"delivered_at": "2026-07-01T10:00:00+08:00", "requested_at": "2026-09-06T10:00:00+08:00"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refusal_gives_the_buyer_the_rules_buyer_reason_never_the_reps_rationale(lang: str) -> None:
    pb = load_playbook("apparel")
    rule = next(r for r in pb.rules if r.id == "past-return-window")
    assert rule.buyer_reason is not None
    c = (case(reason="其他", message="不想要了", **PAST_WINDOW) if lang == "zh" else
         case(platform="shopify", currency="USD", reason="UNWANTED", message="Changed my mind about it.",
              **PAST_WINDOW))
    d = evaluate(c, pb)
    assert d.rule == "past-return-window" and d.recommendation is not None
    assert d.recommendation.action == "refuse"
    assert d.reply is not None
    assert (rule.buyer_reason.zh if lang == "zh" else rule.buyer_reason.en) in d.reply.text
    assert rule.description not in d.reply.text and "non-quality" not in d.reply.text
    assert rule.description in (d.recommendation.rationale or "")  # the rep still reads why
    if lang == "zh":  # a Chinese buyer gets no English sentence
        assert not any("a" <= ch.lower() <= "z" for ch in d.reply.text), d.reply.text


def test_a_refusal_without_a_buyer_reason_says_only_that_it_cannot_accept(tmp_path: Path) -> None:
    pb = load_playbook(write(tmp_path, STEER_ALL))  # its refuse rule names no buyer_reason
    d = evaluate(case(platform="shopify", currency="USD", reason="UNWANTED", message="Changed my mind."), pb)
    assert d.reply is not None and d.recommendation is not None and d.recommendation.action == "refuse"
    assert d.reply.text.count("We cannot accept this request as it stands. If there is more to it") == 1


# ----- the walk's candidate rules ---------------------------------------------------------------------

def test_candidate_rules_leave_out_only_rules_a_case_cannot_pass() -> None:
    pb = load_playbook("apparel")
    every = [r.rule.id for r in compiled_rules(pb)]
    got = [r.rule.id for r in candidate_rules(pb, Family.NON_QUALITY, Category.SIZE_FIT,
                                              GoodsStatus.RECEIVED)]
    assert got == [i for i in every if i in got]  # the playbook's order, kept
    assert got[-1] == every[-1]  # the catch-all is always there
    assert "size-exchange" in got and "reason-change" in got  # category_in size_fit; no top-level filter
    assert "quality-return" not in got  # family_is quality
    assert "not-shipped-refund" not in got and "in-transit-intercept" not in got  # goods_status_is
    assert "late-shipment-return" not in got  # category_in shipping_delay
    shipped = [r.rule.id for r in candidate_rules(pb, Family.QUALITY, Category.DEFECT,
                                                  GoodsStatus.NOT_SHIPPED)]
    assert shipped[0] == "not-shipped-refund" and "quality-return" in shipped
    assert [r.rule.id for r in candidate_rules(pb, Family.QUALITY, Category.DEFECT, None)][-1] == every[-1]


def test_candidate_rules_match_without_only_the_conditions_their_key_decides() -> None:
    pb = load_playbook("apparel")
    full = {r.rule.id: r for r in compiled_rules(pb)}
    got = {r.rule.id: r for r in candidate_rules(pb, Family.QUALITY, Category.DEFECT, GoodsStatus.RECEIVED)}
    assert got["serious-defect-keep"].checks == full["serious-defect-keep"].checks  # --explain keeps all
    assert got["quality-return"].matches is not full["quality-return"].matches  # family_is only: decided
    assert got["cheap-item-refund"] is full["cheap-item-refund"]  # no condition the key decides
    c = case(message="领口有两个线头", reason="质量问题")
    d = evaluate(c, pb)
    assert d.rule == evaluate(c, pb, explain=True).rule


@pytest.mark.parametrize("kw", [
    {"reason": "质量问题", "message": "领口有两个线头"},
    {"reason": "七天无理由退换货", "message": "尺码偏小穿不上", "goods_status": "in_transit"},
    {"reason": "质量问题", "message": "尺码偏小，质量没问题"},
    {"reason": "未按约定时间发货", "message": "", "goods_status": "not_shipped", "shipped_at": None},
    {"reason": "其他", "message": "颜色和图片差太多", "delivered_at": "2026-07-01T10:00:00+08:00"},
    {"platform": "shopify", "currency": "USD", "reason": "SIZE_TOO_SMALL", "message": "Too small.",
     "size_deviation_cm": 5},
])
def test_the_walk_over_candidates_picks_the_rule_the_full_walk_picks(kw: dict[str, Any]) -> None:
    for name in ("apparel", "shoes"):
        pb = load_playbook(name)
        quick, explained = evaluate(case(**kw), pb), evaluate(case(**kw), pb, explain=True)
        assert explained.trace is not None and explained.trace[-1].detail == quick.rule
        assert quick.model_dump(exclude={"trace"}) == explained.model_dump(exclude={"trace"})


@pytest.mark.parametrize(("kw", "said", "unsaid"), [
    ({"reason": "七天无理由退换货", "message": "考虑了一下还是算了", "goods_status": "not_shipped",
      "shipped_at": None}, "还没有发货", "寄回"),
    ({"platform": "shopify", "currency": "USD", "reason": "UNWANTED", "message": "Changed my mind.",
      "goods_status": "not_shipped", "shipped_at": None}, "has not shipped yet", "send it back"),
])
def test_a_refund_before_shipment_says_nothing_was_sent(kw: dict[str, Any], said: str, unsaid: str) -> None:
    decision = evaluate(case(**kw), load_playbook("apparel"))
    assert decision.recommendation.action is Action.REFUND_WITHOUT_RETURN
    assert said in decision.reply.text and unsaid not in decision.reply.text
