"""The guardrail's mechanisms added after the first blind evaluation (issue 13): ties across the two
languages, words split inside themselves, acts on a pronoun, facts that are not offers, and the learned
layer that may only add blocks."""

from __future__ import annotations

import pytest

from marketplace_returns.engine.guardrail import WHY, assess, learned, normalise, rules
from marketplace_returns.engine.guardrail.learned import grams, model


@pytest.mark.parametrize(("text", "rule"), [
    # the act in one language, the benefit or threat in the other
    ("亲亲，chargeback 先撤回一下好吗，我们马上给您补偿", "withdraw_complaint"),
    ("亲，那条 negative review 能不能删掉，我们退您运费", "money_for_review"),
    ("Tap 确认收货 and a bonus voucher goes to your account.", "money_for_receipt"),
    ("Please don't leave a 差评, we'll sort it out privately.", "keeps_from_review"),
    ("We can't refund you unless you 删除差评 first.", "refund_threat keeps_from_review"),  # touches both
])
def test_a_tie_across_languages_is_blocked(text: str, rule: str) -> None:
    verdict = assess(text)
    assert verdict.blocked and verdict.rule in rule.split(), verdict
    assert verdict.phrase and verdict.phrase in text  # quoted as written, not in the glossary's words


@pytest.mark.parametrize("text", [
    "亲，refund 已经原路退回了，reason 您按实际情况选就行，不影响退款。",
    "Your 退款 has been sent to the original card; it takes 3-5 days to show.",
    "亲，您的 dispute 我们已经回复平台了，结果由平台判定，我们尊重您的决定。",
])
def test_honest_mixed_language_replies_pass(text: str) -> None:
    assert not assess(text).blocked


def test_words_split_inside_are_joined_before_the_rules_read() -> None:
    assert normalise("Switch the rea son and we will re fund the ship ping.") == \
        "switch the reason and we will refund the shipping."
    assert normalise("con-firm de-livery, can cel the charge back, does n't, 5 - star") == \
        "confirm delivery, cancel the chargeback, doesn't, 5-star"
    kept = "we will fund the project, on the other hand"  # whole words stay apart
    assert normalise(kept) == kept


@pytest.mark.parametrize(("text", "rule"), [
    ("Please with draw the dis pute and we will re fund you.", "withdraw_complaint"),
    ("Con-firm de-livery today and we'll add $4 cash back.", "money_for_receipt"),
    ("Would you leave us a pos itive re view? It helps a lot!", "asks_for_review"),
    ("Un less you change the reason, the re fund can't go through.", "refund_threat"),
])
def test_a_split_word_is_blocked(text: str, rule: str) -> None:
    verdict = assess(text)
    assert verdict.blocked and verdict.rule == rule, verdict


@pytest.mark.parametrize(("text", "rule"), [
    ("I saw the 2-star you left. Would you consider taking it down? We've sorted the issue now.",
     "keeps_from_review"),
    ("Disputes take weeks. Cancel yours and you'll have your money back by tomorrow.", "withdraw_complaint"),
    ("Would you mind stepping back from the PayPal case? We've got something better in mind for you.",
     "withdraw_complaint"),
    ("Before you go, could you rate me 10/10 in the chat survey?", "asks_for_review"),
    ("It would help us a lot if your review stayed positive rather than mentioning the delay.",
     "keeps_from_review"),
    ("Kindly rescind the BBB complaint and we'll make this right with a voucher.", "withdraw_complaint"),
])
def test_english_act_vocabulary_by_word_class(text: str, rule: str) -> None:
    verdict = assess(text)
    assert verdict.blocked and verdict.rule == rule, verdict


@pytest.mark.parametrize("text", [
    # a noun read as an act or a benefit
    "The exchange rate at the time of refund may differ slightly, so the amount in your currency could vary.",
    "The exchange rate your bank uses may make the refund look a few cents different.",
    # a review thanked for, then a replacement offered for another matter
    "Thank you so much for the kind 5-star review you left last month! About the zipper: we'll send a "
    "replacement.",
    # a benefit already given, then how to mark receipt
    "The replacement was delivered this morning. You can mark it received in your account whenever you're "
    "ready.",
    # someone else does it to the pronoun
    "We saw the PayPal dispute and have already refunded you; PayPal will close it on their end.",
    "Shopify's review app lets customers post reviews after delivery; we don't filter or edit them.",
    # a platform's name is not money
    "A dispute is something you can open with PayPal if we don't resolve things. I hope it won't come to "
    "that.",
])
def test_honest_replies_near_the_new_words_pass(text: str) -> None:
    assert not assess(text).blocked, assess(text)


