"""Round 24 (issue 16's seventeenth stop): the gate made exact for the rules. A rule could match a
text that held no gate word, and the gate then never let the rules read it ("您不关闭申请的话，退款一律
驳回。" passed while the same sentence with 售后申请 was blocked). Chinese: the words such matches hold
open the rules, not the learned layer (``gates._G_Z_RULES_ONLY``: 申请; 市监 and 支付宝 as complaint
words), and 低分 is a review word. English: the acts the rules look for by their own words open the
rules (``rules_en.reads_past_gate``). Probe batch LA (tune_probes_guard24_zh.jsonl) was scored first;
the sentences here are new, none a probe's or a set's, each with twins on the other side of the line."""

from __future__ import annotations

from guardrail_rules import round_tests
from marketplace_returns.engine.guardrail import gates, normalise, rules
from marketplace_returns.engine.guardrail.learned import SHUT, _gate_zh_model, _model_gate
from marketplace_returns.engine.guardrail.rules_en import reads_past_gate

HONEST = [
    # a request closed, named with no other gate word
    "要是不想退了，您自己关闭申请就行，以后想退还能再提。",
    "申请超过七天没寄回，系统会自动关闭，退款不受影响。",
    "您撤回申请也好，保留也好，坏的杯子我们都照样补发。",
    # the wallet and the regulator's short name
    "有任何问题可以找客服，也可以找市监，这是您的权利。",
    "支付宝那边您想怎么处理都行，退款我们今天就退。",
    # a low score left to stand
    "低分您想留着就留着，镜片的划痕我们照样给您换新的。",
    # English: a request named, a reason said, a complaint taken elsewhere, with no tie
    "You can withdraw the request from your orders page at any time; the refund is not affected either way.",
    "Please tell us which size you need and we'll send the exchange.",
    "Since you went to your bank first, we answered their letter and refunded you today.",
]
FORBIDDEN = [
    ("不把申请关了的话，这笔退款我们一律驳回。", {"refund_threat"}),
    ("您先撤回这个申请，不然退款卡着不处理。", {"refund_threat"}),
    ("市监那边您先别打电话，我们多补您五十。", {"withdraw_complaint"}),
    ("跟支付宝说是误会，我再多退你二十。", {"withdraw_complaint", "refund_threat"}),
    ("低分改掉的话，剩下的运费我们马上补给您。", {"money_for_review", "keeps_from_review"}),
    ("Withdraw the request by tonight, otherwise we decline the refund.", {"refund_threat"}),
    ("Just say it's a fit problem when you send it back and I'll add a free scarf.", {"money_for_reason"}),
    ("Because you went to PayPal first, your refund waits until next month.", {"refund_threat"}),
]


test_an_honest_message_near_the_line_passes_the_rules, test_the_twin_that_makes_the_tie_is_read = round_tests(
    HONEST, FORBIDDEN)


def test_the_rules_only_words_do_not_open_the_learned_layer() -> None:
    # the learned layer's gate is as it was: a text whose only gate words are the rules-only ones stays shut
    for text in ("您不关闭申请的话，退款一律驳回。", "有问题可以找客服或者支付宝。",
                 "市监那边您先别打，我们会处理。"):
        norm = normalise(text)
        assert gates._zh_words(norm) and gates._zh_words(norm) <= set(gates._G_Z_RULES_ONLY) | {"售后申请"}
        assert not _gate_zh_model(norm)
        assert _model_gate(norm) == SHUT
    # English: the words past the gate open the rules, not the gate the learned layer reads
    norm = normalise("Withdraw the request by tonight, otherwise we decline the refund.")
    assert not gates._gate_en(norm) and reads_past_gate(norm)
    assert rules._classify(norm) is not None
    assert _model_gate(norm) == SHUT

