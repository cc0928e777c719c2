"""Issue 13, round 3: the mechanisms widened after the second blind set (tests/data/guardrail/README.md,
batches G-J), each with an honest message near it, and the package's public API."""

from __future__ import annotations

import pytest

from marketplace_returns.engine import guardrail
from marketplace_returns.engine.guardrail import assess, normalise
from marketplace_returns.engine.guardrail.normalise import _normalise_mapped


def test_the_package_re_exports_the_public_api() -> None:
    for name in ("assess", "find_violation", "check_outgoing", "GuardrailViolation", "RULE_IDS",
                 "MAX_CHARS", "WHY", "Assessment", "normalise"):
        assert hasattr(guardrail, name), name
    assert len(guardrail.RULE_IDS) == 7 and guardrail.MAX_CHARS == 20_000


@pytest.mark.parametrize(("text", "norm"), [
    ("★★★★★ please", " 5-star  please"),  # a row of stars is a rating
    ("⭐⭐⭐⭐☆", " 4-star  hollow "),  # an empty star is not counted
    ("5* = $5 back", " 5-star  = $5 back"),
    ("rated 4.5* by buyers", "rated 4.5* by buyers"),  # a decimal score is left alone
    ("good f33dback", "good feedback"),  # two leet digits in a row
    ("好平哦亲", "好评哦亲"),
    ("亲 差 平 改一下呗", "亲差评改一下呗"),
    ("under 'didn't need it' please", 'under "didn\'t need it" please'),  # an apostrophe inside a label
    ("平台规定", "平台规定"),  # 平 elsewhere untouched
])
def test_normalisation_reads_star_rows_leet_and_homophones(text: str, norm: str) -> None:
    assert normalise(text) == norm
    assert _normalise_mapped(text)[0] == norm  # the quoting path agrees


BLOCKED = [
    # a reason held as a state, tied to a burden on it: a threat with no refund word and no "otherwise"
    ("Heads up: returns filed as 'defective' are capped at store credit; 'no longer needed' gets cash.",
     "refund_threat"),
    ("If you insist on 'damaged' it goes to the lab and that takes forever. Your call.", "refund_threat"),
    # a quoted fault reason taken off the request, for a benefit
    ("We'll cover the label as long as 'item defective' comes off the request.", "money_for_reason"),
    # receipt through the order's status
    ("Mark the order as completed in the app and we'll send the $8 right after.", "money_for_receipt"),
    # review edits: shortened, cropped, a short object kept out of it; not posting a clip online
    ("Could you trim your review down to a line? We'd be grateful.", "keeps_from_review"),
    ("Please keep the broken zip out of your review.", "keeps_from_review"),
    ("Please don't put the unboxing clip online until we've sorted this.", "keeps_from_review"),
    # asks through a survey box, or stars from you
    ("Please tick 'Extremely satisfied' on the follow-up survey.", "asks_for_review"),
    ("Keen to see five shiny stars from you on the listing!", "asks_for_review"),
    # complaints: plural, taken back, withdrawn as "all we ask"
    ("Take the chargeback back and we'll add a bonus voucher.", "withdraw_complaint"),
    # zh: asks through the rating form; 照样 with something extra; receipt money held back; a photo swap
    ("亲，评分那里都点满哈，谢谢啦", "asks_for_review"),
    ("亲，投诉撤掉的话，答应您的补偿照常给，另外再送个小礼物", "withdraw_complaint"),
    ("亲，在您确认收货之前，这个补偿我们是没法发出的哦", "refund_threat"),
    ("亲亲，评价里那几张图能换掉吗，看着太吓人了", "keeps_from_review"),
    ("亲，把中评改成好评也行，我们补您一个红包", "money_for_review"),
    ("亲，您给个差平我们压力很大，能改改吗", "keeps_from_review"),
    # batches K-L: removal as a phrasal verb, a review-less private route, a platform told it is sorted,
    # delivery acknowledged, a rating nudged up, a quoted label with an apostrophe, "no X, no refund"
    ("We'd really appreciate it if the photos came down from your review.", "keeps_from_review"),
    ("Could you let PayPal know we've sorted it? Then we'll get the full refund over to you.",
     "withdraw_complaint"),
    ("As soon as you've acknowledged delivery, the $6 credit is yours.", "money_for_receipt"),
    ("Mind nudging your rating up a star or two now that it's fixed?", "keeps_from_review"),
    ("Would you consider leaving the bit about the smell out of your feedback?", "keeps_from_review"),
    ("If you could re-file this under 'didn't need it after all', I can bump the refund by ten percent.",
     "money_for_reason"),
    ("No stars, no refund - sorry, that's how it works here.", "refund_threat"),
]
HONEST = [
    "Refunds under 'defective' take the same 3 to 5 days, same as any other reason.",
    "Your refund under 'not as described' goes out the day the parcel is back, same as any other reason.",
    "You can do that from 'My reviews' > 'Edit'. We won't ask you to change anything.",
    "We're not asking you to change your review; the replacement ships today.",
    "Our shop has 12,400 five-star ratings and we still get things wrong sometimes. Sorry! Refund issued.",
    "Please only click 'received' once the parcel is actually in your hands.",
    "亲，货还没到的话千万别点确认收货，等东西到了检查好再说",
    "亲，收到货先检查一下，有问题的话先别确认收货，直接联系我们处理",
    "亲，您选的是\"质量问题\"，我们收到货后会检查，确认有问题就全额退，还包括运费",
    "亲，有人问我们是不是好评返现，没有这回事哦，评价您按实际写",
    "亲，投诉您想撤还是不撤都可以，补偿照常给，不受影响",
    "亲，这款评分4.7，主要扣分在物流慢",
    "亲，您不用为了运费去改原因，运费险会赔的",
    "Thanks for the note about the colour; we'll update the product photos.",
    "If you'd like to keep this private instead of a review, that's your choice; either is fine with us.",
    "Once you've acknowledged delivery in the app, the tracking updates; it has no effect on the refund.",
    "No refund is needed for the free sample, and no review either.",
]


@pytest.mark.parametrize(("text", "rule"), BLOCKED)
def test_round_three_mechanisms_block(text: str, rule: str) -> None:
    verdict = assess(text)
    assert verdict.blocked and verdict.rule == rule, verdict


@pytest.mark.parametrize("text", HONEST)
def test_round_three_honest_messages_near_the_line_pass(text: str) -> None:
    assert not assess(text).blocked, assess(text)
