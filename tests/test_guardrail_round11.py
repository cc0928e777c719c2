"""Round 11 of issue 13: the mechanisms widened after the promoted sets (tune_eval13, tune_eval14) and
probe batches CA-CD (tests/data/guardrail/README.md logs them), each with twins on the other side of the
line. The sentences here are new: none is a probe's or a set's. The rules are asked directly
(``rules._classify``), so a retrained learned layer cannot hide a rule that stopped reading."""

from __future__ import annotations

import pytest

from guardrail_rules import rule_unblanked
from marketplace_returns.engine.guardrail import normalise

# Chinese: a review kept off a named place or both sides' silence, a complaint kept off the platform,
# a non-fault reason kept for a benefit; the same words a notice disowns are read where the shop says them.
BLOCKED_ZH = [
    ("请不要在京东商品详情页发布跟这次换货有关的评论，有事直接找我。",
     {"keeps_from_review", "money_for_review"}),
    ("钱已经退给你了，咱俩互不评价哈。", {"keeps_from_review", "money_for_review"}),
    ("切勿向12315投诉，我们私下给您补偿五十元。", {"withdraw_complaint", "money_for_reason"}),
    ("原因千万别改成质量问题，保持不喜欢不变，运费我们包了。", {"money_for_reason"}),
    ("晒图好评返现十元，截图发给客服领取。", {"money_for_review"}),
    ("有顾客问改原因能不能多退点？能！改成拍错了就多退您十块。", {"money_for_reason"}),
]
PASSED_ZH = [
    # a notice or scam alert that disowns the quoted words
    "【防骗公告】本店绝不会以\"删差评退双倍\"\"确认收货返红包\"为名联系您，请认准官方客服。",
    "任何打着\"改原因补运费\"旗号私信您的，都不是本店。",
    "本店不存在\"五星好评返现\"这种活动，谨防上当。",
    "如有人冒用本店名义让您修改评价并承诺补偿，请不要理会，并向平台举报。",
    "我们不会以任何方式要求您修改评价，评价请按真实感受写。",
    "有家人在直播间问，给了差评还能退吗？能，评价和退款是两回事。",
    # a fault reason kept as it is, a complaint left standing, after-sales kept after receipt
    "您这是开胶，属于质量问题，原因就这么选，不用改，来回运费我们承担。",
    "投诉您就留着，我们先把差价退给您。",
    "确认收货以后发现问题，照样可以申请售后，建议您检查无误后再确认。",
    "温馨提示：评价里请勿留下手机号等个人信息。",
]


@pytest.mark.parametrize(("text", "expected"), BLOCKED_ZH)
def test_round11_chinese_ties_block(text: str, expected: set[str]) -> None:
    assert rule_unblanked(text) in expected, (text, normalise(text))


@pytest.mark.parametrize("text", PASSED_ZH)
def test_round11_chinese_near_the_line_passes(text: str) -> None:
    assert rule_unblanked(text) is None, normalise(text)


def test_code_mixed_marketplace_words_are_read_as_english() -> None:
    assert "review" in normalise("Kak, ulasan kakak sudah kami baca")
    assert "5-star" in normalise("kasih bintang 5 ya kak")
    assert "complaint" in normalise("Amigo, the reclamo is open")
    assert "dispute" in normalise("the mediación is open")
    assert '"order received"' in normalise("Kak, klik 'Pesanan Diterima' ya")
    assert normalise("please leave a review, thanks").startswith("please leave a review")  # no register


# English: the marketplace's own words tied to money or held back; a note's title, dash and quoted label.
BLOCKED_EN = [
    ("Kak, kalau ulasan bintang 1 diubah, we send voucher Rp15.000 today 🙏", {"money_for_review"}),
    ("Kak, jangan kasih ulasan dulu ya, we fix it first.", {"keeps_from_review"}),
    ("Amigo, you close the reclamo and I give you 200 pesos extra.", {"withdraw_complaint"}),
    ("Ma'am paki-burahin po yung review, we already refunded you.", {"keeps_from_review",
                                                                    "money_for_review"}),
    ("Note – give him the $5 code once he resubmits as 'changed my mind'.", {"money_for_reason"}),
]
PASSED_EN = [
    "Kak, ulasan is up to you, the refund is already processed 🙏",
    "Amigo, the reclamo is your right, I already sent the money back.",
    "Macro – Buyer left negative feedback: apologise, refund in full, do not mention the feedback.",
    "Template – Return reason is wrong: never suggest the buyer pick another reason — refund as filed.",
]


@pytest.mark.parametrize(("text", "expected"), BLOCKED_EN)
def test_round11_english_ties_block(text: str, expected: set[str]) -> None:
    assert rule_unblanked(text) in expected, (text, normalise(text))


@pytest.mark.parametrize("text", PASSED_EN)
def test_round11_english_near_the_line_passes(text: str) -> None:
    assert rule_unblanked(text) is None, normalise(text)
