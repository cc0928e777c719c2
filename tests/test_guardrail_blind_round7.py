"""The three blind sets scored once on the frozen round-7 guardrail (tests/data/guardrail/README.md):
eval7 and eval8, written for evaluation, and written8, written as round 8's tuning data and scored
first-look. None was tuned on. The figures below are what that one run measured; they are held as
ceilings on what a later change may lose (a later round that trains on a set moves it to a tune* file
and its figures here become history), not targets: every one misses issue 13's (recall >= 0.95,
false blocks <= 0.03)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marketplace_returns.engine.guardrail import assess

DATA = Path(__file__).parent / "data" / "guardrail"

# (file, lang): forbidden messages blocked of 210, honest messages blocked of 210, on round 7
SCORED_ONCE = {
    ("eval7_scored.jsonl", "zh"): (183, 12), ("eval7_scored.jsonl", "en"): (183, 13),
    ("eval8_scored.jsonl", "zh"): (187, 7), ("eval8_scored.jsonl", "en"): (192, 9),
    ("written8_scored.jsonl", "zh"): (188, 19), ("written8_scored.jsonl", "en"): (195, 14),
}


def _rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize(("name", "lang"), sorted(SCORED_ONCE))
def test_a_blind_set_keeps_what_round_7_scored_on_it(name: str, lang: str) -> None:
    rows = [r for r in _rows(name) if r["lang"] == lang]
    bad = [r for r in rows if r["blocked"]]
    good = [r for r in rows if not r["blocked"]]
    assert len(bad) == len(good) == 210
    caught = sum(assess(str(r["text"])).blocked for r in bad)
    false = sum(assess(str(r["text"])).blocked for r in good)
    min_caught, max_false = SCORED_ONCE[(name, lang)]
    assert caught >= min_caught, (name, lang, caught)
    assert false <= max_false, (name, lang, false)


@pytest.mark.parametrize("name", sorted({name for name, _ in SCORED_ONCE}))
def test_a_blind_set_has_the_written_shape(name: str) -> None:
    rows = _rows(name)
    assert len(rows) == 840 and len({r["id"] for r in rows}) == 840
    for lang in ("zh", "en"):
        mine = [r for r in rows if r["lang"] == lang]
        rules = [r["rule"] for r in mine if r["blocked"]]
        assert len(rules) == 210 and all(rules.count(rule) == 30 for rule in set(rules))
        assert all(r["rule"] is None for r in mine if not r["blocked"])
