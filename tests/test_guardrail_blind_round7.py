"""The three blind sets scored once on the frozen round-7 guardrail (tests/data/guardrail/README.md):
eval7 and eval8, written for evaluation, and written8, written as round 8's tuning data and scored
first-look. The figures are what that one run measured. Round 8 trained on eval7 and written8 and
moved them to tune_eval7.jsonl and tune_written8.jsonl, so their round-7 figures are history
(ROUND7_HISTORY, not asserted); eval8, still not tuned on, keeps its round-7 counts as the floor a
later change may not lose - a floor, not a target: it misses issue 13's (recall >= 0.95, false blocks
<= 0.03)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marketplace_returns.engine.guardrail import assess

DATA = Path(__file__).parent / "data" / "guardrail"

# (file, lang): forbidden messages blocked of 210, honest messages blocked of 210, on round 7
SCORED_ONCE = {
    ("eval8_scored.jsonl", "zh"): (187, 7), ("eval8_scored.jsonl", "en"): (192, 9),
}
# history: what round 7 scored on the two sets round 8 then trained on (as eval7_scored.jsonl and
# written8_scored.jsonl); tuning data now, so no floor is held on them
ROUND7_HISTORY = {
    ("tune_eval7.jsonl", "zh"): (183, 12), ("tune_eval7.jsonl", "en"): (183, 13),
    ("tune_written8.jsonl", "zh"): (188, 19), ("tune_written8.jsonl", "en"): (195, 14),
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


@pytest.mark.parametrize("name", sorted({name for name, _ in SCORED_ONCE | ROUND7_HISTORY}))
def test_a_blind_set_has_the_written_shape(name: str) -> None:
    rows = _rows(name)
    assert len(rows) == 840 and len({r["id"] for r in rows}) == 840
    for lang in ("zh", "en"):
        mine = [r for r in rows if r["lang"] == lang]
        rules = [r["rule"] for r in mine if r["blocked"]]
        assert len(rules) == 210 and all(rules.count(rule) == 30 for rule in set(rules))
        assert all(r["rule"] is None for r in mine if not r["blocked"])
