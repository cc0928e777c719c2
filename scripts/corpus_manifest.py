"""Assemble corpus/manifest.tsv, second_pass.tsv and the adjudication list from the label files.

Why a script: labels arrive as one TSV per batch from several people (first pass in
``<labels>/<lang>/``, the blind second pass in ``<labels2>/<lang>/``); the pool files give each
key's source, file, row and text. Each text is rebuilt from the fetched corpora and its hash checked
against the pool's text, so the manifest names exactly what was read. Texts labelled ``skip`` are
left out. Where the two passes differ, the final label is the one in corpus/adjudication.tsv (filled
in by hand; a disagreement not yet adjudicated keeps the first pass's label and is listed as pending).

    .venv/bin/python scripts/corpus_manifest.py --pool DIR --labels DIR --labels2 DIR \\
        --corpora DIR --heldout PATH [--corpus-dir corpus]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from marketplace_returns.training.agreement import ADJUDICATION_COLUMNS, SECOND_COLUMNS
from marketplace_returns.training.corpus import (
    ManifestRow,
    load_heldout,
    load_sources,
    sha256,
    write_manifest,
)
from marketplace_returns.training.data import label_family
from marketplace_returns.training.sources import iter_rows


def read_labels(folder: Path) -> dict[str, tuple[str, str, str]]:
    """key -> (family, category, batch file) from every batch TSV under folder/<lang>/."""
    labels: dict[str, tuple[str, str, str]] = {}
    for path in sorted(folder.glob("*/batch-*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for record in csv.DictReader(handle, delimiter="\t"):
                key = (record.get("key") or "").strip()
                category = (record.get("category") or "").strip().lower()
                if not key or not category:
                    continue
                try:
                    family = label_family(category)  # the category decides; family follows it
                except ValueError:
                    sys.stderr.write(f"{path.name}: {key}: unknown category {category!r}, skipped\n")
                    continue
                labels[key] = (family, category, str(path))
    return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=Path, required=True)
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--labels2", type=Path, required=True)
    parser.add_argument("--corpora", type=Path, required=True)
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("--corpus-dir", type=Path, default=Path("corpus"))
    args = parser.parse_args()

    pool: dict[str, dict[str, str]] = {}
    for path in sorted(args.pool.glob("*/batch-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            pool[record["key"]] = record
    first = read_labels(args.labels)
    second = read_labels(args.labels2)
    unknown = (set(first) | set(second)) - set(pool)
    if unknown:
        raise SystemExit(f"{len(unknown)} labelled keys are not in the pool, e.g. {sorted(unknown)[:3]}")

    adjudication_path = args.corpus_dir / "adjudication.tsv"
    decided: dict[str, dict[str, str]] = {}
    if adjudication_path.is_file():
        with adjudication_path.open(encoding="utf-8", newline="") as handle:
            decided = {row["key"]: row for row in csv.DictReader(handle, delimiter="\t")}

    sources = load_sources(args.corpus_dir / "sources.yaml")
    heldout = load_heldout(args.heldout)
    final: dict[str, tuple[str, str]] = {key: (fam, cat) for key, (fam, cat, _) in first.items()}
    adjudication_rows: list[dict[str, str]] = []
    for key in sorted(second):
        if key not in first:
            continue
        a, b = first[key][:2], second[key][:2]
        if a == b:
            continue
        row = decided.get(key)
        if row and row.get("final_category"):
            final[key] = (label_family(row["final_category"]), row["final_category"])
        adjudication_rows.append({
            "key": key, "lang": pool[key]["lang"], "first_family": a[0], "first_category": a[1],
            "second_family": b[0], "second_category": b[1],
            "final_family": label_family(row["final_category"]) if row and row.get("final_category") else "",
            "final_category": row["final_category"] if row else "",
            "why": row.get("why", "") if row else ""})

    wanted: dict[tuple[str, str], dict[str, str]] = {}
    for key, (_family, category) in final.items():
        if category != "skip":
            record = pool[key]
            wanted[(record["source"], record["file"])] = wanted.get((record["source"], record["file"]), {})
            wanted[(record["source"], record["file"])][record["row"]] = key
    manifest: list[ManifestRow] = []
    for (source_id, file), rows in sorted(wanted.items()):
        source = sources.source(source_id)
        spec = source.file(file)
        for raw in iter_rows(args.corpora, source, spec):
            found = rows.get(raw.row)
            if found is None:
                continue
            key = found
            if raw.text != pool[key]["text"]:
                raise SystemExit(f"{key}: rebuilt text differs from the pool's")
            digest = sha256(raw.text)
            if heldout.excludes(source, spec, raw):
                raise SystemExit(f"{key}: held out, must not be labelled")
            family, category = final[key]
            manifest.append(ManifestRow(source=source_id, file=file, row=raw.row, lang=source.lang,
                                        product_kind=raw.product_kind, sha256=digest, family=family,
                                        category=category, licence=source.licence))
            del rows[raw.row]
        if rows:
            raise SystemExit(f"{source_id} {file}: rows not found: {sorted(rows)[:5]}")
    write_manifest(args.corpus_dir / "manifest.tsv", manifest)

    with (args.corpus_dir / "second_pass.tsv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(SECOND_COLUMNS)
        for key in sorted(k for k in second if k in first):
            writer.writerow([key, pool[key]["lang"], second[key][0], second[key][1]])
    with adjudication_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(ADJUDICATION_COLUMNS)
        for row in adjudication_rows:
            writer.writerow([row[name] for name in ADJUDICATION_COLUMNS])
    pending = sum(1 for row in adjudication_rows if not row["final_category"])
    counts: dict[tuple[str, str, str], int] = {}
    for item in manifest:
        stratum = (item.lang, item.source, item.family)
        counts[stratum] = counts.get(stratum, 0) + 1
    for (lang, source_id, family), n in sorted(counts.items()):
        sys.stdout.write(f"{lang}\t{source_id}\t{family}\t{n}\n")
    sys.stdout.write(f"manifest {len(manifest)} rows; first pass {len(first)}, second pass "
                     f"{len(second)} ({sum(1 for k in second if k in first)} double); "
                     f"disagreements {len(adjudication_rows)}, pending {pending}\n")


if __name__ == "__main__":
    main()
