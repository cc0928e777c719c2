"""Score the classifier on labelled real buyer texts: cues alone, the learned reader alone, and both.

    pip install -e '.[dev,train]'
    .venv/bin/python bench/eval_triage.py --corpora DIR [--shared ../shared/data] [--pool DIR]
        [--seed 13] [--misses 20] [--only zh|en] [--no-examples]

The honest figure is leave-one-source-out (LOSO): for each corpus, the reader is trained (the whole
recipe of ``model train``: inner folds, C, Platt, temperature, band) on every other corpus of the
language and scored on this one; the cue reader, written by hand, is scored as it is. The labelled
rows are the gold manifest rebuilt from ``--corpora`` (corpus/manifest.tsv) plus the development half
in ``--shared`` (buyer-texts-*.jsonl; its rows belong to their corpus's fold, so they too are scored
only by a reader that never saw their corpus). ``--pool`` adds interim labels from a labelling
directory (figures from them are interim). Held-out rows (heldout.tsv) are dropped by row and hash;
they are never scored here.

``--first-look SOURCE`` (repeatable) scores the *shipped* weights instead, on sources labelled after
they were trained: the cleanest out-of-source figure there is, and it costs no training. It is refused
unless the weights' manifest digest equals that of every labelled row but those sources' (proof that
the weights never saw them); only the looked-at sources are rebuilt, so only their corpora need be
fetched (the other rows enter the proof by the manifest's sha256 column).

Each text becomes a case the way a buyer's message would arrive (taobao for Chinese, shopify for
English, no reason chosen, price 100, received) and goes through ``classify``:
- cues: the engine without a reader (the hand-written lexicons, the reason prior, the facts);
- reader: the calibrated family probability and category of the LOSO model alone;
- combined: the engine with the LOSO reader, under each overrule policy tried (``OVERRIDE_AT``).

Reported per language and per source: family and category accuracy with 95 % Wilson intervals
(``unclear`` rows left out of the accuracy they are unclear for), the reader's expected calibration
error, accuracy against coverage of the not-sure band, and for the combination how many cases the
reader decided alone (outside its band) and how right those were. Then the shipped weights on the
development half, marked for what they are (the dev half is in their training data), and the contract
examples of ../shared/examples with their expected actions.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from marketplace_returns.engine import reader as reader_mod
from marketplace_returns.engine.classifier import (
    CATEGORY_AT,
    CATEGORY_FAMILIES,
    DECIDED_NAMES,
    OVERRIDE_AT,
    classify,
)
from marketplace_returns.models.case import Case
from marketplace_returns.models.vocabulary import Category, Family
from marketplace_returns.profiles import load_profile
from marketplace_returns.training.calibration import ece, wilson
from marketplace_returns.training.corpus import DEFAULT_CORPUS_DIR, ManifestRow, load_manifest, sha256
from marketplace_returns.training.data import UNCLEAR, Example
from marketplace_returns.training.run import (
    describe,
    digest_of_rows,
    load_examples,
    load_pool,
    manifest_digest,
    reader_from,
)
from marketplace_returns.training.train import Recipe, train
from marketplace_returns.training.unlabelled import PoolText

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
POLICIES: tuple[float | None, ...] = (None, 0.95, 0.9, 0.8, 0.5)
CATEGORY_POLICIES: tuple[tuple[float | None, str], ...] = (
    (None, "all"), (0.5, "all"), (0.7, "all"), (0.5, "quality"), (0.7, "quality"), (0.9, "quality"))
"""How sure of its category the reader must be to name it within the agreed family (None: the cues do)."""


def add_out_of_source_args(ap: argparse.ArgumentParser) -> None:
    """The arguments of the benches that read every labelled real text out of source (bench/combine_policy.py,
    bench/teacher_probe.py, bench/category_stack.py)."""
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--shared", type=Path, default=SHARED / "data")
    ap.add_argument("--only", choices=["zh", "en"])
    ap.add_argument("--seed", type=int, default=13)


def labelled_examples(args: argparse.Namespace) -> tuple[list[Example], Path] | None:
    """Those benches' rows: the gold manifest, the development half and our written messages, held-out rows
    dropped by row and hash; and the held-out list's path. None (having said why) where the list is absent,
    since nothing could then be dropped."""
    heldout: Path = args.shared / "heldout.tsv"
    if not heldout.is_file():
        print(f"{heldout} is absent: cannot drop the held-out rows", file=sys.stderr)
        return None
    messages = ROOT / "tests" / "data" / "messages"
    examples, _ = load_examples(args.corpora, args.shared, heldout, messages=messages)
    return examples, heldout


def as_case(e: Example) -> Case:
    zh = e.lang == "zh"
    return Case.model_validate({"refund_id": e.row, "platform": "taobao" if zh else "shopify",
                                "reason": "" if zh else "OTHER", "message": e.text, "item_price": 100,
                                "goods_status": "received"})


@dataclass
class Tally:
    """Right/total of family and category, plus the reader's probabilities for calibration."""

    fam: list[bool] = field(default_factory=list)
    cat: list[bool] = field(default_factory=list)
    alone: list[bool] = field(default_factory=list)
    """Family right, on cases the reader decided alone (outside its not-sure band)."""
    alone_of: int = 0
    """Labelled-family cases the combination decided, for the share decided by the reader alone."""
    unsure: int = 0
    """Of those, the cases the reader decided inside its not-sure band: a rep approves them."""
    p: list[float] = field(default_factory=list)
    y: list[bool] = field(default_factory=list)

    def extend(self, other: Tally) -> None:
        self.fam += other.fam
        self.cat += other.cat
        self.alone += other.alone
        self.alone_of += other.alone_of
        self.unsure += other.unsure
        self.p += other.p
        self.y += other.y

    @staticmethod
    def acc(values: Sequence[bool]) -> str:
        n = len(values)
        if not n:
            return "    -               "
        k = sum(values)
        lo, hi = wilson(k, n)
        return f"{k / n:.3f} [{lo:.2f}-{hi:.2f}] n={n:<4}"

    def line(self, name: str, *, alone: bool = False, calibration: bool = False) -> str:
        out = f"    {name:<30} family {self.acc(self.fam)}  category {self.acc(self.cat)}"
        if alone:
            share = len(self.alone) / self.alone_of if self.alone_of else float("nan")
            out += f"  reader alone: {share:.2f} of cases, family {self.acc(self.alone)}"
            if self.alone_of:
                out += f"  not sure (a rep): {self.unsure / self.alone_of:.3f}"
        if calibration and self.p:
            out += f"  ECE {ece(np.array(self.p), np.array(self.y, dtype=bool)):.3f}"
        return out


