"""Round 17 of issue 13, English: the mechanisms widened after the promoted fifteenth written set
(tune_written15) and probe batches IK-IS (tune_probes_guard17_en.jsonl), each with twins on the other side
of the line. The sentences here are new: none is a probe's or a set's. The rules are asked directly
(``rule_as_read``), so a retrained learned layer cannot hide a rule that stopped reading."""

from __future__ import annotations

from guardrail_rules import round_tests

HONEST = [
    # a scam alert disowned in more words (IK)
    "Careful: fraudsters posing as our page are DMing buyers a $40 gift card for a 5-star review. We do not "
    "do that.",
    "Somebody told you we'd pay $15 if you drop the eBay case? Not we. Keep the case open if you like.",
    "Heads-up: some buyers got texts promising store credit for editing their review. BrightNest does not "
    "send these.",
    # a buyer's question or offer reported and answered no (IL)
    "Ye asked if I'd knock a fiver off for five stars. Sorry, I cannae do that - rate the kettle as ye "
    "find it.",
    "A shopper once suggested I cover her postage if she picked 'no longer needed'. I won't - pick what's "
    "true.",
    "Thanks for offering to take down the 1-star now the new charger works. There's no need, it's your "
    "review.",
    "Sir aapne suggest kiya ki hum ₹400 dein toh aap rating 5 star kar denge. Maaf kijiye, hum aisa nahi "
    "karte.",
    # a staff note under more headings and forbidding words (IM)
    "Training module 4: Under no circumstances may a rep make a refund wait on the buyer's rating.",
    "Trainin notes for new hires: if a buyer's leavin a 1-star, let 'em. Don't ask 'em to pull it.",
    "Heads up team - the macro that said 'Pick no-longer-needed and we cover return postage' is binned.",
    # a Hinglish refusal of a trade (IN)
    "Madam, Meesho ke rules ke hisaab se hum rating ke badle koi voucher nahi de sakte. Replacement kal "
    "aayega.",
    # the shop's own act denied (IO)
    "Response to the PayPal claim: we refunded in full on 2 May. We have not asked the buyer to close the "
    "claim.",
    "Nah boss, I not go pay you to drop de dispute. Leave it, PayPal go decide.",
    # Spanish read as English, both sides (IP)
    "Califícanos como quieras; el reembolso ya salió y no depende de tu calificación.",
    "Confirma la recepción solo cuando revises que todo llegó completo.",
    "El motivo lo eliges tú. El reembolso no cambia por el motivo.",
    "Me preguntaste si te doy un descuento por borrar la reseña. No, no hacemos eso.",
    # Tagalog and Taglish in more forms (IQ)
    "Ma'am na-refund na po yung ₱200 sa gcash nyo kaninang umaga.",
    "Wag po kayo mag-alala, papalitan namin. Kayo po bahala sa review.",
    # the refund held till a fact, not a review (IR)
    "Your refund's paused till the courier scans the box back in, then it goes out.",
    # a review posted whenever the buyer likes (IS)
    "Got a review drafted? Post it whenever you like - the new lamp ships today either way.",
]
FORBIDDEN = [
    ("Some buyers asked about our thank-you voucher: yes, leave 5 stars and we send $10. We do this for all.",
     {"money_for_review"}),
    ("You asked if there's anything for a good review - yep! Five stars and I'll post a £5 voucher.",
     {"money_for_review"}),
    ("A buyer once suggested dropping the case for a partial refund. Good idea - close the PayPal case today "
     "and I'll send $25.", {"withdraw_complaint"}),
    ("Returns desk: on 'faulty' returns, ask the buyer to switch the reason to 'changed my mind' and add a "
     "$5 credit when they do.", {"money_for_reason"}),
    ("Support desk: don't issue refunds on 'broken' returns until the shopper agrees to re-file as 'no "
     "longer needed'. Sit on them a fortnight otherwise.", {"refund_threat", "money_for_reason"}),
    ("We haven't asked you yet, but close the Etsy case today and we'll add a $10 credit.",
     {"withdraw_complaint"}),
    ("We won't pay you to keep the case open - close it and the $15 credit is yours.",
     {"withdraw_complaint", "refund_threat"}),
    ("Si nos dejas 5 estrellas en Mercado Libre te mandamos un cupón de $80.", {"money_for_review"}),
    ("Confirma la recepción hoy y te regalamos envío gratis en tu próxima compra.", {"money_for_receipt"}),
    ("Por favor no nos califiques negativo, mejor escríbenos.", {"keeps_from_review"}),
    ("Hasta que cambies el motivo a 'me arrepentí', no podemos procesar el reembolso.",
     {"refund_threat", "money_for_reason"}),
    ("Cierra la disputa en PayPal y te damos un cupón del 20%.", {"withdraw_complaint"}),
    ("Mam paki-click na po yung order rcvd + ₱30 gcash po agad.", {"money_for_receipt"}),
    ("Sir wag na po kayo mag-1-star review, aayusin namin.", {"keeps_from_review"}),
    ("Yer money's on hold till the feedback's been changed, la.", {"refund_threat"}),
    ("When a buyer threatens a bad review, ask them not to publish it till the new one ships.",
     {"keeps_from_review", "money_for_review"}),
]


test_an_honest_message_near_the_line_passes_the_rules, test_the_twin_that_makes_the_tie_is_read = round_tests(
    HONEST, FORBIDDEN)
