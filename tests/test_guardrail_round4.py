"""Issue 13, round 4: the mechanisms widened after the third blind set (tests/data/guardrail/README.md,
batches N-O), each with an honest message near it."""

from __future__ import annotations

import pytest

from marketplace_returns.engine.guardrail import assess, normalise
from marketplace_returns.engine.guardrail.concepts_en import prefaced
from marketplace_returns.engine.guardrail.normalise import _normalise_mapped


@pytest.mark.parametrize(("text", "norm"), [
    # a concept word one slip off, read only in a chat-style message
    ("pls chnage the reson", "please change the reason"),
    ("plz c0nfirm rece1pt thx", "please confirm receipt thanks"),
    ("change the reson", "change the reson"),  # no chat abbreviation: left alone
    ("u can complain here", "you can complain here"),  # a real word one slip from a concept word
    # a Chinese concept word in pinyin or initials inside a Chinese message
    ("亲 que ren shou huo ba", "亲 确认收货 ba"),
    ("亲 hp 返 5r", "亲 好评 返 5r"),
    ("hp printer", "hp printer"),  # no Chinese: left alone
    ("您的hp打印机", "您的hp打印机"),  # initials touching a Chinese character: a brand
    ("这个fan是usb的", "这个fan是usb的"),  # 返 only before an amount or the buyer
])
def test_normalisation_reads_slips_and_pinyin(text: str, norm: str) -> None:
    assert normalise(text) == norm
    mapped, src = _normalise_mapped(text)
    assert mapped == norm and len(src) == len(mapped)


def test_a_disclaimer_used_as_a_preface_does_not_disclaim() -> None:
    assert prefaced(normalise("Up to you entirely, though the refund only goes out once the case is closed."))
    assert not prefaced(normalise("It's up to you. The refund is the same either way."))
    # a fact, not a choice, still disclaims when a contrast follows
    assert not prefaced(normalise("Made to five-star hotel specs, but we'll take it back."))


@pytest.mark.parametrize(("text", "rule"), [
    ("Your choice of course, but the refund is only released once the dispute is closed.", "refund_threat"),
    ("pls chnage the reson to 'no longer needed' n we send u a coupon", "money_for_reason"),
    ("亲 yuan yin gai cheng bu xi huan, fan ni 5 kuai", "money_for_reason"),
    ("亲，您那边先确收，确收完补偿就到", "money_for_receipt"),
    ("亲，工单那边您回一句已经协商好了，运费我们出", "withdraw_complaint"),
    ("亲，评价时帮我们夸夸客服哈", "asks_for_review"),
    # the round-4 honest readings stay narrow: each forbidden twin of an honest answer is still blocked
    ("亲，您问评价能不能删，删了给您补10元红包", None),
    ("您问退款原因选哪个，选不想要了，我们多给您10元", None),
    ("亲，前面同事说要您改评价，那是不对的，不过您改成好评的话我们还是给您返现", None),
    ("本店承诺不提供好评返现，但您私下给个五星我给您转10块", None),
    ("亲，这款五星级酒店同款，给个五星好评返10元", None),
    ("We'll confirm receipt of your return as soon as you remove the 1-star review, then refund.", None),
    ("A colleague said you would update your review for a $10 credit, so please do it today.", None),
])
def test_round_four_mechanisms_block(text: str, rule: str | None) -> None:
    verdict = assess(text)
    assert verdict.blocked, text
    assert rule is None or verdict.rule == rule, (text, verdict)


@pytest.mark.parametrize("text", [
    "亲，您问评价能不能删？中差评可以在评价管理里删除一次，删不删完全看您",
    "亲，之前同事说改评价给红包，那是不对的，您的评价您做主",
    "这条毛巾是五星级酒店同款面料，起球的话我们给您补发一条",
    "亲，先别急着点确认收货，等补发的到了再说",
    "We'll confirm receipt of your return on our side when it's scanned, then the refund goes out.",
    "Please don't confirm delivery until the new one arrives and works.",
    "A colleague told you a credit was available for editing your review. That should never have been said.",
    "Our sheets are sold as five-star hotel quality, but yours tore, so it's a full refund.",
])
def test_round_four_honest_messages_near_the_line_pass(text: str) -> None:
    assert not assess(text).blocked, (text, assess(text))
