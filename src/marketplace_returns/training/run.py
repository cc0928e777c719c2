"""``marketplace-returns model train``: rebuild the examples, measure, fit, write the shipped weights.

Why one function behind the command: the figures printed beside the weights (cross-validated and
leave-one-source-out) must come from the same rows and the same recipe as the weights themselves.
bench/eval_triage.py reuses the pieces for its fuller report.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from marketplace_returns.engine import reader
from marketplace_returns.training.calibration import ece, wilson
from marketplace_returns.training.data import (
    Example,
    Heldout,
    assemble,
    corpus_examples,
    dev_half,
    message_examples,
    pool_examples,
    sha256,
)
from marketplace_returns.training.train import Model, Predictions, Recipe, arrays, train
from marketplace_returns.training.unlabelled import PoolText, unlabelled_pool

LANGS = ("zh", "en")


def manifest_digest(examples: Sequence[Example]) -> str:
    """sha256 of the training rows as a manifest (source, row, text hash, labels), order-free."""
    return digest_of_rows((e.source, e.row, sha256(e.text), e.family, e.category) for e in examples)


def digest_of_rows(rows: Iterable[tuple[str, str, str, str, str]]) -> str:
    """``manifest_digest`` over (source, row, text sha256, family, category) rows: the same digest from
    hashes alone, so a manifest's own sha256 column can stand for texts that were not rebuilt."""
    lines = sorted(f"{source}\t{row}\t{text_sha}\t{family}\t{category}\n"
                   for source, row, text_sha, family, category in rows)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def load_examples(corpora: Path | None, shared_data: Path | None, heldout: Path | None,
                  pool: Path | None = None, corpus_dir: Path | None = None,
                  messages: Path | None = None, only: Collection[str] | None = None,
                  ) -> tuple[list[Example], dict[str, int]]:
    """The gold corpus (when ``corpora`` is given; with ``only``, those sources' rows alone), interim pool
    labels (when ``pool`` is), the development half, then our written refund-request messages (when
    ``messages`` is); held-out rows and repeats dropped."""
    groups = []
    if corpora is not None:
        groups.append(list(corpus_examples(corpora, heldout, corpus_dir, only)))
    if pool is not None:
        groups.append(list(pool_examples(pool)))
    if shared_data is not None:
        groups.append(dev_half(shared_data))
    if messages is not None:
        groups.append(message_examples(messages))
    return assemble(groups, Heldout.read(heldout))


@dataclass
class Score:
    """Family and category accuracy of predictions against labels, with counts for the intervals."""

    n_family: int = 0
    right_family: int = 0
    n_category: int = 0
    right_category: int = 0
    decided: int = 0
    right_decided: int = 0
    p: list[float] = field(default_factory=list)
    y: list[bool] = field(default_factory=list)

    def add(self, examples: Sequence[Example], pred: Predictions, band: tuple[float, float]) -> None:
        for i, e in enumerate(examples):
            p = float(pred.p_quality[i])
            if e.has_family:
                ok = (p >= 0.5) == (e.family == "quality")
                self.n_family += 1
                self.right_family += ok
                self.p.append(p)
                self.y.append(e.family == "quality")
                if not band[0] <= p <= band[1]:
                    self.decided += 1
                    self.right_decided += ok
            if e.has_category:
                self.n_category += 1
                self.right_category += pred.category[i].value == e.category

    def line(self, name: str) -> str:
        def fmt(k: int, n: int) -> str:
            if not n:
                return "   -  (n=0)"
            lo, hi = wilson(k, n)
            return f"{k / n:.3f} [{lo:.2f}-{hi:.2f}] (n={n})"
        cov = self.decided / self.n_family if self.n_family else float("nan")
        e = ece(np.array(self.p), np.array(self.y, dtype=bool)) if self.p else float("nan")
        return (f"  {name:<34} family {fmt(self.right_family, self.n_family)}  "
                f"category {fmt(self.right_category, self.n_category)}  "
                f"outside band: {cov:.2f} decided, family {fmt(self.right_decided, self.decided)}  "
                f"ECE {e:.3f}")


