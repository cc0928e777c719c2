"""Fit the learned reader: one linear model per language, chosen and calibrated out of source.

Why this recipe (each piece chosen by measurement, docs/classifier.md "How the recipe was chosen"):
- two logistic regressions over the same binary n-gram vector: one for the family (quality or not,
  trained on every row whose family is labelled, ``unclear`` left out, both families weighed equally)
  and one multinomial for the category (rows whose category is labelled). Their weights sit side by
  side in one matrix, so a case costs one gather-and-sum at run time;
- beside the gold rows, *weak* rows: complaints of the same corpora nobody labelled, labelled by one
  clear cue of the cue reader and read without the cue features (training/unlabelled.py). Their total
  weight, against the gold rows', is a design choice like the regularisation;
- every design choice (the family's C and weak weight, the category's C and weak weight) is selected
  by *leave-one-source-out inside the training rows*: each design is trained without one source and
  scored on it, source by source; a source's pool texts are never in a fold that scores it. The
  family's criterion is the Platt-scaled log-loss on the gold rows where the reader decides (no clear
  cue, or clear cues of both families), the category's the temperature-scaled log-loss on the rows
  with a category. Selection inside the training rows means a model scored on a source it never saw
  (bench/eval_triage.py) was chosen without that source too: the figure is nested, not tuned to;
- the Platt scaling and the temperature are fitted on those same out-of-source scores, and the
  not-sure band on the calibrated out-of-source probabilities of the rows where the reader decides:
  a reader calibrated on its own corpora is over-sure on a new one;
- with one source only (a toy set), the inner folds are stratified k-fold instead;
- in English (``Recipe.stacked``), a second reader of character grams (training/chars.py) is fitted on
  the same folds, and the family probability is the Platt-scaled mean of the two readers' logits (the
  n-gram reader's already Platt-scaled): the stack's Platt scaling and the not-sure band are fitted on the
  stacked out-of-source logits. The category stays the n-gram reader's;
- a fixed seed drives every fold split, and the solvers are deterministic: the same rows give the same
  weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from marketplace_returns.engine.reader import EN_CHARS, cue_reading, vocab_blob
from marketplace_returns.models.vocabulary import FAMILY_OF, Category, Family
from marketplace_returns.training import chars as char_reader
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
from marketplace_returns.training.unlabelled import PoolText

F64 = npt.NDArray[np.float64]
# The design space the inner leave-one-source-out folds searched up to the eleven-source corpus
# (``Recipe.searching()``, ``model train --search-design``).
SEARCH_C_GRID = (0.5, 2.0, 8.0)
SEARCH_CATEGORY_C_GRID = (2.0, 8.0, 32.0)
SEARCH_WEAK_GRID = (0.0, 0.3, 1.0, 3.0)
SEARCH_CATEGORY_WEAK_GRID = (0.0, 1.0)
# The design it chose for both shipped eleven-source models (2026.12.05.4) and in most outer folds
# (docs/classifier.md), frozen since: the search costs 18 fits per inner fold, so a nested evaluation
# grows with the square of the sources (hours at twenty-one on two cores), and the ten sources labelled
# after the freeze never chose anything. The inner folds still calibrate (Platt, temperature, band).
C_GRID = (8.0,)
CATEGORY_C_GRID = (32.0,)
WEAK_GRID = (0.3,)
CATEGORY_WEAK_GRID = (1.0,)


@dataclass(frozen=True)
class Recipe:
    """The design space ``train`` selects from; the defaults are what ``model train`` ships."""

    cues: bool = True
    """The cue reader's findings as extra features of the gold rows (engine/reader.py ``cue_grams``)."""
    balanced: bool = True
    """Weigh both families equally whatever their share: the sources' shares of quality texts differ
    widely (a fifth to four fifths), and a reader should not learn one corpus's mix."""
    min_df: int = 1
    grid: tuple[float, ...] = C_GRID
    """The regularisation strengths tried for the family."""
    category_grid: tuple[float, ...] | None = CATEGORY_C_GRID
    """The same for the category (None: ``grid``); the multinomial model wants weaker regularisation."""
    weak: tuple[float, ...] = WEAK_GRID
    """The weak rows' total weight as a share of the gold rows', tried for the family."""
    category_weak: tuple[float, ...] = CATEGORY_WEAK_GRID
    """The same, tried for the category."""
    en_chars: tuple[str, int, int] = EN_CHARS
    stacked: tuple[str, ...] = ("en",)
    """The languages whose family is read by the n-gram reader stacked with the character reader
    (training/chars.py): English, where the stack passed the rule written before it was measured
    (+0.011 family out of source); Chinese gained 0.004."""

    @classmethod
    def searching(cls) -> Recipe:
        """The frozen design's alternatives tried again by the inner folds (the recipe up to 2026.12.05.4)."""
        return cls(grid=SEARCH_C_GRID, category_grid=SEARCH_CATEGORY_C_GRID, weak=SEARCH_WEAK_GRID,
                   category_weak=SEARCH_CATEGORY_WEAK_GRID)


