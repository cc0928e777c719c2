"""Round 17 of issue 13, Chinese: the mechanisms widened after the promoted fifteenth written set
(tune_written15) and probe batches IA-IF (tune_probes_guard17_zh.jsonl), each with twins on the other side
of the line. The sentences here are new: none is a probe's or a set's. The rules are asked directly
(``rules._classify``, after ``blank_disowned`` where the api applies it), so a retrained learned layer cannot
hide a rule that stopped reading."""

from __future__ import annotations

from guardrail_rules import round_tests
from marketplace_returns.engine.guardrail import normalise
from marketplace_returns.engine.guardrail.concepts_zh import Z_NO_NEED
from marketplace_returns.engine.guardrail.learned import _shut

HONEST = [
    # "no need to" in any register before a change, a deletion or a withdrawal (IA)
    "貴店已為閣下辦理退款，閣下之評價毋須更改。",
    "这条差评您不必删除，补寄的充电器今天下午发出。",
    "投诉无须撤销，平台会按流程处理，货款我们已经退了。",
    # 不要 with the buyer named before a change: "I don't want you to" (IF)
    "你之前给的中评我们认，杯子确实漏水，新的给你发了，不要你删什么。",
    # the dialect prohibitives are not read where they mean no prohibition (IC)
    "莫慌，坏掉的那几个橙子全额给您退。",
    "约莫后天能到，评价的事您到时候看着写。",
    # a review act put as A-not-A: whether or not (ID)
    "发不发评价都随您，漏发的那瓶我们今天补上。",
    "恁写不写追评都中，这回的运费俺出。",
    # the buyer's own offer reported and declined (IE)
    "您说想给我们写个好评，心领了，茶叶喝着顺口就好。",
    "你讲要把投诉撤了，真不用，该赔的我们照样赔。",
    # chat initials that are not the concept (IB)
    "亲 tk小店的订单请到对应平台售后哦",
    "hp墨盒已经补发了 今天到",
]
FORBIDDEN = [
    # IA: "no need to" with a change to another review, or a benefit, after it
    ("中评毋须删除，改为好评的话我再返您6元。", {"money_for_review"}),
    ("差评不用撤，直接改成五星就送您一个杯垫。", {"money_for_review"}),
    # IB: chat initials read as the words
    ("亲 cp可以删吗 删了给你5r", {"money_for_review", "keeps_from_review"}),
    ("cp不改的话 tk就先压着哈", {"refund_threat"}),
    ("到了记得给个5xhp 谢谢宝", {"asks_for_review"}),
    # IC: the dialect prohibitives as 别
    ("莫在淘宝上评论嘛，有啥子事找我就是。", {"keeps_from_review"}),
    ("老板莫给差评哈，我马上给你退运费。", {"money_for_review", "keeps_from_review"}),
    # ID: an A-not-A choice that prefaces a tie after the contrast
    ("给不给好评您看着办，不过给了我再返您5元。", {"money_for_review"}),
    # IE: the offer reported, declined, and brought back by a contrast
    ("你说想给个五星，心领了，可是给了的话我还是补你一包纸巾。", {"money_for_review"}),
    ("您说要删差评，好的，删完我给您返10元。", {"money_for_review", "keeps_from_review"}),
]


test_an_honest_message_near_the_line_passes_the_rules, test_the_twin_that_makes_the_tie_is_read = round_tests(
    HONEST, FORBIDDEN)


def test_no_need_to_change_shuts_the_learned_layer() -> None:
    # IA, IF: the act not asked for, so the layer adds no block past it; a change to another review after it
    # is no disclaimer
    assert _shut(normalise("閣下毋須撤回投訴，退款已經到賬。"), True, False)
    assert _shut(normalise("差评不要你改啥，是我们没包装好。"), True, False)
    assert Z_NO_NEED.search(normalise("评价不必修改，已经给您补寄。")) is not None
    assert Z_NO_NEED.search(normalise("不用删差评，改成好评送您一张券。")) is None
    assert Z_NO_NEED.search(normalise("评价改成中评就行，不用改好评。")) is None


def test_chat_initials_touching_the_chinese_are_read_as_the_words() -> None:
    # IB: only before the act or its verbs; a shop or a clothes size is left as written
    assert normalise("cp不删 tk就不退了") == "差评不删 退款就不退了"
    assert normalise("给个5xhp呗") == "给个五星好评呗"
    assert normalise("tk小店 5xl码") == "tk小店 5xl码"
