"""What the learned reader costs a message, with its English second reader and without it.

    .venv/bin/python bench/reader_cost.py [--repeat 5]

Why: weights .11 stack a character-gram reader with the n-gram reader in English (engine/char_reader.py);
the stack's gain was measured out of source, its price is measured here. The messages are our own written
refund requests (tests/data/messages/refund_*_c.jsonl, 300 a language). Each pass reads every message once
through ``LangModel.read`` (the classifier's per-message memo is not in the way), and prints the median
over ``--repeat`` passes of the microseconds a message:

- cold: the character reader's per-word memo emptied before the pass (words never seen);
- warm: the memo as the previous pass left it (a shop's buyers reuse their words);
- the n-gram reader alone: the same weights with the second reader switched off (its family probability
  is then the n-gram reader's own, as in weights .10).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from marketplace_returns.engine import reader

MESSAGES = Path(__file__).resolve().parents[1] / "tests" / "data" / "messages"


def _texts(lang: str) -> list[str]:
    rows = (MESSAGES / f"refund_{lang}_c.jsonl").read_text(encoding="utf-8").splitlines()
    return [reader.prepare(json.loads(line)["text"]) for line in rows if line]


def _pass(model: reader.LangModel, texts: list[str], *, cold: bool) -> float:
    if cold and model.second is not None:
        model.second.scores.clear()
    started = time.perf_counter()
    for text in texts:
        model.read(text)
    return (time.perf_counter() - started) / len(texts) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    weights = reader.shipped()
    print(f"weights {weights.header['version']}; microseconds a message, median of {args.repeat} passes")
    for lang, model in sorted(weights.models.items()):
        texts = _texts(lang)
        mean_chars = statistics.mean(len(t) for t in texts)
        second = model.second
        figures = {"cold": statistics.median(_pass(model, texts, cold=True) for _ in range(args.repeat)),
                   "warm": statistics.median(_pass(model, texts, cold=False) for _ in range(args.repeat))}
        if second is not None:
            model.second = None
            try:
                figures["n-gram reader alone"] = statistics.median(
                    _pass(model, texts, cold=False) for _ in range(args.repeat))
            finally:
                model.second = second
        shown = ", ".join(f"{k} {v:.1f}" for k, v in figures.items())
        print(f"  {lang} ({len(texts)} messages, {mean_chars:.0f} characters on average"
              f"{', stacked' if second is not None else ''}): {shown}")


if __name__ == "__main__":
    main()
