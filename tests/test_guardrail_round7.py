"""Round 7 of issue 13: the mechanisms widened after probe batches AA-... (tests/data/guardrail/README.md
logs the batches), each with twins on the other side of the line."""

from __future__ import annotations

import pytest

from marketplace_returns.engine.guardrail import assess, normalise, rules
from marketplace_returns.engine.guardrail.normalise import _normalise_mapped

# AA: a tie quoted or named only to forbid, disown or warn against it is an example, not an offer
EXAMPLES_HONEST = [
    "【客服守则】第三条：不得以“好评返现”“确认收货送红包”等方式诱导买家，发现一次罚款200元。",
    "【公告】有骗子冒充客服说“删差评返50元”，本店没有这种活动，大家注意防骗。",
    "话术红线：严禁出现“不删差评不退款”“不撤销申请不处理”之类的表述。",
    "Heads up - a few customers got fake texts saying \"leave 5 stars, get $20\". That's not us.",
    "Macro rule: phrases like \"no review, no refund\" or \"change the reason and we'll refund faster\" "
    "are banned and get flagged.",
    "Training note: when a buyer opens an A-to-z claim, don't ask them to withdraw it and don't offer "
    "anything to close it. Reply with the tracking.",
]
EXAMPLES_BLOCKED = [
    "平台规定不能好评返现哈，不过您要是给个五星，我私下v您5块～",
    "【话术库·挽回】买家选了质量问题时这样说：“亲，改成不喜欢的话运费我们出～”",
    "[Macro: save the sale] If the buyer picked 'Defective', say: \"Switch it to 'Changed my mind' and "
    "we'll cover the return label.\"",
    "Officially we can't ask you to drop the chargeback. Unofficially, drop it and I'll refund the full "
    "amount today.",
]


@pytest.mark.parametrize("text", EXAMPLES_HONEST)
def test_a_tie_named_only_to_forbid_it_passes(text: str) -> None:
    assert rules._classify(normalise(text)) is None, normalise(text)
    assert not assess(text).blocked, assess(text)


@pytest.mark.parametrize("text", EXAMPLES_BLOCKED)
def test_a_tie_taught_or_prefaced_by_a_rule_still_blocks(text: str) -> None:
    assert assess(text).blocked, text


def test_the_blanked_example_keeps_the_map() -> None:
    text = "温馨提示：本店从未发过“改原因多退款”的短信。"
    norm, src = _normalise_mapped(text)
    assert norm == normalise(text) and "改原因" not in norm and len(src) == len(norm)

# AB: the refund slowed, held or charged by the order's complaint or review state, or by a reason set
# against the others, dressed as policy
STATE_BLOCKED = [
    "【系统说明】带中差评的订单退款进入人工复核通道，时效7-15天；普通订单24小时内到账。",
    "Orders with an open A-to-z claim are queued for monthly review. Everything else is refunded within "
    "48 hours.",
    "Our system holds refunds on any order with a 1 or 2 star review until our team has looked into it, "
    "which can take up to 30 days.",
]
STATE_HONEST = [
    "平台介入的话，处理时间以平台为准，一般3-5天，您也可以继续跟我们协商，两边不冲突。",
    "质量问题的订单我们会请您拍几张照片，方便反馈给工厂，退款不会因此延后。",
    "If you open a PayPal dispute, PayPal sets the timeline (usually 10-20 days). You can still message us "
    "here at the same time.",
    "For defective items we may ask for a photo so we can report the fault to the maker. It doesn't hold "
    "up your refund.",
]


@pytest.mark.parametrize("text", STATE_BLOCKED)
def test_a_refund_slowed_by_a_complaint_or_review_state_is_a_threat(text: str) -> None:
    hit = rules._classify(normalise(text))
    assert hit is not None and hit.rule == "refund_threat", text


@pytest.mark.parametrize("text", STATE_HONEST)
def test_a_timeline_stated_for_everyone_passes(text: str) -> None:
    assert rules._classify(normalise(text)) is None, text
    assert not assess(text).blocked, text

# AC: shorthand for the act: A2Z, CB, rvw; ping价


def test_platform_shorthand_is_spelt_out() -> None:
    assert normalise("pls close the A2Z") == "please close the a-to-z"
    assert normalise("If u drop the CB") == "if you drop the chargeback"
    assert normalise("亲～ping价里的字能改改吗") == "亲～评价里的字能改改吗"
    assert normalise("webcam cbd") == "webcam cbd"


@pytest.mark.parametrize("text", ["pls close the A2Z and I'll refund u in full today",
                                  "If u drop the CB we send the replacement free, promise",
                                  "亲～ping价里的字能改改吗，改完补您10元"])
def test_shorthand_ties_block(text: str) -> None:
    assert rules._classify(normalise(text)) is not None, normalise(text)


@pytest.mark.parametrize("text", ["We've replied to the A2Z with the tracking; Amazon decides in a few days.",
                                  "Your CB reached our bank and we've sent them the proof of delivery.",
                                  "亲，tk已经原路退回了，1-3天到账哈"])
def test_shorthand_in_an_honest_sense_passes(text: str) -> None:
    assert not assess(text).blocked, text

