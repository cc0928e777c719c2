"""Draw the pool for a source added to the learned reader's corpus after the first pools (issue 16).

Why a script of its own: scripts/corpus_pool.py drew the first pools and must keep drawing them the
same way; a new source gets its own seeded draw. It takes the named sources' negative rows (by the
source's own rating), leaves out held-out rows (by row and by hash), texts already in
corpus/manifest.tsv (by sha256), exact duplicates and texts under 15 or over 1,200 characters, and
writes the pool and a blind second-pass sample outside the repository (third-party texts).

    .venv/bin/python scripts/corpus_pool_newsrc.py --corpora DIR --heldout PATH --out DIR
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from marketplace_returns.training.corpus import load_heldout, load_manifest, load_sources, sha256
from marketplace_returns.training.sources import RawRow, iter_rows, text_variants

SEED = 1616
SECOND_SHARE = 0.12
QUOTAS = {"flipkart-sa": 300, "datafiniti-amazon": 150}


def negative(source: str, raw: RawRow) -> bool:
    """1-2 stars by the source's own rating."""
    if source == "flipkart-sa":
        return raw.fields.get("Rate", "").strip() in {"1", "2"}
    if source == "datafiniti-amazon":
        return raw.fields.get("reviews.rating", "").strip() in {"1", "2", "1.0", "2.0"}
    raise SystemExit(f"no negative rule for {source}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, required=True)
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--corpus-dir", type=Path, default=Path("corpus"))
    args = parser.parse_args()

    sources = load_sources(args.corpus_dir / "sources.yaml")
    heldout = load_heldout(args.heldout)
    known = {row.sha256 for row in load_manifest(args.corpus_dir / "manifest.tsv")}
    dropped: dict[str, int] = defaultdict(int)
    seen: set[str] = set()
    rng = random.Random(SEED)
    pool: list[dict[str, str]] = []
    for source_id, quota in QUOTAS.items():
        source = sources.source(source_id)
        rows: list[dict[str, str]] = []
        for spec in source.files:
            for raw in iter_rows(args.corpora, source, spec):
                if not negative(source_id, raw):
                    continue
                hashes = {sha256(form) for form in text_variants(raw)}
                if heldout.holds(source, spec, raw.row) or hashes & heldout.hashes:
                    dropped["heldout"] += 1
                    continue
                if hashes & known:
                    dropped["in manifest"] += 1
                    continue
                if not 15 <= len(raw.text) <= 1200:
                    dropped["length"] += 1
                    continue
                key = sha256(" ".join(raw.text.lower().split()))
                if key in seen:
                    dropped["duplicate"] += 1
                    continue
                seen.add(key)
                rows.append({"key": f"{source_id}:{spec.path}:{raw.row}", "source": source_id,
                             "file": spec.path, "row": raw.row, "lang": source.lang,
                             "product_kind": raw.product_kind, "text": raw.text})
        picked = rng.sample(rows, min(quota, len(rows)))
        sys.stdout.write(f"{source_id}: available {len(rows)} picked {len(picked)}\n")
        pool.extend(picked)
    rng.shuffle(pool)
    second = rng.sample(pool, round(len(pool) * SECOND_SHARE))
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out / "pool.jsonl", pool)
    write(args.out / "second_pass_pool.jsonl", [{"key": r["key"], "text": r["text"]} for r in second])
    sys.stdout.write(f"dropped {dict(dropped)}; pool {len(pool)}, second pass {len(second)}\n")


def write(path: Path, rows: list[dict[str, str]]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    tmp.rename(path)


if __name__ == "__main__":
    main()
