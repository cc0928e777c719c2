"""Would adapting the reader to a shop's own mix of complaints (label shift) read it better?

    .venv/bin/python bench/prior_shift.py --corpora DIR [--only zh|en] [--cache PREFIX]

Why: every source has its own mix of complaints (a Trustpilot shop's are mostly parcels, JD water heaters'
mostly the installer, Amazon electronics' mostly faults), and the reader, trained on all sources pooled,
carries the pooled mix as its prior. The Saerens-Latinne-Decaestecker EM (Neural Computation 14, 2002)
re-estimates a new source's class priors from the reader's own posteriors over its *unlabelled* texts
and re-weighs each posterior by the ratio of the new prior to the training one. In the product a shop's
own past cases would be those texts. This asks whether that pays, before anything is built (experiment L).

Every text is read by a model that never saw its source: ``training.train.train``'s inner
leave-one-source-out readings (the family probability, in English the shipped stack's; the category's
temperature-scaled logits). The training prior for a source is the label frequency over the *other*
sources' gold rows. Each source's texts (every real text of the language, labels unused) are split in two
halves by a seeded permutation; EM on one half gives the prior applied to the other, both ways round.
Family and category are adapted separately; the category is named within the adapted family, as
``training.train.predictions`` names it.

The rule, written before any figure (docs/classifier.md has it with the result): a per-shop adaptation is
worth building only if, in both languages, the category gains 0.015 or more pooled, the family falls by no
more than 0.003, and the category gains on more than half the language's sources. Two secondary readings
never decide: EM on all of a source's texts (transductive), and EM on only 50 texts of the other half (a
new shop's first weeks). A last line re-weighs by each source's true label mix, read from its labels: not a
method, what a perfect estimate of the mix would give. ``--cache PREFIX`` keeps the readings in
PREFIX.en.npz and PREFIX.zh.npz, so a second run on the same manifest needs no training.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_triage import add_out_of_source_args, labelled_examples
from marketplace_returns.models.vocabulary import Category
from marketplace_returns.training.calibration import softmax, wilson
from marketplace_returns.training.data import Example
from marketplace_returns.training.run import load_pool
from marketplace_returns.training.train import train, within_family

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
CATEGORY_GAIN = 0.015
FAMILY_LOSS = 0.003
FIRST_WEEKS = 50


def em_prior(posteriors: F64, prior0: F64, *, iterations: int = 100, tol: float = 1e-6) -> F64:
    """The new prior that makes the re-weighted posteriors' mean equal to itself (Saerens et al.)."""
    prior = prior0.copy()
    for _ in range(iterations):
        adjusted = reweigh(posteriors, prior / prior0)
        new = adjusted.mean(axis=0)
        if np.abs(new - prior).max() < tol:
            return np.asarray(new, dtype=np.float64)
        prior = new
    return prior


def reweigh(posteriors: F64, ratio: F64) -> F64:
    w = posteriors * ratio
    out: F64 = w / w.sum(axis=1, keepdims=True)
    return out


def name(q: F64, p_quality: F64, categories: list[Category]) -> list[str]:
    return [categories[j].value for j in within_family(q, p_quality, categories)]


def row_keys(mine: list[Example]) -> npt.NDArray[np.str_]:
    return np.array([f"{e.source}:{e.row}" for e in mine])


def cached(path: Path, keys: npt.NDArray[np.str_]) -> Any:
    """The readings kept in ``path`` (p, q, categories, keys), or None where there are none; a file of
    readings of other rows is refused, not read."""
    if not path.is_file():
        return None
    data = np.load(path, allow_pickle=False)
    if "keys" not in data or not np.array_equal(data["keys"], keys):
        raise SystemExit(f"{path} holds readings of other rows (the manifest changed since): remove it")
    return data


