"""Fit the character reader stacked with the n-gram reader (engine/char_reader.py).

Why this recipe: it is the one bench/teacher_probe.py ``--char`` measured before it was built (docs/
classifier.md): grams in at least two of the training rows, smoothed idf, sublinear counts, and a logistic
regression with C 1 and both families weighed equally, on every row with a family (the weak rows are the
n-gram reader's; this reader never saw them when it was measured). One change, measured against the probe's
form under a rule written first: each word's vector is normalised with the others' without merging the
grams two words share, so that run time costs a lookup a word (engine/char_reader.py says why). Nothing
here is chosen by the folds: the stack's only fitted choice is its Platt scaling, in training/train.py.
The vectors are cut with engine/char_reader.py's own functions, so training and run time cut the same grams.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from math import log, sqrt

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from marketplace_returns.engine.char_reader import CHAR_RANGE, char_counts, word_grams
from marketplace_returns.engine.reader import prepare
from marketplace_returns.training.data import Example

F64 = npt.NDArray[np.float64]
MIN_DF = 2
C = 1.0


@dataclass
class CharFitted:
    """The character reader's weights: its grams in row order, their idf, the coefficients, the intercept."""

    grams: list[str]
    idf: npt.NDArray[np.float32]
    coef: npt.NDArray[np.float32]
    intercept: float
    gram_range: tuple[int, int] = CHAR_RANGE

    def logits(self, texts: Sequence[str]) -> F64:
        x = vectorise(texts, {g: i for i, g in enumerate(self.grams)}, self.idf.astype(np.float64),
                      self.gram_range)
        out: F64 = np.asarray(x @ self.coef.astype(np.float64)) + self.intercept
        return out


def vectorise(texts: Sequence[str], index: dict[str, int], idf: F64,
              gram_range: tuple[int, int] = CHAR_RANGE) -> sparse.csr_matrix:
    """One row per text, as engine/char_reader.py reads it: the sum of its words' vectors (``(1 + ln
    count) * idf`` on each known gram of a word), divided by the root of the sum of their squared norms."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for text in texts:
        row: dict[int, float] = {}
        sq = 0.0
        for word in prepare(text).split():
            for g, c in Counter(word_grams(word, *gram_range)).items():
                r = index.get(g)
                if r is None:
                    continue
                v = (1.0 + log(c)) * idf[r]
                row[r] = row.get(r, 0.0) + v
                sq += v * v
        norm = sqrt(sq) if sq else 1.0
        for r in sorted(row):
            indices.append(r)
            data.append(row[r] / norm)
        indptr.append(len(indices))
    return sparse.csr_matrix((np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64),
                              np.asarray(indptr, dtype=np.int64)), shape=(len(texts), len(index)))


def fit(examples: Sequence[Example], *, seed: int) -> CharFitted:
    """The regression on every row of ``examples`` with a family (one language)."""
    rows = [e for e in examples if e.has_family]
    docs = [char_counts(prepare(e.text), *CHAR_RANGE) for e in rows]
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    grams = sorted(g for g, n in df.items() if n >= MIN_DF)
    n = len(rows)
    idf = np.array([log((1 + n) / (1 + df[g])) + 1.0 for g in grams], dtype=np.float64)
    y = np.array([e.family == "quality" for e in rows])
    if not grams or y.all() or (~y).all():
        return CharFitted(grams, idf.astype(np.float32), np.zeros(len(grams), dtype=np.float32),
                          4.0 if y.all() else -4.0)
    x = vectorise([e.text for e in rows], {g: i for i, g in enumerate(grams)}, idf)
    lr = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", random_state=seed)
    lr.fit(x, y)
    return CharFitted(grams, idf.astype(np.float32), lr.coef_[0].astype(np.float32), float(lr.intercept_[0]))


def out_of_fold(examples: Sequence[Example], folds: Sequence[npt.NDArray[np.int64]], *, seed: int) -> F64:
    """The family logit of every row by a reader fitted without its fold (rows in ``examples`` order)."""
    z = np.zeros(len(examples))
    for test in folds:
        held = set(test.tolist())
        fitted = fit([e for i, e in enumerate(examples) if i not in held], seed=seed)
        z[test] = fitted.logits([examples[i].text for i in test])
    return z