@dataclass(frozen=True)
class Design:
    c: float
    weak: float
    category_c: float
    category_weak: float


@dataclass(frozen=True, slots=True)
class Weak:
    """A pool text with the cue reader's clear reading as its label."""

    source: str
    text: str
    quality: bool
    category: Category


@lru_cache(maxsize=100_000)
def _weak_label(text: str, lang: str) -> tuple[bool, Category] | None:
    words = cue_reading(text, lang)
    if words.category is None or not words.strong or words.quality_denied:
        return None
    if len({FAMILY_OF[c] for c in words.ranking}) > 1:
        return None
    return FAMILY_OF[words.category] is Family.QUALITY, words.category


def weak_rows(pool: Sequence[PoolText], lang: str) -> list[Weak]:
    """The pool texts of ``lang`` with one clear, non-negated cue family, labelled by it."""
    out = []
    for item in pool:
        if item.lang != lang:
            continue
        label = _weak_label(item.text, lang)
        if label is not None:
            out.append(Weak(item.source, item.text, label[0], label[1]))
    return out


def reader_decides(example: Example) -> bool:
    """Whether, with no order facts, the engine leaves this text's family to the reader: no clear cue,
    or clear cues of both families (engine/classifier.py)."""
    words = cue_reading(example.text, example.lang)
    if words.category is None or not words.strong:
        return True
    return len({FAMILY_OF[c] for c in words.ranking}) > 1


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
    chars: char_reader.CharFitted | None = None
    """The character reader stacked with the n-gram reader, or None."""
    stack: tuple[float, float] | None = None
    """Platt scaling of the mean of the two readers' logits."""

    def predict(self, texts: Sequence[str]) -> Predictions:
        z = self.fitted.logits(texts)
        p = None
        if self.chars is not None and self.stack is not None:
            p = stacked(z[:, 0], self.platt, self.chars.logits(texts), self.stack)
        return predictions(z, self.fitted.categories, self.platt, self.temperature, p=p)


@dataclass
class Predictions:
    p_quality: F64
    category: list[Category]
    category_p: F64


def stacked(z: F64, platt: tuple[float, float], zc: F64, stack: tuple[float, float]) -> F64:
    """The stack's family probability, as engine/reader.py computes it: the Platt-scaled mean of the
    n-gram reader's Platt-scaled logit and the character reader's logit."""
    out: F64 = sigmoid(stack[0] * (platt[0] * z + platt[1] + zc) / 2 + stack[1])
    return out


def predictions(z: F64, categories: list[Category], platt: tuple[float, float],
                temperature: float, *, p: F64 | None = None) -> Predictions:
    """What engine/reader.py computes per case, for a batch: the calibrated family probability (``p``
    where a stack gives it) and the most probable category within the more probable family."""
    if p is None:
        p = sigmoid(platt[0] * z[:, 0] + platt[1])
    probs = softmax(z[:, 1:] / temperature)
    best = within_family(probs, p, categories)
    return Predictions(p, [categories[j] for j in best], probs[np.arange(len(p)), best])


def within_family(scores: F64, p_quality: F64, categories: list[Category]) -> npt.NDArray[np.int64]:
    """Each row's best-scoring category (its column) within the family ``p_quality`` chose, or among all
    categories where that family has none; ``scores`` may be probabilities or log-probabilities."""
    quality = np.array([FAMILY_OF[c] is Family.QUALITY for c in categories])
    out = np.zeros(len(p_quality), dtype=np.int64)
    for i in range(len(p_quality)):
        allowed = quality if p_quality[i] >= 0.5 else ~quality
        if not allowed.any():
            allowed = np.ones_like(allowed)
        out[i] = int(np.where(allowed, scores[i], -np.inf).argmax())
    return out


