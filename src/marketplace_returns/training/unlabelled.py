"""The unlabelled pool: the labelled sources' other complaints, for weak labels from the cue reader.

Why: the reader decides where the hand-written cues say nothing clear, and there, trained on 2,000 gold
texts a language, it was barely better than a coin on a corpus it had not seen. The same corpora hold
tens of thousands more complaints nobody labelled. Where the cue reader finds one clear, non-negated,
unconflicted cue in such a text, its family is a weak label (right about nine times in ten on the gold
texts); trained on those texts *without* the cue features, the model learns the words that come with
each kind of complaint ("不存电", "the seam let go") and reads them where no cue fires. Gold labels still
decide: the weak rows' total weight is a design choice selected by inner leave-one-source-out
(training/train.py), and zero is one of the choices.

What enters the pool, per source of ``corpus/sources.yaml`` (the files the gold rows come from): the
rows its own label calls negative (``sources.NegativeRows``, the same rows the labelling pools were
drawn from), 8-600
characters; never a held-out row (by row, and by the sha256 of every form of the text), never a text
that is labelled (gold manifest or development half, by hash), each text once. At most ``cap`` a
source, drawn with a seeded shuffle, so the pool and the weights are the same on every run.

Every pool text carries its source: a model scored on a source never saw that source's pool texts.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from marketplace_returns.training.corpus import (
    DEFAULT_CORPUS_DIR,
    load_heldout,
    load_sources,
    sha256,
    variant_hashes,
)
from marketplace_returns.training.sources import NegativeRows, iter_rows

CAP = 4000
"""Pool texts kept per source (the largest sources hold ~20,000 complaints; training time is linear)."""


@dataclass(frozen=True, slots=True)
class PoolText:
    source: str
    lang: str
    text: str


def _forms(text: str) -> set[str]:
    return {sha256(text), sha256(text.strip()), sha256(" ".join(text.split()))}


def unlabelled_pool(corpora_dir: Path, *, heldout: Path | None, labelled: Iterable[str],
                    corpus_dir: Path | None = None, cap: int = CAP) -> list[PoolText]:
    """The pool texts of every source in ``sources.yaml`` (see the module's docstring)."""
    sources = load_sources((corpus_dir or DEFAULT_CORPUS_DIR) / "sources.yaml")
    held = load_heldout(heldout) if heldout is not None else None
    taken: set[str] = set()
    for text in labelled:
        taken |= _forms(text)
    negative = NegativeRows(corpora_dir, sources)
    out: list[PoolText] = []
    for source in sources.sources:
        texts: list[str] = []
        for spec in source.files:
            for raw in iter_rows(corpora_dir, source, spec):
                if not negative(source.id, spec, raw) or not 8 <= len(raw.text) <= 600:
                    continue
                hashes = variant_hashes(raw)
                if held is not None and held.excludes(source, spec, raw, hashes):
                    continue
                key = sha256(" ".join(raw.text.split()))
                if hashes & taken or key in taken:
                    continue
                taken.add(key)
                texts.append(raw.text)
        random.Random(f"pool-{source.id}").shuffle(texts)
        out.extend(PoolText(source.id, source.lang, text) for text in texts[:cap])
    return out