def load_pool(corpora: Path | None, heldout: Path | None, examples: Sequence[Example],
              corpus_dir: Path | None = None) -> list[PoolText]:
    """The unlabelled pool of the fetched corpora (none without ``corpora``), labelled texts dropped."""
    if corpora is None:
        return []
    return unlabelled_pool(corpora, heldout=heldout, labelled=[e.text for e in examples],
                           corpus_dir=corpus_dir)


def _subset(pred: Predictions, rows: list[int]) -> Predictions:
    return Predictions(pred.p_quality[rows], [pred.category[i] for i in rows], pred.category_p[rows])


def describe(model: Model) -> str:
    """The design the inner folds selected, and what each candidate scored."""
    d = model.notes.get("design")
    if d is None:
        return ""
    fam = ", ".join(f"C {c:g} weak {w:g}: {v:.4f}" for (c, w), v in model.notes["family_logloss"].items())
    cat = ", ".join(f"C {c:g} weak {w:g}: {v:.4f}" for (c, w), v in model.notes["category_logloss"].items())
    return (f"  selected on {model.notes['folds']} inner folds: family C {d.c:g}, weak share {d.weak:g}; "
            f"category C {d.category_c:g}, weak share {d.category_weak:g} "
            f"({model.notes['weak_rows']} weak rows; family criterion on the {model.notes['reader_rows']} "
            f"rows the reader decides)\n"
            f"    family log-loss by design: {fam}\n    category log-loss by design: {cat}")


def loso(examples: Sequence[Example], lang: str, *, seed: int, log: Callable[[str], None],
         pool: Sequence[PoolText] = (), recipe: Recipe | None = None,
         ) -> dict[str, tuple[list[Example], Predictions, tuple[float, float]]]:
    """For each source of ``lang``: the recipe without it (nor its pool texts), scored on it."""
    mine = [e for e in examples if e.lang == lang]
    out = {}
    for source in sorted({e.source for e in mine}):
        test = [e for e in mine if e.source == source]
        rest = [e for e in mine if e.source != source]
        if not any(e.has_family for e in rest) or not any(e.has_family for e in test):
            log(f"  {lang} {source}: nothing left to train on without it; no leave-one-source-out figure")
            continue
        model = train(rest, lang, seed=seed, pool=[p for p in pool if p.source != source], recipe=recipe)
        log(f"  without {source}:")
        log(describe(model))
        out[source] = (test, model.predict([e.text for e in test]), (model.band.lo, model.band.hi))
    return out


def reader_from(models: dict[str, Model], *, version: str, digest: str) -> reader.Reader:
    """A run-time reader over freshly trained models (what the weights file would load as)."""
    header_langs, blobs = arrays(models)
    langs = {}
    for lang, meta in header_langs.items():
        meta = {**meta, "version": version, "manifest_sha256": digest}
        f = models[lang].fitted
        chars, words = f.vocab.index()
        langs[lang] = reader.LangModel(lang, meta, blobs[f"{lang}_matrix"], blobs[f"{lang}_bias"], chars,
                                       words, reader.second_reader(lang, meta, blobs))
    return reader.Reader(langs, {"version": version, "manifest_sha256": digest})


def default_out() -> Path:
    return Path(reader.__file__).parent / "reader_data"


