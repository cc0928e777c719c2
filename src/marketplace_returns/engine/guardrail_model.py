"""The guardrail's learned layer: a small logistic model over the words and characters of an outgoing
message, used only to block more, never to let through what the rules block.

Why: the concept rules (engine/guardrail.py) miss phrasing they have no word for. Replayed on the first
independent evaluation set with the rules frozen before it and a model trained only on the tune
corpus, the model at probability >= 0.90 caught 12 of the 25 Chinese and 19 of the 53 English forbidden
messages the rules missed and added no false block (bench/guardrail_learned.py; docs/guardrail.md has
the figures). So it may add a block where its probability is that high, the text holds a rule-level
concept (an act or benefit word the rules know) and no disclaimer.

How: the grams of the guardrail's normalised text are English words and word pairs, and Chinese
characters and character pairs; each is looked up in the model's vocabulary (no salted hash: the same
result in every process), the vector is binary and L2-normalised over the grams the vocabulary holds,
and the probability is a sigmoid of the summed weights. Weights ship in ``guardrail_data/model.npz``
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

WEIGHTS = "guardrail_data/model.npz"
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
        ref = resources.files("marketplace_returns.engine").joinpath(WEIGHTS)
        with ref.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
            if int(npz["format"]) != FORMAT:
                raise GuardrailModelError(f"{WEIGHTS}: format {int(npz['format'])}, expected {FORMAT}")
            vocab = [str(g) for g in npz["vocab"]]
            weights = [float(w) for w in npz["weights"]]
            return Model(vocab, weights, float(npz["bias"]), float(npz["threshold"]))
    except (OSError, KeyError, ValueError) as exc:
        raise GuardrailModelError(f"cannot read the guardrail model {WEIGHTS}: {exc}") from exc
