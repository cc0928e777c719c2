"""Would a category reading of character grams, stacked with the n-gram reader's, name the category better?

    .venv/bin/python bench/category_stack.py --corpora DIR [--only zh|en]

Why: out of source the reader names the category of 0.610 of English and 0.683 of Chinese real texts,
against the issue's 0.75, and the category is the n-gram reader's alone. Experiment G (docs/classifier.md)
found that a second linear reader of another kind, a regression on tf-idf character grams, lifted the
English *family* by a point when its logit was averaged with the n-gram reader's; the category was never
asked. This asks it, before anything is built (experiment H).

Every text is read by models that never saw its source:

- R: ``training.train.train`` with the shipped recipe, its out-of-source category logits (the inner
  leave-one-source-out folds, ``notes["category_logits"]``) scaled by its temperature, and its family
  probability (in English the shipped stack's);
- C: a multinomial logistic regression (lbfgs) on the fold's training rows with a category, over
  character grams: in English training/chars.py's own vectors (the form engine/char_reader.py reads at
  run time; grams in two training rows or more, smoothed idf, sublinear counts), in Chinese scikit-learn's
  tf-idf of characters 1-4 (min_df 2, sublinear; the form experiment G measured there). Two strengths,
  C 1 and C 8, both reported; nothing else is tried;
- S: the mean of R's and C's log-probabilities.

The category named is the most probable within the family the family probability chose, as
``training.train.predictions`` names it. Scored over the real texts with a category, with Wilson intervals
(the written messages, each file a source of ``train()``'s folds, are left out in their own folds only and
never scored).

The rule, written before any figure (and in docs/classifier.md with the result): the stack is worth
building for a language only if *both* strengths' stacks beat R's category there by 0.010 or more (the
smaller gain counts, so the strength is not chosen on the texts scored). Nothing is shipped from here.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from math import log
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_triage import add_out_of_source_args, labelled_examples
from marketplace_returns.engine.char_reader import CHAR_RANGE, char_counts
from marketplace_returns.engine.reader import prepare
from marketplace_returns.models.vocabulary import Category
from marketplace_returns.training.calibration import wilson
from marketplace_returns.training.chars import vectorise
from marketplace_returns.training.data import Example
from marketplace_returns.training.run import load_pool
from marketplace_returns.training.train import inner_folds, train, within_family

F64 = npt.NDArray[np.float64]
STRENGTHS = (1.0, 8.0)
GAIN = 0.010


def log_softmax(z: F64) -> F64:
    m = z.max(axis=1, keepdims=True)
    out: F64 = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return out


def _english_vectors(train_texts: Sequence[str], test_texts: Sequence[str]) -> tuple[object, object]:
    """training/chars.py's vectors, grams and idf from ``train_texts`` as chars.fit finds them."""
    docs = [char_counts(prepare(t), *CHAR_RANGE) for t in train_texts]
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    grams = sorted(g for g, n in df.items() if n >= 2)
    n = len(train_texts)
    idf = np.array([log((1 + n) / (1 + df[g])) + 1.0 for g in grams], dtype=np.float64)
    index = {g: i for i, g in enumerate(grams)}
    return vectorise(train_texts, index, idf), vectorise(test_texts, index, idf)


def _chinese_vectors(train_texts: Sequence[str], test_texts: Sequence[str]) -> tuple[object, object]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 4), min_df=2, sublinear_tf=True)
    return vec.fit_transform(train_texts), vec.transform(test_texts)


def character_category(mine: list[Example], lang: str, categories: list[Category],
                       folds: list[npt.NDArray[np.int64]], strength: float, seed: int) -> F64:
    """C's out-of-source log-probabilities over ``categories`` (a category a fold never saw: -30)."""
    from sklearn.linear_model import LogisticRegression

    out = np.full((len(mine), len(categories)), -30.0)
    for test in folds:
        held = set(test.tolist())
        rows = [e for i, e in enumerate(mine) if i not in held and e.has_category]
        vectors = _english_vectors if lang == "en" else _chinese_vectors
        x, xt = vectors([e.text for e in rows], [mine[i].text for i in test])
        y = np.array([categories.index(Category(e.category)) for e in rows])
        lr = LogisticRegression(C=strength, max_iter=3000, random_state=seed)
        lr.fit(x, y)
        scores = log_softmax(lr.decision_function(xt))
        for j, c in enumerate(lr.classes_):
            out[test, int(c)] = scores[:, j]
    return out


def name(logp: F64, p_quality: F64, categories: list[Category]) -> list[Category]:
    """The most probable category within the family ``p_quality`` chose (training.train.predictions)."""
    return [categories[j] for j in within_family(logp, p_quality, categories)]


def score(named: list[Category], mine: list[Example], rows: npt.NDArray[np.int64]) -> tuple[int, int]:
    return sum(named[i].value == mine[i].category for i in rows), len(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_out_of_source_args(ap)
    args = ap.parse_args()
    loaded = labelled_examples(args)
    if loaded is None:
        return 2
    examples, heldout = loaded
    pool = load_pool(args.corpora, heldout, examples)
    for lang in ("en", "zh"):
        if args.only not in (None, lang):
            continue
        mine = [e for e in examples if e.lang == lang]
        model = train(mine, lang, seed=args.seed, pool=pool)
        categories: list[Category] = model.notes["categories"]
        r = log_softmax(np.asarray(model.notes["category_logits"]) / model.temperature)
        p = np.asarray(model.oof.p_quality, dtype=np.float64)
        scored = np.array([i for i, e in enumerate(mine) if e.origin != "messages" and e.has_category])
        k0, n = score(name(r, p, categories), mine, scored)
        assert [c.value for c in model.oof.category] == [c.value for c in name(r, p, categories)]
        lo, hi = wilson(k0, n)
        print(f"\n== {lang}: category out of source, n={n} real texts with a category, "
              f"{len({mine[i].source for i in scored})} sources")
        print(f"  R, the n-gram reader           {k0 / n:.3f} [{lo:.3f}-{hi:.3f}]")
        folds = inner_folds(mine, 5, args.seed)
        gains = []
        per_source: dict[str, list[str]] = {}
        for strength in STRENGTHS:
            c = character_category(mine, lang, categories, folds, strength, args.seed)
            for label, logp in ((f"C {strength:g} alone", c), (f"S, R with C {strength:g}", (r + c) / 2)):
                named = name(logp, p, categories)
                k, _ = score(named, mine, scored)
                lo, hi = wilson(k, n)
                print(f"  {label:<30} {k / n:.3f} [{lo:.3f}-{hi:.3f}]  ({k - k0:+d} texts)", flush=True)
                if label.startswith("S"):
                    gains.append((k - k0) / n)
                    for source in sorted({mine[i].source for i in scored}):
                        rows = np.array([i for i in scored if mine[i].source == source])
                        kr, m = score(name(r, p, categories), mine, rows)
                        ks, _ = score(named, mine, rows)
                        per_source.setdefault(source, [f"n={m:>4}", f"R {kr / m:.3f}"]).append(
                            f"S with C {strength:g} {ks / m:.3f}")
        for source, cells in per_source.items():
            print(f"    {source:<34} " + "  ".join(cells))
        smaller = min(gains)
        verdict = "passes" if smaller >= GAIN else "fails"
        print(f"  rule: the smaller gain {smaller:+.4f} against {GAIN:.3f}: {lang} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
