"""The honest-steering guardrail: what it blocks, what it lets through, and every reply template."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from marketplace_returns.engine.guardrail import check_outgoing, find_violation
from marketplace_returns.engine.replies import TEMPLATES, ReplyFacts, plan_key, render
from marketplace_returns.errors import GuardrailViolation
from marketplace_returns.models.vocabulary import Action, Category, Family

BLOCKED = [
    ("麻烦您把原因改成七天无理由，我们给您补偿10元", "money_for_reason"),
    ("改成不喜欢的原因就给您多退5元运费", "money_for_reason"),
    ("好评返现5元哦", "money_for_review"),
    ("亲，给个五星好评吧", "asks_for_review"),
    ("麻烦删除差评，我们马上退款", "money_for_review"),  # a benefit tied to removing it
    ("请不要给差评", "keeps_from_review"),
    ("您撤销投诉后我们马上退款", "withdraw_complaint"),
    ("确认收货后返您10元红包", "money_for_receipt"),
    ("Change the reason to 'changed my mind' and we'll refund the shipping.", "money_for_reason"),
    ("We will send a $5 credit if you switch the return reason.", "money_for_reason"),
    ("Leave us a five-star review and get a refund.", "money_for_review"),
    ("Leave us a five-star review!", "asks_for_review"),
    ("We'll give you a coupon for a positive review", "money_for_review"),
    ("Please remove your review and we will refund you.", "money_for_review"),
    ("Could you remove your review, please?", "keeps_from_review"),
    ("Please don't leave a negative review.", "keeps_from_review"),
    ("Withdraw your complaint and the refund is yours.", "withdraw_complaint"),
    ("Confirm receipt first and we send the cash back.", "money_for_receipt"),
]
ALLOWED = [
    "您好，看到您反映的问题，造成这样我们非常抱歉。请您把商品寄回，退货运费由我们承担。",
    "您提到尺码不合适，这种情况对应的申请原因是「七天无理由退换货」。原因由您自己决定，"
    "选与不选，我们都会按您的申请处理。",
    "We will refund $12.00 by Sep 8 once the parcel arrives.",
    "You mentioned the size does not fit; the matching return reason is \"SIZE_TOO_SMALL\".",
]


@pytest.mark.parametrize(("text", "rule"), BLOCKED)
def test_blocks_money_tied_to_reason_review_complaint_or_receipt(text: str, rule: str) -> None:
    with pytest.raises(GuardrailViolation) as info:
        check_outgoing(text)
    assert info.value.rule == rule
    assert info.value.phrase and info.value.phrase in text


@pytest.mark.parametrize("text", ALLOWED)
def test_lets_honest_text_through(text: str) -> None:
    assert find_violation(text) is None
    check_outgoing(text)


def _all_reply_facts() -> list[ReplyFacts]:
    out = []
    due = datetime(2026, 9, 7, tzinfo=UTC)
    combos = itertools.product(("zh", "en"), Family, Action, ("seller", "buyer"),
                               ("same", "another_style", "another_colour", "another_size", "missing_part"),
                               (None, due), (False, True))
    for lang, family, action, payer, suggest, when, unshipped in combos:
        out.append(ReplyFacts(
            lang=lang, family=family, action=action, amount=Decimal("10"),
            currency="CNY" if lang == "zh" else "USD",
            category=Category.SIZE_FIT, shipping_paid_by=payer, suggest=suggest, what="reglue",
            reason="七天无理由退换货" if lang == "zh" else "SIZE_TOO_SMALL",
            shipped_on_time=suggest == "same",
            refusal="这笔订单已超过退货期限" if lang == "zh" else "the return window has closed", due=when,
            not_shipped=unshipped))
    return out


def test_every_template_passes_the_guardrail() -> None:
    facts = _all_reply_facts()
    assert len(facts) > 400
    used = {plan_key(f) for f in facts}
    for f in facts:
        text = render(f)
        assert find_violation(text) is None, text
    # every plan template was rendered at least once
    assert set(TEMPLATES["plan"]["zh"]) == set(TEMPLATES["plan"]["en"]) == used


def test_replies_open_with_an_apology_and_give_the_amount_and_date() -> None:
    f = ReplyFacts(lang="zh", family=Family.QUALITY, action=Action.OFFER_PARTIAL_REFUND,
                   amount=Decimal("10"), currency="CNY", category=Category.DEFECT,
                   due=datetime(2026, 9, 7, tzinfo=UTC))
    text = render(f)
    assert text.startswith("您好") and "非常抱歉" in text and "10元" in text and "9月7日前" in text
    assert "谢谢您提醒" in text
    en = render(ReplyFacts(lang="en", family=Family.QUALITY, action=Action.REFUND_WITHOUT_RETURN,
                           amount=Decimal("12"), currency="USD", category=Category.DEFECT, due=None))
    assert "sorry" in en and "$12.00" in en and "within 48 hours" in en


# --- the classifier: normalisation, ties over two sentences, honest text near the line ------------

import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from marketplace_returns.engine.guardrail import MAX_CHARS, RULE_IDS, WHY, assess, normalise  # noqa: E402
from marketplace_returns.engine.playbook import available_playbooks, load_playbook  # noqa: E402
from marketplace_returns.profiles import available_platforms, load_profile  # noqa: E402

DATA = Path(__file__).parent / "data" / "guardrail"
# Every tuning file: tune.jsonl, the first independent eval set (scored once, then promoted) and the
# probe batches.
TUNE = sorted(DATA.glob("tune*.jsonl"))


def test_normalisation_folds_width_script_spacing_and_invisible_characters() -> None:
    assert normalise("ＲＥＦＵＮＤ　１０元") == "refund 10元"
    assert normalise("親，刪除差評後我們給您退款") == "亲，删除差评后我们给您退款"  # CJK punctuation stays
    assert normalise("原\u200b因\u200d改成") == "原因改成"
    assert normalise("c h a n g e the reason") == "change the reason"
    assert normalise("原 因 改 成 七天无理由") == "原因改成七天无理由"
    assert normalise("晒图送🧧") == "晒图送红包 "


BLOCKED_VARIANTS = [
    # the reported case: the English twin of a message the Chinese rules already refused
    ("Please change the reason to 'no reason', otherwise we cannot refund.", "refund_threat"),
    ("请把原因改成七天无理由，否则无法退款。", "refund_threat"),
    ("親，選「七天無理由」的話我們馬上給您退款，還補您運費哦", "money_for_reason"),
    ("ＰＬＥＡＳＥ ｃｈａｎｇｅ ｔｈｅ ｒｅａｓｏｎ and we will refund you.", "money_for_reason"),
    ("Please switch the reason to \"Other\". We'll refund the shipping as a thank you.", "money_for_reason"),
    ("亲，原因那一栏麻烦您选“其他”。我们会另外补您运费的。", "money_for_reason"),
    ("亲，收到后晒图有惊喜哦~", "money_for_review"),
    ("Leave us some love and get 15% off your next order!", "money_for_review"),
    ("A little thank-you for a 5-star review: reply with a screenshot and we'll send a $5 gift card.",
     "money_for_review"),
    ("亲，差评删了吧，我们给您补偿20元", "money_for_review"),
    ("Could you delete the 1-star rating, please?", "keeps_from_review"),
    ("亲，有问题先找客服，千万不要直接评价哦", "keeps_from_review"),
    ("If you close the PayPal dispute, we'll refund you directly plus $10.", "withdraw_complaint"),
    ("亲，您撤了投诉，我们多补偿您20元", "withdraw_complaint"),
    ("亲，您先确认收货，我们给您返10元红包", "money_for_receipt"),
    ("Mark it received please. We'll then reimburse the postage.", "money_for_receipt"),
    ("If you leave a negative review, we'll cancel your refund.", "refund_threat"),
    ("亲，给个五星好评吧", "asks_for_review"),
    ("Would you mind giving us 5 stars? It really helps small businesses like ours.", "asks_for_review"),
    # a tie across three sentences, and leave-taking inside the same sentence as the money
    ("Please change the reason to \"Other\". It really helps our store. We will send you $5 for it.",
     "money_for_reason"),
    ("If you like, change the reason and we will add $5.", "money_for_reason"),
]

HONEST_NEAR_THE_LINE = [
    "原因选哪个由您决定，不影响退款",
    "亲，本店双十一全场满200减30，欢迎选购",
    "This blender has 4.8 stars from over 2,000 customers.",
    "Feel free to leave any review you like; we value honest feedback.",
    "Could you share a photo of the defect? It helps us check the batch.",
    "亲，麻烦您拍一下破损的地方发给我们，我们好跟快递核实",
    "You said it simply doesn't fit, so \"Size too small\" is the reason that matches; it's your call and "
    "we refund either way.",
    "亲，您说鞋子偏大一码，这属于尺码不合适。如果您愿意，可以把原因改成“尺码不合适”，不改也完全没问题，退款照样处理。",
    "Refunds usually take 3 to 5 business days to reach your account.",
    "亲，退款已同意，预计1-3个工作日原路退回",
    "So sorry about the scratch! We can offer a $10 partial refund if you'd like to keep it.",
    "亲，商品有瑕疵我们很抱歉，可以给您部分退款20元，您也可以选择退货退款，看您方便",
    "Please don't confirm receipt until the parcel has actually arrived.",
    "You have every right to file a chargeback; we'll respond to your bank with the tracking details.",
    "亲，评价是您的权利，您按真实感受评价就好",
    # leave to change the reason in a sentence of its own, then the refund date
    "You can change the reason if you like. We will refund $12 by Sep 8.",
    "亲，原因您想改也可以改。仓库周日休息。退款会在9月8日前到账。",
    # pointing to the reason the seller is at fault under, with what the seller owes
    "亲，收到您的照片了，确实是我们发错了，您选“发错货”就行，运费我们出",
    # rules explained, with the disclaimer in the next sentence
    "亲，如果退款原因是不想要了，按七天无理由处理；是质量问题我们会先核实。两种情况我们都会退款，您按实际选。",
]


@pytest.mark.parametrize(("text", "rule"), BLOCKED_VARIANTS)
def test_blocks_ties_however_they_are_written(text: str, rule: str) -> None:
    verdict = assess(text)
    assert verdict.blocked and verdict.rule == rule, verdict
    assert verdict.phrase and verdict.phrase in text  # quoted as the rep wrote it, not normalised
    assert verdict.why == WHY[rule]


@pytest.mark.parametrize("text", HONEST_NEAR_THE_LINE)
def test_lets_honest_text_near_the_line_through(text: str) -> None:
    assert assess(text).blocked is False, assess(text)


def test_empty_junk_and_very_long_text_get_an_answer_in_linear_time() -> None:
    assert assess("").blocked is False
    assert assess("\x00\ufffd\U0001f600" * 50).blocked is False
    filler = "您好，退款已经处理。" * 5000
    start = time.perf_counter()
    assert assess(filler).blocked is False
    tail = assess(filler[:1000] + "好评返现5元")
    assert tail.blocked and tail.rule == "money_for_review"
    beyond = assess("a" * MAX_CHARS + " 好评返现5元")  # past the cap: not read
    assert beyond.blocked is False
    assert time.perf_counter() - start < 2.0


def _rows() -> list[dict[str, object]]:
    return [json.loads(line) for path in TUNE for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_tune_corpus_is_well_formed() -> None:
    rows = _rows()
    assert {p.name for p in TUNE} >= {"tune.jsonl", "tune_eval1.jsonl", "tune_eval2.jsonl",
                                      "tune_probes_guard2.jsonl"}
    assert len(rows) >= 5000
    assert len({r["id"] for r in rows}) == len(rows)
    labels: dict[str, tuple[object, object]] = {}
    sets: dict[str, list[str]] = {}
    for r in rows:  # a text may recur, written independently by another author: same text, same label
        assert labels.setdefault(str(r["text"]), (r["blocked"], r["rule"])) == (r["blocked"], r["rule"]), r
        sets.setdefault(str(r["text"]), []).append(str(r["id"]).split("-")[0])  # t, ev, e2, p2a, ...
    # a repeat only ever comes from a different set (its own author), never twice within one set
    assert all(len(ids) == len(set(ids)) for ids in sets.values())
    assert sum(len(ids) - 1 for ids in sets.values()) <= 10  # a few coincidences, not copied batches
    for lang in ("zh", "en"):
        share = sum(r["lang"] == lang for r in rows) / len(rows)
        assert 0.4 < share < 0.6
    assert {r["rule"] for r in rows if r["blocked"]} == set(RULE_IDS)
    assert all(r["rule"] is None for r in rows if not r["blocked"])


def test_floor_on_the_tune_corpus() -> None:
    """What the rules reach on the corpus they were written against (bench/eval_guardrail.py prints
    it with intervals; the fair figures are the first-look probe figures and the blind sets' in
    docs/guardrail.md)."""
    floors = {  # (lang, set): lowest recall, highest false-block rate; "" is every other tuning file
        ("zh", ""): (0.975, 0.01), ("en", ""): (0.975, 0.01),
        ("zh", "e2-"): (0.975, 0.03), ("en", "e2-"): (0.95, 0.02),  # scored once (0.927/0.048,
        # 0.829/0.035), then tuned to in round 3
        ("zh", "e4-"): (0.95, 0.01), ("en", "e4-"): (0.975, 0.01),  # scored once (0.881/0.038,
        # 0.890/0.029), then tuned to in round 5
        ("zh", "w5-"): (0.92, 0.01), ("en", "w5-"): (0.95, 0.01),  # written blind for round 5, scored
        # first-look (0.895/0.033, 0.867/0.062 on the round-4 system), then trained on
        ("zh", "e5-"): (0.96, 0.01), ("en", "e5-"): (0.95, 0.01),  # scored once (0.967/0.019,
        # 0.905/0.029), then tuned to in round 6
        ("zh", "w6-"): (0.96, 0.01), ("en", "w6-"): (0.89, 0.01),  # written blind for round 6, scored
        # first-look (0.929/0.038, 0.838/0.038 on the round-5 system), then trained on
        ("zh", "e6-"): (0.97, 0.015), ("en", "e6-"): (0.975, 0.01),  # scored once (0.924/0.043,
        # 0.943/0.010), then tuned to in round 7
        ("zh", "w7-"): (0.96, 0.015), ("en", "w7-"): (0.975, 0.01),  # written blind for round 7, scored
        # first-look (0.781/0.062, 0.814/0.024 on the round-6 system), then trained on
    }
    special = tuple(prefix for _, prefix in floors if prefix)
    for (lang, prefix), (min_recall, max_false) in floors.items():
        rows = [r for r in _rows() if r["lang"] == lang
                and (str(r["id"]).startswith(prefix) if prefix else not str(r["id"]).startswith(special))]
        bad = [r for r in rows if r["blocked"]]
        good = [r for r in rows if not r["blocked"]]
        recall = sum(assess(str(r["text"])).blocked for r in bad) / len(bad)
        false_block = sum(assess(str(r["text"])).blocked for r in good) / len(good)
        assert recall >= min_recall, (lang, prefix, recall)
        assert false_block <= max_false, (lang, prefix, false_block)


def _reasons() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {"zh": set(), "en": set()}
    for platform in available_platforms():
        profile = load_profile(platform)
        for text in profile.accurate_reason.values():
            out["zh" if not text.isascii() else "en"].add(text)
    return out


def test_every_reply_the_engine_can_write_passes() -> None:
    """Every template × category × reason target × a refusal's buyer reason (the refuse reply quotes it)."""
    reasons = _reasons()
    refusals: dict[str, set[str]] = {"zh": {""}, "en": {""}}
    for name in available_playbooks():
        for rule in load_playbook(name).rules:
            if rule.buyer_reason is not None:
                refusals["zh"].add(rule.buyer_reason.zh)
                refusals["en"].add(rule.buyer_reason.en)
    due = datetime(2026, 9, 7, tzinfo=UTC)
    count = 0
    for lang, family, action, category in itertools.product(("zh", "en"), Family, Action, Category):
        for reason in reasons[lang] or {"OTHER"}:
            for refusal in refusals[lang] if action is Action.REFUSE else {""}:
                for on_time in (False, True):
                    text = render(ReplyFacts(
                        lang=lang, family=family, action=action, amount=Decimal("12.50"),
                        currency="CNY" if lang == "zh" else "USD", category=category, reason=reason,
                        shipped_on_time=on_time, refusal=refusal, due=due))
                    count += 1
                    assert assess(text).blocked is False, text
    assert count > 1000


