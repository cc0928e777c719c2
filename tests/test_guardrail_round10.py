"""Round 10 of issue 13: the mechanisms widened after the promoted sets (tune_eval11, tune_eval12), the
eleventh written set and probe batches BH-BM (tests/data/guardrail/README.md logs them), each with twins
on the other side of the line. The sentences here are new: none is a probe's or a set's. The rules are
asked directly (``rules._classify``), so a retrained learned layer cannot hide a rule that stopped
reading."""

from __future__ import annotations

import pytest

from guardrail_rules import rule_unblanked
from marketplace_returns.engine.guardrail import normalise

# A 小红书 note read as a review: deleted, set private or its picture changed; an approval chain or
# patience as the threat; 高抬贵手 over a review; 闲鱼's 小法庭 and a 争议 as complaints.
BLOCKED_ZH = [
    ("那篇笔记您先删一下好吗？删了我给您补个红包。", {"money_for_review", "keeps_from_review"}),
    ("您那篇笔记能先设成私密吗？新的我们明天就寄。", {"keeps_from_review"}),
    ("笔记里那张图能换一张吗？看着有点吓人。", {"keeps_from_review"}),
    ("写评价的时候麻烦高抬贵手，配件我们已经补寄了。", {"keeps_from_review", "money_for_review"}),
    ("小法庭您先撤了吧，我这边直接转您五十。", {"withdraw_complaint"}),
    ("您在评价里提到了我们，退款等评价那边有个说法了再说，慢慢等吧。", {"refund_threat"}),
    ("写个\"不喜欢\"就行，别写质量问题，我多退您二十。", {"money_for_reason"}),
]
PASSED_ZH = [
    "您的笔记怎么写都行，我们不会干预，问题我们照常处理。",
    "评价只有您本人能修改，商家无法删改。",
    "颜色和图片差很多就是色差，原因选\"与描述不符\"就对了，运费我们出。",
    "【客服问答】问：追评能换优惠券吗？答：不能，优惠券和评价没有关系。",
    "订单已退款，确认收货不用点，系统到期自动完成。",
    "已经给您补发了，追评您留着就好。",
    # the readings' edges: a laptop (笔记本) is no note, an ordinary approval is no patience threat, a
    # strange review reported is no 莫 (别) before a review
    "笔记本屏幕有点问题，我们给您换一台新的，运费我们出。",
    "您在评价里提到了我们的包装问题，退款审批通过后原路退回。",
    "我们收到一条莫名的差评，已经在核实物流。",
]


@pytest.mark.parametrize(("text", "expected"), BLOCKED_ZH)
def test_round10_chinese_ties_block(text: str, expected: set[str]) -> None:
    assert rule_unblanked(text) in expected, (text, normalise(text))


@pytest.mark.parametrize("text", PASSED_ZH)
def test_round10_chinese_near_the_line_passes(text: str) -> None:
    assert rule_unblanked(text) is None, normalise(text)


def test_group_buy_and_note_slang_is_read_as_the_words() -> None:
    assert "好评走" in normalise("老铁 hp走一波")
    assert "好评" in normalise("家人们 5x好p 安排")
    assert "笔记" in normalise("那篇note能删吗")
    assert "维权" in normalise("那个wq能撤吗") and "撤销" in normalise("能不能先cx一下")


# English: an eBay "positive" asked for with no review word, the Accept button and a quoted
# "mark as received", a complaint state held until closure, a case un-flagged.
BLOCKED_EN = [
    ("Could you leave me a positive on my profile? It really goes a long way.", {"asks_for_review"}),
    ("Tap 'mark as received' tonight and I'll send a $5 credit straight after.", {"money_for_receipt"}),
    ("Hit Accept on the order today and I'll add a free scarf to your next parcel.", {"money_for_receipt"}),
    ("Your refund has been stopped because you raised a complaint with the marketplace; it will be "
     "released after the complaint is closed.", {"refund_threat"}),
    ("You flagged it to Etsy. Un-flag it and I'll refund in full plus a free set.", {"withdraw_complaint"}),
    ("Change it from 'not as described' to 'changed my mind' and I'll cover the postage.",
     {"money_for_reason"}),
]
PASSED_EN = [
    "No need to leave feedback or close anything for the refund; it has been sent.",
    "Please review the attached proof; once you approve it, the reprint is free.",
    "If the bank refunds you through the chargeback, we won't refund a second time.",
    "Sellers cannot edit or delete any review; only the marketplace can remove one.",
    "Pick 'item not as described', since that is what happened, and I'll cover the return postage.",
    "Please don't tap 'mark as received' until the replacement is in your hands; the first refund is "
    "already done.",
    "Someone is messaging buyers pretending to be us and offering vouchers for reviews. It is not us.",
    "Agent FAQ: 'Do I get a discount if I change my review?' Answer: no, we don't reward reviews.",
    "Thanks for keeping a positive attitude, it would help if you could send a photo of the box.",
    "We validate the order on our side and the refund follows within two days.",
]


@pytest.mark.parametrize(("text", "expected"), BLOCKED_EN)
def test_round10_english_ties_block(text: str, expected: set[str]) -> None:
    assert rule_unblanked(text) in expected, (text, normalise(text))


@pytest.mark.parametrize("text", PASSED_EN)
def test_round10_english_near_the_line_passes(text: str) -> None:
    assert rule_unblanked(text) is None, normalise(text)
