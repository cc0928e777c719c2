"""Draw the pools of candidate texts that people label for the learned reader's corpus.

Why a script: the pool is drawn once, with a fixed seed, from the fetched corpora named in
corpus/sources.yaml; it must leave out every held-out row (by row and by hash) and every text of the
development half (../shared/data/buyer-texts-*.jsonl). The pool holds third-party texts, so it is
written outside the repository (``--out``); only the manifest built from its labels is committed.

    .venv/bin/python scripts/corpus_pool.py --corpora DIR --heldout PATH --dev-dir DIR --out DIR
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from marketplace_returns.training.corpus import load_heldout, load_sources, sha256, variant_hashes
from marketplace_returns.training.sources import NegativeRows, iter_rows

SEED = 16
PER_BATCH = 100
SECOND_SHARE = 0.11

# How many candidates to draw from each (source, product kind or Blitzer domain); the rest stay unused.
QUOTAS: dict[str, dict[tuple[str, str], int]] = {
    "zh": {
        ("online-shopping-10-cats", "electronics"): 400,
        ("online-shopping-10-cats", "food"): 380,
        ("online-shopping-10-cats", "cosmetics"): 300,
        ("online-shopping-10-cats", "apparel"): 380,
        ("online-shopping-10-cats", "home"): 90,
        ("fewclue-eprstmt", "other"): 400,  # every labelled Negative row left
        ("fewclue-eprstmt unlabeled", "other"): 220,  # unlabeled split: some praise, skipped by labellers
        ("zhijiang-cosmetics", "cosmetics"): 400,
    },
    "en": {
        ("blitzer-mds", "apparel"): 300,
        ("blitzer-mds", "automotive"): 90,
        ("blitzer-mds", "baby"): 240,
        ("blitzer-mds", "beauty"): 190,
        ("blitzer-mds", "electronics"): 200,
        ("blitzer-mds", "kitchen"): 200,
        ("womens-clothing", "apparel"): 700,
        ("uci-amazon-cells", "electronics"): 380,
    },
}

# A second draw, appended as further batches once first labels showed ~13 % of the zh pool skipped
# (praise, brand boycotts): drawn after the pool, from rows the pool did not take.
EXTRA: dict[str, dict[tuple[str, str], int]] = {
    "zh": {
        ("online-shopping-10-cats", "electronics"): 100,
        ("online-shopping-10-cats", "food"): 80,
        ("online-shopping-10-cats", "apparel"): 80,
        ("online-shopping-10-cats", "cosmetics"): 40,
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, required=True)
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("--dev-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--second", type=Path, required=True)
    parser.add_argument("--sources", type=Path, default=Path("corpus/sources.yaml"))
    args = parser.parse_args()

    sources = load_sources(args.sources)
    heldout = load_heldout(args.heldout)
    dev_hashes: set[str] = set()
    dev_ids: set[str] = set()
    for path in args.dev_dir.glob("buyer-texts-*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            dev_ids.add(record["id"])
            dev_hashes.update(sha256(form) for form in {record["text"], record["text"].strip(),
                                                     " ".join(record["text"].split())})
    dev_prefix = {"online-shopping-10-cats": "osc", "womens-clothing": "wcr", "uci-amazon-cells": "amz"}

    negative = NegativeRows(args.corpora, sources)

    strata: dict[str, dict[tuple[str, str], list[dict[str, str]]]] = defaultdict(lambda: defaultdict(list))
    seen: set[str] = set()
    dropped: dict[str, int] = defaultdict(int)
    for source in sources.sources:
        for spec in source.files:
            for raw in iter_rows(args.corpora, source, spec):
                if not negative(source.id, spec, raw):
                    continue
                if not 8 <= len(raw.text) <= 600:
                    continue
                hashes = variant_hashes(raw)
                if heldout.excludes(source, spec, raw, hashes):
                    dropped["heldout"] += 1
                    continue
                prefix = dev_prefix.get(source.id)
                if (prefix and f"{prefix}-{raw.row}" in dev_ids) or hashes & dev_hashes:
                    dropped["dev"] += 1
                    continue
                key = sha256(" ".join(raw.text.split()))
                if key in seen:
                    dropped["duplicate"] += 1
                    continue
                seen.add(key)
                stratum = source.id + (" unlabeled" if raw.row.startswith("unlabeled/") else "")
                kind = spec.path.split("/")[-2] if source.id == "blitzer-mds" else raw.product_kind
                strata[source.lang][(stratum, kind)].append({
                    "key": f"{source.id}:{spec.path}:{raw.row}", "source": source.id,
                    "file": spec.path, "row": raw.row, "lang": source.lang,
                    "product_kind": raw.product_kind, "text": raw.text})
    sys.stdout.write(f"dropped {dict(dropped)}\n")

    rng = random.Random(SEED)
    for lang, quotas in QUOTAS.items():
        pool: list[dict[str, str]] = []
        for stratum_key, quota in quotas.items():
            rows = strata[lang][stratum_key]
            picked = rng.sample(rows, min(quota, len(rows)))
            sys.stdout.write(f"{lang} {stratum_key} available {len(rows)} picked {len(picked)}\n")
            pool.extend(picked)
        rng.shuffle(pool)
        write_batches(args.out / lang, pool)
        second = rng.sample(pool, round(len(pool) * SECOND_SHARE))
        rng.shuffle(second)
        write_batches(args.second / lang, second)
        sys.stdout.write(f"{lang} pool {len(pool)} second {len(second)}\n")
        taken = {row["key"] for row in pool}
        extra: list[dict[str, str]] = []
        extra_rng = random.Random(f"{SEED}-extra-{lang}")  # its own stream: the pool draw is unchanged
        for stratum_key, quota in EXTRA.get(lang, {}).items():
            rest = [row for row in strata[lang][stratum_key] if row["key"] not in taken]
            extra.extend(extra_rng.sample(rest, min(quota, len(rest))))
        extra_rng.shuffle(extra)
        write_batches(args.out / lang, extra, first=-(-len(pool) // PER_BATCH) + 1)
        sys.stdout.write(f"{lang} extra {len(extra)}\n")


def write_batches(folder: Path, rows: list[dict[str, str]], *, first: int = 1) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(rows), PER_BATCH):
        batch = rows[start:start + PER_BATCH]
        path = folder / f"batch-{start // PER_BATCH + first:03d}.jsonl"
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in batch),
                       encoding="utf-8")
        tmp.rename(path)


if __name__ == "__main__":
    main()
