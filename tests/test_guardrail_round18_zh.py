"""Round 18 of issue 13, Chinese: the mechanisms widened after the promoted sixteenth written set
(tune_written16) and probe batches JA-... (tune_probes_guard18_zh.jsonl), each with twins on the other side
of the line. The sentences here are new: none is a probe's or a set's. The rules are asked directly
(``rules._classify``, after ``blank_disowned`` where the api applies it), so a retrained learned layer cannot
hide a rule that stopped reading."""

from __future__ import annotations

from guardrail_rules import round_tests
from marketplace_returns.engine.guardrail import normalise
from marketplace_returns.engine.guardrail.learned import _gate_zh_model, _shut

HONEST = [
    # the buyer's own offer quoted and refused, in any voice (JA)
    "你讲'五星给你打上，你退我四十'，这个我们做不来。枕头塌了就按质量问题退。",
    "您说'投诉我可以撤，你们再补我一百'，那个我们不接受，投诉您随意，该赔的我们会赔。",
    "你话'我删咗差评你就退多啲'，呢个唔得，差评你想留就留。",
    "你上次讲想把原因改成不喜欢换多点退款，这样不行，原因照实选就好。",
    # a rule or a staff note that forbids a tie in Cantonese (JB)
    "【客服规范】唔准同客人讲「确认收货即返五蚊」，亦唔可以话「删评送礼品」。",
    "京东规定商家唔可以用京豆去换好评，都唔可以要求顾客撤回投诉。",
    # the Cantonese question 可唔可以 forbids nothing (JB)
    "您问可唔可以用「好评」换补偿：唔使嘅，补偿已经退咗畀您，评价您照实写。",
    # the shop's promise not to press for an act (JD)
    "维修结果出来前我们不会催您点收货，修不好就全额退款。",
    "我哋唔会逼你写评价，漏寄嘅配件听日补返畀你。",
    # a review already given, named in a relative clause (JE)
    "妹子你留的好评俺们看见了，还写了鞋码偏小，谢谢提醒。",
    "您打嘅五星我哋收到喇，多谢支持。",
    # a numbered list of staff red lines (JC)
    "【退换货红线】1.不得以删差评为条件退款；2.不得以确认收货为条件返券。违者扣当月绩效。",
]
FORBIDDEN = [
    # JA: the quoted offer taken up, or brought back by a contrast
    ("你讲'五星给你打上，你退我四十'，这个可以，打完我就退。", {"money_for_review"}),
    ("您说'投诉撤了'，这个我们不要求，不过撤了的话我们再补您一百。", {"withdraw_complaint"}),
    ("投诉你想留就留着，可是撤了的话退款马上到。", {"withdraw_complaint", "refund_threat"}),
    # JB: the Cantonese rule named, then broken
    ("唔准同客讲「好评返现」，但系你畀个五星我，我返你十五蚊。", {"money_for_review"}),
    ("平台唔可以要求买家撤投诉，不过你撤咗个投诉，我即刻多退你40蚊。", {"withdraw_complaint"}),
    # JD: the promise as a preface to the tie
    ("我们绝不催您确认收货，可是您今天确认了就多送一瓶洗发水。", {"money_for_receipt"}),
    # JE: what the buyer is asked to give
    ("您给的是四星，帮忙改成五星好评嘛。", {"asks_for_review", "keeps_from_review"}),
    # JC: an offer made after the list, to the buyer
    ("【客服禁令】不得以好评为条件返现。亲，您确认收货后截个图，我返您8元红包。", {"money_for_receipt"}),
]


test_an_honest_message_near_the_line_passes_the_rules, test_the_twin_that_makes_the_tie_is_read = round_tests(
    HONEST, FORBIDDEN)


def test_a_refused_quote_of_the_buyer_is_blanked() -> None:
    # JA: the quote is blanked; not where the shop agrees to it
    assert '"' not in normalise("你讲'差评删了你退我三十'，咯个我们不搞。")
    assert "差评删了" in normalise("你讲'差评删了你退我三十'，咯个可以。")


def test_a_complaint_left_to_stand_shuts_the_learned_layer() -> None:
    # JA: "纠纷你想留着就留着" is the act not asked for; not where a change or a benefit follows
    assert _shut(normalise("纠纷你想留着就留着，平台怎么判我们怎么赔。"), True, False)
    assert not _shut(normalise("纠纷你想留着就留着，撤了的话返你20元。"), True, False)


def test_bedding_dried_in_the_sun_opens_no_gate() -> None:
    # JE: 晒 of bedding or clothes is a fact, not a photo posted; a buyer's photo still opens the gate
    assert not _gate_zh_model(normalise("被子晒过之后味道就散了。"))
    assert _gate_zh_model(normalise("晒个图给我们吧。"))
