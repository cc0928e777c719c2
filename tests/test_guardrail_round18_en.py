"""Round 18 of issue 13, English: the mechanisms widened after the promoted sixteenth written set
(tune_written16) and probe batches KA-KL (tune_probes_guard18_en.jsonl), each with twins on the other
side of the line. The sentences here are new: none is a probe's or a set's. The rules are asked directly
(``rule_as_read``), so a retrained learned layer cannot hide a rule that stopped reading; the two
learned-layer gate changes (KD, KE) are asked of the gate itself."""

from __future__ import annotations

import pytest

from guardrail_rules import round_tests
from marketplace_returns.engine.guardrail import normalise
from marketplace_returns.engine.guardrail.learned import _gate_en_model

HONEST = [
    # a same-refund statement in any wording undoes a reason change asked for (KA)
    "You said the toaster works and you simply bought two. Could you change \"faulty\" to \"ordered by "
    "mistake\"? Refund total exactly the same, $29.",
    "Your note says the jacket fits but you went off the colour. Mind switching the reason to \"changed "
    "mind\"? Same £48 back, nothing off.",
    "Your refund request shows \"cracked\", but you told me the vase arrived whole. Can you update it to "
    "\"no longer needed\"? The amount refunded stays identical.",
    # staff notes in dialect voices that report a colleague's line and forbid it (KB)
    "Right crew, quick one: I spotted a draft sayin' \"switch it to 'no longer needed' an' we'll refund "
    "faster\". We don't do that here.",
    "Oi gang - somebody's been writin' \"close the claim an' I'll send a tenner\" to buyers. That stops now.",
    "Listen up, everybody answerin' the Etsy messages: no more \"five stars for a free bookmark\" notes. Let "
    "folks rate us honest.",
    # scam alerts disowned in more words (KC)
    "Some of you got a text from one number claiming \"delete your review and get $25\". That number is not "
    "ours.",
    "A copycat page is telling buyers \"tick Received and we PayPal you $10\". Nope, not us! Report it.",
    # a review thanked for, a star average stated (KD)
    "That lamp averages 4 stars on Argos; a few folks said the shade's thin, so go for the linen one.",
    "Our grinder's sitting on 4.3 stars on Amazon - the burr set is the bit people rave about.",
    # a platform's rule explained (KE)
    "Mercari's rule: the payment stays with Mercari until you rate the transaction, then it's released to "
    "me. Check the watch first, please.",
    "Sellers on Vinted can't edit a review or get it taken down, so write what you really think.",
    # an English staff note's forbidding clause ends at a turn (KF)
    "Reps: never offer a voucher for a closed claim - it's against PayPal's rules.",
    # Polish beside English (KH)
    "Dzień dobry, the komentarz is yours to write, positive or negative. The new blender ships today.",
    # a text back saying it arrived, with nothing tied to it (KI)
    "Text me back saying you got it when it lands - no rush, the $12 for the missing screws is already sent.",
    # dialect English (KJ)
    "If yow changed yer mind, just say so - yer refund's the same, nothin' taken off.",
    # please in the buyer's language, nothing asked (KK)
    "Bitte, the spare strap's already in the post. Enjoy the watch!",
    # a fault label after "for" (KL)
    "For \"arrived damaged\" we cover the courier both ways.",
]
FORBIDDEN = [
    ("Switch the reason to \"no longer needed\" - same $35 back, plus a $5 voucher on top.",
     {"money_for_reason"}),
    ("Change it to \"doesn't fit\": refund amount stays the same but it lands today instead of next week.",
     {"money_for_reason"}),
    ("Right crew, new rule for the eBay chats: tell every buyer \"close yer PayPal claim an' we'll send a "
     "tenner\".", {"withdraw_complaint"}),
    ("Oi lads, from today tell buyers \"mark it received an' we knock 10% off\". Works a treat.",
     {"money_for_receipt"}),
    ("That number is ours now: change your review to 5 stars and we'll send $20.", {"money_for_review"}),
    ("Our grinder sits at 4.3 stars - help us get to 5 by leaving a five-star review and grab a $5 code.",
     {"money_for_review", "asks_for_review"}),
    ("The money stays with Mercari until you rate the transaction - and I won't refund the strap until you "
     "do.", {"refund_threat", "money_for_review", "asks_for_review"}),
    ("Reps: never put it in writing, but ring the buyer and promise $20 if they close the claim.",
     {"withdraw_complaint"}),
    ("Pani Basiu, if you close the Dyskusja today, I send 30 zł back on BLIK.", {"withdraw_complaint"}),
    ("Zostaw pozytywny komentarz and I send you 15 zł as thank you.", {"money_for_review"}),
    ("Message me back saying you've received it and I'll PayPal you $10 for the wait.",
     {"money_for_receipt"}),
    ("If yer keepin' it as \"broken\", I'm holdin' twenty back. Tell us yow changed yer mind an' it's the "
     "lot.", {"refund_threat", "money_for_reason"}),
    ("Enjoy the lamp! Five stars, proszę?", {"asks_for_review"}),
    ("For \"changed my mind\" I can send the courier free and refund same day.", {"money_for_reason"}),
]


(test_an_honest_message_near_the_line_passes_the_rules,
 test_the_twin_that_makes_the_tie_is_read) = round_tests(HONEST, FORBIDDEN)


@pytest.mark.parametrize("text", [
    "Thank ye kindly for that review on the lantern! Enjoy it.",
    "That kettle's got four and a half stars on the big sites, last I looked.",
    "Tokopedia's escrow: the money stays with Tokopedia until you confirm the order.",
])
def test_a_fact_opens_no_learned_gate(text: str) -> None:
    """KD, KE: a review thanked for (no benefit named), a star average, a platform's escrow explained."""
    assert not _gate_en_model(normalise(text))


@pytest.mark.parametrize("text", [
    "Thank ye kindly for that review! Bump it to five stars and I'll send a voucher.",
    "Tokopedia holds the money until you confirm, so confirm today and I'll add a gift.",
])
def test_the_act_beside_the_fact_still_opens_it(text: str) -> None:
    assert _gate_en_model(normalise(text))
