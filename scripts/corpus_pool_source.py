"""Draw the pool of candidate texts for sources added to the learned reader's corpus after the first.

Why a script of its own: scripts/corpus_pool.py drew the first pools with per-stratum quotas and must
keep drawing them the same way; a source added later gets its own seeded draw. For each named source
(in the order given) it takes the rows that pass the source's negative filter, if one is given, and
leaves out every held-out row (by row and by hash), every text already in corpus/manifest.tsv (rows of
the sources being drawn excepted, so a source can be redrawn after it was labelled) or in the
development half, texts outside the length bounds, exact duplicates (case and spacing ignored), and,
with ``--exclude-like``, texts that another source also holds (the same review republished in an
older corpus; compared by a normalised hash only). It then samples each source's quota with one seeded
generator, shuffles the sources together when there are several, and samples the blind second-pass
share from the pool. The pool holds third-party texts, so it is written outside the repository; the
second-pass file gets key and text only. A ``negative`` rule a file names in sources.yaml applies
where ``--negative`` names none for its source.

    .venv/bin/python scripts/corpus_pool_source.py --source ID [--source ID ...] \\
        --corpora DIR --heldout PATH --dev-dir DIR --out POOL.jsonl --second SECOND.jsonl \\
        [--quota ID=N ...] [--size 450] [--negative 'ID:COLUMN<=N' | 'ID:COLUMN=VALUE' ...] \\
        [--min-chars 4] [--max-chars 400] [--seed SEED] [--second-share 0.12] [--exclude-like ID ...]

The pools drawn so far, reproduced exactly by this script:

- midea-heater-jd: ``--source midea-heater-jd --seed 16-midea-heater-jd`` (defaults otherwise);
- flipkart-sa and datafiniti-amazon: ``--source flipkart-sa --source datafiniti-amazon
  --quota flipkart-sa=300 --quota datafiniti-amazon=150 --negative 'flipkart-sa:Rate<=2'
  --negative 'datafiniti-amazon:reviews.rating<=2' --min-chars 15 --max-chars 1200 --seed 1616``
  (datafiniti-amazon was dropped later for its licence; its ``sources.yaml`` entry is in git history);
- amazon-baby: ``--source amazon-baby --negative 'amazon-baby:rating<=2' --min-chars 15
  --max-chars 800 --seed 16-amazon-baby --exclude-like blitzer-mds``;
- jd-nike: ``--source jd-nike --seed 16-jd-nike --size 300`` (its ``negative`` rule in sources.yaml);
- amazon-fine-food: ``--source amazon-fine-food --seed 17-amazon-fine-food --size 450 --min-chars 15
  --max-chars 1000 --exclude-like blitzer-mds`` (its ``negative`` rule in sources.yaml);
- amazon-unlocked-phones: ``--source amazon-unlocked-phones --min-chars 15 --max-chars 1000
  --seed 17-amazon-unlocked-phones --exclude-like uci-amazon-cells`` (its ``negative`` rule in
  sources.yaml; all 405 eligible texts, fewer than the 450 asked);
- jd-haier-washer: ``--source jd-haier-washer --seed 17-jd-haier-washer --size 450 --min-chars 4
  --max-chars 400`` (its files' ``negative`` rules in sources.yaml);
- jd21: ``--source jd21 --seed 17-jd21 --size 450 --min-chars 6 --max-chars 300`` (its ``negative``
  rule in sources.yaml);
- amazon-pesticide: ``--source amazon-pesticide --seed 17-amazon-pesticide --size 450 --min-chars 8
  --max-chars 1000 --exclude-like blitzer-mds`` (its ``negative`` rule in sources.yaml);
- jd-farm-produce: ``--source jd-farm-produce --seed 17-jd-farm-produce --size 450`` (its ``negative``
  rule in sources.yaml: user_star at most 2);
- jd-aircon: ``--source jd-aircon --seed 17-jd-aircon --size 450 --min-chars 4 --max-chars 400``
  (its ``negative`` rule in sources.yaml);
- amazon-musical-instruments: ``--source amazon-musical-instruments --seed
  17-amazon-musical-instruments --size 450 --min-chars 8 --max-chars 1000 --exclude-like
  blitzer-mds`` (its ``negative`` rule in sources.yaml; all 399 eligible texts, fewer than the 450
  asked; 68 longer than 1,000 characters left out);
- jd-powerbank: ``--source jd-powerbank --seed 17-jd-powerbank --size 450 --min-chars 4
  --max-chars 400`` (the file is itself a negative set; all 183 eligible texts, fewer than the 450
  asked: 36 empty review cells and 31 repeated texts left out);
- walmart-ca-trustpilot: ``--source walmart-ca-trustpilot --seed 17-walmart-ca-trustpilot --size 450
  --min-chars 8 --max-chars 1000`` (its ``negative`` rule in sources.yaml: Ratings(1-5) at most 2;
  1,435 eligible, 445 outside the length bounds, 162 duplicates);
- asos-trustpilot: ``--source asos-trustpilot --seed 18-asos-trustpilot --size 450 --min-chars 8
  --max-chars 2000 --second-share 0.12`` (its ``negative`` rule in sources.yaml: rating at most 2;
  all 240 eligible texts, fewer than the 450 asked: the file holds 260 reviews, 245 rated 1-2, 5 of
  them longer than 2,000 characters);
- taobao-home-goods: ``--source taobao-home-goods --seed 18-taobao-home-goods --size 450 --min-chars 4
  --max-chars 400 --second-share 0.12`` (its ``negative`` rule in sources.yaml: sentiment 0; 1,371
  eligible, 156 outside the length bounds, 1 duplicate, 1 already in the manifest or development half);
- amazon-in-earphones: ``--source amazon-in-earphones --seed 18-amazon-in-earphones --size 450
  --min-chars 8 --max-chars 1000 --second-share 0.12`` (its ``negative`` rule in sources.yaml:
  ReviewStar at most 2; 3,432 rated 1-2, 9 outside the length bounds, 49 duplicates, 3 already in
  the manifest or the development half; 3,371 eligible);
- amazon-cn-computer: ``--source amazon-cn-computer --seed 18-amazon-cn-computer --size 450 --min-chars 4
  --max-chars 400 --second-share 0.12 --exclude-like online-shopping-10-cats --exclude-like
  fewclue-eprstmt`` (its ``negative`` rule in sources.yaml: rating at most 2; 1,207 eligible, 16
  outside the length bounds, 23 duplicates, none held by the two excluded sources or held out);
- amazon-clothing-toys-home: ``--source amazon-clothing-toys-home --seed 18-amazon-clothing-toys-home
  --size 450 --min-chars 15 --max-chars 1000 --second-share 0.12 --exclude-like blitzer-mds
  --exclude-like amazon-baby`` (its ``negative`` rule in sources.yaml: rating at most 2 and label OR,
  the original reviews; 582 eligible, 43 longer than 1,000 characters left out);
- waimai-10k: ``--source waimai-10k --seed 18-waimai-10k --size 450 --min-chars 4 --max-chars 400
  --second-share 0.12`` (its ``negative`` rule in sources.yaml: label 0; 7,987 negative rows, 2
  shorter than 4 characters, none held out, repeated, or already in the manifest or the development
  half; 7,985 eligible);
- amazon-cn-phones: ``--source amazon-cn-phones --seed 18-amazon-cn-phones --size 450 --min-chars 4
  --max-chars 400 --second-share 0.12 --exclude-like online-shopping-10-cats --exclude-like
  fewclue-eprstmt --exclude-like amazon-cn-computer`` (its files' ``negative`` rules in sources.yaml:
  rating 1.0 or 2.0 of 手机.csv and 平板.csv, pooled as one source; 2,395 eligible, 49 outside the
  length bounds, 418 duplicates (平板.csv repeats most of its negative texts), 88 held by the
  excluded sources, 38 already in the manifest or the development half, none held out; the pool is
  334 phone-file and 116 tablet-file texts);
- amazon-pets-sports-tools: ``--source amazon-pets-sports-tools --seed 18-amazon-pets-sports-tools
  --size 450 --min-chars 15 --max-chars 1000 --second-share 0.12 --exclude-like blitzer-mds
  --exclude-like amazon-fine-food --exclude-like amazon-clothing-toys-home`` (its files' ``negative``
  rule in sources.yaml: rating at most 2 and label OR, the buyers' own rows; 674 such rows in the
  three files, 80 longer than 1,000 characters left out; 594 eligible);
- amazon-electronics: ``--source amazon-electronics --seed 18-amazon-electronics --size 450
  --min-chars 15 --max-chars 2500 --second-share 0.12 --exclude-like blitzer-mds --exclude-like
  amazon-baby --exclude-like amazon-clothing-toys-home --exclude-like uci-amazon-cells --exclude-like
  amazon-unlocked-phones --exclude-like amazon-musical-instruments --exclude-like amazon-fine-food
  --exclude-like amazon-pesticide`` (its ``negative`` rule in sources.yaml: rating at most 2 and
  label OR; all 270 eligible texts, fewer than the 450 asked: the file holds 270 such rows, the
  longest 2,031 characters; none held out, repeated, held by the excluded sources or already in the
  manifest or the development half);
- aliexpress-trustpilot: ``--source aliexpress-trustpilot --seed 19-aliexpress-trustpilot --size 450
  --min-chars 8 --max-chars 2000 --second-share 0.12 --exclude-like walmart-ca-trustpilot`` (its
  ``negative`` rule in sources.yaml: Rating at most 2; 905 eligible, 49 longer than 2,000 characters
  left out);
- trustpilot-us-marketplaces: ``--source trustpilot-us-marketplaces --seed
  19-trustpilot-us-marketplaces --size 450 --min-chars 8 --max-chars 2000 --second-share 0.12
  --exclude-like walmart-ca-trustpilot`` (its ``negative`` rule in sources.yaml: rating at most 2;
  1,064 eligible, 41 longer than 2,000 characters left out);
- amazon-cn-shampoo: ``--source amazon-cn-shampoo --seed 20-amazon-cn-shampoo --size 450 --min-chars 4
  --max-chars 400 --second-share 0.12 --exclude-like online-shopping-10-cats --exclude-like
  fewclue-eprstmt --exclude-like zhijiang-cosmetics --exclude-like amazon-cn-computer --exclude-like
  amazon-cn-phones`` (its ``negative`` rule in sources.yaml: rating 1.0 or 2.0 of 洗发水.csv; 1,212
  eligible, 5 outside the length bounds, 41 duplicates, 1 held by an excluded source);
- ikea-mattresses: ``--source ikea-mattresses --seed 20-ikea-mattresses --size 450 --min-chars 8
  --max-chars 1000 --second-share 0.12`` (its ``negative`` rule in sources.yaml: primaryRatingValue
  at most 2; all 273 eligible texts, fewer than the 450 asked: the file holds 279 such rows, 6
  longer than 1,000 characters left out; no older source holds IKEA reviews, so none is excluded);
- nykaa-beauty: ``--source nykaa-beauty --seed 20-nykaa-beauty --size 450 --min-chars 8 --max-chars
  1000 --second-share 0.12`` (its ``negative`` rule in sources.yaml: score at most 2; 989 such rows,
  118 outside the length bounds, 21 duplicates; 850 eligible);
- shein-app: ``--source shein-app --seed 21-shein-app --size 400 --min-chars 8 --max-chars 1000
  --second-share 0.12`` (its ``negative`` rule in sources.yaml: score at most 2; 458 such rows, none
  outside the length bounds, repeated, held out or already in the manifest; no older source holds
  Shein reviews, so none is excluded).
- jd-midea-heaters: ``--source jd-midea-heaters --seed 21-jd-midea-heaters --size 400 --min-chars 4
  --max-chars 400 --second-share 0.12 --exclude-like midea-heater-jd`` (its ``negative`` rule in
  sources.yaml: score at most 2; 5,813 such rows, 81 outside the length bounds, 745 duplicates, 5
  already in the manifest or the development half, none held by the excluded source; 4,982 eligible).
- amazon-face-masks: ``--source amazon-face-masks --seed 21-amazon-face-masks --size 400 --min-chars 8
  --max-chars 1000 --second-share 0.12 --exclude-like amazon-clothing-toys-home --exclude-like
  blitzer-mds`` (its ``negative`` rule in sources.yaml: column 0, the rating, at most 2; 3,821 such
  rows, 31 outside the length bounds, 930 duplicates (the author scraped the same reviews from
  several listings), 1 held by an excluded source; 2,859 eligible).
- fanatics-trustpilot: ``--source fanatics-trustpilot --seed 22-fanatics-trustpilot --size 400
  --min-chars 8 --max-chars 1000 --second-share 0.12 --exclude-like trustpilot-us-marketplaces
  --exclude-like walmart-ca-trustpilot`` (its ``negative`` rule in sources.yaml: ratings at most 2;
  2,124 such rows, 212 outside the length bounds; 1,912 eligible);
- jd-twinings-tea: ``--source jd-twinings-tea --seed 22-jd-twinings-tea --size 400 --min-chars 4
  --max-chars 400 --second-share 0.12 --exclude-like online-shopping-10-cats --exclude-like
  fewclue-eprstmt`` (the file is itself JD's 差评 tab; 1,060 rows, 17 outside the length bounds, 102
  duplicates, 5 held by an excluded source (placeholders such as "好评"); 936 eligible);
- jd-snacks-pets: ``--source jd-snacks-pets --seed 22-jd-snacks-pets --size 400 --min-chars 4
  --max-chars 400 --second-share 0.12 --exclude-like online-shopping-10-cats --exclude-like
  fewclue-eprstmt`` (its ``negative`` rule in sources.yaml: stars at most 2; 31 outside the length
  bounds, 6 held by an excluded source, 2 already in the manifest or the development half, 3
  duplicates; 407 eligible).
- sephora-fragrance: ``--source sephora-fragrance --seed 23-sephora-fragrance --size 400 --min-chars 8
  --max-chars 1000 --second-share 0.12`` (its ``negative`` rule in sources.yaml: rating at most 2;
  all 387 eligible texts, fewer than the 400 asked: the file holds 392 such rows, 5 longer than 1,000
  characters left out; no older source holds Sephora reviews, so none is excluded).
- amazon-crocs-clogs: ``--source amazon-crocs-clogs --seed 24-amazon-crocs-clogs --size 400 --min-chars 8
  --max-chars 1000 --second-share 0.12 --exclude-like amazon-clothing-toys-home --exclude-like
  blitzer-mds --exclude-like amazon-face-masks`` (its ``negative`` rule in sources.yaml: Rating "1.0
  out of 5 stars" or "2.0 out of 5 stars"; 2,205 such rows, 36 outside the length bounds, 12
  duplicates, 5 held by an excluded source; 2,152 eligible, about three in ten of them written on
  Amazon's German, Spanish, Italian, French, Japanese and other shops in their own language).
- jd-goods-zh: ``--source jd-goods-zh --seed 24-jd-goods-zh --size 400 --min-chars 4 --max-chars 400
  --second-share 0.12 --exclude-like online-shopping-10-cats --exclude-like fewclue-eprstmt
  --exclude-like midea-heater-jd --exclude-like jd21 --exclude-like jd-nike`` (its ``negative`` rule in
  sources.yaml: label 0; 14,565 such rows, 380 outside the length bounds, 687 duplicates, 188 held by
  an excluded source (short stock phrases and JD's "此用户未填写评价内容" placeholder), 20 already in
  the manifest or the development half, 1 held out; 13,289 eligible).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from marketplace_returns.training.corpus import (
    load_heldout,
    load_manifest,
    load_sources,
    sha256,
    variant_hashes,
)
from marketplace_returns.training.sources import RawRow, iter_rows

Filter = Callable[[RawRow], bool]


def negative_filter(spec: str) -> tuple[str, Filter]:
    """``ID:COLUMN<=N`` (the column read as a number, at most N) or ``ID:COLUMN=VALUE`` (equal)."""
    source, sep, rule = spec.partition(":")
    if not sep:
        raise SystemExit(f"--negative {spec!r}: expected ID:COLUMN<=N or ID:COLUMN=VALUE")
    if "<=" in rule:
        column, _, limit_text = rule.partition("<=")
        limit = float(limit_text)

        def at_most(raw: RawRow) -> bool:
            try:
                return float(raw.fields.get(column, "").strip()) <= limit
            except ValueError:
                return False

        return source, at_most
    column, sep, value = rule.partition("=")
    if not sep:
        raise SystemExit(f"--negative {spec!r}: expected ID:COLUMN<=N or ID:COLUMN=VALUE")
    return source, lambda raw: raw.fields.get(column, "").strip() == value


def seed_of(text: str) -> int | str:
    """An integer seed when the text is one (``1616``), else the string itself."""
    return int(text) if text.isdigit() else text


def loose(text: str) -> str:
    """Case, spacing and punctuation ignored: the form two copies of one review share."""
    return sha256(re.sub(r"[^\w]+", " ", text.lower()).strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", action="append", required=True, help="repeat for several")
    parser.add_argument("--corpora", type=Path, required=True)
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("--dev-dir", type=Path, required=True,
                        help="the development half (buyer-texts-*.jsonl), left out")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--second", type=Path, required=True)
    parser.add_argument("--size", type=int, default=450, help="the quota of a single source")
    parser.add_argument("--quota", action="append", default=[], metavar="ID=N")
    parser.add_argument("--negative", action="append", default=[],
                        metavar="ID:COLUMN<=N|ID:COLUMN=VALUE",
                        help="keep only these rows of the source (a source without one: all rows)")
    parser.add_argument("--min-chars", type=int, default=4)
    parser.add_argument("--max-chars", type=int, default=400)
    parser.add_argument("--seed", default="16", help="an integer, or any other string as given")
    parser.add_argument("--second-share", type=float, default=0.12)
    parser.add_argument("--exclude-like", action="append", default=[], metavar="ID",
                        help="leave out texts that this source's files also hold (normalised)")
    parser.add_argument("--corpus-dir", type=Path, default=Path("corpus"))
    args = parser.parse_args()

    quotas = {key: int(value) for key, _, value in (q.partition("=") for q in args.quota)}
    if len(args.source) > 1 and set(args.source) - set(quotas):
        raise SystemExit(f"several sources: give --quota for {sorted(set(args.source) - set(quotas))}")
    filters = dict(negative_filter(spec) for spec in args.negative)
    if set(filters) - set(args.source) or set(quotas) - set(args.source):
        raise SystemExit("--negative and --quota must name sources given with --source")

    sources = load_sources(args.corpus_dir / "sources.yaml")
    heldout = load_heldout(args.heldout)
    known = {row.sha256 for row in load_manifest(args.corpus_dir / "manifest.tsv")
             if row.source not in args.source}
    for path in sorted(args.dev_dir.glob("buyer-texts-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            known.update(sha256(form) for form in {text, text.strip(), " ".join(text.split())})
    elsewhere: set[str] = set()
    for other_id in args.exclude_like:
        other = sources.source(other_id)
        for spec in other.files:
            for raw in iter_rows(args.corpora, other, spec):
                elsewhere.update(loose(form) for form in (raw.text, raw.body))

    rng = random.Random(seed_of(args.seed))
    dropped: dict[str, int] = defaultdict(int)
    seen: set[str] = set()
    pool: list[dict[str, str]] = []
    for source_id in args.source:
        source = sources.source(source_id)
        keep = filters.get(source_id)
        rows: list[dict[str, str]] = []
        for spec in source.files:
            for raw in iter_rows(args.corpora, source, spec):
                if keep is not None and not keep(raw):
                    continue
                if keep is None and spec.negative is not None and not spec.negative.matches(raw.fields):
                    continue
                hashes = variant_hashes(raw)
                if heldout.excludes(source, spec, raw, hashes):
                    dropped["heldout"] += 1
                    continue
                if not args.min_chars <= len(raw.text) <= args.max_chars:
                    dropped["length"] += 1
                    continue
                if hashes & known:
                    dropped["in manifest or dev"] += 1
                    continue
                if elsewhere and loose(raw.text) in elsewhere:
                    dropped["held by an excluded source"] += 1
                    continue
                key = sha256(" ".join(raw.text.lower().split()))
                if key in seen:
                    dropped["duplicate"] += 1
                    continue
                seen.add(key)
                rows.append({"key": f"{source_id}:{spec.path}:{raw.row}", "source": source_id,
                             "file": spec.path, "row": raw.row, "lang": source.lang,
                             "product_kind": raw.product_kind, "text": raw.text})
        picked = rng.sample(rows, min(quotas.get(source_id, args.size), len(rows)))
        sys.stdout.write(f"{source_id}: eligible {len(rows)}, picked {len(picked)}\n")
        pool.extend(picked)
    if len(args.source) > 1:
        rng.shuffle(pool)
    second = rng.sample(pool, round(len(pool) * args.second_share))
    write(args.out, pool)
    write(args.second, [{"key": row["key"], "text": row["text"]} for row in second])
    sys.stdout.write(f"dropped {dict(dropped)}; pool {len(pool)}, second pass {len(second)}\n")


def write(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    tmp.rename(path)


if __name__ == "__main__":
    main()
