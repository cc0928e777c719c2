"""Add one new source's labelled rows to corpus/manifest.tsv (the first pass's labels).

Why a script: a source added after the first corpus was built has one labels TSV (key, family,
category, product_kind, note) over one pool JSONL (scripts/corpus_pool_source.py). Each labelled text
is rebuilt from the fetched corpus and checked against the pool's text and against heldout.tsv, the
same way scripts/corpus_manifest.py does; ``skip`` rows are left out. Rows already in the manifest for
this source are replaced, every other row is kept as it is. A source whose files do not say what the
goods are (marc-zh) takes product_kind from the labels (``--product-kind-from-labels``): the labeller
read it from the text.

    .venv/bin/python scripts/corpus_manifest_source.py --pool POOL.jsonl --labels LABELS.tsv \\
        --corpora DIR --heldout PATH [--corpus-dir corpus] [--product-kind-from-labels]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

from marketplace_returns.training.corpus import (
    ManifestRow,
    load_heldout,
    load_manifest,
    load_sources,
    sha256,
    write_manifest,
)
from marketplace_returns.training.data import label_family
from marketplace_returns.training.sources import iter_rows

PRODUCT_KINDS = {"apparel", "shoes", "electronics", "cosmetics", "food", "home", "other"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=Path, required=True)
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--corpora", type=Path, required=True)
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("--corpus-dir", type=Path, default=Path("corpus"))
    parser.add_argument("--product-kind-from-labels", action="store_true",
                        help="take product_kind from the labels, not from the source's files")
    args = parser.parse_args()

    pool = {row["key"]: row for row in map(json.loads,
                                           args.pool.read_text(encoding="utf-8").splitlines())}
    with args.labels.open(encoding="utf-8", newline="") as handle:
        labels = {row["key"]: row for row in csv.DictReader(handle, delimiter="\t")}
    if set(labels) - set(pool):
        raise SystemExit(f"labelled keys not in the pool: {sorted(set(labels) - set(pool))[:3]}")
    if set(pool) - set(labels):
        raise SystemExit(f"{len(set(pool) - set(labels))} pool texts are not labelled yet")
    for key, label in labels.items():
        try:
            family = label_family(label["category"])
        except ValueError as exc:
            raise SystemExit(f"{key}: {exc}") from None
        if family != label["family"]:
            raise SystemExit(f"{key}: family {label['family']} does not go with {label['category']}")
        if args.product_kind_from_labels and label["product_kind"] not in PRODUCT_KINDS:
            raise SystemExit(f"{key}: product_kind {label['product_kind']!r} is not one of the contract's")

    sources = load_sources(args.corpus_dir / "sources.yaml")
    heldout = load_heldout(args.heldout)
    source_ids = {pool[key]["source"] for key in pool}
    wanted: dict[tuple[str, str], dict[str, str]] = {}
    for key, label in labels.items():
        if label["category"] != "skip":
            record = pool[key]
            wanted.setdefault((record["source"], record["file"]), {})[record["row"]] = key
    added: list[ManifestRow] = []
    for (source_id, file), rows in sorted(wanted.items()):
        source = sources.source(source_id)
        spec = source.file(file)
        for raw in iter_rows(args.corpora, source, spec):
            key = rows.pop(raw.row, None)
            if key is None:
                continue
            if raw.text != pool[key]["text"]:
                raise SystemExit(f"{key}: rebuilt text differs from the pool's")
            if heldout.excludes(source, spec, raw):
                raise SystemExit(f"{key}: held out, must not be labelled")
            label = labels[key]
            added.append(ManifestRow(source=source_id, file=file, row=raw.row, lang=source.lang,
                                     product_kind=(label["product_kind"] if args.product_kind_from_labels
                                                   else raw.product_kind),
                                     sha256=sha256(raw.text),
                                     family=label["family"], category=label["category"],
                                     licence=source.licence))
        if rows:
            raise SystemExit(f"{source_id} {file}: rows not found: {sorted(rows)[:5]}")
    manifest_path = args.corpus_dir / "manifest.tsv"
    kept = [row for row in load_manifest(manifest_path) if row.source not in source_ids]
    write_manifest(manifest_path, kept + added)
    counts = Counter((row.family, row.category) for row in added)
    for (family, category), n in sorted(counts.items()):
        sys.stdout.write(f"{family}\t{category}\t{n}\n")
    sys.stdout.write(f"added {len(added)} rows ({len(labels) - len(added)} skipped); "
                     f"manifest {len(kept) + len(added)} rows\n")


if __name__ == "__main__":
    main()