def readings(mine: list[Example], lang: str, args: argparse.Namespace,
             pool: object) -> tuple[F64, F64, list[Category]]:
    cache = Path(f"{args.cache}.{lang}.npz") if args.cache else None
    keys = row_keys(mine)
    data = cached(cache, keys) if cache is not None else None
    if data is not None:
        return data["p"], data["q"], [Category(c) for c in data["categories"]]
    model = train(mine, lang, seed=args.seed, pool=pool)  # type: ignore[arg-type]
    categories: list[Category] = model.notes["categories"]
    p = np.asarray(model.oof.p_quality, dtype=np.float64)
    q = softmax(np.asarray(model.notes["category_logits"]) / model.temperature)
    assert [c.value for c in model.oof.category] == name(q, p, categories)
    if cache is not None:
        np.savez(cache, p=p, q=q, categories=np.array([c.value for c in categories]), keys=keys)
    return p, q, categories


def label_mix(rows: list[Example], categories: list[Category],
              fallback: F64 | None = None) -> tuple[F64, F64]:
    """The family and category frequencies over ``rows``' labels (add-one for categories, so no prior is
    zero); ``fallback`` is the family's where no row has a family."""
    quality = [e.family == "quality" for e in rows if e.has_family]
    index = {c.value: j for j, c in enumerate(categories)}
    counts = np.ones(len(categories))
    for e in rows:
        if e.has_category and e.category in index:
            counts[index[e.category]] += 1
    fam = np.array([np.mean(quality), 1 - np.mean(quality)]) if quality or fallback is None else fallback
    return fam, counts / counts.sum()


def training_priors(mine: list[Example], source: str, categories: list[Category]) -> tuple[F64, F64]:
    """The label mix over the other sources' gold rows."""
    return label_mix([e for e in mine if e.source != source and e.origin != "messages"], categories)


def adapt(p: F64, q: F64, fit_on: I64, apply_to: I64, f0: F64, c0: F64) -> tuple[F64, F64]:
    """``apply_to``'s family probability and category posteriors re-weighed by the priors EM finds on
    ``fit_on``."""
    fam = np.stack([p, 1 - p], axis=1)
    fprior = em_prior(fam[fit_on], f0)
    cprior = em_prior(q[fit_on], c0)
    return reweigh(fam[apply_to], fprior / f0)[:, 0], reweigh(q[apply_to], cprior / c0)


def halves(rows: I64, rng: np.random.Generator, limit: int | None = None) -> list[tuple[I64, I64]]:
    """(fit on, apply to) both ways round over a seeded split of ``rows`` in two; ``limit`` keeps only so
    many texts to fit on."""
    order = rows[rng.permutation(len(rows))]
    a, b = np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2:])
    return [(b[:limit], a), (a[:limit], b)]


PLANS: dict[str, Callable[[I64, np.random.Generator], list[tuple[I64, I64]]]] = {
    "halves (rule)": halves,
    "whole source": lambda rows, rng: [(rows, rows)],
    f"{FIRST_WEEKS} texts": lambda rows, rng: halves(rows, rng, FIRST_WEEKS),
}


def family_right(p: F64, mine: list[Example], rows: list[int]) -> int:
    return sum((p[i] >= 0.5) == (mine[i].family == "quality") for i in rows)


def category_right(named: list[str], mine: list[Example], rows: list[int]) -> int:
    return sum(named[i] == mine[i].category for i in rows)