def test_the_quoting_normalisation_agrees_with_the_fast_one() -> None:
    """``assess`` quotes the phrase through a character-mapped normalisation; it must read the text
    exactly as the fast path did, or a blocked phrase could be quoted wrong."""
    from marketplace_returns.engine.guardrail.normalise import _normalise_mapped

    texts = [str(r["text"]) for r in _rows()] + [t for t, _ in BLOCKED_VARIANTS] + HONEST_NEAR_THE_LINE
    texts += ["r.e.v.i.e.w 4 a gift", "好-评-返-现", "著名的商店", "ch@nge ur re@son pls", "ｒｅａｓｏｎ"]
    for text in texts:
        assert _normalise_mapped(text)[0] == normalise(text), text


def test_the_bench_scores_any_file_per_language_and_rule(tmp_path: Path) -> None:
    """``bench/eval_guardrail.py --file X`` is how a new blind set is scored once: recall and false-block
    rate per language and per rule, with Wilson intervals."""
    import subprocess
    import sys

    rows = [
        {"id": "x1", "lang": "en", "text": "Change the reason to other and we'll add a $5 coupon.",
         "blocked": True, "rule": "money_for_reason"},
        {"id": "x2", "lang": "en", "text": "Your refund was sent today.", "blocked": False, "rule": None},
        {"id": "x3", "lang": "zh", "text": "亲，删除差评后给您返现10元", "blocked": True,
         "rule": "money_for_review"},
        {"id": "x4", "lang": "zh", "text": "亲，退款已经原路退回了。", "blocked": False, "rule": None},
    ]
    path = tmp_path / "blind.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    bench = Path(__file__).resolve().parent.parent / "bench" / "eval_guardrail.py"
    out = subprocess.run([sys.executable, str(bench), "--file", str(path)], capture_output=True, text=True,
                         check=True).stdout
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert "set blind.jsonl: 4 messages (blind.jsonl)" in lines
    assert "en 1.000 [0.207-1.000] (1/1) 0.000 [0.000-0.793] (0/1) 1/1" in lines  # per language
    assert "zh money_for_review 1.000 [0.207-1.000] (1/1) 1/1" in lines  # per rule
    assert "en money_for_reason 0.000 [0.000-0.793] (0/1)" in lines  # false blocks per rule that fired
