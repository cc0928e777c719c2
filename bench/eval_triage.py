"""Score the classifier (and, where present, the full decision) on the shared labelled sets.

    .venv/bin/python bench/eval_triage.py [--misses N] [--only examples|zh|en]

Sets, from ../shared beside the checkout (never copied into the repository: the real texts are not
ours to ship):
- examples/cases.jsonl: contract cases whose ``why`` note starts with "family / category" or "family";
- data/buyer-texts-zh.jsonl and data/buyer-texts-en.jsonl: labelled real buyer texts, each turned into
  a case (taobao for Chinese, shopify for English, no reason, price 100) with the text as its message.
  Rows labelled ``unclear`` are left out of the accuracy they are unclear for.

Prints family and category accuracy per set, the confusion matrices and the misses with the evidence.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marketplace_returns.engine.classifier import classify
from marketplace_returns.models.case import Case
from marketplace_returns.profiles import load_profile

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
UNCLEAR = "unclear"


@dataclass
class Row:
    id: str
    text: str
    case: Case
    family: str
    category: str | None
    why: str = ""


def _examples(path: Path) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        label = str(raw.get("why", "")).split(";")[0].split(":")[0].split(",")[0].strip()
        family_part, _, category_part = label.partition("/")
        family = (family_part.split() or [""])[0]
        category = (category_part.split() or [""])[0]
        rows.append(Row(raw["refund_id"], raw.get("message") or "", Case.model_validate(raw),
                        family, category or None, str(raw.get("why", ""))))
    return rows


def _texts(path: Path, platform: str, reason: str) -> list[Row]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        raw = json.loads(line)
        case = Case(refund_id=str(raw.get("id", n)), platform=platform, reason=reason, message=raw["text"],
                    item_price=100)  # type: ignore[arg-type]
        rows.append(Row(case.refund_id, raw["text"], case, raw["family"], raw["category"]))
    return rows


def _decider() -> Callable[[Case], Any]:
    """The full engine's decision for one case, under the playbook the engine picks for it (apparel,
    shoes...), as the ``triage`` command does."""
    from marketplace_returns.engine import default_playbook_for, evaluate, load_playbook

    playbooks: dict[str, Any] = {}

    def decide(case: Case) -> Any:
        name = default_playbook_for(case)
        if name not in playbooks:
            playbooks[name] = load_playbook(name)
        return evaluate(case, playbooks[name])

    return decide


# What the examples' "why" notes say the seller should do, as the actions that satisfy it.
_WHY_ACTIONS: list[tuple[str, frozenset[str]]] = [
    ("request evidence", frozenset({"request_evidence"})),
    ("re-file", frozenset({"request_reason_change"})),
    ("partial refund", frozenset({"offer_partial_refund"})),
    ("refund without return", frozenset({"refund_without_return"})),
    ("refund at once", frozenset({"refund_without_return", "intercept"})),
    ("return and refund", frozenset({"return_and_refund"})),
    ("repair or exchange", frozenset({"repair", "exchange"})),
    ("exchange", frozenset({"exchange"})),
]


def _expected_actions(why: str) -> frozenset[str] | None:
    text = why.lower()
    for phrase, actions in _WHY_ACTIONS:
        if phrase in text:
            return actions
    return None


def _matrix(title: str, pairs: list[tuple[str, str]]) -> None:
    labels = sorted({e for e, _ in pairs} | {g for _, g in pairs})
    counts = Counter(pairs)
    width = max(8, *(len(x) for x in labels)) + 1
    print(f"  {title} (rows: expected, columns: got)")
    short = [x[:7] for x in labels]
    print("  " + " " * width + " ".join(f"{s:>7}" for s in short))
    for e in labels:
        print("  " + f"{e:<{width}}" + " ".join(f"{counts.get((e, g), 0) or '.':>7}" for g in labels))


def score(name: str, rows: list[Row], misses: int) -> tuple[float, float]:
    fam_pairs: list[tuple[str, str]] = []
    cat_pairs: list[tuple[str, str]] = []
    missed = []
    for row in rows:
        result = classify(row.case, load_profile(row.case.platform))
        got_f = result.classification.family.value
        got_c = result.classification.category.value
        if row.family != UNCLEAR:
            fam_pairs.append((row.family, got_f))
        if row.category and row.category != UNCLEAR:
            cat_pairs.append((row.category, got_c))
        wrong_f = row.family != UNCLEAR and row.family != got_f
        wrong_c = bool(row.category) and row.category != UNCLEAR and row.category != got_c
        if wrong_f or wrong_c:
            missed.append((wrong_f, row, got_f, got_c, result.classification.evidence))
    fam_acc = sum(e == g for e, g in fam_pairs) / len(fam_pairs) if fam_pairs else float("nan")
    cat_acc = sum(e == g for e, g in cat_pairs) / len(cat_pairs) if cat_pairs else float("nan")
    print(f"\n== {name}: {len(rows)} rows; family accuracy {fam_acc:.3f} ({len(fam_pairs)} labelled), "
          f"category accuracy {cat_acc:.3f} ({len(cat_pairs)} labelled)")
    _matrix("family", fam_pairs)
    _matrix("category", cat_pairs)
    missed.sort(key=lambda m: not m[0])
    print(f"  misses ({sum(m[0] for m in missed)} family, {len(missed)} in all; first {misses}):")
    for wrong_f, row, got_f, got_c, evidence in missed[:misses]:
        snippet = " ".join(row.text.split())[:90]
        mark = "FAMILY" if wrong_f else "cat"
        print(f"  - [{mark}] {row.id}: {snippet!r}")
        print(f"      expected {row.family} / {row.category}, got {got_f} / {got_c}; "
              f"evidence: {evidence[:6]}")
    return fam_acc, cat_acc


def decisions(rows: list[Row]) -> None:
    decide = _decider()
    print("\n== decisions on the examples (expected action read from the why note)")
    scored = right = 0
    for row in rows:
        try:
            decision = decide(row.case)
        except Exception as exc:  # report, keep scoring the rest
            print(f"  {row.id}: {type(exc).__name__}: {exc}")
            continue
        rec = getattr(decision, "recommendation", None)
        action = str(getattr(getattr(rec, "action", None), "value", getattr(rec, "action", None)))
        expected = _expected_actions(row.why)
        never_steer = "never steer" in row.why.lower()
        steered = never_steer and action == "request_reason_change"
        if expected is not None or never_steer:
            scored += 1
            ok = not steered and (expected is None or action in expected)
            right += ok
            verdict = "ok" if ok else f"MISS (expected {'/'.join(sorted(expected or ()))})"
        else:
            verdict = "-"
        print(f"  {row.id}: rule {getattr(decision, 'rule', None)} → {action} "
              f"{getattr(rec, 'amount', None)}  {verdict}")
    if scored:
        print(f"  action accuracy {right}/{scored} on the examples whose note names an action")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", type=int, default=40, help="how many misses to list per set")
    parser.add_argument("--only", choices=["examples", "zh", "en"], help="score one set only")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"../shared is absent ({SHARED}): the labelled sets live there; nothing to score.",
              file=sys.stderr)
        return 2
    sets = {
        "examples": lambda: _examples(SHARED / "examples" / "cases.jsonl"),
        "zh": lambda: _texts(SHARED / "data" / "buyer-texts-zh.jsonl", "taobao", ""),
        "en": lambda: _texts(SHARED / "data" / "buyer-texts-en.jsonl", "shopify", "OTHER"),
    }
    for name, load in sets.items():
        if args.only and args.only != name:
            continue
        rows = load()
        score(name, rows, args.misses)
        if name == "examples":
            decisions(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
