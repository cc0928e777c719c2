"""One sha256 over the guardrail's verdicts, to prove a speed change changes no verdict.

Why: a change made for speed must leave every verdict as it was. This script runs ``assess`` (the
memo cache bypassed) over every row of tests/data/guardrail/*.jsonl and every engine reply the speed
bench times (``bench/eval_guardrail.py --speed``), and prints one sha256 over (blocked, rule, phrase,
why) of each, in order. Texts are never printed: only counts and the digest.

    .venv/bin/python bench/guardrail_digest.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_guardrail import DATA, _reply_texts
from marketplace_returns.engine.guardrail import api


def texts() -> list[tuple[str, str]]:
    """(source, text) for every row of every guardrail data file, then every engine reply."""
    out: list[tuple[str, str]] = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append((path.name, str(json.loads(line)["text"])))
    out.extend(("engine replies", t) for t in _reply_texts())
    return out


def main() -> int:
    digest = hashlib.sha256()
    counts: dict[str, list[int]] = {}
    for source, text in texts():
        v = api._assess(text)
        digest.update(json.dumps([v.blocked, v.rule, v.phrase, v.why], ensure_ascii=False).encode())
        digest.update(b"\n")
        c = counts.setdefault(source, [0, 0])
        c[0] += 1
        c[1] += int(v.blocked)
    for source, (n, blocked) in counts.items():
        print(f"{source:28} {n:5} texts, {blocked:4} blocked")
    print(f"sha256 {digest.hexdigest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
