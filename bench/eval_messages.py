"""Score the shipped engine on labelled refund-request messages: cues alone, the reader alone, both.

    .venv/bin/python bench/eval_messages.py --file tests/data/messages/refund_zh_c.jsonl [--file ...]
        [--misses N]

Why a second evaluation beside bench/eval_triage.py: the gold corpus is product *reviews* (real texts,
the issue's measure), but the engine reads the free text of refund *requests*, which are shorter,
name the request ("退了吧", "I want a refund"), and mix order complaints with product faults. On
reviews the reader alone is ahead of the cue-first combination; on the few refund messages we had
(the sandbox's templates) the cues were. A labelled set of refund-request messages, written blind to
the engine (tests/data/messages/README.md), measures the product's own kind of text, and which
overrule policy suits it.

Each message becomes a case as it would arrive: Chinese on taobao filed under 质量问题 (a reason that
penalises the seller, so the honest-steering rule is exercised), English on shopify filed as OTHER;
price 100, received. Reported per language and per file: family and category accuracy (95 % Wilson
intervals; ``unclear`` rows left out of what they are unclear for) for the cues alone, the shipped
reader alone, and the engine under each overrule policy (``*`` marks the shipped one); and for the
Chinese cases the playbook's action: how many quality messages got a reason-change request (must be
none) and how many non-quality ones did (the steering the product exists to offer).

Since weights 2026.12.05.8 the reader trains on the ``_a``, ``_b`` and ``_train1`` files
(``training.data.TRAINING_MESSAGES``): only the ``_c`` files measure it. Choosing a policy on a file
makes that file tuning data too: say so when quoting it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_triage import Tally, _none
from marketplace_returns.engine import default_playbook_for, evaluate, load_playbook
from marketplace_returns.engine import reader as reader_mod
from marketplace_returns.engine.classifier import DECIDED_NAMES, OVERRIDE_AT, classify
from marketplace_returns.models.case import Case
from marketplace_returns.models.vocabulary import Action
from marketplace_returns.profiles import load_profile

POLICIES: tuple[float | None, ...] = (None, 0.9, 0.8, 0.5)
FAMILIES = ("quality", "non_quality")


def as_case(row: dict[str, str], n: int) -> Case:
    zh = row["lang"] == "zh"
    return Case.model_validate({"refund_id": str(row.get("id", n)), "platform": "taobao" if zh else "shopify",
                                "reason": "质量问题" if zh else "OTHER", "message": row["text"],
                                "item_price": 100, "goods_status": "received"})


def read_rows(path: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            print(f"{path.name}:{number}: not JSON ({exc.msg}); skipped", file=sys.stderr)
            continue
        missing = [k for k in ("lang", "text", "family", "category") if not row.get(k)]
        if missing:
            print(f"{path.name}:{number}: missing {', '.join(missing)}; skipped", file=sys.stderr)
            continue
        rows.append(row)
    return rows


def score(name: str, rows: list[dict[str, str]], misses: int) -> None:
    weights = reader_mod.shipped()
    by_lang: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_lang[row["lang"]].append(row)
    for lang, mine in sorted(by_lang.items(), key=lambda kv: kv[0] != "zh"):
        fam: dict[str, list[bool]] = defaultdict(list)
        cat: dict[str, list[bool]] = defaultdict(list)
        steered = {"quality": 0, "non_quality": 0}
        asked = {"quality": 0, "non_quality": 0}
        wrong: list[str] = []
        for n, row in enumerate(mine):
            case = as_case(row, n)
            profile = load_profile(case.platform)
            gold_fam, gold_cat = row["family"], row["category"]
            has_fam = gold_fam in FAMILIES
            has_cat = gold_cat != "unclear"
            got_cues = classify(case, profile, explain=False, read=_none).classification
            reading = weights.read(row["text"], lang)
            p = reading.quality_probability if reading is not None else 0.0
            if has_fam:
                fam["cues alone"].append(got_cues.family.value == gold_fam)
                fam["reader alone"].append((p >= 0.5) == (gold_fam == "quality"))
            if has_cat:
                cat["cues alone"].append(got_cues.category.value == gold_cat)
                if reading is not None:
                    cat["reader alone"].append(reading.category.value == gold_cat)
            for policy in POLICIES:
                key = f"combined, overrule at {policy}" if policy else "combined, reader never overrules"
                if policy == OVERRIDE_AT:
                    key += " *"
                got = classify(case, profile, explain=False, override_at=policy).classification
                if has_fam:
                    fam[key].append(got.family.value == gold_fam)
                    if policy == OVERRIDE_AT and got.family.value != gold_fam and len(wrong) < misses:
                        wrong.append(f"    {row.get('id')}: gold {gold_fam}/{gold_cat}, got "
                                     f"{got.family.value}/{got.category.value} (reader {p:.2f}): "
                                     f"{row['text'][:90]!r}")
                if has_cat:
                    cat[key].append(got.category.value == gold_cat)
            flipped = classify(case, profile, explain=False, decided_names=not DECIDED_NAMES).classification
            key = f"combined *, DECIDED_NAMES {not DECIDED_NAMES}"
            if has_fam:
                fam[key].append(flipped.family.value == gold_fam)
            if has_cat:
                cat[key].append(flipped.category.value == gold_cat)
            if lang == "zh" and has_fam:
                decision = evaluate(case, load_playbook(default_playbook_for(case)))
                action = decision.recommendation.action if decision.recommendation else None
                asked[gold_fam] += 1
                steered[gold_fam] += action is Action.REQUEST_REASON_CHANGE
        print(f"\n== {name} [{lang}]: {len(mine)} messages")
        for key in fam:
            print(f"  {key:<36} family {Tally.acc(fam[key])}  category {Tally.acc(cat[key])}")
        if lang == "zh":
            print(f"  filed under 质量问题: reason change requested for {steered['quality']} of "
                  f"{asked['quality']} quality messages (must be 0) and {steered['non_quality']} of "
                  f"{asked['non_quality']} non-quality ones")
        for line in wrong:
            print(line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, action="append", required=True, help="a labelled jsonl file")
    ap.add_argument("--misses", type=int, default=0,
                    help="list this many family misses of the shipped policy")
    args = ap.parse_args()
    weights = reader_mod.shipped()
    print(f"weights {weights.header.get('version')}; * marks the engine's policy "
          f"(OVERRIDE_AT = {OVERRIDE_AT})")
    for path in args.file:
        score(path.name, read_rows(path), args.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
