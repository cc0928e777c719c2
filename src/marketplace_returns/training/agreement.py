"""How far two people labelling the same texts agree: Cohen's kappa per language and field.

Why it is code and not a figure typed into a document: the corpus's labels are only as good as
their agreement, and the figure must be recomputable from what the repository keeps. A random 11 %
of each language's pool was labelled a second time, blind; ``corpus/second_pass.tsv`` holds those
second labels, ``corpus/adjudication.tsv`` every doubly-labelled text where the two passes differed
(with the first pass's label and the final one), and ``corpus/manifest.tsv`` the final labels.
The first pass's label of a doubly-labelled text is therefore: its adjudication row's ``first_*``
if it has one, else its manifest label, else ``skip`` (both passes left it out).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from marketplace_returns.errors import CorpusError
from marketplace_returns.training.corpus import load_manifest

SECOND_COLUMNS = ("key", "lang", "family", "category")
ADJUDICATION_COLUMNS = ("key", "lang", "first_family", "first_category", "second_family",
                        "second_category", "final_family", "final_category", "why")


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float:
    """Cohen's kappa of two label sequences over the same items (1.0 when both are constant alike)."""
    if len(first) != len(second):
        raise ValueError("both raters must label the same items")
    total = len(first)
    if total == 0:
        return float("nan")
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / total
    counts_a, counts_b = Counter(first), Counter(second)
    expected = sum(counts_a[label] * counts_b[label] for label in counts_a) / (total * total)
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1.0 - expected)


@dataclass(frozen=True, slots=True)
class FieldAgreement:
    lang: str
    field: str
    scope: str
    items: int
    agreed: int
    kappa: float


def _read_tsv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            if tuple(reader.fieldnames or ()) != columns:
                raise CorpusError(f"{path}: columns must be {', '.join(columns)}")
            return list(reader)
    except OSError as exc:
        raise CorpusError(f"{path}: {exc}") from exc


def paired_labels(corpus_dir: Path) -> dict[str, list[tuple[str, tuple[str, str], tuple[str, str]]]]:
    """Per language: (key, first pass's (family, category), second pass's) for each double text."""
    final = {f"{row.source}:{row.file}:{row.row}": (row.family, row.category)
             for row in load_manifest(corpus_dir / "manifest.tsv")}
    adjudicated = {row["key"]: (row["first_family"], row["first_category"])
                   for row in _read_tsv(corpus_dir / "adjudication.tsv", ADJUDICATION_COLUMNS)}
    pairs: dict[str, list[tuple[str, tuple[str, str], tuple[str, str]]]] = {}
    for row in _read_tsv(corpus_dir / "second_pass.tsv", SECOND_COLUMNS):
        key = row["key"]
        first = adjudicated.get(key) or final.get(key) or ("skip", "skip")
        pairs.setdefault(row["lang"], []).append((key, first, (row["family"], row["category"])))
    return pairs


def agreement(corpus_dir: Path) -> list[FieldAgreement]:
    """Kappa per language and field, over all double texts (``skip`` a label of its own), over the
    texts both passes kept, and over those where neither pass said ``unclear``."""
    out: list[FieldAgreement] = []
    for lang, pairs in sorted(paired_labels(corpus_dir).items()):
        kept = [(k, a, b) for k, a, b in pairs if a[0] != "skip" and b[0] != "skip"]
        named = [(k, a, b) for k, a, b in kept if a[0] != "unclear" and b[0] != "unclear"]
        for scope, rows in (("all", pairs), ("both kept", kept), ("both named a category", named)):
            for index, field in enumerate(("family", "category")):
                first = [a[index] for _, a, _ in rows]
                second = [b[index] for _, _, b in rows]
                out.append(FieldAgreement(lang=lang, field=field, scope=scope, items=len(rows),
                                          agreed=sum(x == y for x, y in zip(first, second, strict=True)),
                                          kappa=cohen_kappa(first, second)))
    return out