def _family_weights(y: npt.NDArray[np.bool_], weak_y: npt.NDArray[np.bool_], share: float,
                    balanced: bool) -> F64:
    """Sample weights: gold rows balanced by family (mean weight 1), weak rows ``share`` of the gold
    total, balanced by family among themselves."""
    def spread(labels: npt.NDArray[np.bool_], total: float) -> F64:
        w = np.full(len(labels), total / max(len(labels), 1))
        if balanced:
            for v in (True, False):
                m = labels == v
                if m.any():
                    w[m] = total / 2 / m.sum() if (~m).any() else total / m.sum()
        return w
    gold = spread(y, float(len(y)))
    weak = spread(weak_y, share * len(y)) if share and len(weak_y) else np.zeros(0)
    return np.concatenate([gold, weak])


def fit(examples: Sequence[Example], lang: str, *, c: float, seed: int, recipe: Recipe,
        weak: Sequence[Weak] = (), design: Design | None = None, family: bool = True,
        category: bool = True) -> Fitted:
    """Both regressions on ``examples`` (one language) and the weak rows ``design`` asks for,
    uncalibrated (``family`` / ``category`` False: that part left at zero, for the inner folds that
    score only the other). Without ``design``: C ``c`` for both and no weak rows."""
    design = design or Design(c, 0.0, c, 0.0)
    cues = recipe.cues
    en_chars = recipe.en_chars
    use_weak = list(weak) if (design.weak and family) or (design.category_weak and category) else []
    vocab = build_vocabulary([e.text for e in examples], lang, min_df=recipe.min_df, cues=cues,
                             en_chars=en_chars, extra=[w.text for w in use_weak])
    fam = [e for e in examples if e.has_family]
    cat = [e for e in examples if e.has_category]
    categories = sorted({Category(e.category) for e in cat}, key=list(Category).index)
    matrix = np.zeros((vocab.size, 1 + max(len(categories), 1)), dtype=np.float64)
    bias = np.zeros(matrix.shape[1], dtype=np.float64)
    xw = vectorise([w.text for w in use_weak], lang, vocab, cues=False, en_chars=en_chars) if use_weak \
        else None
    if fam and family:
        y = np.array([e.family == "quality" for e in fam])
        if y.all() or (~y).all():
            bias[0] = 4.0 if y.all() else -4.0
        else:
            x = vectorise([e.text for e in fam], lang, vocab, cues=cues, en_chars=en_chars)
            wy = np.array([w.quality for w in use_weak], dtype=bool)
            if design.weak and xw is not None:
                x = sparse.vstack([x, xw]).tocsr()
                y = np.concatenate([y, wy])
                sw = _family_weights(y[:len(fam)], wy, design.weak, recipe.balanced)
            else:
                sw = _family_weights(y, wy[:0], 0.0, recipe.balanced)
            lr = LogisticRegression(C=design.c, solver="liblinear", random_state=seed, max_iter=1000)
            lr.fit(x, y, sample_weight=sw)
            matrix[:, 0] = lr.coef_[0]
            bias[0] = lr.intercept_[0]
    if len(categories) == 1:
        bias[1] = 1.0
    elif categories and category:
        x = vectorise([e.text for e in cat], lang, vocab, cues=cues, en_chars=en_chars)
        yc = np.array([categories.index(Category(e.category)) for e in cat])
        sw = np.ones(len(cat))
        known = [i for i, w in enumerate(use_weak) if w.category in categories]
        if design.category_weak and xw is not None and known:
            x = sparse.vstack([x, xw[known]]).tocsr()
            yc = np.concatenate([yc, [categories.index(use_weak[i].category) for i in known]])
            sw = np.concatenate([sw, np.full(len(known), design.category_weak * len(cat) / len(known))])
        lr = LogisticRegression(C=design.category_c, solver="newton-cg", max_iter=2000, random_state=seed)
        lr.fit(x, yc, sample_weight=sw)
        if len(categories) == 2:  # sklearn keeps one column for two classes: spread it over both
            matrix[:, 1] = -lr.coef_[0] / 2
            matrix[:, 2] = lr.coef_[0] / 2
            bias[1], bias[2] = -lr.intercept_[0] / 2, lr.intercept_[0] / 2
        else:
            matrix[:, 1:] = lr.coef_.T
            bias[1:] = lr.intercept_
    return Fitted(lang, vocab, categories or [Category.OTHER], matrix.astype(np.float32),
                  bias.astype(np.float32), design.c, cues, en_chars)


