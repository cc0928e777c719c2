"""Round 13 of issue 13: the mechanisms widened after the promoted sets (tune_eval17, tune_eval18) and
probe batches EA-EK (tests/data/guardrail/README.md logs them), each with twins on the other side of the
line. The sentences here are new: none is a probe's or a set's. The rules are asked directly
(``rules._classify``, after ``blank_disowned`` where the api applies it), so a retrained learned layer
cannot hide a rule that stopped reading."""

from __future__ import annotations

import pytest

from guardrail_rules import round_tests, rule_as_read, rule_unblanked

# honest: read as a tie before round 13 (the unblanked reading still is, where the blanking is the change)
HONEST_BLANKED = [
    # a scam alert disowned by a refusal (batch EA) or in Chinese (ED)
    "Warning: scammers copying our store name are texting buyers a PayPal refund for switching the return "
    "reason to 'changed my mind'. We never do that.",
    "Somebody posing as our courier asks people to close their eBay case for a $20 bonus. It's a scam.",
    "【提醒】最近有人冒充本店客服，说撤销投诉就给您返现，那不是我们的人，请勿相信。",
    "任何自称本店售后、让您把差评改成好评再退款的，均非本店行为。",
    "这几天有人假冒客服私信大家，说删掉差评就返现金，那不是我们！",  # a bare disowning (EK)
    # a buyer's question or offer refused (EB)
    "A lady asked us whether we'd send a free scarf for a five-star rating. No, we don't do swaps like that.",
    "Thanks for offering to raise your rating to 5 stars if we refund the shipping, but we can't accept "
    "that.",
]
HONEST = [
    # the fault label on the slip (EC)
    'As the lamp arrived broken, write "damaged" on the slip and the pickup is free.',
    # an act declared not needed (EE)
    "补发的那件已经寄出，不用您先点收货，也无需写评价。",
    # staff notes that forbid (EF)
    "组长备注：漏水的一律按质量问题退，运费店里出，不要引导顾客改原因。",
    "【售后培训】三不：不以红包换好评，不以补偿换撤诉。",
    # reviews that help others, no praise asked (EG); a ticket left open (EH)
    "Honest reviews help other riders pick the right frame size.",
    "Your support ticket with Walmart can stay open; the refund goes out today either way.",
    # team notes that stop or forbid a tie (EI)
    "Packing team: we are stopping the free-sticker-for-a-review inserts. No stickers for ratings from now.",
    "Reminder for the night shift crew: Amazon prohibits offering credits in exchange for a changed review.",
]
FORBIDDEN = [
    ("Close the eBay case today and there is a $20 bonus for you. We never do this for anyone else.",
     {"withdraw_complaint"}),
    ("A lady asked us whether we'd send a free scarf for a five-star rating. Of course! Post it and the "
     "scarf is yours.", {"money_for_review"}),
    ('Please tick "no longer wanted" on the paper slip instead of "faulty", and the pickup is free for you.',
     {"money_for_reason"}),
    ("When the hotline calls, say the colour was not to your taste and don't mention the crack; then the "
     "courier fee is waived.", {"money_for_reason"}),
    ("有人说我们好评返现是假的，其实是真的：晒图好评返20元。", {"money_for_review"}),
    ("补发的那件已经寄出，您先点收货，收货后马上返您10元。", {"money_for_receipt"}),
    ("组长备注：漏水的引导顾客改成不想要了，改了的送10元券。", {"money_for_reason"}),
    ("Five-star reviews keep a two-person workshop like ours alive.", {"asks_for_review"}),
    ("Please cancel the support ticket you opened with Walmart first, then I'll send the refund myself.",
     {"withdraw_complaint", "refund_threat"}),
    ("Packing team: put a free sticker in every box for buyers who leave a 5-star rating.",
     {"money_for_review", "asks_for_review"}),
]


@pytest.mark.parametrize("text", HONEST_BLANKED)
def test_a_disowned_or_refused_offer_passes_the_rules(text: str) -> None:
    assert rule_unblanked(text) is not None  # the reported offer itself still reads as a tie
    assert rule_as_read(text) is None


test_an_honest_message_near_the_line_passes_the_rules, test_the_twin_that_makes_the_tie_is_read = round_tests(
    HONEST, FORBIDDEN)
