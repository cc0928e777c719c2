"""The honest-steering guardrail: what it blocks, what it lets through, and every reply template."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from marketplace_returns.engine.guardrail import check_outgoing, find_violation
from marketplace_returns.engine.replies import TEMPLATES, ReplyFacts, render
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
                               (None, due))
    for lang, family, action, payer, suggest, when in combos:
        out.append(ReplyFacts(
            lang=lang, family=family, action=action, amount=Decimal("10"),
            currency="CNY" if lang == "zh" else "USD",
            category=Category.SIZE_FIT, shipping_paid_by=payer, suggest=suggest, what="reglue",
            reason="七天无理由退换货" if lang == "zh" else "SIZE_TOO_SMALL",
            shipped_on_time=suggest == "same",
            rationale="Outside the shop's 30-day return window.", due=when))
    return out


def test_every_template_passes_the_guardrail() -> None:
    facts = _all_reply_facts()
    assert len(facts) > 400
    for f in facts:
        text = render(f)
        assert find_violation(text) is None, text
    # every plan template was rendered at least once
    assert set(TEMPLATES["plan"]["zh"]) == set(TEMPLATES["plan"]["en"])


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
