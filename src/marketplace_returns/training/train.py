"""Fit the learned reader: one linear model per language, calibrated on held-out folds.

Why this recipe (each piece chosen by measurement with ``marketplace-returns model train``):
- two logistic regressions over the same binary n-gram vector: one for the family (quality or not,
  trained on every row whose family is labelled, ``unclear`` left out) and one multinomial for the
  category (rows whose category is labelled). Their weights sit side by side in one matrix, so a case
  costs one gather-and-sum at run time;
- the regularisation strength is chosen by inner cross-validation (family log-loss), the Platt scaling
  of the family logit and the temperature of the category logits are fitted on the out-of-fold scores
  of that choice, and the not-sure band on the out-of-fold calibrated probabilities;
- a fixed seed drives every fold split, and the solvers are deterministic: the same rows give the same
  weights.

Leave-one-source-out: for each source, the whole recipe (inner folds included) is run without it and
scored on it. That is the honest figure of how the reader does on texts from a corpus it never saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from marketplace_returns.engine.reader import EN_CHARS, vocab_blob
from marketplace_returns.models.vocabulary import FAMILY_OF, Category, Family
from marketplace_returns.training.calibration import (
    Band,
    choose_band,
    fit_platt,
    fit_temperature,
    sigmoid,
    softmax,
)
from marketplace_returns.training.data import Example
from marketplace_returns.training.features import Vocabulary, build_vocabulary, vectorise

F64 = npt.NDArray[np.float64]
C_GRID = (1.0, 4.0, 16.0, 64.0)


@dataclass(frozen=True)
class Recipe:
    """The choices measured with bench/eval_triage.py; the defaults are what ``model train`` ships."""

    cues: bool = True
    """The cue reader's findings as extra features (engine/reader.py ``cue_grams``)."""
    balanced: bool = True
    """Weigh both families equally whatever their share: the sources' shares of quality texts differ
    widely (a fifth to four fifths), and a reader should not learn one corpus's mix."""
    min_df: int = 1
    grid: tuple[float, ...] = C_GRID
    en_chars: tuple[str, int, int] = EN_CHARS


@dataclass
class Fitted:
    """Uncalibrated weights of one language: rows of the vocabulary, family column then categories."""

    lang: str
    vocab: Vocabulary
    categories: list[Category]
    matrix: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]
    c: float
    cues: bool = False
    en_chars: tuple[str, int, int] = EN_CHARS

    def logits(self, texts: Sequence[str]) -> F64:
        x = vectorise(texts, self.lang, self.vocab, cues=self.cues, en_chars=self.en_chars)
        out: F64 = np.asarray(x @ self.matrix.astype(np.float64)) + self.bias.astype(np.float64)
        return out


@dataclass
class Model:
    """Calibrated weights of one language, with what the inner folds measured."""

    fitted: Fitted
    platt: tuple[float, float]
    temperature: float
    band: Band
    oof: Predictions
    notes: dict[str, Any] = field(default_factory=dict)

    def predict(self, texts: Sequence[str]) -> Predictions:
        return predictions(self.fitted.logits(texts), self.fitted.categories, self.platt, self.temperature)


@dataclass
class Predictions:
    p_quality: F64
    category: list[Category]
    category_p: F64


def predictions(z: F64, categories: list[Category], platt: tuple[float, float],
                temperature: float) -> Predictions:
    """What engine/reader.py computes per case, for a batch: the calibrated family probability and the
    most probable category within the more probable family."""
    p = sigmoid(platt[0] * z[:, 0] + platt[1])
    probs = softmax(z[:, 1:] / temperature)
    quality = np.array([FAMILY_OF[c] is Family.QUALITY for c in categories])
    out: list[Category] = []
    best_p = np.zeros(len(p))
    for i in range(len(p)):
        allowed = quality if p[i] >= 0.5 else ~quality
        if not allowed.any():
            allowed = np.ones_like(allowed)
        masked = np.where(allowed, probs[i], -1.0)
        j = int(masked.argmax())
        out.append(categories[j])
        best_p[i] = probs[i, j]
    return Predictions(p, out, best_p)


def fit(examples: Sequence[Example], lang: str, *, c: float, seed: int, recipe: Recipe) -> Fitted:
    """Both regressions on ``examples`` (one language), uncalibrated."""
    cues = recipe.cues
    weight = "balanced" if recipe.balanced else None
    en_chars = recipe.en_chars
    vocab = build_vocabulary([e.text for e in examples], lang, min_df=recipe.min_df, cues=cues,
                             en_chars=en_chars)
    fam = [e for e in examples if e.has_family]
    cat = [e for e in examples if e.has_category]
    categories = sorted({Category(e.category) for e in cat}, key=list(Category).index)
    matrix = np.zeros((vocab.size, 1 + max(len(categories), 1)), dtype=np.float64)
    bias = np.zeros(matrix.shape[1], dtype=np.float64)
    if fam:
        y = np.array([e.family == "quality" for e in fam])
        if y.all() or (~y).all():
            bias[0] = 4.0 if y.all() else -4.0
        else:
            lr = LogisticRegression(C=c, solver="liblinear", random_state=seed, max_iter=1000,
                                    class_weight=weight)
            lr.fit(vectorise([e.text for e in fam], lang, vocab, cues=cues, en_chars=en_chars), y)
            matrix[:, 0] = lr.coef_[0]
            bias[0] = lr.intercept_[0]
    if len(categories) == 1:
        bias[1] = 1.0
    elif categories:
        x = vectorise([e.text for e in cat], lang, vocab, cues=cues, en_chars=en_chars)
        yc = np.array([categories.index(Category(e.category)) for e in cat])
        lr = LogisticRegression(C=c, solver="newton-cg", max_iter=2000, random_state=seed)
        lr.fit(x, yc)
        if len(categories) == 2:  # sklearn keeps one column for two classes: spread it over both
            matrix[:, 1] = -lr.coef_[0] / 2
            matrix[:, 2] = lr.coef_[0] / 2
            bias[1], bias[2] = -lr.intercept_[0] / 2, lr.intercept_[0] / 2
        else:
            matrix[:, 1:] = lr.coef_.T
            bias[1:] = lr.intercept_
    return Fitted(lang, vocab, categories or [Category.OTHER], matrix.astype(np.float32),
                  bias.astype(np.float32), c, cues, en_chars)


