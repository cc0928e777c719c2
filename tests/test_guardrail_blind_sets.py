"""The blind evaluation sets not yet tuned on, as the newest frozen guardrail scored them once
(tests/data/guardrail/README.md has every set's scores, round by round).

Each set was written by hands that never saw the guardrail and scored once per frozen round, no message
read. The counts below are what the latest such run measured; they are floors a later change may not
lose without saying so, not targets (issue 13's are recall >= 0.95 and false blocks <= 0.03 a
language). A round that trains on a set renames it to a tune* file and drops its line here; the
numbers it had stay in the README as history. Round 9 lost one of eval8's Chinese forbidden messages
against round 8 (190 -> 189, from the retrained learned layer; eval8 was not read), recorded there.
Round 10 (frozen) failed eval8's Chinese floor as it stood (the helper read pass/fail only); scored
once at the freeze, it blocks more of eval8's Chinese forbidden messages (189 -> 195) and more honest
ones (2 -> 5), recorded in the README; the floor holds round 10's counts. eval13 and eval14, written
blind during round 10, were scored once on round 9 and once on the frozen round 10, then promoted to
tuning data for round 11 (tune_eval13, tune_eval14; their counts stay in the README).
Round 11 (frozen) failed eval8's Chinese floor (run once, pass/fail only); scored once at the freeze,
it blocks 4 fewer of eval8's Chinese forbidden messages (195 -> 191) and one fewer honest one (5 -> 4),
recorded in the README; the floor holds round 11's counts. eval15 and eval16, written blind during round
11, were scored once on round 10 and once on the frozen round 11, then promoted to tuning data for round
12 (tune_eval15, tune_eval16; their counts stay in the README). Round 12 (frozen) failed eval8's English
floor (pass/fail only); scored once at the freeze: English 197 -> 196 forbidden blocked and 7 -> 6
honest, Chinese 191 -> 195 and 4 -> 3; the floor holds round 12's counts. eval17 and eval18, written
blind during round 12, were scored once on round 11 and once on the frozen round 12. Round 13 promoted
them to tuning data (tune_eval17, tune_eval18; their counts stay in the README), and its frozen layer
failed eval8's English floor (pass/fail only, no count read). Scored once at the freeze: English 196 ->
198 forbidden blocked and 6 -> 8 honest, Chinese 195 -> 197 and 3 -> 3; the floor holds round 13's
counts. eval19 and eval20, written blind during round 13 from a new brief (more honest messages written
as twins of forbidden ones), were scored once on round 12 and once on the frozen round 13.
written12 (tuning data for round 14, written blind at the same time and scored once first-look on the
frozen round 13) was renamed tune_written12.jsonl when round 14 started; it holds no floor.
Round 14 (frozen) passed all six floors (run pass/fail only, no count read by its engineer); scored once
after the freeze (eval19 and eval20 a third time, eval8 a ninth), it blocks 2 more Chinese forbidden
messages on eval20 and 1 more English one on eval8, and 2 fewer honest Chinese ones on eval19, 1 on eval8,
2 fewer honest English ones on eval19 and on eval20; the floors hold round 14's counts.
written13 (tuning data for round 15, written blind after round 14's freeze and scored once first-look on
it) was renamed tune_written13.jsonl when round 15 started; it holds no floor. written14 (tuning data
for round 16, scored once first-look on the frozen round 15) was renamed tune_written14.jsonl when round 16
started. Round 16 (frozen at 917712b, trained on written14) was scored once on all seven sets after
its freeze, no message read: against round 15 it blocks 3 more of eval20's and 1 more of eval21's and
eval22's Chinese forbidden messages and 1 fewer of eval19's, 1 fewer of eval23's and eval24's English
ones; honest messages blocked: Chinese 1 more on eval19, 1 fewer on eval20, eval21, eval23 and eval24,
English 1 more on eval8 and eval21 and 1 fewer on eval24. eval23 and eval24, written blind during round
16, were scored once on round 15 (main at 4cb8fb6) before the freeze. The floors hold round 16's counts.
written15 (tuning data for round 17, scored once first-look on the frozen round 16) was renamed
tune_written15.jsonl when round 17 started.
Round 17 (frozen at 658e7cd, trained on written15) was scored once on all nine sets after its freeze, no
message read: against round 16 it blocks 1 fewer of eval8's and eval20's Chinese forbidden messages and 1
more of eval22's, 1 fewer of eval21's English ones and 1 more of eval23's and eval25's and 2 more of eval26's
(the last two scored on round 16 before the freeze); honest messages blocked: Chinese 1 fewer on eval19 and
eval24 and 1 more on eval21, English 1 fewer on eval19, eval20, eval21, eval22, eval23 and eval24 and 1 more
on eval25. It fails eval8's Chinese floor as round 16 held it (197 -> 196). The floors hold round 17's counts.
written16 (tuning data for round 18, written blind during the stop and scored once first-look on round 17)
was renamed tune_written16.jsonl when round 18 started. eval27 and eval28, written blind at the same time
by four more helpers, were scored once on round 17 (main at 7c79ebd) before any round-18 change.
Round 18 (frozen at 47ce854, trained on written16) was scored once on all eleven sets after its freeze, no
message read (its English engineer ran the floors pass/fail only during the round: eval8's and eval23's
English failed on the round-17 layer). Against round 17 it blocks more of eval8's Chinese forbidden messages
(196 -> 197) and of eval21's English (207 -> 208), fewer of eval20's Chinese (203 -> 200), eval26's, eval27's
(1 each) and of eval8's, eval20's, eval23's English (1 each) and eval22's (199 -> 197); honest messages
blocked: Chinese 2 fewer on eval21, eval22 and eval28, 1 fewer on eval24; English 4 fewer on eval27, 1 fewer
on eval21, eval22, eval24, eval26 and eval28, 1 more on eval19 and eval23 and 2 more on eval8. It fails
eval8's English floor (198 -> 197 forbidden, 8 -> 10 honest), eval19's (9 -> 10), eval20's (both languages),
eval22's and eval23's English and eval26's Chinese forbidden floor as round 17 held them. The floors hold
round 18's counts.
Round 19 promoted eval8 and eval19-23 to tuning data (tune_eval8, tune_eval19-23; their floors dropped, their
counts stay in the README), trained on them and on written17-20 (written blind this stop), kept 32,000
grams and moved ``sure`` to 0.85. eval24-28 served as its development sets (four candidates judged on them by
a rule written first); eval29 and eval30, written blind during round 19 and scored once on round 18 (main at
7992256), were scored once on the frozen round 19 and chose nothing. Against round 18, eval24-28 pooled:
English 1021 -> 1022 forbidden blocked, 67 -> 52 honest; Chinese 1033 -> 1035, 46 -> 39; eval29 and eval30:
English 413 -> 415 and 13 -> 10, Chinese 419 -> 418 and 16 -> 10. eval27's English floor falls (202 -> 201
forbidden blocked), and eval24's Chinese (7 -> 8 honest blocked). The floors hold round 19's counts.
Round 20 trained on three sets of twins written blind this stop (tune_written21-23: each forbidden message
followed by an honest twin in the same words) and changed nothing else; eval24-30 were its development sets
(one candidate, the same rule). eval31 (the brief of eval29) and eval32 (twins), written blind during the
stop, were scored once on round 19 and once on the frozen round 20. Against round 19 the floors fall on
eval24 (English 204 -> 203 and Chinese 209 -> 208 forbidden blocked), eval26 (English 11 -> 13 honest
blocked), eval27 (Chinese 6 -> 7 honest), eval28 (English 207 -> 206, Chinese 205 -> 204 forbidden) and
eval30 (Chinese 5 -> 6 honest); pooled over eval24-30 English 1437 -> 1438 forbidden and 62 -> 61 honest
blocked, Chinese 1453 -> 1451 and 49 -> 46. The floors hold round 20's counts.
Round 21 trained on two more sets of twins written blind this stop (tune_written24, tune_written25), read
English word pairs across a gap and Chinese 4-grams, and lifts a rule's block below 0.30 (0.15 before),
chosen by leaving out one of the 15 sets the rules were never tuned on; eval24-32 were its development sets
(two candidates judged by a rule written first; the first, without the new grams, lost 13 English forbidden
messages and failed it). eval33 (the brief of eval29) and eval34 (twins), written blind during the stop,
were scored once on round 20 and once on the frozen round 21. Against round 20 the forbidden floors fall on
eval25 (Chinese 208 -> 207), eval26 (Chinese 209 -> 207), eval28 (Chinese 204 -> 203), eval29 (Chinese 209 ->
208, English 208 -> 206), eval30 (English 208 -> 207) and eval31 (English 208 -> 205); no honest floor
rises. Pooled over eval24-32 English 1848 -> 1843 forbidden and 81 -> 52 honest blocked, Chinese 1868 ->
1864 and 53 -> 32. The floors hold round 21's counts.
Round 22 trained on two more sets written blind this stop (tune_written26: twins, tune_written27: the first
brief) and changed nothing else; a negation-scope feature weighed beside it lost (README, round 22). eval24-34
were its development sets; eval35 (the brief of eval29) and eval36 (twins), written blind during the stop,
were scored once on round 21 and once on the frozen round 22. Against round 21 the forbidden floors fall on
eval24 (Chinese 208 -> 207), eval25 (English 206 -> 205), eval28 (Chinese 203 -> 202), eval29 (English 206 ->
205), eval31 (English 205 -> 204), eval33 (Chinese 206 -> 205) and eval34 (English 204 -> 203), and one honest
floor rises: eval33 Chinese 2 -> 3 honest blocked. Pooled over eval24-34 English 2253 -> 2250 forbidden and 72
-> 64 honest blocked, Chinese 2276 -> 2274 and 39 -> 39. The floors hold round 22's counts.
eval37 (the brief of eval29) and eval38 (twins) were written blind after round 22 was frozen and scored once
on it, to measure it a second time; nothing changed after. Their floors are those counts.
Round 23 trained on two more sets written blind this stop (tune_written28: twins, tune_written29: the first
brief) and changed nothing else; eval24-38 were its development sets (one candidate, by round 22's rule).
eval39 (the brief of eval29) and eval40 (twins), written blind during the stop, were scored once on round 22
and once on the frozen round 23. Against round 22 the forbidden floors fall on eval24 (Chinese 207 -> 206),
eval26 (English 206 -> 205), eval32 (Chinese 209 -> 208), eval33 (English 206 -> 205) and eval36 (English 206
-> 204), and two honest floors rise: eval30 Chinese 2 -> 3 and eval36 English 3 -> 4 honest blocked. Pooled
over eval24-38 English 3072 -> 3075 forbidden and 88 -> 80 honest blocked, Chinese 3104 -> 3104 and 53 -> 53.
The floors hold round 23's counts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marketplace_returns.engine.guardrail import assess

DATA = Path(__file__).parent / "data" / "guardrail"

# (file, lang): forbidden messages blocked of 210, honest messages blocked of 210, on the frozen round
# 23 (trained on 46,775 messages, weights fac0d274...): eval24 for the ninth time, eval25 and eval26 for
# the eighth, eval27 and eval28 for the seventh, eval29 and eval30 for the sixth, eval31 and eval32 for the
# fifth, eval33 and eval34 for the fourth, eval35 and eval36 for the third, eval37 to eval40 for the
# second (first on round 22); eval11
# and eval12 were promoted to tuning data for round 10, eval13 and eval14 for round 11, eval15 and eval16
# for round 12, eval17 and eval18 for round 13, eval8 and eval19-23 for round 19 (their counts stay in the
# README)
FLOORS = {
    ("eval24_scored.jsonl", "zh"): (206, 4), ("eval24_scored.jsonl", "en"): (204, 6),
    ("eval25_scored.jsonl", "zh"): (207, 3), ("eval25_scored.jsonl", "en"): (206, 2),
    ("eval26_scored.jsonl", "zh"): (208, 7), ("eval26_scored.jsonl", "en"): (205, 11),
    ("eval27_scored.jsonl", "zh"): (204, 4), ("eval27_scored.jsonl", "en"): (202, 6),
    ("eval28_scored.jsonl", "zh"): (202, 7), ("eval28_scored.jsonl", "en"): (207, 8),
    ("eval29_scored.jsonl", "zh"): (209, 1), ("eval29_scored.jsonl", "en"): (205, 1),
    ("eval30_scored.jsonl", "zh"): (209, 3), ("eval30_scored.jsonl", "en"): (207, 2),
    ("eval31_scored.jsonl", "zh"): (209, 1), ("eval31_scored.jsonl", "en"): (205, 2),
    ("eval32_scored.jsonl", "zh"): (208, 2), ("eval32_scored.jsonl", "en"): (203, 3),
    ("eval33_scored.jsonl", "zh"): (206, 3), ("eval33_scored.jsonl", "en"): (205, 7),
    ("eval34_scored.jsonl", "zh"): (206, 4), ("eval34_scored.jsonl", "en"): (204, 8),
    ("eval35_scored.jsonl", "zh"): (210, 1), ("eval35_scored.jsonl", "en"): (205, 7),
    ("eval36_scored.jsonl", "zh"): (203, 6), ("eval36_scored.jsonl", "en"): (204, 4),
    ("eval37_scored.jsonl", "zh"): (208, 2), ("eval37_scored.jsonl", "en"): (206, 5),
    ("eval38_scored.jsonl", "zh"): (209, 5), ("eval38_scored.jsonl", "en"): (207, 8),
    ("eval39_scored.jsonl", "zh"): (207, 1), ("eval39_scored.jsonl", "en"): (208, 2),
    ("eval40_scored.jsonl", "zh"): (205, 8), ("eval40_scored.jsonl", "en"): (203, 8),
}
# every set written blind as an evaluation set, scored or since trained on: 840 messages, 30 forbidden
# per rule and 210 honest per language
WRITTEN_BLIND = ("tune_eval8.jsonl", "tune_eval19.jsonl", "tune_eval20.jsonl", "tune_eval21.jsonl",
                 "tune_eval22.jsonl", "tune_eval23.jsonl", "eval24_scored.jsonl", "eval25_scored.jsonl",
                 "eval26_scored.jsonl", "eval27_scored.jsonl", "eval28_scored.jsonl", "eval29_scored.jsonl",
                 "eval30_scored.jsonl", "eval31_scored.jsonl", "eval32_scored.jsonl",
                 "eval33_scored.jsonl", "eval34_scored.jsonl", "tune_written24.jsonl", "tune_written25.jsonl",
                 "eval35_scored.jsonl", "eval36_scored.jsonl", "tune_written26.jsonl", "tune_written27.jsonl",
                 "eval37_scored.jsonl", "eval38_scored.jsonl", "eval39_scored.jsonl", "eval40_scored.jsonl",
                 "tune_written28.jsonl", "tune_written29.jsonl",
                 "tune_written21.jsonl", "tune_written22.jsonl", "tune_written23.jsonl",
                 "tune_written17.jsonl", "tune_written18.jsonl",
                 "tune_written19.jsonl", "tune_written20.jsonl", "tune_written12.jsonl",
                 "tune_written13.jsonl", "tune_written14.jsonl",
                 "tune_written15.jsonl", "tune_written16.jsonl",
                 "tune_eval17.jsonl", "tune_eval18.jsonl", "tune_eval15.jsonl", "tune_eval16.jsonl",
                 "tune_eval13.jsonl", "tune_eval14.jsonl", "tune_eval11.jsonl", "tune_eval12.jsonl",
                 "tune_eval6.jsonl", "tune_eval7.jsonl", "tune_eval9.jsonl", "tune_eval10.jsonl",
                 "tune_written8.jsonl", "tune_written11.jsonl")


def _rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize(("name", "lang"), sorted(FLOORS))
def test_a_blind_set_keeps_what_the_newest_round_scored_on_it(name: str, lang: str) -> None:
    rows = [r for r in _rows(name) if r["lang"] == lang]
    bad = [r for r in rows if r["blocked"]]
    good = [r for r in rows if not r["blocked"]]
    assert len(bad) == len(good) == 210
    caught = sum(assess(str(r["text"])).blocked for r in bad)
    false = sum(assess(str(r["text"])).blocked for r in good)
    min_caught, max_false = FLOORS[(name, lang)]
    assert caught >= min_caught, (name, lang, caught)
    assert false <= max_false, (name, lang, false)


@pytest.mark.parametrize("name", WRITTEN_BLIND)
def test_a_blind_set_has_the_written_shape(name: str) -> None:
    rows = _rows(name)
    assert len(rows) == 840 and len({r["id"] for r in rows}) == 840
    for lang in ("zh", "en"):
        mine = [r for r in rows if r["lang"] == lang]
        rules = [r["rule"] for r in mine if r["blocked"]]
        assert len(rules) == 210 and all(rules.count(rule) == 30 for rule in set(rules))
        assert all(r["rule"] is None for r in mine if not r["blocked"])
