"""Round 5 of issue 13: the mechanisms widened after probe batches Q-S, each with an honest twin that must
still pass (tests/data/guardrail/README.md logs the batches; docs/guardrail.md lists the mechanisms)."""

from __future__ import annotations

import pytest

from marketplace_returns.engine.guardrail import assess, normalise, rules

BLOCKED = [
    "亲，qrsh一下哈，马上给您转5块运费",  # qrsh: initials that are no word or brand
    "亲 cp撤了吧 我这边多退你10块",  # initials touching what is done to a review
    "给个hp呗，谢谢亲～",
    "您这边先把订单结了，差价我私下补给您",  # the order's state moved on by the buyer
    "等交易显示完成了，我给您返个小红包，门把手的问题也会继续跟进",
    "亲先点一下确认收货，有个小福利，坏的那个我们照样给您换",  # a fix promised is no disclaimer
    "亲，用着顺手的话，帮小店夸几句呗～",  # praise asked for
    "千万别给差评哈，有啥问题我们都会处理的",  # a promise to fix is no disclaimer of the ask (W)
    "有问题我们都会处理，记得给个五星好评呀",
    "pls w!thdraw the d!spute and we refund u in full + $10",  # ! for i
    "Cancel the appeal you opened with the marketplace and we'll add a $12 credit.",  # appeals
    "You asked whether closing the PayPal case helps. Honestly, yes - we'd add 15% back once it's closed.",
]

HONEST = [
    "hp打印机的墨盒这款不兼容哦，建议您选通用款",  # the brand
    "订单完成后15天内都能申请售后，您放心",  # the order's state as a fact
    "麻烦核对一下收货地址和电话，确认无误我们就安排补发",
    "评价改不改是您的事，我们的售后方案不变",
    "有任何问题我们都会处理，评价您按真实感受写就好",
    "您选哪个原因我们都会处理退款",  # A-not-A, the buyer's own business
    "我们不是让您删评价，只是想说明一下：漏发的配件今天已经补寄了",
    "您撤销了平台介入,我们这边的方案没有任何变化,还是照常补发。",
    "Marking the order as received only updates the tracking; the refund for the dent goes out on its own.",
    "You asked if removing your review would get you a discount. It wouldn't, and we'd never ask you to.",
    "Is there a bonus for a 5-star review? No - and your refund doesn't depend on any review.",
    "There's no reward for switching the reason and no penalty for keeping it.",
    "Your subscription's paused for March as requested. You won't be charged until April 1.",
    # a return request cancelled is no act by itself (round 5 tried it as one and withdrew it)
    "To cancel the return request, open the order and tap Cancel return.",
    "You can appeal the decision with the marketplace; we'll send them our side too.",
]


@pytest.mark.parametrize("text", BLOCKED)
def test_round5_mechanisms_block(text: str) -> None:
    assert assess(text).blocked, text


@pytest.mark.parametrize("text", HONEST)
def test_round5_honest_twins_pass(text: str) -> None:
    assert not assess(text).blocked, text


def test_rules_alone_read_the_new_mechanisms() -> None:
    """The rules themselves (not only the learned layer) read the widened classes."""
    for text in BLOCKED:
        assert rules._classify(normalise(text)) is not None, text


def test_a_denial_followed_by_a_contrast_still_ties() -> None:
    assert assess("There's no penalty for a late review, but leave 5 stars today and we'll add $5.").blocked
