"""Round 16 of issue 13, Chinese: the mechanisms widened after the promoted fourteenth written set
(tune_written14) and probe batches HA-HD (tune_probes_guard16_zh.jsonl; HE was probed and needed no change),
each with twins on the other side of the line. The sentences here are new: none is a probe's or a set's. The
rules are asked directly (``rules._classify``, after ``blank_disowned`` where the api applies it), so a
retrained learned layer cannot hide a rule that stopped reading."""

from __future__ import annotations

import pytest

from guardrail_rules import rule_as_read
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
]


@pytest.mark.parametrize("text", HONEST)
def test_an_honest_message_near_the_line_passes_the_rules(text: str) -> None:
    assert rule_as_read(text) is None


@pytest.mark.parametrize(("text", "rules_ok"), FORBIDDEN)
def test_the_twin_that_makes_the_tie_is_read(text: str, rules_ok: set[str]) -> None:
    assert rule_as_read(text) in rules_ok


def test_a_chinese_single_quote_is_read_as_a_quote() -> None:
    # HA: the same length, so a blocked phrase still maps back to what was written
    text = "她写了'删评返现'这几个字"
    assert normalise(text) == '她写了"删评返现"这几个字'
    assert normalise("it's 'no longer needed' 的原因") == 'it\'s "no longer needed" 的原因'


def test_the_learned_layer_reads_a_review_already_given_as_a_fact() -> None:
    # HD: no act word left once the given review is blanked, so the layer may not add a block
    assert not _gate_zh_model(normalise("看到您打了五星，谢谢啦！"))
    assert _gate_zh_model(normalise("麻烦您打个五星，谢谢啦！"))