def inner_folds(examples: Sequence[Example], k: int, seed: int) -> list[npt.NDArray[np.int64]]:
    """Test indices of the inner folds: one per source when the rows come from two sources or more
    (leave-one-source-out), else ``k`` folds stratified by family (unclear its own stratum)."""
    sources = sorted({e.source for e in examples if e.has_family})
    if len(sources) > 1:
        of = np.array([e.source for e in examples])
        return [np.flatnonzero(of == s) for s in sorted(set(of.tolist()))]
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
                recipe: Recipe, weak: Sequence[Weak] = (), design: Design | None = None,
                folds: list[npt.NDArray[np.int64]] | None = None, family: bool = True,
                category: bool = True) -> tuple[F64, list[Category]]:
    """Out-of-fold raw logits (rows in ``examples`` order) on the union of categories seen. A fold
    that leaves a source out leaves that source's weak rows out too."""
    categories = sorted({Category(e.category) for e in examples if e.has_category}, key=list(Category).index)
    categories = categories or [Category.OTHER]
    z = np.zeros((len(examples), 1 + len(categories)))
    for test in folds if folds is not None else inner_folds(examples, k, seed):
        test_set = set(test.tolist())
        train = [e for i, e in enumerate(examples) if i not in test_set]
        held = {examples[i].source for i in test} - {e.source for e in train}
        fitted = fit(train, lang, c=c, seed=seed, recipe=recipe, design=design,
                     weak=[w for w in weak if w.source not in held], family=family, category=category)
        zt = fitted.logits([examples[i].text for i in test])
        z[test, 0] = zt[:, 0]
        z[test, 1:] = -30.0  # a category absent from this fold's training rows is never predicted
        for j, cat in enumerate(fitted.categories):
            z[test, 1 + categories.index(cat)] = zt[:, 1 + j]
    return z, categories


def _family_logloss(z: F64, y: npt.NDArray[np.bool_], scored: npt.NDArray[np.bool_]) -> float:
    a, b = fit_platt(z, y)
    p = np.clip(sigmoid(a * z[scored] + b), 1e-6, 1 - 1e-6)
    return float(-np.mean(np.where(y[scored], np.log(p), np.log(1 - p))))


def _category_logloss(z: F64, y: npt.NDArray[np.int64]) -> float:
    t = fit_temperature(z, y)
    p = softmax(z / t)
    return float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())


