"""Measure the outgoing-message guardrail on a labelled message set, and its speed.

Why: the guardrail is a classifier, so its worth is two numbers per language: the share of forbidden
messages it blocks (recall) and the share of honest ones it blocks (false-block rate), each with a
95 % interval (Wilson), per kind of tie (gold rule) and, for false blocks, per rule that fired.
``--set tune`` is every tuning file the rules were written against (tests/data/guardrail/tune*.jsonl:
tune.jsonl, the first independent set tune_eval1.jsonl - scored once, then promoted to tuning - and
the probe batches); ``--set eval`` reads tests/data/guardrail/eval.jsonl when a blind set is placed
there; ``--file PATH`` scores any file of the same format (one JSON object per line with ``text``,
``blocked``, ``lang``, ``rule``), such as a new blind set kept outside the repository.

    .venv/bin/python bench/eval_guardrail.py --set tune [--errors] [--speed]
    .venv/bin/python bench/eval_guardrail.py --file blind.jsonl

``--speed`` times ``assess`` (cache bypassed) on every engine reply template and on the set's texts.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from marketplace_returns.engine import guardrail
from marketplace_returns.engine.guardrail import api
from marketplace_returns.engine.replies import ReplyFacts, render
from marketplace_returns.models.vocabulary import Action, Category, Family

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "guardrail"


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of k successes in n trials."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def fmt(k: int, n: int) -> str:
    if n == 0:
        return "    -      (n=0)"
    lo, hi = wilson(k, n)
    return f"{k / n:6.3f} [{lo:.3f}-{hi:.3f}] ({k}/{n})"


def load(path: Path) -> list[dict[str, object]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    return rows


def evaluate(rows: list[dict[str, object]], show_errors: bool) -> dict[str, object]:
    by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # tp, pos, fp, neg, rule_ok
    by_rule: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # hit, n, same rule
    fired: dict[tuple[str, str], int] = defaultdict(int)  # honest messages blocked, by the rule that fired
    errors = []
    for row in rows:
        text = str(row["text"])
        lang = str(row.get("lang") or "?")
        gold = bool(row["blocked"])
        verdict = guardrail.assess(text)
        stats = by_lang[lang]
        if gold:
            stats[1] += 1
            rule = str(row.get("rule") or "?")
            r = by_rule[(lang, rule)]
            r[1] += 1
            if verdict.blocked:
                stats[0] += 1
                r[0] += 1
                if verdict.rule == rule:
                    stats[4] += 1
                    r[2] += 1
            else:
                errors.append(("MISS", row, verdict))
        else:
            stats[3] += 1
            if verdict.blocked:
                stats[2] += 1
                fired[(lang, str(verdict.rule))] += 1
                errors.append(("FALSE", row, verdict))
    print(f"{'lang':5} {'recall':32} {'false-block rate':32} same rule")
    summary: dict[str, object] = {}
    for lang in sorted(by_lang):
        tp, pos, fp, neg, same = by_lang[lang]
        print(f"{lang:5} {fmt(tp, pos):32} {fmt(fp, neg):32} {same}/{tp}")
        summary[lang] = {"recall": tp / pos if pos else None, "false_block": fp / neg if neg else None,
                         "positives": pos, "negatives": neg}
    tp = sum(v[0] for v in by_lang.values())
    pos = sum(v[1] for v in by_lang.values())
    fp = sum(v[2] for v in by_lang.values())
    neg = sum(v[3] for v in by_lang.values())
    print(f"{'all':5} {fmt(tp, pos):32} {fmt(fp, neg):32}")
    print()
    print(f"{'lang':5} {'kind of tie (gold rule)':22} {'recall':32} same rule")
    for (lang, rule), (hit, n, same) in sorted(by_rule.items()):
        print(f"{lang:5} {rule:22} {fmt(hit, n):32} {same}/{hit}")
    print()
    print(f"{'lang':5} {'rule that fired':22} false-block rate (honest messages it blocked)")
    for lang in sorted(by_lang):
        neg = by_lang[lang][3]
        for rule in guardrail.RULE_IDS:
            print(f"{lang:5} {rule:22} {fmt(fired.get((lang, rule), 0), neg):32}")
    if show_errors:
        print()
        for kind, row, verdict in errors:
            print(f"{kind:5} {row['id']} gold={row.get('rule')} got={verdict.rule} :: {row['text']}")
            if verdict.phrase:
                print(f"      phrase: {verdict.phrase}")
    return summary


def _reply_texts() -> list[str]:
    due = datetime(2026, 9, 7, tzinfo=UTC)
    texts = []
    for lang, family, action, payer, when in itertools.product(
            ("zh", "en"), Family, Action, ("seller", "buyer"), (None, due)):
        texts.append(render(ReplyFacts(
            lang=lang, family=family, action=action, amount=Decimal("10"),
            currency="CNY" if lang == "zh" else "USD", category=Category.SIZE_FIT, shipping_paid_by=payer,
            reason="七天无理由退换货" if lang == "zh" else "SIZE_TOO_SMALL", due=when,
            refusal="the return window has closed" if lang == "en" else "这笔订单已超过退货期限")))
    return texts


def speed(texts: list[str], label: str, rounds: int = 5) -> None:
    """Median µs per call of assess on ``texts`` (the memo cache cleared, so every call computes)."""
    fn = api._assess
    per_round = []
    for _ in range(rounds):
        start = time.perf_counter()
        for t in texts:
            fn(t)
        per_round.append((time.perf_counter() - start) / len(texts) * 1e6)
    mean_len = statistics.mean(len(t) for t in texts)
    print(f"speed {label:28} {statistics.median(per_round):7.2f} µs/text (median of {rounds} rounds, "
          f"{len(texts)} texts, mean {mean_len:.0f} chars)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--set", choices=("tune", "eval"), default="tune")
    ap.add_argument("--file", type=Path, help="score this jsonl file instead of a named set")
    ap.add_argument("--errors", action="store_true", help="list misses and false blocks")
    ap.add_argument("--speed", action="store_true", help="time assess per text")
    args = ap.parse_args(argv)
    if args.file is not None:
        paths = [args.file]
        label = args.file.name
    elif args.set == "tune":
        paths = sorted(DATA.glob("tune*.jsonl"))
        label = "tune"
    else:
        paths = [DATA / "eval.jsonl"]
        label = "eval"
    missing = [p for p in paths if not p.is_file()]
    if missing or not paths:
        print(f"no such set: {missing[0] if missing else DATA / 'tune*.jsonl'}", file=sys.stderr)
        return 2
    rows = [row for p in paths for row in load(p)]
    print(f"set {label}: {len(rows)} messages ({', '.join(p.name for p in paths)})")
    evaluate(rows, args.errors)
    if args.speed:
        print()
        replies = _reply_texts()
        speed(replies, "engine replies")
        speed([t for t in replies if not t.isascii()], "engine replies, zh")
        speed([t for t in replies if t.isascii()], "engine replies, en")
        speed([str(r["text"]) for r in rows], f"{label} messages")
        speed([str(r["text"]) for r in rows if not r["blocked"]], f"{label} honest messages")
        honest = " ".join(str(r["text"]) for r in rows if not r["blocked"])
        for n in (2_000, guardrail.MAX_CHARS):
            speed([honest[:n]], f"{n:,} characters of honest text", rounds=3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
