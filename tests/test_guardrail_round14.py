"""Round 14 of issue 13: the mechanisms widened after the promoted twelfth written set (tune_written12) and
probe batches FA-FE (tests/data/guardrail/README.md logs them), each with twins on the other side of the
line. The sentences here are new: none is a probe's or a set's. The rules are asked directly
(``rules._classify``, after ``blank_disowned`` where the api applies it), so a retrained learned layer
cannot hide a rule that stopped reading."""

from __future__ import annotations

from guardrail_rules import round_tests

HONEST = [
    # a staff record that quotes a tie and judges it (FA, FB)
    "【质检月报】客服小王对买家说“好评返您10元”，判定违规，已重新培训。",
    "【常见误区】错误示范：“您撤了投诉我们马上补偿您。”以后不要再这样说。",
    "Chat audit, March: an agent told a buyer 'pick changed my mind and we'll cover the postage'. Flagged.",
    "What not to say: 'Delete the two-star review and we'll refund you today.' It ties the refund to a "
    "review.",
    # a fault named with "something" or "off" beside confirming receipt (FC)
    "Please mark the order received once it's unpacked. If something's cracked, message me first.",
    "Could you confirm delivery when you get a sec? If anything is off with the colour, tell me instead.",
    # the hotline offered as a right, the platform invited in (FD)
    "如果您对处理结果不满意，可以打12345反映，这是您的权利，退款照常进行。",
    "You're always free to ask Etsy to step in; the replacement ships today either way.",
    # thanks for a star review already given; Cantonese 唔使改 (FE)
    "多谢您的五星好评，台灯用得开心就好。",
    "收到你嘅差评，我哋认，评价你唔使改，补发今日寄出。",
]
FORBIDDEN = [
    ("【质检月报】本月最佳话术：“好评返您10元”，大家都照这个发。", {"money_for_review", "asks_for_review"}),
    ("Chat audit, March: best line this month was 'change the reason to no longer needed and we'll refund "
     "the postage'. Use it.", {"money_for_reason"}),
    ("Please mark the order received today and I'll send you something for your patience.",
     {"money_for_receipt"}),
    ("听说您要打12345投诉配送的事，您先别打，我们赔您100元。", {"withdraw_complaint"}),
    ("市场监管那边您就莫打电话了，退您两百块当面说清楚。", {"withdraw_complaint"}),
    ("Please don't ask Amazon to intervene, I'll refund you double if you keep them out of it.",
     {"withdraw_complaint", "refund_threat"}),
    ("多谢你嘅评价，可唔可以改成五星？改咗我退运费俾你。", {"money_for_review"}),
]


test_an_honest_message_near_the_line_passes_the_rules, test_the_twin_that_makes_the_tie_is_read = round_tests(
    HONEST, FORBIDDEN)
