"""Round 9 of issue 13: the English mechanisms widened after probe batches BA-BG and the promoted sets
(tune_eval9, tune_eval10, tune_written10; tests/data/guardrail/README.md logs the batches), each with
twins on the other side of the line. The sentences here are new: none is a probe's or a set's."""

from __future__ import annotations

import pytest

from marketplace_returns.engine.guardrail import assess, normalise, rules

# BA: receipt not confirmed as the condition of a refund threat; receipt put off until the goods are checked
RECEIPT_THREAT = [
    "If you don't confirm receipt by Monday, we will not release the refund.",
    "If you do not confirm receipt, the refund gets cancelled on our side.",
]
RECEIPT_PUT_OFF = [
    "Please do not mark the parcel as received until you have opened it and checked the glass.",
    "If you don't confirm receipt, nothing happens to your refund; it's already on its way.",
]


@pytest.mark.parametrize("text", RECEIPT_THREAT)
def test_a_refund_threatened_on_receipt_not_confirmed_blocks(text: str) -> None:
    hit = rules._classify(normalise(text))
    assert hit is not None and hit.rule == "refund_threat", (text, hit)


@pytest.mark.parametrize("text", RECEIPT_PUT_OFF)
def test_receipt_put_off_or_left_alone_passes(text: str) -> None:
    assert rules._classify(normalise(text)) is None, normalise(text)


# BD: pay for reviews denied, a bad review allowed beside the refund, reps told to keep a review out
REVIEW_NO_LEVER = [
    "We can't give discounts or credit for reviews, but the spare filter is going out free this afternoon.",
    "Yes, you can leave a two-star review and still get your refund, it makes no odds to us.",
    "Agents: do not mention the customer's review when you offer the free collection.",
    "You paid for a five-star service and didn't get it; the refund is done.",
]
REVIEW_LEVER = [
    "We can't pay for reviews, but once yours shows five stars I'll send a free filter.",
    "The free collection is booked - just nudge the rating up to five once it's picked up.",
]


@pytest.mark.parametrize("text", REVIEW_NO_LEVER)
def test_a_review_named_as_no_lever_passes_the_rules(text: str) -> None:
    assert rules._classify(normalise(text)) is None, normalise(text)


@pytest.mark.parametrize("text", REVIEW_LEVER)
def test_a_benefit_for_a_better_review_still_blocks(text: str) -> None:
    assert assess(text).blocked, text


# BB: a posted review asked to be looked at again, held up as unfair now, a part of it left out
KEEPS = [
    "The replacement's arrived, so could you look once more at the review you posted?",
    "Now that it's fixed, a one-star feels a bit harsh, doesn't seem fair any more, does it?",
    "When you write it up, could you leave the part about the broken zip out? That's sorted now.",
]
KEEPS_HONEST = [
    "Your review stays exactly as you wrote it; the replacement ships today either way.",
    "Thanks for the honest review - you were right about the zip and we've changed supplier.",
]


@pytest.mark.parametrize("text", KEEPS)
def test_a_review_looked_at_again_after_a_fix_is_read_by_the_rules(text: str) -> None:
    # (the first is read as money_for_review: "the replacement's arrived, so ..." ties the fix to it)
    hit = rules._classify(normalise(text))
    assert hit is not None and hit.rule in ("keeps_from_review", "money_for_review"), (text, hit)


@pytest.mark.parametrize("text", KEEPS_HONEST)
def test_a_review_left_alone_passes(text: str) -> None:
    assert not assess(text).blocked, assess(text)


# BC, BE, tune_written10: reasons by label and route, burdens by stage
REASON_TIES = [
    ("If it wasn't really faulty and just didn't fit, we'll pick it up free and add a $5 voucher.",
     "money_for_reason"),
    ("'Too big' returns qualify for a free exchange; faulty ones need to be posted back.",
     "money_for_reason"),
    ("Lodge it as change of mind rather than defective and we'll cover the postage.", "money_for_reason"),
    ("The 'counterfeit' route means an outside authenticator looks at it before any refund is paid.",
     "refund_threat"),
    ("Returns logged as 'broken' go to our quality team, which can take up to eight weeks.", "refund_threat"),
]
REASON_HONEST = [
    "Pick whichever reason fits; we have no preference and the refund amount is same.",
    "Keep 'defective' - it won't turn on, so that's the right reason and the refund follows once it's "
    "scanned.",
]


@pytest.mark.parametrize(("text", "rule"), REASON_TIES)
def test_a_reason_label_or_route_tied_to_money_or_delay_blocks(text: str, rule: str) -> None:
    hit = rules._classify(normalise(text))
    assert hit is not None and hit.rule == rule, (text, hit)


def test_the_same_refund_for_any_reason_passes_the_rules() -> None:
    assert rules._classify(normalise(REASON_HONEST[0])) is None


def test_a_product_that_wont_turn_on_is_no_threat() -> None:
    hit = rules._classify(normalise(REASON_HONEST[1]))
    assert hit is None or hit.rule != "refund_threat", hit


# BG: review asks carried to a review site or said to keep a small shop going
ASKS = [
    "So pleased the lamp made it in one piece! Could you share that joy on Trustpilot for us?",
    "Positive feedback keeps our tiny workshop open, just saying!",
    "If it's a 10/10 for you, tell Google 👉 g.page/ourshop",
]


# (not yet: the same ask to Etsy or Google with no review word holds no English gate word, so the rules
# never run on it; docs/guardrail.md, round 9, what is left)


@pytest.mark.parametrize("text", ASKS)
def test_a_review_ask_dressed_as_thanks_is_read_by_the_rules(text: str) -> None:
    hit = rules._classify(normalise(text))
    assert hit is not None and hit.rule == "asks_for_review", (text, hit)


def test_an_open_invitation_to_review_passes() -> None:
    text = "If you'd like to, a review on Etsy - good or bad - helps the next buyer decide."
    assert not assess(text).blocked, assess(text)