def _folds(examples: Sequence[Example], k: int, seed: int) -> list[npt.NDArray[np.int64]]:
    """Test indices of ``k`` folds stratified by family (unclear counted as its own stratum)."""
    strata = np.array([e.family for e in examples])
    k = max(2, min(k, int(min(np.unique(strata, return_counts=True)[1].max(), len(examples)))))
    counts = np.unique(strata, return_counts=True)[1]
    if counts.min() < k:
        # a stratum smaller than k: plain shuffled folds
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(examples))
        return [order[i::k] for i in range(k)]
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [test for _, test in splitter.split(np.zeros(len(examples)), strata)]


def out_of_fold(examples: Sequence[Example], lang: str, *, c: float, seed: int, k: int = 5,
                recipe: Recipe) -> tuple[F64, list[Category]]:
    """Out-of-fold raw logits (rows in ``examples`` order) on the union of categories seen."""
    categories = sorted({Category(e.category) for e in examples if e.has_category}, key=list(Category).index)
    categories = categories or [Category.OTHER]
    z = np.zeros((len(examples), 1 + len(categories)))
    for test in _folds(examples, k, seed):
        test_set = set(test.tolist())
        train = [e for i, e in enumerate(examples) if i not in test_set]
        fitted = fit(train, lang, c=c, seed=seed, recipe=recipe)
        zt = fitted.logits([examples[i].text for i in test])
        z[test, 0] = zt[:, 0]
        z[test, 1:] = -30.0  # a category absent from this fold's training rows is never predicted
        for j, cat in enumerate(fitted.categories):
            z[test, 1 + categories.index(cat)] = zt[:, 1 + j]
    return z, categories


def _family_logloss(z: F64, y: npt.NDArray[np.bool_]) -> float:
    a, b = fit_platt(z, y)
    p = np.clip(sigmoid(a * z + b), 1e-6, 1 - 1e-6)
    return float(-np.mean(np.where(y, np.log(p), np.log(1 - p))))


def train(examples: Sequence[Example], lang: str, *, seed: int = 13, k: int = 5,
          recipe: Recipe | None = None, target: float = 0.97) -> Model:
    """The whole recipe on ``examples`` of one language: choose C, calibrate, choose the band, refit."""
    examples = [e for e in examples if e.lang == lang]
    fam_idx = np.array([i for i, e in enumerate(examples) if e.has_family], dtype=np.int64)
    y = np.array([examples[i].family == "quality" for i in fam_idx])
    recipe = recipe or Recipe()
    best: tuple[float, float, F64, list[Category]] | None = None
    tried = {}
    for c in recipe.grid:
        z, cats = out_of_fold(examples, lang, c=c, seed=seed, k=k, recipe=recipe)
        loss = _family_logloss(z[fam_idx, 0], y)
        tried[c] = round(loss, 4)
        if best is None or loss < best[0]:
            best = (loss, c, z, cats)
    assert best is not None
    _, c, z, cats = best
    platt = fit_platt(z[fam_idx, 0], y)
    cat_idx = np.array([i for i, e in enumerate(examples) if e.has_category], dtype=np.int64)
    yc = np.array([cats.index(Category(examples[i].category)) for i in cat_idx], dtype=np.int64)
    temperature = fit_temperature(z[cat_idx, 1:], yc)
    oof = predictions(z, cats, platt, temperature)
    band = choose_band(oof.p_quality[fam_idx], y, target=target)
    fitted = fit(examples, lang, c=c, seed=seed, recipe=recipe)
    return Model(fitted, platt, temperature, band, oof, notes={"c_logloss": tried, "c": c})


def arrays(models: dict[str, Model]) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
    """Header entries and arrays for engine.reader.save."""
    langs: dict[str, Any] = {}
    out: dict[str, npt.NDArray[Any]] = {}
    for lang, m in models.items():
        f = m.fitted
        langs[lang] = {
            "categories": [c.value for c in f.categories],
            "platt": list(m.platt),
            "temperature": m.temperature,
            "band": [m.band.lo, m.band.hi],
            "c": f.c,
            "cue_features": f.cues,
            "en_chars": list(f.en_chars),
            "grams": {"chars": len(f.vocab.chars), "words": len(f.vocab.words)},
        }
        out[f"{lang}_chars"] = vocab_blob(f.vocab.chars)
        out[f"{lang}_words"] = vocab_blob(f.vocab.words)
        out[f"{lang}_matrix"] = f.matrix
        out[f"{lang}_bias"] = f.bias
    return langs, out
