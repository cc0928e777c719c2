"""Drives triage for counting its instructions per case with valgrind (a figure load does not move).

    valgrind --tool=callgrind .venv/bin/python bench/triage_instructions.py 1000 0
    valgrind --tool=callgrind .venv/bin/python bench/triage_instructions.py 1000 1

Both runs load the playbooks and jieba and triage N warm-up cases (``bench/triage_throughput.py``'s
generator, every message unique, seed 2); the second then triages N new ones (seed 3). The difference of
the two runs' instruction counts ("Collected"), divided by N, is the cost of a new case.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from marketplace_returns.engine.stream import PlaybookChooser, prepare_bulk, triage_lines

sys.path.insert(0, str(Path(__file__).resolve().parent))
from triage_throughput import generate


def main() -> None:
    n, measured = int(sys.argv[1]), sys.argv[2] == "1"
    choose = PlaybookChooser(None)
    prepare_bulk(choose)
    with tempfile.TemporaryDirectory() as tmp:
        warm, new = Path(tmp) / "warm.jsonl", Path(tmp) / "new.jsonl"
        generate(warm, n, 0, seed=2)
        generate(new, n, 0, seed=3)
        for _ in triage_lines(warm.read_bytes().splitlines(), choose):
            pass
        if measured:
            for _ in triage_lines(new.read_bytes().splitlines(), choose):
                pass


if __name__ == "__main__":
    main()
