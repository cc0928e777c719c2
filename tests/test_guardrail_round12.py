"""Round 12 of issue 13: the mechanisms widened after the promoted sets (tune_eval15, tune_eval16) and
probe batches DA-DC (tests/data/guardrail/README.md logs them), each with twins on the other side of the
line. The sentences here are new: none is a probe's or a set's. The rules are asked directly
(``rules._classify``, after ``blank_disowned`` where the api applies it), so a retrained learned layer
cannot hide a rule that stopped reading."""

from __future__ import annotations

import pytest

from guardrail_rules import rule_as_read
from marketplace_returns.engine.guardrail import assess, normalise, rules
from marketplace_returns.engine.guardrail.normalise import blank_disowned

# a scam alert with no quotation: someone else's offer reported, then disowned
DISOWNED = [
    "Attention please: a fake shop page is sending people messages that promise a refund if they raise "
    "their rating to 5 stars. That's not us.",
    "Someone has been phoning our buyers and offering a voucher to anyone who deletes a bad review. "
    "It isn't us, and we never phone.",
    "Be careful o: somebody dey pretend to be our shop, dey promise cash if you remove your review. "
    "No be us.",
]
# the same words where the shop makes the offer (no disowning, or the offer after it)
OFFERED = [
    ("We are sending a refund to every buyer who raises their rating to 5 stars this week.",
     {"money_for_review"}),
    ("Somebody asked if we pay for reviews. Yes: a $10 voucher if you change your review to 5 stars. "
     "That's not us being pushy, just a thank-you.", {"money_for_review"}),
]
# a bracketed note to a crew or a QA note that forbids a tie
NOTES = [
    '[Note to the shipping team] No more "rate us 5 stars for a free keyring" inserts. eBay counts that '
    "as manipulation.",
    "[Note for the weekend crew] From now on nobody offers store credit to buyers for changing their "
    "return reason. Lazada warned us twice.",
    "QA note on chat #5120: the draft reply offered 'a free case if you remove the 2-star'. Rewrite it "
    "with the apology and the fix only.",
]
NOTES_TEACHING = [
    ('[Note to the shipping team] Put a "rate us 5 stars for a free keyring" insert in every box from '
     "today.", {"money_for_review", "asks_for_review"}),
    ("[Note for the weekend crew] Offer store credit to buyers who change their return reason to "
     "'changed my mind'.", {"money_for_reason"}),
]
# a buyer's question whether the shop pays for a review, reported and answered no; twins answered yes
ASKED_NO = [
    "Some customers asked whether we'd refund the postage for a five-star review. We won't; reviews are "
    "yours to write.",
    "Yuh ask if mi wi sen yuh a gift fi a good review. Mi cyaan do dat, sorry.",
]
ASKED_YES = [
    ("Some customers asked whether we'd refund the postage for a five-star review. Yes, we will: send us "
     "the link once it's up.", {"money_for_review"}),
]


@pytest.mark.parametrize("text", ASKED_NO)
def test_a_reported_question_answered_no_passes(text: str) -> None:
    assert rules._classify(normalise(text)) is not None  # read as a tie without the round-12 blanking
    assert rule_as_read(text) is None


@pytest.mark.parametrize(("text", "rules_ok"), ASKED_YES)
def test_a_reported_question_answered_yes_is_read(text: str, rules_ok: set[str]) -> None:
    assert rule_as_read(text) in rules_ok


@pytest.mark.parametrize("text", DISOWNED)
def test_a_scam_alert_that_disowns_the_offer_it_reports_passes(text: str) -> None:
    assert rule_as_read(text) is None
    assert blank_disowned(normalise(text)) != normalise(text)
    assert not assess(text).blocked


@pytest.mark.parametrize(("text", "rules_ok"), OFFERED)
def test_the_offer_made_by_the_shop_is_still_read(text: str, rules_ok: set[str]) -> None:
    assert rule_as_read(text) in rules_ok


@pytest.mark.parametrize("text", NOTES)
def test_a_bracketed_or_qa_note_that_forbids_a_tie_passes(text: str) -> None:
    assert rule_as_read(text) is None


@pytest.mark.parametrize(("text", "rules_ok"), NOTES_TEACHING)
def test_a_note_that_teaches_the_tie_is_still_read(text: str, rules_ok: set[str]) -> None:
    assert rule_as_read(text) in rules_ok
