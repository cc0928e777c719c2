"""Reading rows out of fetched third-party corpora, one reader per file format.

Why a module of its own: the labelled corpus is kept in the repo only as a manifest (source, file,
row, hash, our labels), because the texts are not ours to ship. Whoever trains must rebuild the
texts from the public repositories, at the commit named in ``corpus/sources.yaml``; these readers
are the one place that knows how each file is laid out and what a "row" means in it, so the pool
that labellers read and the rebuilt training set are the same texts, byte for byte.

A corpus is found under ``<corpora_dir>/<owner>+<name>/`` either as a fetched bare git directory
(``repo/.git`` or ``repo/`` with ``HEAD`` and ``objects``), read with ``git show <commit>:<path>``,
or as an ordinary clone's working tree (``repo/<path>`` or ``<path>`` directly), read from disk.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from marketplace_returns.errors import CorpusError

Format = Literal["csv", "tsv", "jsonl", "blitzer_review", "sentence_label_lines", "text_lines"]
"""``tsv``: like ``csv`` (header row, quoting, ``row_column``, zip ``member``) but tab-separated."""


class NegativeRule(BaseModel):
    """Which rows of a file are its negative ones (the rows a labelling pool is drawn from).

    ``field`` names a column; a row is negative when its value, as a number, is at most ``at_most``,
    or when it is one of ``values`` (compared as stripped strings). Give one of the two. ``also`` is a
    second rule the row must pass as well: a file that mixes rows to keep out with the reviews (the
    Fake Reviews Dataset's computer-generated rows beside its original Amazon reviews) keeps only the
    rows that are both negative and of the wanted kind.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    at_most: float | None = None
    values: list[str] = Field(default_factory=list)
    also: NegativeRule | None = None

    @model_validator(mode="after")
    def _one_test(self) -> NegativeRule:
        if (self.at_most is None) == (not self.values):
            raise ValueError("give exactly one of at_most and values")
        return self

    def matches(self, fields: dict[str, str]) -> bool:
        if self.also is not None and not self.also.matches(fields):
            return False
        value = fields.get(self.field, "").strip()
        if self.values:
            return value in self.values
        try:
            return float(value) <= (self.at_most if self.at_most is not None else 0.0)
        except ValueError:
            return False


class FileSpec(BaseModel):
    """One file of a source: where it is, how it is laid out, what its rows are called."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    repo: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
    commit: str = Field(pattern=r"^[0-9a-f]{40}$")
    path: str
    member: str | None = None
    """The file inside the archive at ``path``, when the file is a zip or a tar (``.tar``,
    ``.tar.gz``, ``.tar.xz``: a crawl published compressed)."""
    encoding: str = "utf-8"
    """How the file's text is encoded (a crawl saved as GBK says ``gbk``); a UTF-8 byte-order mark
    is dropped either way."""
    format: Format
    columns: list[str] | None = None
    """CSV/TSV without a header row: the names of its columns, in order (every line is data)."""
    row_convention: str
    row_column: str | None = None
    """CSV: the column whose value is the row id; ``None`` means the 0-based data row. JSON lines:
    the field whose value is the row id; ``None`` means ``<file stem>/<id>``."""
    text_fields: list[str]
    title_field: str | None = None
    """When set, the text is ``title + ". " + body`` if the title is not empty, else the body."""
    product_kind: str | None = None
    """A fixed product kind for every row; otherwise ``product_kind_field`` and ``product_kinds``."""
    product_kind_field: str | None = None
    product_kinds: dict[str, str] = Field(default_factory=dict)
    heldout_file: str | None = None
    """The ``file_and_row_kind`` value that heldout.tsv uses for this file, if it lists it."""
    negative: NegativeRule | None = None
    """Which rows a labelling pool may be drawn from (by the source's own rating or label); ``None``
    means every row (the file is itself a negative set)."""
    spaced_characters: bool = False
    """The publisher stored each text one character a token, separated by spaces (JD21): the spaces
    are removed, so the text reads as the buyer wrote it (less what the publisher stripped)."""
    each_text_field: bool = False
    """CSV/TSV: each of ``text_fields`` is a text of its own, not a part of one (a crawl that kept up
    to five negative reviews of a product on its line, ``negative_review_1`` ... ``_5``). The row is
    then ``<data row or row_column value>/<field name>``, one per field, empty ones included."""


class SourceSpec(BaseModel):
    """One public corpus: its licence as stated, its files, and its name in heldout.tsv."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    lang: Literal["zh", "en"]
    licence: str
    heldout_corpus: str | None = None
    notes: str = ""
    files: list[FileSpec] = Field(min_length=1)

    def file(self, path: str) -> FileSpec:
        for spec in self.files:
            if spec.path == path:
                return spec
        raise CorpusError(f"file {path!r} is not one of the source's files", source=self.id)


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[SourceSpec]

    def source(self, source_id: str) -> SourceSpec:
        for spec in self.sources:
            if spec.id == source_id:
                return spec
        raise CorpusError("source is not described in sources.yaml", source=source_id)


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row of a source file as read: its id, its text as we build it, and its other fields."""

    row: str
    text: str
    title: str
    body: str
    product_kind: str
    fields: dict[str, str]
    raw_forms: tuple[str, ...] = ()
    """The body and title + body exactly as stored, unstripped (for held-out hash checks)."""


def repo_dir(corpora_dir: Path, repo: str) -> Path:
    return corpora_dir / repo.replace("/", "+")


def _git_dir(base: Path) -> Path | None:
    for candidate in (base / "repo" / ".git", base / "repo", base / ".git"):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def read_bytes(corpora_dir: Path, spec: FileSpec, *, source: str) -> bytes:
    """The file's bytes at the named commit (bare git dir) or from a working tree."""
    base = repo_dir(corpora_dir, spec.repo)
    if not base.is_dir():
        raise CorpusError(f"corpus {spec.repo} not found under {corpora_dir}", source=source)
    git_dir = _git_dir(base)
    if git_dir is not None:
        done = subprocess.run(
            ["git", "--git-dir", str(git_dir), "show", f"{spec.commit}:{spec.path}"],
            capture_output=True, check=False)
        if done.returncode == 0:
            return done.stdout
        worktree_file = git_dir.parent / spec.path if git_dir.name == ".git" else None
        if worktree_file is None or not worktree_file.is_file():
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise CorpusError(f"git cannot show {spec.commit[:12]}:{spec.path} in {spec.repo}: "
                              f"{message[-1] if message else 'no output'}", source=source)
        return worktree_file.read_bytes()
    for candidate in (base / "repo" / spec.path, base / spec.path):
        if candidate.is_file():
            return candidate.read_bytes()
    raise CorpusError(f"{spec.path} not found in {base}", source=source)


def _unpacked(data: bytes, spec: FileSpec, source: str) -> bytes:
    """The named member of a zip or tar archive, or the file itself when it names none."""
    if spec.member is None:
        return data
    if zipfile.is_zipfile(io.BytesIO(data)):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return archive.read(spec.member)
        except (zipfile.BadZipFile, KeyError) as exc:
            raise CorpusError(f"{spec.path}: cannot read zip member {spec.member!r}: {exc}",
                              source=source) from exc
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            handle = archive.extractfile(spec.member)
            if handle is None:
                raise KeyError(f"{spec.member!r} is not a regular file")
            return handle.read()
    except (tarfile.TarError, KeyError) as exc:
        raise CorpusError(f"{spec.path}: cannot read archive member {spec.member!r}: {exc}",
                          source=source) from exc


def _text(data: bytes, spec: FileSpec, source: str) -> str:
    data = _unpacked(data, spec, source)
    try:
        text = data.decode(spec.encoding)
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{spec.path}: not {spec.encoding} text: {exc}", source=source) from exc
    return text.removeprefix("\ufeff")


def _product_kind(spec: FileSpec, fields: dict[str, str]) -> str:
    if spec.product_kind is not None:
        return spec.product_kind
    if spec.product_kind_field is not None:
        value = fields.get(spec.product_kind_field, "")
        return spec.product_kinds.get(value, "other")
    return "other"


def _clean(value: str) -> str:
    return value.replace("\ufeff", "").strip()


def _build(spec: FileSpec, row: str, fields: dict[str, str]) -> RawRow:
    body = "\n".join(_clean(fields.get(name, "")) for name in spec.text_fields
                     if _clean(fields.get(name, "")))
    if spec.spaced_characters:
        body = "".join(body.split())
    title = _clean(fields.get(spec.title_field, "")) if spec.title_field else ""
    text = f"{title}. {body}" if title and body else body
    raw_body = "\n".join(fields.get(name, "") for name in spec.text_fields)
    raw_title = fields.get(spec.title_field, "") if spec.title_field else ""
    raw_forms = (raw_body, f"{raw_title}. {raw_body}") if raw_title else (raw_body,)
    return RawRow(row=row, text=text, title=title, body=body,
                  product_kind=_product_kind(spec, fields), fields=fields, raw_forms=raw_forms)


_REVIEW = re.compile(r"<review>(.*?)</review>", re.S)
_TAG = re.compile(r"<([a-z_]+)>\n?(.*?)\n?</\1>", re.S)


def iter_rows(corpora_dir: Path, source: SourceSpec, spec: FileSpec) -> Iterator[RawRow]:
    """Every row of one file, in file order, with the row id its convention gives."""
    data = read_bytes(corpora_dir, spec, source=source.id)
    if spec.format in ("csv", "tsv"):
        reader = csv.DictReader(io.StringIO(_text(data, spec, source.id), newline=""),
                                fieldnames=spec.columns,
                                delimiter="\t" if spec.format == "tsv" else ",")
        per_field = [(name, spec.model_copy(update={"text_fields": [name]}))
                     for name in spec.text_fields]
        for index, record in enumerate(reader):
            fields = {key or "": (value or "") for key, value in record.items() if key is not None}
            row = str(index) if spec.row_column is None else fields.get(spec.row_column, "")
            if spec.each_text_field:
                for name, single in per_field:
                    yield _build(single, f"{row}/{name}", fields)
            else:
                yield _build(spec, row, fields)
    elif spec.format == "jsonl":
        stem = Path(spec.path).stem
        for line in _text(data, spec, source.id).splitlines():
            if line.strip():
                record = json.loads(line)
                fields = {key: str(value) for key, value in record.items()}
                row = f"{stem}/{fields['id']}" if spec.row_column is None else fields[spec.row_column]
                yield _build(spec, row, fields)
    elif spec.format == "blitzer_review":
        for index, match in enumerate(_REVIEW.finditer(data.decode("utf-8"))):
            tags: dict[str, str] = {}
            for tag in _TAG.finditer(match.group(1)):
                tags.setdefault(tag.group(1), tag.group(2))
            yield _build(spec, str(index), tags)
    elif spec.format == "sentence_label_lines":
        for index, line in enumerate(data.decode("utf-8").splitlines()):
            sentence, _, label = line.rpartition("\t")
            yield _build(spec, str(index), {"sentence": sentence, "label": label.strip()})
    elif spec.format == "text_lines":
        # One text a line, no label column (the file itself is the source's negative set).
        for index, line in enumerate(data.decode("utf-8-sig").splitlines()):
            yield _build(spec, str(index), {"text": line})


def text_variants(raw: RawRow) -> set[str]:
    """The forms of a text a held-out hash may have been taken of (body, title + body, spacing)."""
    bases = {raw.text, raw.body, *raw.raw_forms}
    if raw.title:
        bases.add(f"{raw.title}. {raw.body}")
    out: set[str] = set()
    for base in bases:
        for form in (base, base.strip(), " ".join(base.split()), html.unescape(base),
                     html.unescape(base).strip(), base.lstrip("\ufeff").strip()):
            out.add(form)
    return out


class NegativeRows:
    """Which rows of each file are complaints: the file's own ``negative`` rule where sources.yaml names
    one, else its source's own label as the first labelling pools read it.

    Why one place: the first pools (scripts/corpus_pool.py) and the unlabelled weak-label pool
    (training/unlabelled.py) must draw from the same rows; zhijiang-cosmetics marks its negative reviews
    in a separate labels file, read once here.
    """

    def __init__(self, corpora_dir: Path, sources: SourcesFile) -> None:
        self._zhijiang: set[str] = set()
        for source in sources.sources:
            if source.id == "zhijiang-cosmetics":
                labels = source.files[0].model_copy(update={"path": "TRAIN/Train_labels.csv",
                                                            "text_fields": ["OpinionTerms"]})
                self._zhijiang = {raw.fields.get("id", "") for raw in iter_rows(corpora_dir, source, labels)
                                  if raw.fields.get("Polarities") == "负面"}

    def __call__(self, source: str, spec: FileSpec, raw: RawRow) -> bool:
        if spec.negative is not None:
            return spec.negative.matches(raw.fields)
        fields = raw.fields
        if source == "online-shopping-10-cats":
            return fields.get("label") == "0" and fields.get("cat") not in {"书籍", "酒店"}
        if source == "fewclue-eprstmt":
            # labelled splits: Negative only; the unlabeled split is e-commerce too (labellers skip praise)
            return fields.get("label", "Negative") == "Negative"
        if source == "zhijiang-cosmetics":
            return raw.row in self._zhijiang
        if source == "womens-clothing":
            return fields.get("Rating") in {"1", "2"}
        if source == "uci-amazon-cells":
            return fields.get("label") == "0"
        return True  # blitzer's negative.review (1-2 stars already), midea's negative file