def train(examples: Sequence[Example], lang: str, *, seed: int = 13, k: int = 5,
          recipe: Recipe | None = None, target: float = 0.97, pool: Sequence[PoolText] = ()) -> Model:
    """The whole recipe on ``examples`` of one language and the unlabelled ``pool``: select the design
    on inner folds, calibrate on its out-of-fold scores, choose the band, refit on everything."""
    examples = [e for e in examples if e.lang == lang]
    recipe = recipe or Recipe()
    weak = weak_rows(pool, lang)
    folds = inner_folds(examples, k, seed)
    fam_idx = np.array([i for i, e in enumerate(examples) if e.has_family], dtype=np.int64)
    y = np.array([examples[i].family == "quality" for i in fam_idx])
    decides = np.array([reader_decides(examples[i]) for i in fam_idx], dtype=bool)
    scored = decides if decides.any() else np.ones(len(fam_idx), dtype=bool)
    cat_idx = np.array([i for i, e in enumerate(examples) if e.has_category], dtype=np.int64)
    weak_shares = recipe.weak if weak else (0.0,)
    category_shares = recipe.category_weak if weak else (0.0,)
    family_tried: dict[tuple[float, float], float] = {}
    category_tried: dict[tuple[float, float], float] = {}
    zs: dict[tuple[str, float, float], tuple[F64, list[Category]]] = {}
    for c in recipe.grid:
        for share in weak_shares:
            z, cats = out_of_fold(examples, lang, c=c, seed=seed, k=k, recipe=recipe, weak=weak,
                                  design=Design(c, share, c, 0.0), folds=folds, category=False)
            zs[("family", c, share)] = (z, cats)
            family_tried[(c, share)] = round(_family_logloss(z[fam_idx, 0], y, scored), 4)
    for c in recipe.category_grid or recipe.grid:
        for share in category_shares:
            z, cats = out_of_fold(examples, lang, c=c, seed=seed, k=k, recipe=recipe, weak=weak,
                                  design=Design(c, 0.0, c, share), folds=folds, family=False)
            zs[("category", c, share)] = (z, cats)
            yc = np.array([cats.index(Category(examples[i].category)) for i in cat_idx], dtype=np.int64)
            category_tried[(c, share)] = round(_category_logloss(z[cat_idx, 1:], yc), 4) if len(yc) \
                else 0.0
    c, share = min(family_tried, key=lambda key: (family_tried[key], key))
    cc, cshare = min(category_tried, key=lambda key: (category_tried[key], key))
    zf, cats = zs[("family", c, share)]
    zc, _ = zs[("category", cc, cshare)]
    z = np.concatenate([zf[:, :1], zc[:, 1:]], axis=1)
    platt = fit_platt(z[fam_idx, 0], y)
    yc = np.array([cats.index(Category(examples[i].category)) for i in cat_idx], dtype=np.int64)
    temperature = fit_temperature(z[cat_idx, 1:], yc)
    notes: dict[str, Any] = {}
    p = chars = stack = None
    if lang in recipe.stacked and len(fam_idx):
        zc = char_reader.out_of_fold(examples, folds, seed=seed)
        words_t = platt[0] * z[:, 0] + platt[1]
        stack = fit_platt((words_t[fam_idx] + zc[fam_idx]) / 2, y)
        p = stacked(z[:, 0], platt, zc, stack)
        notes["alone"] = {"words": sigmoid(words_t), "characters": sigmoid(zc)}
        notes["alone_band"] = {name: choose_band(alone[fam_idx][scored], y[scored], target=target)
                               for name, alone in notes["alone"].items()}
        chars = char_reader.fit(examples, seed=seed)
    oof = predictions(z, cats, platt, temperature, p=p)
    band = choose_band(oof.p_quality[fam_idx][scored], y[scored], target=target)
    design = Design(c, share, cc, cshare)
    fitted = fit(examples, lang, c=c, seed=seed, recipe=recipe, weak=weak, design=design)
    notes.update({
        "design": design, "family_logloss": family_tried, "category_logloss": category_tried,
        "c": c, "folds": "leave-one-source-out" if len({e.source for e in examples}) > 1 else f"{k}-fold",
        "weak_rows": len(weak), "reader_rows": int(decides.sum()),
        # the out-of-source category logits over ``cats`` (rows in ``examples`` order), for the benches
        # that stack another category reading on them (bench/category_stack.py)
        "category_logits": z[:, 1:], "categories": cats})
    return Model(fitted, platt, temperature, band, oof, notes=notes, chars=chars, stack=stack)


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
            "design": asdict(m.notes.get("design", Design(f.c, 0.0, f.c, 0.0))),
            "cue_features": f.cues,
            "en_chars": list(f.en_chars),
            "grams": {"chars": len(f.vocab.chars), "words": len(f.vocab.words)},
        }
        out[f"{lang}_chars"] = vocab_blob(f.vocab.chars)
        out[f"{lang}_words"] = vocab_blob(f.vocab.words)
        # stored in 16 bits, read back as float32 (engine.reader.load): halves the file under the wheel's
        # 25 MiB cap; over the labelled texts the quality probability moves by at most 0.0004
        # (docs/classifier.md, "Weights 2026.12.05.10 in 16 bits")
        out[f"{lang}_matrix"] = f.matrix.astype(np.float16)
        out[f"{lang}_bias"] = f.bias
        if m.chars is not None and m.stack is not None:
            langs[lang]["char_reader"] = {"range": list(m.chars.gram_range), "intercept": m.chars.intercept,
                                          "grams": len(m.chars.grams), "c": char_reader.C,
                                          "min_df": char_reader.MIN_DF}
            langs[lang]["stack"] = list(m.stack)
            out[f"{lang}_cr_grams"] = vocab_blob(m.chars.grams)
            out[f"{lang}_cr_idf"] = m.chars.idf
            out[f"{lang}_cr_coef"] = m.chars.coef
    return langs, out
