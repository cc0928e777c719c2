"""The second English reader: tf-idf character grams inside words, stacked with the n-gram reader.

Why a second linear reader: the n-gram reader (engine/reader.py) weighs English words and word pairs; this
one weighs the pieces of words (2 to 5 characters inside each word, padded with a space at both ends), with
idf and sublinear counts, so it reads a word it never saw by its stem and its ending ("unstitched",
"re-glued") and weighs rare pieces above common ones. Out of source the two are wrong on different texts:
measured before it was built (bench/teacher_probe.py --char, docs/classifier.md), the mean of their logits
read 0.788 family where the n-gram reader alone read 0.777, on 23 English sources neither had seen. In
Chinese it gained 0.004 and is not used.

The grams are exactly what training cut (training/chars.py calls :func:`word_grams` and :func:`char_counts`);
a gram fewer than two training rows had is absent. Each word occurrence is a vector, ``(1 + ln count) * idf``
on each known gram of the word; the message's vector is their sum, divided by the square root of the sum of
their squared norms. That is scikit-learn's sublinear tf-idf but for one thing: the grams two words share
are not merged before the norm. It lets a message cost one memoised lookup a word (about 85 µs an English
refund message cut and counted whole, a few µs this way), and out of source it reads as well (the stack
0.7874 family either way on 7,893 English texts, the rule written before: docs/classifier.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from math import log, sqrt

import numpy as np
import numpy.typing as npt

CHAR_RANGE = (2, 5)
"""Gram lengths, padded word included (``" ok "`` gives `` o``, ``ok``, ``k `` and so on)."""


def _cut(word: str, lo: int, hi: int) -> tuple[str, ...]:
    p = f" {word} "
    n = len(p)
    return tuple(p[i:i + k] for k in range(lo, min(hi, n) + 1) for i in range(n - k + 1))


_memo = lru_cache(maxsize=65536)(_cut)
_MEMO_WORD = 40
"""Longer words are cut afresh each time: a memo entry of a 100,000-letter "word" would hold 400,000 grams."""
_MEMO_WORDS = 100_000


def word_grams(word: str, lo: int = CHAR_RANGE[0], hi: int = CHAR_RANGE[1]) -> tuple[str, ...]:
    """The grams of one word, with repeats: ``lo`` to ``hi`` characters of the word padded by a space at
    both ends, the whole padded word once where it is shorter than ``hi``. Memoised for words of up to
    40 characters, for training, which cuts the same texts in every fold (at run time ``CharModel`` keeps
    each word's score instead)."""
    return _memo(word, lo, hi) if len(word) <= _MEMO_WORD else _cut(word, lo, hi)


def char_counts(text: str, lo: int = CHAR_RANGE[0], hi: int = CHAR_RANGE[1]) -> dict[str, int]:
    """How often each gram occurs in the words of a ``prepare``d text (words split on spaces, as the
    buyer typed them, punctuation kept)."""
    counts: dict[str, int] = {}
    get = counts.get
    for word in text.split():
        for g in word_grams(word, lo, hi):
            counts[g] = get(g, 0) + 1
    return counts


class CharModel:
    """The character-gram regression's weights, kept as what a message needs: for each known gram its idf
    and idf times its coefficient, and the intercept. ``logit`` is the uncalibrated family logit (quality
    positive)."""

    __slots__ = ("hi", "idf", "index", "intercept", "lo", "scores", "weighted")

    def __init__(self, grams: Sequence[str], idf: npt.NDArray[np.float32], coef: npt.NDArray[np.float32],
                 intercept: float, gram_range: tuple[int, int] = CHAR_RANGE) -> None:
        if len(idf) != len(grams) or len(coef) != len(grams):
            raise ValueError(f"character reader: {len(grams)} grams, {len(idf)} idf, {len(coef)} weights")
        self.index = {g: i for i, g in enumerate(grams)}
        self.idf = idf.astype(np.float64).tolist()
        self.weighted = (idf.astype(np.float64) * coef.astype(np.float64)).tolist()
        self.intercept = float(intercept)
        self.lo, self.hi = gram_range
        self.scores: dict[str, tuple[float, float]] = {}
        """Each word's (vector times coefficients, squared norm), memoised (bounded: emptied when full)."""

    def word_score(self, word: str) -> tuple[float, float]:
        """One word's vector (``(1 + ln count) * idf`` on each known gram of the word) as the two numbers
        a message sums: its dot product with the coefficients and its squared norm."""
        got = self.scores.get(word)
        if got is not None:
            return got
        index, idf, weighted = self.index, self.idf, self.weighted
        dot = sq = 0.0
        # cut afresh, not through word_grams' memo: the word's score is what is kept
        for g, c in Counter(_cut(word, self.lo, self.hi)).items():
            r = index.get(g)
            if r is None:
                continue
            tf = 1.0 + log(c) if c > 1 else 1.0
            dot += tf * weighted[r]
            v = tf * idf[r]
            sq += v * v
        got = (dot, sq)
        if len(word) <= _MEMO_WORD:
            if len(self.scores) >= _MEMO_WORDS:
                self.scores.clear()
            self.scores[word] = got
        return got

    def logit(self, text: str) -> float:
        """The family logit of a ``prepare``d text (the intercept alone when no gram is known)."""
        num = sq = 0.0
        scores, score = self.scores, self.word_score
        for word in text.split():
            # the memo looked up here, not through a call of word_score: most words are known
            got = scores.get(word)
            dot, norm = got if got is not None else score(word)
            num += dot
            sq += norm
        return num / sqrt(sq) + self.intercept if sq else self.intercept
