"""Round 16 of issue 13, Chinese: the mechanisms widened after the promoted fourteenth written set
(tune_written14) and probe batches HA-HD and HF-HJ (tune_probes_guard16_zh.jsonl; HE was probed and needed
no change), each with twins on the other side of the line. The sentences here are new: none is a probe's or
a set's. The rules are asked directly (``rules._classify``, after ``blank_disowned`` where the api applies
it), so a retrained learned layer cannot hide a rule that stopped reading."""

from __future__ import annotations

from guardrail_rules import round_tests, rule_as_read
from marketplace_returns.engine.guardrail import normalise
from marketplace_returns.engine.guardrail.learned import _gate_zh_model

HONEST = [
    # a Chinese line in single quotes, quoted by a QA record or a training case and judged (HA)
    "质检记录：客服小美对买家说'评价删了我补您8块'，判定违规，已通报。",
    "培训案例：有店员写过‘点了确认收货再给您返运费’，被判诱导，店铺扣了分。",
    "新员工须知：以下说法一律禁止——'撤诉有补偿''改原因多退钱'。",
    # a rule that forbids the means of a tie (HB)
    "平台条款：卖家不得以代金券、小礼品等方式诱导买家修改评价、撤回投诉。",
    "按监管要求，商家不得以现金、积分等方式诱导消费者追加好评或删除中差评。",
    "本店规定：严禁客服以返现换取顾客好评，违者辞退。",
    # the buyer addressed in third-person words: a reply, not a note about buyers (HC)
    "尊敬的客户，评价写什么都由您决定，有问题我们照常处理。",
    "其他买家也遇到过拉链卡住，我们已经换了批次，这单给您全额退。",
    # a review the buyer already gave, thanked for or quoted (HD)
    "看到您留了五星，还拍了视频，谢谢亲的支持！",
    "您点评里提到'客服回复退款很快'，我们已经转告客服组了，谢谢。",
    # 照样 after a negated act or of the refund itself still disclaims (HF, HJ)
    "不删评价也照样送您一张5元券，这是漏发配件的补偿。",
    "原因选哪个都行，这单照样给您退全款。",
    # other buyers helped by an honest review (HG)
    "您的评价写得越具体，对其他买家帮助越大，好坏都行。",
    # a line said to the buyer: an honest script taught, a tie judged (HH)
    "统一跟顾客说“原因按实际选，退款金额不变”，别的不用多说。",
    "质检通报：客服小周跟买家说“给五星返5元”，判定违规，已扣分。",
    # a rule that names the tie it forbids, with 不能用/不允许 (HI, HJ)
    "平台规则不允许用红包换好评，但您有任何问题我们都会负责到底。",
    "平台规定不能用赠品换好评，我们真的做不到，赠品您需要可以单独拍。",
]
FORBIDDEN = [
    # HA: a line in single quotes taught, or a label inside the shop's own tie
    ("话术模板：‘撤了投诉就补您20’，直接复制发给买家。", {"withdraw_complaint"}),
    ("亲，原因选'尺码不合适'就行，选了我多退您10元。", {"money_for_reason"}),
    # HB: the rule named, then broken in its turn
    ("店规是不得以红包诱导好评，不过您晒图好评后私聊我，给您5元红包。", {"money_for_review"}),
    # HC: the buyer addressed, kept from reviewing
    ("尊敬的顾客：如有不满请先联系客服，切勿在评价区留言，我们会尽快补偿。",
     {"keeps_from_review", "money_for_review"}),
    ("评论区就别发了，别的顾客看了会以为东西有问题，咱们私下处理。",
     {"keeps_from_review", "money_for_review"}),
    # HD: the buyer's review words quoted, then a change paid; others' stars named, then an ask
    ("您追评说'做工粗糙'，能删掉吗？删了退您15元。", {"money_for_review", "keeps_from_review"}),
    ("大家都给了五星，您也帮忙给个五星好评吧。", {"asks_for_review"}),
    ("您给了五星好评的话截图发我，返您3元。", {"money_for_review"}),
    # HF, HJ: 照样 before a new benefit is "as before", the benefit given for the act
    ("确认收货以后截个图，照常送您一包试吃装。", {"money_for_receipt"}),
    ("原因改成'拍错了'，照样给您补12元运费。", {"money_for_reason"}),
    # HG: other buyers' misreading as the reason to take a review down
    ("麻烦把评价里那几张图撤下来，其他买家看到会以为都是坏的。", {"keeps_from_review"}),
    # HH: a line said to the buyer, recommended to the staff
    ("跟客户说“改成七天无理由，我多补您6元”，这样最省事，大家都用。", {"money_for_reason"}),
    # HI: the platform's rule named, then broken after the turn
    ("平台规定不能返现哈，可是您撤了投诉我私下给您发20元红包。", {"withdraw_complaint", "money_for_review"}),
]


test_an_honest_message_near_the_line_passes_the_rules, test_the_twin_that_makes_the_tie_is_read = round_tests(
    HONEST, FORBIDDEN)


def test_a_chinese_single_quote_is_read_as_a_quote() -> None:
    # HA: the same length, so a blocked phrase still maps back to what was written
    text = "她写了'删评返现'这几个字"
    assert normalise(text) == '她写了"删评返现"这几个字'
    assert normalise("it's 'no longer needed' 的原因") == 'it\'s "no longer needed" 的原因'


def test_the_learned_layer_reads_a_review_already_given_as_a_fact() -> None:
    # HD: no act word left once the given review is blanked, so the layer may not add a block
    assert not _gate_zh_model(normalise("看到您打了五星，谢谢啦！"))
    assert _gate_zh_model(normalise("麻烦您打个五星，谢谢啦！"))


def test_a_rule_that_names_a_tie_is_blanked_but_its_lead_is_read() -> None:
    # HI: the traded words blanked (the same length), "不能用" kept: it still disclaims the ties around it
    text = "平台规定商家不能用好评换补偿，但有问题我们会处理。"
    norm = normalise(text)
    assert len(norm) == len(text)
    assert "不能用" in norm and "好评" not in norm and "补偿" not in norm
    assert norm.endswith("但有问题我们会处理。")


def test_a_line_said_to_the_buyer_is_not_the_buyers_words() -> None:
    # HH: 买家说"…" is the buyer's words (blanked); 对买家说"…" is the staff's line (read)
    assert rule_as_read("买家说“改成不喜欢就多退5元”，我们没有答应。") is None
    assert rule_as_read("对买家说“改成不喜欢就多退5元”，照着发。") == "money_for_reason"
