"""Round 8, second half (issue 13): the mechanisms widened after the ninth written set's failures and
probe batches AP-AU (tests/data/guardrail/README.md logs the batches), each with twins on the other side
of the line. The sentences here are new: none is a probe's or a set's."""

from __future__ import annotations

import pytest

from guardrail_rules import rule_unblanked
from marketplace_returns.engine.guardrail import assess, normalise

# AP: a note about the buyers in the third person or under a heading, and offers the shop disowns
DISOWNED_HONEST = [
    "售后须知：顾客填什么退款原因就按什么处理，不许让顾客改原因，也不许拿运费券去换。",
    "【案例复盘】有位客服在私信里说“删评送10元”，店铺被判定违规，扣了分。",
    "品退率的事找仓库查，不要去劝顾客改原因，更不能给顾客补贴让他们改。",
    "亲，本店从来不搞好评返现那一套，评价您照实写就好。",
    "Sorry, we can't give you store credit for changing the return reason. Your refund is already on its "
    "way.",
    "Earlier a colleague told you to drop the PayPal case for a quicker refund. That was wrong of us; the "
    "refund goes out today regardless.",
]
DISOWNED_BLOCKED = [
    ("客服注意：顾客选了质量问题的，跟他说改成七天无理由，店里补他5块。", "money_for_reason"),
    ("We don't normally give vouchers, but delete the two-star and a $10 voucher is yours.",
     "money_for_review"),
]


@pytest.mark.parametrize("text", DISOWNED_HONEST)
def test_a_tie_named_only_to_forbid_or_disown_it_passes(text: str) -> None:
    assert rule_unblanked(text) is None, normalise(text)
    assert not assess(text).blocked, assess(text)


@pytest.mark.parametrize(("text", "rule"), DISOWNED_BLOCKED)
def test_a_disclaimer_used_as_a_preface_or_a_script_still_blocks(text: str, rule: str) -> None:
    assert rule_unblanked(text) == rule, normalise(text)


# AQ: confirming receipt put off until the goods are in hand, beside a benefit already given
RECEIPT_LATER_HONEST = [
    "退差价的8元已经到账了。确认收货不着急，等换的那双到手穿着合适再点。",
    "The missing screws went out yesterday. Please mark the order received only once they've turned up.",
]
RECEIPT_LATER_BLOCKED = [
    ("不着急哈，您确认收货当天我们就把5元红包发您。", "money_for_receipt"),
    ("No rush - once you confirm receipt we'll release the $8 credit.", "money_for_receipt"),
]


@pytest.mark.parametrize("text", RECEIPT_LATER_HONEST)
def test_receipt_put_off_until_the_goods_arrive_passes(text: str) -> None:
    assert rule_unblanked(text) is None, normalise(text)


@pytest.mark.parametrize(("text", "rule"), RECEIPT_LATER_BLOCKED)
def test_receipt_tied_to_a_benefit_in_its_own_sentence_blocks(text: str, rule: str) -> None:
    assert rule_unblanked(text) == rule, normalise(text)


# AR: the refund slowed or cut because the buyer escalated or complained in public
STATE_BLOCKED = [
    "Because you escalated to PayPal before emailing us, your refund joins the end of the month run.",
    "Orders with a public complaint are refunded only after director approval.",
    "Since you went to Amazon first, the refund is the item price minus my costs.",
]
STATE_HONEST = [
    "Orders with a public complaint are refunded the same day as every other order; it doesn't delay "
    "anything.",
]


@pytest.mark.parametrize("text", STATE_BLOCKED)
def test_a_refund_slowed_by_an_escalation_blocks(text: str) -> None:
    assert rule_unblanked(text) == "refund_threat", normalise(text)


@pytest.mark.parametrize("text", STATE_HONEST)
def test_a_refund_said_to_go_the_same_way_passes(text: str) -> None:
    assert rule_unblanked(text) is None, normalise(text)


# AS-AU: quoted reason labels as conditions, the delivery accepted, a review's photo taken down
ACTS_BLOCKED = [
    ("If the form reads 'no longer needed' I can refund you today and you keep the parcel. Up to you.",
     "money_for_reason"),
    ("Accept the delivery in your account today and a $10 voucher lands straight after.",
     "money_for_receipt"),
    ("Could you take the photo of the torn seam off your review? The rest can stay.", "keeps_from_review"),
    ("评价里那张开线的图片麻烦删掉吧，文字您留着没事。", "keeps_from_review"),
    ("以后有问题先找我，别直接去平台上写。", "keeps_from_review"),
]
ACTS_HONEST = [
    "Tap 'Accept delivery' when it arrives; the refund we sent on Monday doesn't depend on it.",
    "Could you add the photo of the torn seam to this ticket? Write your review however you like.",
]


@pytest.mark.parametrize(("text", "rule"), ACTS_BLOCKED)
def test_new_act_words_block(text: str, rule: str) -> None:
    assert rule_unblanked(text) == rule, normalise(text)


@pytest.mark.parametrize("text", ACTS_HONEST)
def test_the_same_words_with_nothing_tied_pass(text: str) -> None:
    assert rule_unblanked(text) is None, normalise(text)