def run(*, corpora: Path | None, shared_data: Path | None, heldout: Path | None, out: Path, seed: int,
        version: str | None, log: Callable[[str], None], do_loso: bool = True,
        pool: Path | None = None, corpus_dir: Path | None = None,
        recipe: Recipe | None = None, messages: Path | None = None) -> dict[str, Model]:
    """Train both languages, print the report through ``log``, write ``out/reader.npz``."""
    examples, dropped = load_examples(corpora, shared_data, heldout, pool, corpus_dir, messages)
    log(f"examples: {len(examples)} (dropped: {', '.join(f'{k} {v}' for k, v in dropped.items())})")
    counts = Counter((e.lang, e.source, e.origin) for e in examples)
    for (lang, source, origin), n in sorted(counts.items()):
        fam = Counter(e.family for e in examples if (e.lang, e.source, e.origin) == (lang, source, origin))
        log(f"  {lang} {source:<28} {origin:<6} {n:>5} rows  " + ", ".join(f"{k} {v}" for k, v in
                                                                          sorted(fam.items())))
    digest = manifest_digest(examples)
    unlabelled = load_pool(corpora, heldout, examples, corpus_dir)
    per_source = sorted(Counter(p.source for p in unlabelled).items())
    log(f"unlabelled pool: {len(unlabelled)} texts ({', '.join(f'{s} {n}' for s, n in per_source)})")
    version = version or datetime.now(UTC).strftime("%Y.%m.%d")
    models: dict[str, Model] = {}
    for lang in LANGS:
        mine = [e for e in examples if e.lang == lang]
        if not mine:
            log(f"{lang}: no examples; no model")
            continue
        model = train(mine, lang, seed=seed, pool=unlabelled, recipe=recipe)
        models[lang] = model
        band = (model.band.lo, model.band.hi)
        log(f"\n{lang}: {len(mine)} rows, {model.fitted.vocab.size} grams, Platt {model.platt[0]:.3f} "
            f"{model.platt[1]:+.3f}, temperature {model.temperature:.2f}")
        log(describe(model))
        log(f"  not-sure band {band[0]:.3f}-{band[1]:.3f}: out-of-source, on the rows the reader decides, "
            f"{model.band.coverage:.2f} decided "
            f"at family accuracy {model.band.accuracy:.3f} "
            f"(target 0.97 {'met' if model.band.met else 'NOT met'})")
        cv = Score()
        cv.add(mine, model.oof, band)
        log(cv.line(f"out of fold ({model.notes['folds']})"))
        texts = [i for i, e in enumerate(mine) if e.origin != "messages"]
        if len(texts) < len(mine):
            real = Score()
            real.add([mine[i] for i in texts], _subset(model.oof, texts), band)
            log(real.line("out of fold, real texts only"))
        if model.stack is not None:
            grams = len(model.chars.grams) if model.chars else 0
            log(f"  stacked with the character reader ({grams} grams): "
                f"Platt {model.stack[0]:.3f} {model.stack[1]:+.3f} over the mean of the two logits; "
                f"each alone, out of fold, real texts:")
            for name, alone in model.notes["alone"].items():
                each = Score()
                each.add([mine[i] for i in texts], _subset(Predictions(
                    alone, model.oof.category, model.oof.category_p), texts), band)
                log(each.line(f"  {name} alone"))
        dev = [i for i, e in enumerate(mine) if e.origin == "dev"]
        if dev:
            dev_score = Score()
            dev_score.add([mine[i] for i in dev], _subset(model.oof, dev), band)
            log(dev_score.line("dev half (out of fold)"))
        if do_loso:
            total = Score()
            for source, (test, pred, b) in loso(examples, lang, seed=seed, log=log, pool=unlabelled,
                                                recipe=recipe).items():
                s = Score()
                s.add(test, pred, b)
                total.add(test, pred, b)
                log(s.line(f"leave out {source}"))
            if total.n_family:
                log(total.line("leave-one-source-out, pooled"))
    header_langs, blobs = arrays(models)
    for lang in header_langs:
        header_langs[lang]["version"] = version
        header_langs[lang]["manifest_sha256"] = digest
    header = {"version": version, "manifest_sha256": digest, "seed": seed, "langs": header_langs,
              "rows": len(examples)}
    path = out / "reader.npz"
    reader.save(path, header, blobs)
    log(f"\nwrote {path} ({path.stat().st_size / 1e6:.1f} MB), version {version}, manifest {digest}")
    return models