@dataclass
class Scored:
    cues: Tally = field(default_factory=Tally)
    model: Tally = field(default_factory=Tally)
    combined: dict[float | None, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_category_policy: dict[tuple[float | None, str], Tally] = field(
        default_factory=lambda: defaultdict(Tally))
    """The shipped family policy under each ``category_at`` of CATEGORY_POLICIES."""
    misses: list[str] = field(default_factory=list)
    flipped: Tally = field(default_factory=Tally)
    """The first look's combination with DECIDED_NAMES flipped (``decided_names_flipped``)."""


def _none(_message: str, _lang: str, _words: object) -> None:
    return None


def score_source(test: Sequence[Example], read: Callable[..., Any],
                 model_pred: Any, band: tuple[float, float]) -> Scored:
    out = Scored()
    for i, e in enumerate(test):
        case = as_case(e)
        profile = load_profile(case.platform)
        fam_y = e.family == "quality"
        cues = classify(case, profile, explain=False, read=_none).classification
        p = float(model_pred.p_quality[i])
        if e.has_family:
            out.cues.fam.append(cues.family.value == e.family)
            out.model.fam.append((p >= 0.5) == fam_y)
            out.model.p.append(p)
            out.model.y.append(fam_y)
            if not band[0] <= p <= band[1]:
                out.model.alone.append((p >= 0.5) == fam_y)
            else:
                out.model.unsure += 1
            out.model.alone_of += 1
        if e.has_category:
            out.cues.cat.append(cues.category.value == e.category)
            out.model.cat.append(model_pred.category[i].value == e.category)
        for policy in POLICIES:
            result = classify(case, profile, explain=True, read=read, override_at=policy)
            got = result.classification
            facts = result.trace[-1].facts if result.trace else {}
            t = out.combined[policy]
            if e.has_family:
                t.fam.append(got.family.value == e.family)
                t.alone_of += 1
                if facts.get("decided_by_reader") and not facts.get("reader_unsure"):
                    t.alone.append(got.family.value == e.family)
                t.unsure += bool(facts.get("reader_unsure"))
                if policy == OVERRIDE_AT and got.family.value != e.family:
                    out.misses.append(f"      {e.source}:{e.row} expected {e.family}/{e.category}, got "
                                      f"{got.family.value}/{got.category.value}: "
                                      f"{' '.join(e.text.split())[:100]!r} | {got.evidence[-1][:70]}")
            if e.has_category:
                t.cat.append(got.category.value == e.category)
        for category_at, families in CATEGORY_POLICIES:
            got = classify(case, profile, explain=False, read=read, override_at=OVERRIDE_AT,
                           category_at=category_at, category_families=_FAMILIES[families]).classification
            t = out.by_category_policy[(category_at, families)]
            if e.has_family:
                t.fam.append(got.family.value == e.family)
            if e.has_category:
                t.cat.append(got.category.value == e.category)
    return out


_FAMILIES = {"all": frozenset(Family), "quality": frozenset({Family.QUALITY})}


def category_policy_name(policy: tuple[float | None, str]) -> str:
    at, families = policy
    shipped = at == CATEGORY_AT and _FAMILIES[families] == CATEGORY_FAMILIES
    return f"category: reader at {at}, {families}{' *' if shipped else ''}"


def coverage_curve(p: np.ndarray, y: np.ndarray) -> list[str]:
    lines = ["    not-sure band        decided   family accuracy on decided"]
    for half in (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4):
        lo, hi = 0.5 - half, 0.5 + half
        decided = (p < lo) | (p > hi) if half else np.ones(len(p), dtype=bool)
        n = int(decided.sum())
        k = int(((p[decided] >= 0.5) == y[decided]).sum())
        acc = f"{k / n:.3f} [{wilson(k, n)[0]:.2f}-{wilson(k, n)[1]:.2f}]" if n else "-"
        lines.append(f"    {lo:.2f}-{hi:.2f}            {n / len(p):6.2f}   {acc} (n={n})")
    return lines


def loso(examples: list[Example], lang: str, seed: int, misses: int, pool: Sequence[PoolText] = (),
         recipe: Recipe | None = None, outer: Sequence[str] = ()) -> None:
    mine = [e for e in examples if e.lang == lang]
    sources = sorted({e.source for e in mine})
    print(f"\n== {lang}: {len(mine)} labelled rows from {len(sources)} sources; leave-one-source-out")
    if outer:
        sources = [s for s in sources if s in outer]
        print(f"  scoring only {', '.join(sources) or 'none'} (--outer); each still trained on every other")
    total = Scored()
    for source in sources:
        test = [e for e in mine if e.source == source]
        rest = [e for e in mine if e.source != source]
        if not any(e.has_family for e in rest):
            print(f"  {source}: no other {lang} source to train on; not scored")
            continue
        model = train(rest, lang, seed=seed, pool=[p for p in pool if p.source != source], recipe=recipe)
        read = reader_from({lang: model}, version=f"loso-{source}", digest=manifest_digest(rest)).read
        band = (model.band.lo, model.band.hi)
        scored = score_source(test, read, model.predict([e.text for e in test]), band)
        n_dev = sum(e.origin == "dev" for e in test)
        print(f"  {source} ({len(test)} rows, {n_dev} of them from the dev half; band {band[0]:.2f}-"
              f"{band[1]:.2f} chosen without it)")
        print(describe(model))
        print(scored.cues.line("cues alone"))
        print(scored.model.line("reader alone", alone=True, calibration=True))
        for policy in POLICIES:
            name = f"combined, overrule at {policy}" if policy else "combined, reader never overrules"
            mark = " *" if policy == OVERRIDE_AT else ""
            print(scored.combined[policy].line(name + mark, alone=True))
        total.cues.extend(scored.cues)
        total.model.extend(scored.model)
        for policy in POLICIES:
            total.combined[policy].extend(scored.combined[policy])
        for cat_policy in CATEGORY_POLICIES:
            print(scored.by_category_policy[cat_policy].line(category_policy_name(cat_policy)))
            total.by_category_policy[cat_policy].extend(scored.by_category_policy[cat_policy])
        total.misses += scored.misses
    print(f"  {lang} pooled over sources (LOSO)")
    print(total.cues.line("cues alone"))
    print(total.model.line("reader alone", alone=True, calibration=True))
    for policy in POLICIES:
        name = f"combined, overrule at {policy}" if policy else "combined, reader never overrules"
        mark = " *" if policy == OVERRIDE_AT else ""
        print(total.combined[policy].line(name + mark, alone=True))
    for cat_policy in CATEGORY_POLICIES:
        print(total.by_category_policy[cat_policy].line(category_policy_name(cat_policy)))
    if total.model.p:
        print("  reader alone (LOSO): accuracy against coverage of a symmetric not-sure band")
        for line in coverage_curve(np.array(total.model.p), np.array(total.model.y, dtype=bool)):
            print(line)
    if misses:
        print(f"  family misses of the combination (* policy), first {misses} of {len(total.misses)}:")
        for line in total.misses[:misses]:
            print(line)


@dataclass
class Readings:
    """The shipped reader's readings of some texts, shaped as ``Model.predict``'s for ``score_source``."""

    p_quality: list[float]
    category: list[Any]


def proven_digest(examples: list[Example], named: set[str],
                  manifest: Sequence[ManifestRow] | None = None) -> str:
    """The manifest digest of every training row but ``named``'s. With ``manifest``, the gold rows of the
    sources not rebuilt here enter by the manifest's own sha256 column (each the hash of its text, checked
    whenever the corpus is rebuilt), so a first look need rebuild only the looked-at sources (their corpora
    are the only ones that must be fetched) and still proves the weights never saw them."""
    rows = [(e.source, e.row, sha256(e.text), e.family, e.category)
            for e in examples if e.source not in named]
    if manifest is not None:
        rebuilt = {e.source for e in examples if e.origin == "corpus"}
        rows += [(m.source, m.row, m.sha256, m.family, m.category or UNCLEAR)
                 for m in manifest if m.source not in named and m.source not in rebuilt]
    return digest_of_rows(rows)


def first_look(examples: list[Example], sources: Sequence[str], misses: int,
               manifest: Sequence[ManifestRow] | None = None) -> bool:
    """The shipped weights scored on sources they were never trained on (labelled after they were made).

    The weights' manifest digest must equal the digest of every labelled row *but* these sources'; that
    proves the rows were not in their training data. Returns False (nothing scored) when it does not hold.
    """
    shipped = reader_mod.shipped()
    named = set(sources)
    unknown = named - {e.source for e in examples}
    if unknown:
        print(f"no labelled rows for {', '.join(sorted(unknown))}", file=sys.stderr)
        return False
    want = str(shipped.header.get("manifest_sha256"))
    if proven_digest(examples, named, manifest) != want:
        print(f"the shipped weights (manifest {want[:12]}…) were not trained on exactly the rows other than "
              f"{', '.join(sorted(named))}: they may have seen them, or the corpus changed since; not scored",
              file=sys.stderr)
        return False
    print(f"\n== first look: shipped weights {shipped.header.get('version')} (manifest {want[:12]}…, proved "
          f"to be every labelled row but these sources'), never trained on {', '.join(sorted(named))}")
    for lang in ("zh", "en"):
        total = Scored()
        for source in sorted(named):
            test = [e for e in examples if e.source == source and e.lang == lang]
            if not test:
                continue
            readings = [shipped.read(e.text, lang) for e in test]
            pred = Readings([r.quality_probability if r else 0.5 for r in readings],
                                [r.category if r else Category.OTHER for r in readings])
            lo, hi = shipped.header["langs"][lang]["band"]
            scored = score_source(test, shipped.read, pred, (float(lo), float(hi)))
            print(f"  {source} ({len(test)} rows)")
            print(scored.cues.line("cues alone"))
            print(scored.model.line("reader alone", alone=True, calibration=True))
            print(scored.combined[OVERRIDE_AT].line("combined (shipped policy)", alone=True))
            flipped = decided_names_flipped(test, shipped.read)
            print(flipped.line(f"combined, DECIDED_NAMES {not DECIDED_NAMES}"))
            total.flipped.extend(flipped)
            total.cues.extend(scored.cues)
            total.model.extend(scored.model)
            total.combined[OVERRIDE_AT].extend(scored.combined[OVERRIDE_AT])
            total.misses += scored.misses
        if len(named) > 1 and total.cues.fam:
            print(f"  {lang} pooled over the sources looked at")
            print(total.cues.line("cues alone"))
            print(total.model.line("reader alone", alone=True, calibration=True))
            print(total.combined[OVERRIDE_AT].line("combined (shipped policy)", alone=True))
            print(total.flipped.line(f"combined, DECIDED_NAMES {not DECIDED_NAMES}"))
        if misses and total.misses:
            print(f"  family misses of the combination, first {misses} of {len(total.misses)}:")
            for line in total.misses[:misses]:
                print(line)
    return True


def decided_names_flipped(test: Sequence[Example], read: Callable[..., Any]) -> Tally:
    """The combination (shipped policy) with ``classifier.DECIDED_NAMES`` the other way: where the reader
    decides the family, whether it also names the category (experiment K, docs/classifier.md). A first
    look reports it; one source a language is too few texts to adopt it from."""
    out = Tally()
    for e in test:
        case = as_case(e)
        got = classify(case, load_profile(case.platform), explain=False, read=read,
                       decided_names=not DECIDED_NAMES).classification
        if e.has_family:
            out.fam.append(got.family.value == e.family)
        if e.has_category:
            out.cat.append(got.category.value == e.category)
    return out


def shipped_on_dev(examples: list[Example]) -> None:
    """The shipped weights on the development half: in their training data, so an optimistic figure."""
    dev = [e for e in examples if e.origin == "dev"]
    if not dev:
        return
    shipped = reader_mod.shipped()
    header = shipped.header
    print(f"\n== shipped weights (version {header.get('version')}, manifest "
          f"{str(header.get('manifest_sha256'))[:12]}…) on the development half: IN THEIR TRAINING DATA "
          "(a fit figure, not a measure; the LOSO figures above are the measure)")
    for lang in ("zh", "en"):
        rows = [e for e in dev if e.lang == lang]
        t = Tally()
        for e in rows:
            case = as_case(e)
            got = classify(case, load_profile(case.platform), explain=False).classification
            if e.has_family:
                t.fam.append(got.family.value == e.family)
            if e.has_category:
                t.cat.append(got.category.value == e.category)
        print(t.line(f"{lang} combined (shipped)"))


def examples_set(shared: Path) -> None:
    path = shared / "examples" / "cases.jsonl"
    if not path.is_file():
        return
    from marketplace_returns.engine import default_playbook_for, evaluate, load_playbook

    print("\n== contract examples (../shared/examples), shipped reader: family/category and action")
    right = total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        case = Case.model_validate(raw)
        d = evaluate(case, load_playbook(default_playbook_for(case)))
        label = str(raw.get("why", "")).split(";")[0].split(":")[0].split(",")[0].strip()
        family, _, category = label.partition("/")
        family = (family.split() or [""])[0]
        assert d.classification is not None and d.recommendation is not None
        ok = d.classification.family.value == family and (
            not category.strip() or d.classification.category.value == category.strip().split()[0])
        total += 1
        right += ok
        print(f"  {case.refund_id}: {d.classification.family.value}/{d.classification.category.value} "
              f"→ {d.recommendation.action.value} (rule {d.rule}){'' if ok else '  MISS: ' + label}"
              f"{'  [needs approval]' if d.needs_approval else ''}")
    print(f"  family/category as the why note says: {right}/{total}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=Path,
                    help="fetched corpora (<owner>+<name>/repo/.git) for the manifest")
    ap.add_argument("--shared", type=Path, default=SHARED / "data",
                    help="the development half and heldout.tsv (default ../shared/data)")
    ap.add_argument("--pool", type=Path, help="a labelling directory: interim labels")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--misses", type=int, default=20)
    ap.add_argument("--only", choices=["zh", "en"])
    ap.add_argument("--no-examples", action="store_true")
    ap.add_argument("--no-pool", action="store_true", help="train without the unlabelled pool's weak rows")
    ap.add_argument("--search-design", action="store_true",
                    help="inner folds choose C and the weak share from the wider grid")
    ap.add_argument("--messages", type=Path, default=ROOT / "tests" / "data" / "messages",
                    help="our written refund-request messages, a training source per file "
                         "(default tests/data/messages)")
    ap.add_argument("--no-messages", action="store_true", help="leave the written messages out")
    ap.add_argument("--outer", action="append", default=[], metavar="SOURCE",
                    help="score only these sources (repeatable); the pooled figures are over them alone")
    ap.add_argument("--first-look", action="append", default=[], metavar="SOURCE",
                    help="score the shipped weights on these newly labelled sources instead (repeatable); "
                         "refused unless the weights were trained on every other labelled row")
    args = ap.parse_args()
    heldout = args.shared / "heldout.tsv"
    if not heldout.is_file():
        print(f"{heldout} is absent: cannot drop the held-out rows; not scoring", file=sys.stderr)
        return 2
    if args.corpora is None and args.pool is None:
        print("no --corpora: scoring on the development half only", file=sys.stderr)
    messages = None if args.no_messages or not args.messages.is_dir() else args.messages
    examples, dropped = load_examples(args.corpora, args.shared if args.shared.is_dir() else None, heldout,
                                      args.pool, messages=messages, only=set(args.first_look) or None)
    if args.first_look:
        manifest = load_manifest(DEFAULT_CORPUS_DIR / "manifest.tsv") if args.corpora is not None else None
        return 0 if first_look(examples, args.first_look, args.misses, manifest) else 1
    print(f"rows: {len(examples)} (dropped {dropped}); seed {args.seed}; * marks the engine's policy "
          f"(OVERRIDE_AT = {OVERRIDE_AT})")
    pool = [] if args.no_pool else load_pool(args.corpora, heldout, examples)
    print(f"unlabelled pool: {len(pool)} texts (a source's pool texts never train a model scored on it)")
    for lang in ("zh", "en"):
        if args.only in (None, lang):
            loso(examples, lang, args.seed, args.misses, pool,
                 Recipe.searching() if args.search_design else None, args.outer)
    shipped_on_dev(examples)
    if not args.no_examples:
        examples_set(args.shared.parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
