"""The guardrail's learned layer: a small logistic model over the words and characters of an outgoing
message, used only to block more, never to let through what the rules block.

Why: the concept rules (the rest of this package) miss phrasing they have no word for. Replayed on
the first independent evaluation set with the rules frozen before it and a model trained only on the tune
corpus, the model at probability >= 0.90 caught 12 of the 25 Chinese and 19 of the 53 English forbidden
messages the rules missed and added no false block; in round 3, grouped cross-validation over every
tuning file (each evaluation file and probe batch one group) kept 0.90 (bench/guardrail_learned.py;
docs/guardrail.md has the figures). So it may add a block where its probability is that high, the
text holds a rule-level concept (an act or benefit word the rules know) and no disclaimer.

How: the grams of the guardrail's normalised text are English words and word pairs, and Chinese
characters and character pairs; each is looked up in the model's vocabulary (no salted hash: the same
result in every process), the vector is binary and L2-normalised over the grams the vocabulary holds,
and the probability is a sigmoid of the summed weights. Weights ship in ``model.npz`` beside this module
(loaded once, lazily); a missing or unreadable file raises ``GuardrailModelError``: a package whose
model cannot load must say so rather than silently block less. Prediction needs numpy only; training
(``bench/guardrail_learned.py --write``) needs the ``train`` extra.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from itertools import pairwise
from math import exp, sqrt

import numpy as np

from marketplace_returns.engine.guardrail.concepts_en import E_BENEFIT, E_CANCEL, E_DECOUPLE, E_THREAT
from marketplace_returns.engine.guardrail.concepts_zh import Z_BENEFIT, Z_CANCEL, Z_DECOUPLE, Z_THREAT
from marketplace_returns.engine.guardrail.gates import _GATE_ZH, _any_of, _gates
from marketplace_returns.engine.guardrail.verdict import PASS, WHY, Assessment

WEIGHTS = "model.npz"
FORMAT = 1

_EN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


class GuardrailModelError(RuntimeError):
    """Raised when the shipped weights of the guardrail's learned layer cannot be read."""


def grams(norm: str) -> list[str]:
    """The grams of a normalised text: English words and word pairs (``w:`` and ``p:``), Chinese
    characters and character pairs (``c:``)."""
    out: list[str] = []
    if not norm.isascii():
        for run in _CJK_RUN.findall(norm):
            out.extend("c:" + ch for ch in run)
            out.extend("c:" + run[i:i + 2] for i in range(len(run) - 1))
    words = _EN_WORD.findall(norm)
    if words:
        out.extend("w:" + w for w in words)
        out.extend(f"p:{a} {b}" for a, b in pairwise(words))
    return out


class Model:
    """The weights: a vocabulary dict from gram to weight, a bias, and the threshold it blocks at."""

    __slots__ = ("bias", "threshold", "weight")

    def __init__(self, vocab: list[str], weights: list[float], bias: float, threshold: float) -> None:
        self.weight = dict(zip(vocab, weights, strict=True))
        self.bias = bias
        self.threshold = threshold

    def probability(self, norm: str) -> float:
        get = self.weight.get
        total = 0.0
        seen = 0
        for g in set(grams(norm)):
            w = get(g)
            if w is not None:
                total += w
                seen += 1
        z = self.bias + (total / sqrt(seen) if seen else 0.0)
        return 1.0 / (1.0 + exp(-z)) if z > -60 else 0.0


@cache
def model() -> Model:
    """The shipped model, read once."""
    try:
        ref = resources.files("marketplace_returns.engine.guardrail").joinpath(WEIGHTS)
        with ref.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
            if int(npz["format"]) != FORMAT:
                raise GuardrailModelError(f"{WEIGHTS}: format {int(npz['format'])}, expected {FORMAT}")
            vocab = [str(g) for g in npz["vocab"]]
            weights = [float(w) for w in npz["weights"]]
            return Model(vocab, weights, float(npz["bias"]), float(npz["threshold"]))
    except (OSError, KeyError, ValueError) as exc:
        raise GuardrailModelError(f"cannot read the guardrail model {WEIGHTS}: {exc}") from exc



