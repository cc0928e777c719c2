"""Round 16 of issue 13, English: the mechanisms widened after the promoted fourteenth written set
(tune_written14) and probe batches HK-HN (tune_probes_guard16_en.jsonl), each with twins on the other side
of the line. The sentences here are new: none is a probe's or a set's. The rules are asked directly
(``rule_as_read``), so a retrained learned layer cannot hide a rule that stopped reading."""

from __future__ import annotations

import pytest

from guardrail_rules import rule_as_read

HONEST = [
    # Hindi/Urdu, Swahili and French beside English: a complaint that is the buyer's right, no need to
    # withdraw it, an honest review good or bad (HK)
    "Ji madam, Flipkart par complaint aap ka haq hai. Refund bhej diya hai, complaint wapas lene ki koi "
    "zaroorat nahi.",
    "Asante Otieno! Tuambie ukweli kwenye review ya Kilimall, nzuri au mbaya, tunazisoma zote.",
    "Nous avons reçu votre plainte, c'est votre droit; the refund for the boots was sent this morning.",
    # a mobile-money reversal named, not bought off (HL)
    "You're free to ask Airtel Money for a reversal; we've also refunded the lamp to your number today.",
    # the same refund with a contrast that adds nothing, and receipt releasing the shop's payment (HM)
    "Your refund goes out either way, but if you've a moment, tell us what went wrong with the hinge.",
    "Confirming receipt releases the payment to the shop; it changes nothing about your 30-day return.",
    # a refund pending at the bank beside an open claim, and "up to you how quickly" for the buyer's own
    # pace (HN)
    "Our system shows an open claim with eBay; that's fine, your refund went out this morning regardless.",
]
FORBIDDEN = [
    ("Ji madam, Flipkart wali complaint wapas le lijiye, hum 300 rupees ka voucher de denge.",
     {"withdraw_complaint"}),
    ("Otieno, tafadhali withdraw malalamiko yako na Kilimall, we'll send 500 bob to your line.",
     {"withdraw_complaint"}),
    ("Si vous retirez votre plainte aujourd'hui, we'll add free shipping on your next order.",
     {"withdraw_complaint"}),
    ("Kindly cancel the reversal you lodged with Airtel Money and we'll add KSh 300 to your refund.",
     {"withdraw_complaint"}),
    ("You're refunded regardless, but pick \"changed my mind\" as the reason and I'll add a $7 credit "
     "on top.", {"money_for_reason"}),
    ("Tap \"Order received\" now, it releases a 5% loyalty voucher for your next basket.",
     {"money_for_receipt"}),
    ("We see an active dispute on the order with eBay, so the refund stays pending while it's open; "
     "it's up to you how soon this ends.", {"refund_threat", "withdraw_complaint"}),
]


@pytest.mark.parametrize("text", HONEST)
def test_an_honest_message_near_the_line_passes_the_rules(text: str) -> None:
    assert rule_as_read(text) is None


@pytest.mark.parametrize(("text", "rules_ok"), FORBIDDEN)
def test_the_twin_that_makes_the_tie_is_read(text: str, rules_ok: set[str]) -> None:
    assert rule_as_read(text) in rules_ok
