"""The learned reader's labelled corpus: a manifest in the repo, texts rebuilt from public corpora.

Why this shape: the texts belong to their publishers, so the repository keeps only
``corpus/manifest.tsv`` (source, file, row, sha256 of the text, our family/category labels, the
source's licence) and ``corpus/sources.yaml`` (which repository, commit and file each source is).
``rebuild`` reads the fetched corpora, rebuilds each listed text, and proves it is the text that was
labelled by its hash; a row that cannot be rebuilt or whose hash differs is an error naming source
and row, never a silent skip, because a training set that quietly shrinks or shifts is worse than
none. Rows held out to measure the product (``heldout.tsv``) are refused by row and by hash.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from marketplace_returns.errors import CorpusError
from marketplace_returns.training.sources import (
    FileSpec,
    RawRow,
    SourcesFile,
    SourceSpec,
    iter_rows,
    text_variants,
)

Family = Literal["quality", "non_quality", "unclear"]
Category = Literal["defect", "damaged_in_transit", "not_as_described", "wrong_item", "missing_parts",
                   "counterfeit", "size_fit", "style_preference", "changed_mind", "ordered_by_mistake",
                   "price", "shipping_delay", "not_received", "other", "unclear"]

MANIFEST_COLUMNS = ("source", "file", "row", "lang", "product_kind", "sha256", "family", "category",
                    "licence")
DEFAULT_CORPUS_DIR = Path(__file__).resolve().parents[3] / "corpus"
"""The repository's ``corpus/`` folder (source checkout); pass ``corpus_dir`` when installed."""


class ManifestRow(BaseModel):
    """One labelled text, named by where it is and what its text hashes to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    file: str
    row: str
    lang: Literal["zh", "en"]
    product_kind: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    family: Family
    category: Category
    licence: str


@dataclass(frozen=True, slots=True)
class LabelledText:
    """A rebuilt text with its gold labels."""

    source: str
    row: str
    lang: str
    text: str
    family: str
    category: str
    product_kind: str
    file: str = ""


@dataclass(frozen=True, slots=True)
class Heldout:
    """Rows and hashes of ``heldout.tsv``: the texts nothing may be trained on."""

    rows: frozenset[tuple[str, str, str]] = frozenset()
    hashes: frozenset[str] = field(default_factory=frozenset)

    def holds(self, source: SourceSpec, spec: FileSpec, row: str) -> bool:
        if source.heldout_corpus is None or spec.heldout_file is None:
            return False
        return (source.heldout_corpus, spec.heldout_file, row) in self.rows

    def excludes(self, source: SourceSpec, spec: FileSpec, raw: RawRow,
                 hashes: set[str] | None = None) -> bool:
        """Whether a fetched row is held out: by its row, or by the hash of any form its text may be
        listed under (``hashes``: the row's ``variant_hashes``, when the caller has them already)."""
        if self.holds(source, spec, raw.row):
            return True
        return not self.hashes.isdisjoint(variant_hashes(raw) if hashes is None else hashes)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def variant_hashes(raw: RawRow) -> set[str]:
    """The sha256 of every form of a row's text that heldout.tsv may list (``text_variants``)."""
    return {sha256(form) for form in text_variants(raw)}


def load_sources(path: Path) -> SourcesFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return SourcesFile.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise CorpusError(f"{path}: {exc}") from exc


def load_manifest(path: Path) -> list[ManifestRow]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            if tuple(reader.fieldnames or ()) != MANIFEST_COLUMNS:
                raise CorpusError(f"{path}: columns must be {', '.join(MANIFEST_COLUMNS)}")
            rows = []
            for record in reader:
                try:
                    rows.append(ManifestRow.model_validate(record))
                except ValidationError as exc:
                    raise CorpusError(f"{path}: {exc}", source=record.get("source"),
                                      row=record.get("row")) from exc
            return rows
    except OSError as exc:
        raise CorpusError(f"{path}: {exc}") from exc


def write_manifest(path: Path, rows: list[ManifestRow]) -> None:
    ordered = sorted(rows, key=lambda r: (r.lang, r.source, r.file, _row_order(r.row)))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(MANIFEST_COLUMNS)
        for row in ordered:
            writer.writerow([getattr(row, name) for name in MANIFEST_COLUMNS])


def _row_order(row: str) -> tuple[str, int, str]:
    head, _, tail = row.rpartition("/")
    return (head, int(tail), "") if tail.isdigit() else (head, -1, tail)


def load_heldout(path: Path) -> Heldout:
    """Parse heldout.tsv (``#`` comments, then corpus, file_and_row_kind, row, sha256)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CorpusError(f"{path}: {exc}") from exc
    rows: set[tuple[str, str, str]] = set()
    hashes: set[str] = set()
    for line in lines:
        if not line.strip() or line.startswith("#") or line.startswith("corpus\t"):
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            raise CorpusError(f"{path}: a line has {len(parts)} columns, not 4")
        rows.add((parts[0], parts[1], parts[2]))
        hashes.add(parts[3].strip().lower())
    return Heldout(frozenset(rows), frozenset(hashes))


def rebuild(corpora_dir: Path, *, heldout: Path | None = None, corpus_dir: Path | None = None,
            only: Collection[str] | None = None) -> Iterator[LabelledText]:
    """Yield every manifest row's text from the fetched corpora under ``corpora_dir`` (with ``only``,
    the rows of those sources alone, so their corpora are the only ones that must be fetched).

    Raises CorpusError naming source and row when a source, file or row is missing, when a text's
    sha256 differs from the manifest, or (``heldout`` given) when a row is held out by row or hash.
    """
    folder = corpus_dir or DEFAULT_CORPUS_DIR
    sources = load_sources(folder / "sources.yaml")
    manifest = load_manifest(folder / "manifest.tsv")
    held = load_heldout(heldout) if heldout is not None else Heldout()
    wanted: dict[tuple[str, str], list[ManifestRow]] = {}
    for item in manifest:
        if only is None or item.source in only:
            wanted.setdefault((item.source, item.file), []).append(item)
    for (source_id, file), items in wanted.items():
        source = sources.source(source_id)
        spec = source.file(file)
        for item in items:
            if item.lang != source.lang:
                raise CorpusError(f"lang {item.lang} but the source is {source.lang}",
                                  source=source_id, row=item.row)
            if held.holds(source, spec, item.row) or item.sha256 in held.hashes:
                raise CorpusError("row is held out (heldout.tsv): it must not be in the manifest",
                                  source=source_id, row=item.row)
        by_row = {item.row: item for item in items}
        found: dict[str, LabelledText] = {}
        for raw in iter_rows(corpora_dir, source, spec):
            wanted_row = by_row.get(raw.row)
            if wanted_row is None or raw.row in found:
                continue
            item = wanted_row
            if sha256(raw.text) != item.sha256:
                raise CorpusError(f"text of {file} row {raw.row} hashes to {sha256(raw.text)[:12]}…, "
                                  f"the manifest says {item.sha256[:12]}…", source=source_id,
                                  row=raw.row)
            if held.hashes and not held.hashes.isdisjoint(variant_hashes(raw)):
                raise CorpusError("text is held out (heldout.tsv hash)", source=source_id,
                                  row=raw.row)
            found[raw.row] = LabelledText(source=source_id, row=raw.row, lang=item.lang,
                                          text=raw.text, family=item.family, category=item.category,
                                          product_kind=item.product_kind, file=file)
        for item in items:
            if item.row not in found:
                raise CorpusError(f"row not found in {file}", source=source_id, row=item.row)
            yield found[item.row]
