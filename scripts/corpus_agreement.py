"""Recompute the labellers' agreement (Cohen's kappa) from the files corpus/ keeps.

    .venv/bin/python scripts/corpus_agreement.py [--corpus-dir corpus]

Prints one Markdown table row per language, field and scope; corpus/AGREEMENT.md quotes it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from marketplace_returns.training.agreement import agreement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-dir", type=Path, default=Path("corpus"))
    args = parser.parse_args()
    sys.stdout.write("| lang | field | texts | agreed | Cohen's kappa |\n|---|---|---|---|---|\n")
    for row in agreement(args.corpus_dir):
        scope = "" if row.scope == "all" else f" ({row.scope})"
        sys.stdout.write(f"| {row.lang} | {row.field}{scope} | {row.items} | {row.agreed} "
                         f"| {row.kappa:.3f} |\n")


if __name__ == "__main__":
    main()
