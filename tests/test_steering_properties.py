"""A reason change is requested only on the buyer's own words (issue 13, part 1).

Over generated cases (messages mixing quality and non-quality phrases in Chinese and English, with
negations, guesses and questions; reasons that penalise and reasons that do not; shipping facts on
time, late and unknown): no case with a quality cue or a quality family is steered; every reason
change rests on a clause of the message, verbatim, or on the case's shipping times, and the reply
quotes it; every sentence of a reply that attributes words to the buyer quotes text found in the
message. The shipped playbooks' cases files get the same checks; the golden examples get them in
tests/test_golden_examples.py.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace_returns.engine import evaluate, load_playbook
from marketplace_returns.engine.classifier import classify
from marketplace_returns.engine.context import (
    MAX_QUALITY_PROBABILITY,
    MAX_QUALITY_PROBABILITY_OVER_CUES,
    Context,
    _blocked,
    steering_blocked,
    steering_target,
)
from marketplace_returns.engine.money import money_facts
from marketplace_returns.engine.playbook_cases import load_cases
from marketplace_returns.engine.spans import clauses, quality_words, stated_reasons
from marketplace_returns.models.case import Case
from marketplace_returns.models.vocabulary import Action, Category
from marketplace_returns.profiles import load_profile
from marketplace_returns.resources import data_dir
from steering_checks import Tally, attributions, check

QUALITY_ZH = ["鞋跟磨脚", "里面有个钉子凸出来", "图片上是藏青色", "收到的是亮蓝色", "差别太大了",
              "领口有两个线头", "鞋底开胶了", "有一大块油渍", "色差严重", "发错货了", "少了一条腰带",
              "扣子掉了一颗", "这是假货", "拉链坏了", "有一股异味", "洗了一次就掉色", "破了个洞",
              "质量太差", "穿着脚疼", "鞋垫里有根针", "鞋面有褶皱", "按客服推荐的尺码买的", "左脚大右脚小",
              "面料太薄了", "有股甲醛味", "鞋底太硬硌脚"]
NONQ_ZH = ["买重复了", "拍重复了", "不喜欢这个颜色", "尺码偏小穿不上", "不想要了", "拍错了", "尺码偏大",
           "买大了", "不太喜欢", "降价了", "还没收到", "改主意了", "太小了", "不合身", "家里有了",
           "我不小心拍错了"]
NEG_ZH = ["不是尺码偏小", "不是不喜欢", "没有拍错", "怕尺码偏小", "是不是尺码偏小？", "衣服没有问题",
          "质量没问题", "不是质量问题", "没有破损", "并不是买重复了", "不知道是不是偏小"]
QUALITY_EN = ["There is a nail sticking out inside the shoe",
              "The photo shows navy, I received bright blue", "Zipper broke", "The seam ripped",
              "It has a stain", "Wrong item in the box", "A button is missing", "It smells",
              "The heel came off", "Fake", "Hurts my feet", "The colour is completely different",
              "There is a pin left in the collar", "The left shoe is bigger than the right",
              "I followed the size chart", "The fabric is see-through", "The sole has a bubble"]
NONQ_EN = ["I ordered the wrong size", "I changed my mind", "Too small", "Runs small",
           "I don't like the colour", "Not my style", "Ordered by mistake", "No longer need it",
           "Haven't received it yet", "Price dropped", "Too roomy, want a size down"]
NEG_EN = ["Not too small", "I didn't order the wrong size", "If it runs small", "Nothing wrong with it",
          "Not defective", "Is it too small?", "I'm afraid it runs small", "The quality is fine"]
SEPARATORS = ["，", "。", "、", " ", ", ", ". ", "! ", "\n", "；", "…"]
TAOBAO_REASONS = ["质量问题", "七天无理由退换货", "多拍/拍错/不想要", "未按约定时间发货",
                  "大小/尺寸与商品描述不符", "颜色/图案/款式与商品描述不符", "包装/商品破损/污渍",
                  "少件/漏发", "卖家发错货", "假冒品牌", "其他", "不喜欢/效果不好", "做工粗糙/有瑕疵",
                  "快递一直未送到", "随便写的"]
SHOPIFY_REASONS = ["DEFECTIVE", "SIZE_TOO_LARGE", "SIZE_TOO_SMALL", "COLOR", "UNWANTED", "WRONG_ITEM",
                   "NOT_AS_DESCRIBED", "OTHER", ""]
SHIP_BY = "2026-09-01T23:59:59+08:00"
SHIPPED = [None, "2026-09-01T10:00:00+08:00", "2026-08-30T18:30:00+08:00", "2026-09-03T09:00:00+08:00",
           "2026-09-01T16:00:00+00:00", "2026-08-31T12:00:00"]


@st.composite
def messages(draw: st.DrawFn) -> str:
    lang = draw(st.sampled_from(["zh", "en", "mixed"]))
    pool = {"zh": QUALITY_ZH + NONQ_ZH + NEG_ZH, "en": QUALITY_EN + NONQ_EN + NEG_EN}
    pool["mixed"] = pool["zh"] + pool["en"]
    parts = draw(st.lists(st.sampled_from(pool[lang]), max_size=4))
    out = ""
    for i, part in enumerate(parts):
        out += (draw(st.sampled_from(SEPARATORS)) if i else "") + part
    return out + draw(st.sampled_from(["", "。", ".", "!", " "]))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    platform = draw(st.sampled_from(["taobao", "taobao", "tmall", "shopify"]))
    zh = platform != "shopify"
    price = draw(st.decimals(min_value=Decimal(5), max_value=Decimal(900), places=2))
    raw: dict[str, Any] = {
        "refund_id": "s", "platform": platform,
        "category": draw(st.sampled_from(["apparel", "shoes", "home", None])),
        "currency": "CNY" if zh else "USD", "item_price": price,
        "reason": draw(st.sampled_from(TAOBAO_REASONS if zh else SHOPIFY_REASONS)),
        "message": draw(messages()),
        "photos": draw(st.one_of(st.none(), st.integers(0, 3))),
        "goods_status": draw(st.sampled_from([None, "in_transit", "received", "received", "not_shipped"])),
        "return_shipping_cost": draw(st.sampled_from([None, 8, 12, 30])),
        "ship_by": draw(st.sampled_from([SHIP_BY, SHIP_BY, None, "2026-09-01T20:00:00"])),
        "shipped_at": draw(st.sampled_from(SHIPPED)),
        "delivered_at": draw(st.sampled_from([None, "2026-09-03T14:00:00+08:00"])),
        "requested_at": draw(st.sampled_from([None, "2026-09-05T09:00:00+08:00"])),
        "size_deviation_cm": draw(st.sampled_from([None, None, 1.0, -2.5, 5.0])),
    }
    return Case.model_validate(raw)


_playbook = cache(load_playbook)
_GENERATED = Tally()


@settings(max_examples=10_000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(c=cases(), name=st.sampled_from(["apparel", "shoes"]))
def test_reason_changes_rest_on_the_buyers_words_or_the_case_facts(c: Case, name: str) -> None:
    problems, ungrounded = len(_GENERATED.problems), len(_GENERATED.ungrounded)
    d = evaluate(c, _playbook(name))
    check(c, d, _GENERATED)
    # independent of the engine's own word lists: a message holding a generated quality phrase
    assert d.recommendation is not None
    if any(q in (c.message or "") for q in QUALITY_ZH + QUALITY_EN):
        _GENERATED.with_quality_phrase += 1
        assert d.recommendation.action is not Action.REQUEST_REASON_CHANGE, c.message
    assert _GENERATED.problems[problems:] == []
    assert _GENERATED.ungrounded[ungrounded:] == []


def test_the_generated_run_covered_ten_thousand_cases_and_some_reason_changes() -> None:
    """Runs after the property (file order): it ran its 10,000 cases and steered some, not none."""
    if _GENERATED.cases == 0:
        pytest.skip("the property test did not run in this session (selected alone)")
    assert _GENERATED.cases >= 10_000
    assert _GENERATED.quality_cases > 1_000 and _GENERATED.quality_steered == 0
    assert _GENERATED.with_quality_phrase > 1_000
    assert _GENERATED.steered_on_words > 0 and _GENERATED.steered_on_facts > 0
    assert _GENERATED.attributions > 0 and _GENERATED.ungrounded == []


# ----- the two cases of the issue, and the conditions one by one ------------------------------------

BASE: dict[str, Any] = {
    "refund_id": "t", "platform": "taobao", "category": "shoes", "currency": "CNY", "item_price": 199,
    "photos": 0, "goods_status": "received", "wants_return": True, "return_shipping_cost": 12,
    "ship_by": SHIP_BY, "shipped_at": "2026-09-01T10:00:00+08:00",
    "delivered_at": "2026-09-03T14:00:00+08:00",
    "requested_at": "2026-09-05T09:00:00+08:00"}


def _case(**over: Any) -> Case:
    return Case.model_validate({**BASE, **over})


@pytest.mark.parametrize("message", ["鞋跟磨脚，里面有个钉子凸出来",
                         "图片上是藏青色，收到的是亮蓝色，差别太大了"])
@pytest.mark.parametrize("playbook", ["shoes", "apparel"])
def test_a_nail_in_the_shoe_and_a_wrong_shade_are_never_steered(message: str, playbook: str) -> None:
    c = _case(reason="质量问题", message=message)
    d = evaluate(c, _playbook(playbook), explain=True)
    assert d.recommendation is not None and d.reply is not None
    assert d.recommendation.action is not Action.REQUEST_REASON_CHANGE
    assert d.recommendation.reason_change_to is None and d.recommendation.reason_change_grounds is None
    assert "您提到" not in d.reply.text and "尺码不合适" not in d.reply.text
    assert "没有问题" not in d.reply.text
    assert quality_words(message)  # the span finder's own quality words see the nail and the shade
    assert stated_reasons(message) == ()  # and no clause states a non-quality reason
    # Refused as a quality case (the cue reader sees the nail and the shade) or for a quality word.
    assert d.trace is not None and any("honest steering: a quality" in s.detail for s in d.trace)


@pytest.mark.parametrize(("message", "quote", "target"), [
    ("尺码偏小穿不上，衣服没有问题", "尺码偏小穿不上", "七天无理由退换货"),
    ("不喜欢这个颜色", "不喜欢这个颜色", "七天无理由退换货"),
    ("质量没问题，就是不喜欢", "就是不喜欢", "七天无理由退换货"),
    ("  拍重复了，不要了！", "拍重复了", "多拍/拍错/不想要"),
    ("Nothing wrong with it. I changed my mind", "I changed my mind", "七天无理由退换货"),
    ("I ordered the wrong size.", "I ordered the wrong size", "七天无理由退换货"),
])
def test_the_reply_quotes_the_clause_the_buyer_wrote(message: str, quote: str, target: str) -> None:
    d = evaluate(_case(reason="质量问题", message=message, category="apparel"), _playbook("apparel"))
    assert d.recommendation is not None and d.reply is not None
    assert d.recommendation.action is Action.REQUEST_REASON_CHANGE
    assert d.recommendation.reason_change_to == target
    assert d.recommendation.reason_change_grounds == quote and quote in message
    if d.reply.lang == "zh":
        assert f"您提到「{quote}」" in d.reply.text
    else:
        assert f'You mentioned "{quote}"' in d.reply.text
    assert attributions(d.reply.text, message) == (1, [])


def test_a_late_shipment_reason_for_an_on_time_parcel_quotes_the_times_never_the_buyer() -> None:
    c = _case(reason="未按约定时间发货", message="还没收到，不要了", goods_status="in_transit",
              delivered_at=None)
    d = evaluate(c, _playbook("apparel"))
    assert d.recommendation is not None and d.reply is not None
    assert d.recommendation.action is Action.REQUEST_REASON_CHANGE
    assert d.recommendation.reason_change_grounds == (
        "shipped_at 2026-09-01T10:00:00+08:00 before ship_by 2026-09-01T23:59:59+08:00")
    assert "包裹在9月1日10:00发出，早于约定的最晚发货时间9月1日23:59" in d.reply.text
    assert "您提到" not in d.reply.text and "不要了" not in d.reply.text


@pytest.mark.parametrize("message", ["不是尺码偏小", "怕尺码偏小", "是不是尺码偏小？", "并不是买重复了",
                                     "I didn't order the wrong size", "If it runs small", "Is it too small?",
                                     "鞋跟磨脚", "尺码偏小，鞋底开胶了", "尺码偏小，和图片不一样",
                                     "尺码偏小" * 10, "七天无理由退货，尺码偏小的原因",
                                     "I changed my mind so refund me"])
def test_no_clause_no_reason_change(message: str) -> None:
    d = evaluate(_case(reason="质量问题", message=message, category="apparel"), _playbook("apparel"))
    assert d.recommendation is not None
    assert d.recommendation.action is not Action.REQUEST_REASON_CHANGE


def test_a_reason_that_does_not_penalise_is_never_asked_to_change() -> None:
    for reason in ("其他", "不喜欢/效果不好", "七天无理由退换货"):
        d = evaluate(_case(reason=reason, message="拍重复了，不想要了"), _playbook("apparel"))
        assert d.recommendation is not None and d.penalising is False
        assert d.recommendation.action is not Action.REQUEST_REASON_CHANGE


def _context(c: Case, **signals: Any) -> Context:
    profile = load_profile(c.platform)
    result = classify(c, profile, explain=False)
    result = result._replace(signals=result.signals._replace(**signals))
    pb = _playbook("apparel")
    return Context.build(c, result, profile, money_facts(c, pb.settings, profile.currency), pb.settings)


def test_the_learned_readers_probability_must_be_low_and_sure() -> None:
    c = _case(reason="质量问题", message="不喜欢这个颜色")
    assert steering_target(_context(c)) == "七天无理由退换货"
    # Where the reader decided the family, a low bar.
    low = MAX_QUALITY_PROBABILITY
    half = _context(c, quality_probability=low / 2, reader_decided=True)
    assert steering_target(half) == "七天无理由退换货"
    assert steering_target(_context(c, quality_probability=low, reader_decided=True)) is None
    assert steering_target(_context(c, quality_probability=0.9, reader_decided=True)) is None
    # Where a clear non-quality cue decided, the reader vetoes only when it is sure of quality.
    high = MAX_QUALITY_PROBABILITY_OVER_CUES
    assert steering_target(_context(c, quality_probability=low, reader_decided=False)) == "七天无理由退换货"
    assert steering_target(_context(c, quality_probability=high, reader_decided=False)) is None
    assert steering_target(_context(c, quality_probability=0.01, reader_unsure=True)) is None
    assert steering_target(_context(c, any_quality_cue=True)) is None


def test_clauses_are_verbatim_and_trimmed() -> None:
    message = "  尺码偏小 穿不上。It runs small, size 7.5 is too small!  "
    got = [message[a:b] for a, b in clauses(message)]
    assert got == ["尺码偏小", "穿不上", "It runs small", "size 7.5 is too small"]
    spans = stated_reasons(message)
    assert [s.text for s in spans] == got
    assert all(message[s.start:s.end] == s.text for s in spans)
    assert {s.category for s in spans} == {Category.SIZE_FIT}


def test_every_attribution_must_quote_the_message() -> None:
    assert attributions("您提到「买重复了」，这种情况...", "买重复了，不要了") == (1, [])
    assert attributions("您提到尺码不合适、商品本身没有问题，这种情况", "鞋跟磨脚")[1]
    assert attributions('You mentioned "too small"; the', "It is too small")[0] == 1
    assert attributions("You said the item is fine.", "It is fine")[1]
    assert attributions('You mentioned "you changed your mind"', "I changed my mind")[1]


# ----- the shipped playbooks' cases files ----------------------------------------------------------

CASE_FILES = sorted(Path(str(p)) for p in data_dir("playbooks").iterdir() if p.name.endswith(".cases.yaml"))


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.name)
def test_the_playbook_cases_files_steer_no_quality_case_and_attribute_nothing_ungrounded(path: Path) -> None:
    cases = load_cases(path)
    tally = Tally()
    for spec in cases.cases:
        c = Case.model_validate({"refund_id": spec.name, **cases.defaults, **spec.case})
        check(c, evaluate(c, _playbook(cases.playbook)), tally)
    assert tally.cases == len(cases.cases)
    assert tally.quality_steered == 0 and tally.ungrounded == [] and tally.problems == []
    assert tally.steered >= 1  # the files keep honest reason changes (words and facts)


@settings(max_examples=600, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(c=cases(), p=st.sampled_from([None, 0.01, 0.19, 0.2, 0.5, 0.89, 0.9, 0.99]), decided=st.booleans(),
       unsure=st.booleans(), cue=st.booleans())
def test_the_quick_blocked_test_agrees_with_steering_blocked(c: Case, p: float | None, decided: bool,
                                                             unsure: bool, cue: bool) -> None:
    """``_blocked`` (the cheap tests first, used to decide) answers as ``steering_blocked`` (named, for
    the trail) on the classifier's own signals and on the reader's and the cues' edge values."""
    for ctx in (_context(c), _context(c, quality_probability=p, reader_decided=decided, reader_unsure=unsure,
                                      any_quality_cue=cue)):
        assert _blocked(ctx) == (steering_blocked(ctx) is not None)
