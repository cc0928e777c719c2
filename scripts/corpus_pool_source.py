"""Draw the pool of candidate texts for one newly added source of the learned reader's corpus.

Why a script of its own: scripts/corpus_pool.py drew the first pools with per-stratum quotas; a source
added later is drawn on its own, with a fixed seed, leaving out every held-out row (by row and by
hash), every text already in corpus/manifest.tsv or the development half, exact duplicates, and texts
shorter than 4 or longer than 400 characters. When a file of the source names a ``negative`` rule in
sources.yaml (a rating column at most N, or a label value), only the rows it matches are drawn. The
pool holds third-party texts, so it is written outside the repository; a random share of it (key and
text only) goes to the blind second labeller.

    .venv/bin/python scripts/corpus_pool_source.py --source ID --corpora DIR --heldout PATH \\
        --dev-dir DIR --out POOL.jsonl --second SECOND.jsonl [--size 450] [--second-share 0.12]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from marketplace_returns.training.corpus import load_heldout, load_manifest, load_sources
from marketplace_returns.training.sources import iter_rows, text_variants

SEED = 16
MIN_CHARS, MAX_CHARS = 4, 400


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True)
    parser.add_argument("--corpora", type=Path, required=True)
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("--dev-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--second", type=Path, required=True)
    parser.add_argument("--size", type=int, default=450)
    parser.add_argument("--second-share", type=float, default=0.12)
    parser.add_argument("--corpus-dir", type=Path, default=Path("corpus"))
    args = parser.parse_args()

    sources = load_sources(args.corpus_dir / "sources.yaml")
    source = sources.source(args.source)
    heldout = load_heldout(args.heldout)
    known = {row.sha256 for row in load_manifest(args.corpus_dir / "manifest.tsv")}
    for path in args.dev_dir.glob("buyer-texts-*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            known.update(sha(form) for form in {text, text.strip(), " ".join(text.split())})

    candidates: list[dict[str, str]] = []
    seen: set[str] = set()
    dropped: dict[str, int] = defaultdict(int)
    for spec in source.files:
        for raw in iter_rows(args.corpora, source, spec):
            if spec.negative is not None and not spec.negative.matches(raw.fields):
                dropped["not negative"] += 1
                continue
            hashes = {sha(form) for form in text_variants(raw)}
            if heldout.holds(source, spec, raw.row) or hashes & heldout.hashes:
                dropped["heldout"] += 1
                continue
            if not MIN_CHARS <= len(raw.text) <= MAX_CHARS:
                dropped["length"] += 1
                continue
            if hashes & known:
                dropped["already in manifest or dev"] += 1
                continue
            key = sha(" ".join(raw.text.split()))
            if key in seen:
                dropped["duplicate"] += 1
                continue
            seen.add(key)
            candidates.append({"key": f"{source.id}:{spec.path}:{raw.row}", "source": source.id,
                               "file": spec.path, "row": raw.row, "lang": source.lang,
                               "product_kind": raw.product_kind, "text": raw.text})
    rng = random.Random(f"{SEED}-{source.id}")
    pool = rng.sample(candidates, min(args.size, len(candidates)))
    second = rng.sample(pool, round(len(pool) * args.second_share))
    write(args.out, pool)
    write(args.second, [{"key": row["key"], "text": row["text"]} for row in second])
    sys.stdout.write(f"{source.id}: eligible {len(candidates)}, dropped {dict(dropped)}, "
                     f"pool {len(pool)}, second pass {len(second)}\n")


def write(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    tmp.rename(path)


if __name__ == "__main__":
    main()