def _model_may_block(norm: str, gates: tuple[bool, bool, bool] | None = None) -> bool:
    """Whether the learned layer may add a block: the text holds a word the rules read as an act or a
    benefit, and no disclaimer."""
    has_zh, has_en, _mixed = gates if gates is not None else _gates(norm)
    if has_zh:  # every after-sales reply opens with "收到您的售后申请": not an act by itself
        has_zh = _RX_MODEL_GATE_ZH.search(norm) is not None
    if not (has_zh or has_en):
        return False
    if (has_en and E_DECOUPLE.search(norm)) or (has_zh and Z_DECOUPLE.search(norm)):  # the small ones first
        return False
    return not ((has_en and E_CANCEL.search(norm)) or (has_zh and Z_CANCEL.search(norm)))


_RX_MODEL_GATE_ZH = _any_of(tuple(w for w in _GATE_ZH if w != "售后申请"))

# The rule a block by the learned layer is filed under: a threat first, then the first kind of act the
# text names; a review with no benefit named is an ask.
_LIKELY: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("withdraw_complaint", re.compile(r"投诉|客诉|维权|介入|纠纷|举报|拒付|仲裁|12315|平台|小二|"
                                      r"complaint|dispute|"
                                      r"claim|chargeback|a-to-z|case|bbb|escalat")),
    ("money_for_receipt", re.compile(r"确认收货|收货|签收|confirm|receipt|received|delivered|acknowledg")),
    ("money_for_reason", re.compile(r"原因|理由|无理由|reason")),
    ("keeps_from_review", re.compile(r"差评|中评|删|只写|negative|bad review|1-star|one-star|delete|remove|"
                                     r"take down|private")),
    ("money_for_review", re.compile(r"好评|五星|晒|评|review|rating|feedback|star|rate")),
)


def _likely_rule(norm: str) -> str:
    if Z_THREAT.search(norm) or E_THREAT.search(norm):
        return "refund_threat"
    for rule, words in _LIKELY:
        if words.search(norm):
            if rule == "money_for_review" and not (Z_BENEFIT.search(norm) or E_BENEFIT.search(norm)):
                return "asks_for_review"
            return rule
    return "money_for_review"


def _learned(text: str, norm: str, gates: tuple[bool, bool, bool]) -> Assessment:
    """The learned layer (the model above) over a text the rules let through: a block only
    where its probability reaches the shipped threshold, the text names an act or benefit word the rules
    know, and nothing in it disclaims a tie."""
    has_zh, has_en, _mixed = gates
    if has_zh:  # every after-sales reply opens with "收到您的售后申请": not an act by itself
        has_zh = _RX_MODEL_GATE_ZH.search(norm) is not None
    if not (has_zh or has_en):
        return PASS
    # the same test as _model_may_block, cheapest first: the small disclaimer finders, the Chinese
    # disclaimer finder (about 4 µs; it holds on every Chinese engine reply that reaches this line, where
    # the model costs about 33 µs), the model, the English disclaimer finder (about 28 µs on a reply)
    if (has_en and E_DECOUPLE.search(norm)) or (has_zh and Z_DECOUPLE.search(norm)):
        return PASS
    if has_zh and Z_CANCEL.search(norm):
        return PASS
    model_ = model()
    p = model_.probability(norm)
    if p < model_.threshold or (has_en and E_CANCEL.search(norm)):
        return PASS
    rule = _likely_rule(norm)
    return Assessment(blocked=True, rule=rule, phrase=text.strip()[:_LEARNED_PHRASE] or text,
                      why=f"{WHY[rule]} (read by the learned layer, probability {p:.2f})")


_LEARNED_PHRASE = 300
