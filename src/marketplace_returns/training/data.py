"""The reader's labelled examples: the gold corpus rebuilt from fetched corpora, plus the development half.

Why one loader: training, cross-validation and bench/eval_triage.py must see the same rows, with the
held-out texts dropped the same way (by corpus and row, and by the SHA-256 of the text in every form
the held-out list may have hashed it), and duplicates counted once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from marketplace_returns.models.vocabulary import FAMILY_OF, Category

UNCLEAR = "unclear"
SKIP = "skip"
"""A labeller's mark for a text that is no complaint about goods; such texts stay out of the manifest."""


def label_family(category: str) -> str:
    """The family a labelled category implies (the contract's FAMILY_OF), ``unclear`` and ``skip`` as
    they are; ValueError for anything else, so a typo in a label file stops the build."""
    if category in (UNCLEAR, SKIP):
        return category
    try:
        return FAMILY_OF[Category(category)].value
    except ValueError:
        raise ValueError(f"unknown category {category!r}") from None

# The development half's row ids start with the corpus they came from; LOSO groups them with it.
DEV_SOURCES = {
    "osc": "online-shopping-10-cats",
    "wcr": "womens-clothing",
    "amz": "uci-amazon-cells",
}


@dataclass(frozen=True, slots=True)
class Example:
    source: str
    row: str
    lang: str
    text: str
    family: str
    """``quality``, ``non_quality`` or ``unclear``."""
    category: str
    """A contract category or ``unclear``."""
    origin: str = "corpus"
    """``corpus`` (the gold manifest), ``dev`` (../shared/data's development half) or ``messages`` (our
    own refund-request messages, tests/data/messages)."""

    @property
    def has_family(self) -> bool:
        return self.family in ("quality", "non_quality")

    @property
    def has_category(self) -> bool:
        return bool(self.category) and self.category != UNCLEAR


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def text_hashes(text: str) -> set[str]:
    """The hashes a held-out list may have used for ``text``: as stored, and stripped."""
    return {sha256(text), sha256(text.strip())}


@dataclass(frozen=True)
class Heldout:
    """The held-out list, used only to drop rows: (corpus, row) pairs and text hashes. Never read further."""

    rows: frozenset[tuple[str, str]]
    hashes: frozenset[str]

    @classmethod
    def read(cls, path: Path | None) -> Heldout:
        if path is None or not path.is_file():
            return cls(frozenset(), frozenset())
        rows: set[tuple[str, str]] = set()
        hashes: set[str] = set()
        header: list[str] | None = None
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.split("\t")
            if header is None:
                header = cells
                continue
            record = dict(zip(header, cells, strict=False))
            if record.get("sha256"):
                hashes.add(record["sha256"].strip().lower())
            if record.get("corpus") and record.get("row"):
                rows.add((record["corpus"].strip(), record["row"].strip()))
        return cls(frozenset(rows), frozenset(hashes))

    def drops(self, example: Example) -> bool:
        return (example.source, example.row) in self.rows or not self.hashes.isdisjoint(
            text_hashes(example.text))


def dev_half(data_dir: Path) -> list[Example]:
    """The labelled development half (buyer-texts-{zh,en}.jsonl); [] when the directory is absent."""
    out: list[Example] = []
    for lang in ("zh", "en"):
        path = data_dir / f"buyer-texts-{lang}.jsonl"
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            raw = json.loads(line)
            rid = str(raw["id"])
            prefix = rid.split("-", 1)[0]
            out.append(Example(source=DEV_SOURCES.get(prefix, prefix), row=rid, lang=lang, text=raw["text"],
                               family=raw["family"], category=raw["category"], origin="dev"))
    return out


TRAINING_MESSAGES = ("refund_zh_a.jsonl", "refund_zh_b.jsonl", "refund_zh_train1.jsonl",
                     "refund_en_a.jsonl", "refund_en_b.jsonl", "refund_en_train1.jsonl")
