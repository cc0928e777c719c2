"""Round 15 of issue 13: the mechanisms widened after the promoted thirteenth written set (tune_written13) and
probe batches GA-GJ (tests/data/guardrail/README.md logs them), each with twins on the other side of the
line. The sentences here are new: none is a probe's or a set's. The rules are asked directly
(``rules._classify``, after ``blank_disowned`` where the api applies it), so a retrained learned layer
cannot hide a rule that stopped reading."""

from __future__ import annotations

from guardrail_rules import round_tests
from marketplace_returns.engine.guardrail import normalise
from marketplace_returns.engine.guardrail.learned import SURE, _model_gate
from marketplace_returns.engine.guardrail.rules_en import honest_paid

HONEST = [
    # a staff note that quotes a whole line in single quotes and judges it (GA)
    "QA note, chat 2231: a rep wrote 'we'll refund the postage too if you pull that two-star review'. "
    "Not allowed. Reply corrected.",
    "Onboarding deck, slide 4: 'switch the reason to no longer needed and your refund is faster' - never "
    "write this.",
    "Team: the 'mark it received today and grab a bonus voucher on us' snippet has been deleted.",
    # an English reason twin that keeps the refund the same (GB)
    "Your note says the vase simply didn't suit the room, so 'changed my mind' fits, but leave 'damaged' "
    "if it's truly damaged - the refund won't differ.",
    "Whether yous choose 'wrong size' or 'faulty', yous get the lot back, postage too.",
    # Chinese banned-phrase lists and records read as staff notes (GC)
    "质检备注：7号客服对买家说“撤了投诉给您补20”，已判违规，扣当月绩效。",
    "内部通知：如发现有同事用“好评返现”这种说法，请截图上报店长。",
    "客服自查表：□未用优惠券换好评 □未劝买家撤诉 □未暗示修改退款原因。",
    "亲，本店从不搞晒单返现，商品有问题直接找客服处理就好。",
    # an English scam alert that quotes the offer after its messenger (GD)
    "Any DM claiming 'update your review to 5 stars and get $15 back' is fake. We never send those.",
    # receipt as paperwork, the refund in the fault branch (GE)
    "台灯收到了吗？觉得没问题就点一下确认收货，我好结款；不满意也直接说，给您退。",
    # honest reviews invited, no pay (GG)
    "We'd love an honest review, good or bad, and your refund for the chip has already gone out either way.",
    # a review the buyer may mention anything in (GI)
    "Feel free to bring up the late dispatch in your review; it's fair and other buyers should know.",
    # Cantonese: the card dispute is the buyer's right, no change or deletion needed (GJ)
    "你想同信用卡公司提出爭議都得，係你嘅權利，我哋會提供資料。",
    "评价不用改也不用删，退款已经原路退回了。",
]
FORBIDDEN = [
    ("Onboarding deck, slide 4: best line is 'switch the reason to no longer needed and your refund is "
     "faster'. Use it with every return.", {"money_for_reason"}),
    ("【话术】推荐：“撤了投诉给您补20”，转化率最高，大家照着发。", {"withdraw_complaint"}),
    ("Yes, that DM saying 'update your review to 5 stars and get $15 back' was ours - the offer's still on.",
     {"money_for_review"}),
    ("台灯收到了吧？先确认一下收货，我好结款，确认了再返您10元。", {"money_for_receipt"}),
    ("Share your honest review of the lamp and get 15% off your next order - it can be good or bad!",
     {"money_for_review"}),
    ("I'd prefer you didn't mention the late dispatch in your review, if that's alright.",
     {"keeps_from_review"}),
    ("Please don't take this to Etsy, let me sort it out with you directly.", {"withdraw_complaint"}),
    ("Ma'am, 'wag na po kayo mag-file ng dispute sa Shopee, we'll fix it here po.", {"withdraw_complaint"}),
    ("确认收货之前，退货退款我们一律不受理。", {"refund_threat"}),
    ("唔好向平台提出爭議住，我哋私下解決。", {"withdraw_complaint"}),
    ("差评不用改，直接删了就行，删完马上退您运费。", {"money_for_review", "keeps_from_review"}),
]


test_an_honest_message_near_the_line_passes_the_rules, test_the_twin_that_makes_the_tie_is_read = round_tests(
    HONEST, FORBIDDEN)


def test_the_learned_layer_needs_sure_where_receipt_is_asked_so_the_shop_is_paid() -> None:
    # GE: paperwork, not a tie, unless the model is very sure
    assert _model_gate(normalise("亲，麻烦点一下确认收货，我们的货款才能结算，售后不受影响。")) == SURE


def test_a_paid_honest_review_is_not_lifted_by_the_learned_layer() -> None:
    # GG: the honest-review words are the offer's own terms, so the layer's lift does not apply there
    assert honest_paid(normalise("Leave an honest review and get a $5 voucher - good or bad!"))
    assert not honest_paid(normalise("Leave an honest review if you like; we refund you either way."))
