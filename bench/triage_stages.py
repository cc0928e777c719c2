"""Instructions per new case, stage by stage, under valgrind (a figure load does not move).

    valgrind --tool=callgrind --dump-before=crc32 --callgrind-out-file=/tmp/stages.out \\
        .venv/bin/python bench/triage_stages.py 2000
    for f in $(ls /tmp/stages.out.* | sort -t. -k3 -n | tail -8); do grep -m1 totals: $f; done

Loads everything and triages 2,000 warm-up cases (``bench/triage_throughput.py``'s generator, every
message unique), then runs each stage below over fresh cases (a new seed for each whole-path stage, so
no memo answers), calling ``zlib.crc32`` between stages: ``--dump-before=crc32`` makes callgrind write
the count since the last call to a file of its own. The last eight files, in order, are the stages;
divide each by N. (Loading the weights also calls crc32, so earlier files are the start-up.)

1. parse: ``Case.model_validate_json`` of each line;
2. normalise: the message's ``text.normalise`` (and the profile lookup);
3. cue reader: ``words._read_text`` (its memo bypassed);
4. answer language: ``text.buyer_lang``;
5. learned reader: ``Reader.read`` of the shipped weights (its memo bypassed);
6. classify: ``classifier.classify`` (both readers through their memos, facts, combining, evidence);
7. evaluate: ``engine.evaluate`` (classify, playbook, reply, guardrail through its memo, decision);
8. guardrail: ``guardrail.api._assess`` of each of those replies (its memo bypassed), then the output
   line of each decision (``stream.dump``) after the last mark (in the main output file).
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import zlib
from pathlib import Path

from marketplace_returns.engine import classifier, reader
from marketplace_returns.engine import text as T
from marketplace_returns.engine import words as W
from marketplace_returns.engine.guardrail import api as guardrail
from marketplace_returns.engine.stream import PlaybookChooser, dump, prepare_bulk, triage_lines
from marketplace_returns.models.case import Case

sys.path.insert(0, str(Path(__file__).resolve().parent))
from triage_throughput import generate

E = importlib.import_module("marketplace_returns.engine.evaluate")


def mark() -> None:
    zlib.crc32(b"stage")


def main() -> None:
    n = int(sys.argv[1])
    choose = PlaybookChooser(None)
    prepare_bulk(choose)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.jsonl"
        generate(path, 2000, 0, seed=3)
        for _ in triage_lines(path.read_bytes().splitlines(), choose):
            pass
        sets = []
        for seed in (21, 22, 23):
            generate(path, n, 0, seed=seed)
            sets.append(path.read_bytes().splitlines())
    cases = [[Case.model_validate_json(line) for line in lines] for lines in sets]
    weights = reader.shipped()
    mark()
    for line in sets[0]:
        Case.model_validate_json(line)
    mark()
    profiles = [E.profile_for(c) for c in cases[0]]
    texts = [T.normalise(c.message or "") for c in cases[0]]
    mark()
    readings = [W._read_text(t, p.size_tolerance_cm) for t, p in zip(texts, profiles, strict=True)]
    mark()
    langs = [T.buyer_lang(t, c.lang or p.default_lang, w.mix) if w.mix else (c.lang or p.default_lang)
             for t, w, c, p in zip(texts, readings, cases[0], profiles, strict=True)]
    mark()
    for c, lang, w, t in zip(cases[0], langs, readings, texts, strict=True):
        if t:
            weights.read(c.message or "", lang, w)
    mark()
    for c in cases[1]:
        classifier.classify(c, E.profile_for(c), explain=False)
    mark()
    decisions = [E.evaluate(c, choose(c)) for c in cases[2]]
    mark()
    for d in decisions:
        assert d.reply is not None
        guardrail._assess(d.reply.text)
    mark()
    for d in decisions:
        dump(d)


if __name__ == "__main__":
    main()