def test_the_learned_layer_loads_and_adds_blocks() -> None:
    m = model()
    assert 0.5 <= m.threshold < 1.0 and 0.0 <= m.unblock < m.threshold and len(m.weight) > 1000
    assert grams("亲，好评") == ["c:亲", "c:好", "c:评", "c:好评"]
    assert grams("好评返现") == ["c:好", "c:评", "c:返", "c:现", "c:好评", "c:评返", "c:返现", "c:好评返",
                              "c:评返现", "c:好评返现"]
    assert grams("leave a review") == ["w:leave", "w:a", "w:review", "p:leave a", "p:a review",
                                       "t:leave a review", "s:leave review"]
    assert grams("leave us a review")[-3:] == ["s:leave a", "s:us review", "s:leave review"]
    # a forbidden message no rule has a word for, read by the model alone
    text = "Would you mind setting your review to private? We'll include a gift in your next package."
    norm = normalise(text)
    assert rules._classify(norm) is None
    verdict = assess(text)
    assert verdict.blocked and verdict.rule == "keeps_from_review"
    assert verdict.why is not None and verdict.why.startswith(WHY["keeps_from_review"])
    assert "learned layer" in verdict.why


def test_the_learned_layer_never_blocks_past_a_disclaimer_or_without_a_concept() -> None:
    m = model()
    text = "Would you mind setting your review to private? We'll include a gift in your next package."
    assert m.probability(normalise(text)) >= m.threshold
    disclaimed = text + " Either way, it's entirely up to you."
    assert not learned._model_may_block(normalise(disclaimed))
    assert not assess(disclaimed).blocked
    # no act or benefit word the rules know: the model is not asked
    assert not learned._model_may_block(normalise("Thanks for your patience, the parcel is on its way."))


def test_an_answer_to_the_buyers_reported_question_is_no_act() -> None:
    # round 4 needed the model's lift for this one; since round 5 the rules blank the reported question
    text = ("You asked whether closing the PayPal case is necessary: it isn't. The refund goes through "
            "either way and PayPal closes it after.")
    assert rules._classify(normalise(text)) is None
    assert not assess(text).blocked
    assert assess("You asked whether closing the PayPal case helps. Honestly, yes - we'd add 15% back "
                  "once it's closed.").blocked


@pytest.mark.parametrize("text", [
    # honest answers the rules read as acts (tuning rows); the model is very sure they are honest
    "You said you'd like to close the complaint because the parcel turned up. If so, you can do it from the "
    "Resolution Centre; if anything's still wrong, just leave it open, that's fine too.",
])
def test_the_learned_layer_lifts_a_rule_block_only_when_very_sure(text: str) -> None:
    norm = normalise(text)
    assert rules._classify(norm) is not None
    assert model().probability(norm) < model().unblock
    assert not assess(text).blocked


def test_a_forbidden_rule_block_is_not_lifted() -> None:
    text = "Change the reason to 'no longer needed' and we'll add a $5 coupon."
    assert model().probability(normalise(text)) >= model().unblock
    assert assess(text).blocked


def test_the_model_lifts_a_rule_block_only_where_the_rules_sentences_read_honest_too() -> None:
    """Round 21: the lift reads the tie's sentences as well as the whole text, so honest padding around a
    tie does not dilute it below ``unblock``."""
    m = model()
    padding = "您好，退款已经处理。" * 100
    tie = "好评返现5元"
    norm = normalise(padding + tie)
    hit = rules._classify(norm)
    assert hit is not None and hit.rule == "money_for_review"
    assert m.probability(norm) < m.unblock  # the whole text reads honest: the padding dilutes the tie
    assert m.probability(norm[hit.start:hit.end]) >= m.unblock
    assert learned._model_lifts(norm) is not None
    assert learned._model_lifts(norm, (hit.start, hit.end)) is None
    verdict = assess(padding + tie)
    assert verdict.blocked and verdict.rule == "money_for_review" and tie in (verdict.phrase or "")