def score_language(mine: list[Example], lang: str, p: F64, q: F64, categories: list[Category],
                   seed: int) -> None:
    real = [i for i, e in enumerate(mine) if e.origin != "messages"]
    sources = sorted({mine[i].source for i in real})
    fam_rows = [i for i in real if mine[i].has_family]
    cat_rows = [i for i in real if mine[i].has_category]
    nf, nc = len(fam_rows), len(cat_rows)
    base_named = name(q, p, categories)
    base_fam, base_cat = family_right(p, mine, fam_rows), category_right(base_named, mine, cat_rows)
    print(f"\n== {lang}: reader alone, out of source, {len(sources)} sources, family n={nf}, category n={nc}")
    print(f"  {'reading':<16} {'family':>22} {'category':>22}  category gains on")
    (flo, fhi), (clo, chi) = wilson(base_fam, nf), wilson(base_cat, nc)
    print(f"  {'R (shipped)':<16} {base_fam / nf:.3f} [{flo:.3f}-{fhi:.3f}]       "
          f"{base_cat / nc:.3f} [{clo:.3f}-{chi:.3f}]")
    for label, plan in PLANS.items():
        rng = np.random.default_rng(seed)
        ap, aq = p.copy(), q.copy()
        for source in sources:
            rows = np.array([i for i in real if mine[i].source == source], dtype=np.int64)
            f0, c0 = training_priors(mine, source, categories)
            for fit_on, apply_to in plan(rows, rng):
                ap[apply_to], aq[apply_to] = adapt(p, q, fit_on, apply_to, f0, c0)
        named = name(aq, ap, categories)
        k_fam, k_cat = family_right(ap, mine, fam_rows), category_right(named, mine, cat_rows)
        cells, wins = [], 0
        for source in sources:
            rows_c = [i for i in cat_rows if mine[i].source == source]
            before, after = category_right(base_named, mine, rows_c), category_right(named, mine, rows_c)
            wins += after > before
            cells.append(f"{source} {before}->{after}/{len(rows_c)}")
        (flo, fhi), (clo, chi) = wilson(k_fam, nf), wilson(k_cat, nc)
        print(f"  {label:<16} {k_fam / nf:.3f} [{flo:.3f}-{fhi:.3f}] {k_fam - base_fam:+4d}  "
              f"{k_cat / nc:.3f} [{clo:.3f}-{chi:.3f}] {k_cat - base_cat:+4d}  {wins} of {len(sources)}",
              flush=True)
        if label.startswith("halves"):
            passes = ((k_cat - base_cat) / nc >= CATEGORY_GAIN and (base_fam - k_fam) / nf <= FAMILY_LOSS
                      and wins > len(sources) / 2)
            rule = f"  rule: {lang} {'passes' if passes else 'fails'}"
            print("    per source, category right (halves): " + "; ".join(cells))
    ap, aq = p.copy(), q.copy()
    for source in sources:
        rows = np.array([i for i in real if mine[i].source == source], dtype=np.int64)
        f0, c0 = training_priors(mine, source, categories)
        f1, c1 = label_mix([mine[i] for i in rows], categories, f0)  # a perfect estimate of the mix
        ap[rows] = reweigh(np.stack([p[rows], 1 - p[rows]], axis=1), f1 / f0)[:, 0]
        aq[rows] = reweigh(q[rows], c1 / c0)
    k_fam, k_cat = family_right(ap, mine, fam_rows), category_right(name(aq, ap, categories), mine, cat_rows)
    print(f"  {'true mix (a ceiling, not a method: it reads the labels)':<16}\n  {'':<16} {k_fam / nf:.3f}"
          f"                 {k_fam - base_fam:+4d}  {k_cat / nc:.3f}                 {k_cat - base_cat:+4d}")
    print(rule)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_out_of_source_args(ap)
    ap.add_argument("--cache", type=Path, metavar="PREFIX",
                    help="keep (or reuse) the out-of-source readings in PREFIX.<lang>.npz")
    args = ap.parse_args()
    loaded = labelled_examples(args)
    if loaded is None:
        return 2
    examples, heldout = loaded
    pool = None
    for lang in ("en", "zh"):
        if args.only not in (None, lang):
            continue
        mine = [e for e in examples if e.lang == lang]
        have_cache = args.cache is not None and Path(f"{args.cache}.{lang}.npz").is_file()
        if pool is None and not have_cache:
            pool = load_pool(args.corpora, heldout, examples)
        p, q, categories = readings(mine, lang, args, pool)
        score_language(mine, lang, p, q, categories, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
