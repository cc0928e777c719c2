"""How the engine's family call would fare if the learned reader overruled clear cues: each policy of
``classifier.OVERRIDE_AT`` scored on out-of-source readings, with no model trained per policy; and, under the
shipped family policy, each category policy of eval_triage's ``CATEGORY_POLICIES`` (who names the category:
the cues, or the reader when sure enough, in which families).

    .venv/bin/python bench/combine_policy.py --corpora DIR [--exclude SOURCE ...] [--only zh|en]

Why a script of its own: ``bench/eval_triage.py``'s nested leave-one-source-out runs the whole recipe
once per source (hours at thirty-odd sources). ``model train`` already fits the reader leave-one-source-out
to calibrate it; its out-of-fold readings (``Model.oof``: each text read by a model that never saw its
source, Platt-scaled and temperature-scaled as shipped) are what a new shop's text would get. Each real
text (our written messages are trained on, never scored) is scored by eval_triage's ``score_source``
(its cases, its policies) with that reading standing in for the shipped reader's, so every policy is
compared on the same readings. ``--exclude`` keeps sources out entirely (not trained on, not scored, their
unlabelled texts out of the weak rows): sources labelled after a decision is taken, kept fresh for the
test of it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_triage import (
    CATEGORY_POLICIES,
    POLICIES,
    Readings,
    add_out_of_source_args,
    as_case,
    category_policy_name,
    labelled_examples,
    score_source,
)
from marketplace_returns.engine.classifier import DECIDED_NAMES, OVERRIDE_AT, classify
from marketplace_returns.models.vocabulary import Category, Family
from marketplace_returns.profiles import load_profile
from marketplace_returns.training.data import Example
from marketplace_returns.training.run import load_pool
from marketplace_returns.training.train import train


@dataclass(frozen=True)
class OutOfSource:
    """One out-of-fold reading, shaped as engine/reader.py's ``Reading`` for ``classify``."""

    quality_probability: float
    category: Category
    category_probability: float
    band: tuple[float, float]
    lang: str

    @property
    def unsure(self) -> bool:
        return self.band[0] <= self.quality_probability <= self.band[1]

    @property
    def family(self) -> Family:
        return Family.QUALITY if self.quality_probability >= 0.5 else Family.NON_QUALITY

    model = "out-of-source"
    manifest = "0" * 64
    parts = None

    def evidence(self) -> str:
        return f"reader {self.quality_probability:.2f} quality (out of source)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_out_of_source_args(ap)
    ap.add_argument("--exclude", action="append", default=[], metavar="SOURCE")
    args = ap.parse_args()
    loaded = labelled_examples(args)
    if loaded is None:
        return 2
    examples, heldout = loaded
    left_out = set(args.exclude)
    examples = [e for e in examples if e.source not in left_out]
    pool = [p for p in load_pool(args.corpora, heldout, examples) if p.source not in left_out]
    print(f"rows {len(examples)}; left out {', '.join(sorted(left_out)) or 'none'}; pool {len(pool)}; "
          f"shipped policy OVERRIDE_AT = {OVERRIDE_AT}")
    for lang in ("zh", "en"):
        if args.only not in (None, lang):
            continue
        mine = [e for e in examples if e.lang == lang]
        model = train(mine, lang, seed=args.seed, pool=pool)
        band = (model.band.lo, model.band.hi)
        print(f"\n== {lang}: {len(mine)} rows, folds {model.notes['folds']}, "
              f"band {band[0]:.3f}-{band[1]:.3f}")
        rows = [i for i, e in enumerate(mine) if e.origin != "messages"]
        test = [mine[i] for i in rows]
        readings = {"the shipped recipe": (model.oof.p_quality, band)}
        if "alone" in model.notes:  # a stacked reader: its n-gram reader alone too, with its own band
            own = model.notes["alone_band"]["words"]
            readings["its n-gram reader alone"] = (model.notes["alone"]["words"], (own.lo, own.hi))
        for name, (p, b) in readings.items():
            print(f"-- {name}, band {b[0]:.3f}-{b[1]:.3f}")
            score(test, [OutOfSource(float(p[i]), model.oof.category[i], float(model.oof.category_p[i]), b,
                                     lang) for i in rows], b)
    return 0


def score(test: list[Example], oof: list[OutOfSource], band: tuple[float, float]) -> None:
    """Each policy's figures with ``oof`` standing in for the shipped reader's readings of ``test``."""
    by_message = {as_case(e).message: got for e, got in zip(test, oof, strict=True)}
    assert len(by_message) == len(test), "load_examples drops repeated texts"

    def read(message: str, _lang: str, _words: object) -> OutOfSource:
        return by_message[message]

    pred = Readings([r.quality_probability for r in oof], [r.category for r in oof])
    scored = score_source(test, read, pred, band)
    print(scored.model.line("reader alone (out of source)"))
    for policy in POLICIES:
        name = f"combined, overrule at {policy}" if policy else "combined, never overrules"
        print(scored.combined[policy].line(name + (" *" if policy == OVERRIDE_AT else ""), alone=True))
    for cat_policy in CATEGORY_POLICIES:
        print(scored.by_category_policy[cat_policy].line(category_policy_name(cat_policy)))
    where_categories_part(test, oof, read)


def where_categories_part(test: list[Example], oof: list[OutOfSource], read: object) -> None:
    """Under the shipped policies, the texts whose category the engine names otherwise than its reader
    alone, by what decided the family: how often each of the two is right there."""
    parts: dict[str, list[int]] = {}
    variant = [0, 0, 0, 0]  # family right, families, category right, categories under DECIDED_NAMES flipped
    for e, got in zip(test, oof, strict=True):
        case = as_case(e)
        profile = load_profile(case.platform)
        other = classify(case, profile, explain=False, read=read,  # type: ignore[arg-type]
                         decided_names=not DECIDED_NAMES).classification
        if e.has_family:
            variant[0] += other.family.value == e.family
            variant[1] += 1
        if not e.has_category:
            continue
        variant[2] += other.category.value == e.category
        variant[3] += 1
        result = classify(case, profile, explain=False, read=read)  # type: ignore[arg-type]
        named = result.classification.category
        if named is got.category:
            key = "the same category"
        elif result.signals.reader_decided:
            key = "other: the reader decided the family"
        elif result.signals.text_category is named:
            key = "other: a clear cue decided and named it"
        else:
            key = "other: facts, or the reader renamed the cue's"
        tally = parts.setdefault(key, [0, 0, 0])
        tally[0] += 1
        tally[1] += named.value == e.category
        tally[2] += got.category.value == e.category
    print("    where the engine's category and its reader's part (n, engine right, reader alone right):")
    for key, (n, engine, alone) in sorted(parts.items()):
        print(f"      {key:<46} n={n:>5}  engine {engine:>5}  reader {alone:>5}")
    fam, n_fam, cat, n_cat = variant
    print(f"    DECIDED_NAMES {not DECIDED_NAMES} (shipped {DECIDED_NAMES}): family {fam / n_fam:.3f} "
          f"({fam} of {n_fam}), category {cat / n_cat:.3f} ({cat} of {n_cat})")


if __name__ == "__main__":
    sys.exit(main())