"""The written refund-request message files the reader trains on, each a source of its own (one writer
each, so the inner leave-one-source-out folds calibrate across writers). The ``_c`` files are never
listed: they are the messages the weights are measured on (tests/data/messages/README.md)."""


def message_examples(messages_dir: Path, names: Iterable[str] = TRAINING_MESSAGES) -> list[Example]:
    """Our own refund-request messages (the product's kind of text, written and labelled for this
    repository); a listed file that is absent is skipped, a malformed line raises ValueError naming the
    file and line."""
    out: list[Example] = []
    for name in names:
        path = messages_dir / name
        if not path.is_file():
            continue
        source = "messages-" + name.removesuffix(".jsonl").removeprefix("refund_")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                example = Example(source=source, row=str(raw["id"]), lang=str(raw["lang"]),
                                  text=str(raw["text"]), family=str(raw["family"]),
                                  category=str(raw["category"]), origin="messages")
                implied = label_family(example.category)  # an unknown category raises, named below
            except (ValueError, KeyError) as exc:
                raise ValueError(f"{path.name} line {number}: {exc}") from None
            if implied != example.family and example.family != UNCLEAR:
                raise ValueError(f"{path.name} line {number}: category {example.category!r} is not "
                                 f"{example.family}")
            out.append(example)
    return out


def corpus_examples(corpora_dir: Path, heldout: Path | None,
                    corpus_dir: Path | None = None, only: Collection[str] | None = None) -> Iterator[Example]:
    """The gold corpus rebuilt by training/corpus.py from the fetched corpora (raises its CorpusError);
    with ``only``, those sources' rows alone."""
    from marketplace_returns.training.corpus import rebuild

    for item in rebuild(corpora_dir, heldout=heldout, corpus_dir=corpus_dir, only=only):
        yield Example(source=str(item.source), row=str(item.row), lang=str(item.lang), text=str(item.text),
                      family=str(item.family), category=str(item.category or UNCLEAR), origin="corpus")


def pool_examples(labelling_dir: Path) -> Iterator[Example]:
    """Interim labels: ``labels/<lang>/*.tsv`` of a labelling directory joined with its ``pool/`` texts.

    For building and tuning the pipeline while the gold manifest is being labelled; ``skip`` rows are
    left out. Figures from these are interim; the shipped weights train on the manifest.
    """
    for lang in ("zh", "en"):
        texts: dict[str, dict[str, str]] = {}
        for path in sorted((labelling_dir / "pool" / lang).glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    raw = json.loads(line)
                    texts[raw["key"]] = raw
        for path in sorted((labelling_dir / "labels" / lang).glob("*.tsv")):
            lines = path.read_text(encoding="utf-8").splitlines()
            for line in lines[1:]:
                cells = line.split("\t")
                if len(cells) < 3 or cells[1] == "skip" or cells[0] not in texts:
                    continue
                raw = texts[cells[0]]
                category = cells[2] if cells[2] != "skip" else UNCLEAR
                yield Example(source=raw["source"], row=raw["row"], lang=lang, text=raw["text"],
                              family=cells[1], category=category, origin="pool")


def assemble(groups: Iterable[Iterable[Example]], heldout: Heldout) -> tuple[list[Example], dict[str, int]]:
    """Examples in order, held-out rows and repeated texts dropped; with what was dropped, by why."""
    seen: set[str] = set()
    out: list[Example] = []
    dropped = {"heldout": 0, "duplicate": 0, "empty": 0}
    for group in groups:
        for ex in group:
            if not ex.text.strip():
                dropped["empty"] += 1
                continue
            if heldout.drops(ex):
                dropped["heldout"] += 1
                continue
            key = sha256(" ".join(ex.text.split()))
            if key in seen:
                dropped["duplicate"] += 1
                continue
            seen.add(key)
            out.append(ex)
    return out, dropped