# AD: receipt through the order's completion; AE: the refund made to wait on a review
@pytest.mark.parametrize("text", [
    "温馨提示：以旧换新补贴将在订单完成后发放，请尽早完成订单。",
    "亲，您在订单里点完最后一步，我这边就把赠品寄出。",
    "Refunds are processed after feedback is received, so the sooner you review, the sooner you're paid.",
    "We can refund as soon as your star rating comes in.",
    "评分提交后财务才能打款，麻烦您抽空点一下星星。",
])
def test_receipt_by_completion_and_a_refund_waiting_on_a_review_are_read(text: str) -> None:
    assert rules._classify(normalise(text)) is not None, text


@pytest.mark.parametrize("text", [
    "订单完成后15天内都可以申请售后，不用着急。",
    "您的订单已完成，发票我们今天开好发您邮箱。",
    "The app may ask you to rate the order after the refund; that's optional.",
    "系统会在退款后邀请您评价，评不评都可以。",
    "退款已经到账了，评价的话您随时都可以写，跟退款没关系。",
])
def test_completion_as_a_fact_and_a_review_after_the_refund_pass(text: str) -> None:
    assert not assess(text).blocked, text

# AF: the buyer's return or refund request withdrawn, as the condition of a threat to the refund
@pytest.mark.parametrize("text", [
    "Cancel the return request on your end, otherwise we'll have to decline it and you won't see the money.",
    "Refund only goes through once you close the return request. Not before.",
    "亲，退款申请挂着我们没法处理，您取消申请后我们再商量退多少。",
])
def test_a_request_withdrawn_under_a_threat_is_read(text: str) -> None:
    hit = rules._classify(normalise(text))
    assert hit is not None and hit.rule == "refund_threat", text


@pytest.mark.parametrize("text", [
    "You cancelled the return request; if anything else comes up, you can open a new one.",
    "You can withdraw your return request any time from the orders page if you decide to keep the item; "
    "otherwise we'll carry on as normal.",
    "您说东西找到了，想撤销退款申请也可以，不撤的话我们照常给您退。",
])
def test_a_request_withdrawn_with_no_threat_is_no_act(text: str) -> None:
    assert rules._classify(normalise(text)) is None, text


# The learned layer (round 7): past a disclaimer that is no same-refund statement it adds a block when very
# sure; a same-refund statement or the act put off still shuts it; a fact word or a dialect narrows it.
def test_the_learned_layer_gate() -> None:
    from marketplace_returns.engine.guardrail import learned

    gate = learned._model_gate
    assert gate(normalise("Pls delete the review 🙏🙏 we'll make it up to you")) == learned.SURE
    assert gate(normalise("Kindly don't review this order, we'll refund you regardless.")) == learned.SHUT
    assert gate(normalise("亲，先别急着点确认收货，等补发的到了再说")) == learned.SHUT
    assert gate(normalise("好的呢,收货人改成李女士了,收货地址不变。")) == learned.SHUT  # the consignee
    assert gate(normalise("你好,我哋星期日唔送貨,你張單會喺星期一上午送到。")) == learned.SHUT  # a week
    assert gate(normalise("你嘅評價我哋睇到喇,多謝你講出嚟,我哋會改善。")) == learned.SURE  # Cantonese
    assert learned.model().sure <= 0.9
    assert assess("Pls delete the review 🙏🙏 we'll make it up to you").blocked


# AG: a condition denied, a staff note, a quoted question denied, a star grade of the goods
@pytest.mark.parametrize("text", [
    "安装师傅明天上午到，您只要在家就行，不需要写评价，也不需要先确认收货。",
    "这次的补偿已经打到您账户了，不以评价或者撤销投诉为条件，您放心。",
    "价保差价是系统自动退的，跟您评价不评价没有任何关系。",
    "【售后话术】退款说明模板：「亲，退款已提交，1-3天到账。」（不得附加评价、原因等任何条件）",
    "二手机回收按五星成色到一星成色分级，您这台是四星成色，估价260元。",
    "The goodwill credit is already on your account and it isn't conditional on a review or on closing "
    "the claim.",
    "This fridge carries a five-star energy rating, so the running cost should be low.",
])
def test_a_condition_denied_or_a_grade_is_no_tie(text: str) -> None:
    assert rules._classify(normalise(text)) is None, text


@pytest.mark.parametrize("text", [
    "补偿跟评价没关系哈，不过您先确认收货的话，我这边可以再多申请10元。",
    "The credit isn't tied to your review, but if you confirm delivery today I can add another $5.",
    "我们这款拿过五星节能认证，用着满意的话也麻烦给个五星好评哦～",
])
def test_a_denial_used_as_a_preface_still_blocks(text: str) -> None:
    assert assess(text).blocked, text


# AH: praise asked for by telling other people; a category or an open report slowing the refund
@pytest.mark.parametrize("text", [
    "So glad it all worked out! Would you mind telling people on Google how well we looked after you?",
    "Returns under category \"Defective\" need a technician visit, which can take up to 21 working days. "
    "Returns under \"Not required\" are refunded on pickup.",
])
def test_praise_through_other_people_and_a_slowed_category_are_read(text: str) -> None:
    assert rules._classify(normalise(text)) is not None, text


@pytest.mark.parametrize("text", [
    "Lots of our customers found us through friends telling people about the shop - thank you all!",
    "For returns under category \"Defective\" our technician collects the item for free; you'll get the "
    "refund the day it's picked up, same as any other return.",
])
def test_telling_people_as_a_fact_passes(text: str) -> None:
    assert not assess(text).blocked, text
