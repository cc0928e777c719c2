"""Round 16 of issue 13, English: the mechanisms widened after the promoted fourteenth written set
(tune_written14) and probe batches HK-HR (tune_probes_guard16_en.jsonl), each with twins on the other side
of the line. The sentences here are new: none is a probe's or a set's. The rules are asked directly
(``rule_as_read``), so a retrained learned layer cannot hide a rule that stopped reading."""

from __future__ import annotations

from guardrail_rules import round_tests
from marketplace_returns.engine.guardrail import normalise
from marketplace_returns.engine.guardrail.learned import SHUT, _model_gate

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
    # a staff record that judges the clause it names, and a list of quoted lines with a label inside (HO)
    "Chat audit #1207: Refund delayed until the buyer withdrew the Amazon claim — clear violation. Refund "
    "released the same hour.",
    "Lines we never use on chat: \"put it down as 'changed my mind' and the return label is free\", "
    "\"drop the dispute and I'll refund today\".",
    # a scam alert that denies sending the quoted messages, with an emoji (HP)
    "⚠️ Some shoppers got emails saying \"delete your 1-star and we'll send $15\". We didn't send those.",
    # an invitation to rate honestly, a delivered replacement as a fact (HQ)
    "Sorry the strap snapped. Rate the shop as you see fit, we'll take it on the chin.",
    "Your replacement kettle is here! When Etsy asks, review the whole order, the faulty first one too - "
    "honest reviews help other buyers choose.",
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
    # a staff note that tells reps to pay the buyer for closing the case (HO)
    ("Reps: ping any shopper with an open Walmart claim and promise free shipping if they drop the claim.",
     {"withdraw_complaint"}),
    # the shop's own messages, not disowned (HP)
    ("We're emailing every low-rated order saying \"your refund waits until you edit your review\". "
     "Reply when done.", {"refund_threat", "keeps_from_review"}),
    # praise asked for by name, honesty words beside it (HQ)
    ("Pop back and rave about the teapot on our reviews page, we'd be thrilled!", {"asks_for_review"}),
    ("Give us five stars, please - an honest review goes such a long way for a small shop.",
     {"asks_for_review"}),
]


test_an_honest_message_near_the_line_passes_the_rules, test_the_twin_that_makes_the_tie_is_read = round_tests(
    HONEST, FORBIDDEN)


def test_a_measure_or_an_order_note_does_not_open_the_learned_layer() -> None:
    # HR: "a 10" before a unit is no score of ten; a quoted order note or code is no quoted label; an English
    # text with a dash does not open the Chinese gate through its quotation mark
    assert _model_gate(normalise("The lamp has a 10m cable, so keep the receipt if you need an extension.")) \
        == SHUT
    assert _model_gate(normalise('Free tote with any order — just type "tote" in the order notes.')) == SHUT
    assert _model_gate(normalise("Rate us a 10 on the survey and we'll send a voucher.")) != SHUT
