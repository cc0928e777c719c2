"""The blind sets scored on the frozen round-8 guardrail (tests/data/guardrail/README.md): eval9 and
eval10, written while round 8 was built on other data, and eval8, never read or tuned on, scored a
third time. The counts are what that one run measured on each; they are held as floors a later change
may not lose (a round that trains on a set moves it to a tune* file and its line here becomes
history), not targets: English misses issue 13's (recall >= 0.95, false blocks <= 0.03) on every set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marketplace_returns.engine.guardrail import assess

DATA = Path(__file__).parent / "data" / "guardrail"

# (file, lang): forbidden messages blocked of 210, honest messages blocked of 210, on round 8. Round 9
# promoted eval9 and eval10 to tuning data (tune_eval9.jsonl, tune_eval10.jsonl); their round-8 counts
# are history: zh (204, 3) and (202, 3), en (193, 7) and (200, 7).
SCORED_ONCE = {
    ("eval8_scored.jsonl", "zh"): (190, 2), ("eval8_scored.jsonl", "en"): (193, 9),
}


def _rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize(("name", "lang"), sorted(SCORED_ONCE))
def test_a_blind_set_keeps_what_round_8_scored_on_it(name: str, lang: str) -> None:
    rows = [r for r in _rows(name) if r["lang"] == lang]
    bad = [r for r in rows if r["blocked"]]
    good = [r for r in rows if not r["blocked"]]
    assert len(bad) == len(good) == 210
    caught = sum(assess(str(r["text"])).blocked for r in bad)
    false = sum(assess(str(r["text"])).blocked for r in good)
    min_caught, max_false = SCORED_ONCE[(name, lang)]
    assert caught >= min_caught, (name, lang, caught)
    assert false <= max_false, (name, lang, false)


@pytest.mark.parametrize("name", ["tune_eval9.jsonl", "tune_eval10.jsonl"])
def test_a_round_8_blind_set_has_the_written_shape(name: str) -> None:
    rows = _rows(name)
    assert len(rows) == 840 and len({r["id"] for r in rows}) == 840
    for lang in ("zh", "en"):
        mine = [r for r in rows if r["lang"] == lang]
        rules = [r["rule"] for r in mine if r["blocked"]]
        assert len(rules) == 210 and all(rules.count(rule) == 30 for rule in set(rules))
        assert all(r["rule"] is None for r in mine if not r["blocked"])
