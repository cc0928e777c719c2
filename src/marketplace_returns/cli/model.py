"""``marketplace-returns model ...``: the learned reader's corpus and training.

Why a command group of its own: rebuilding the labelled corpus from fetched third-party corpora and
training the reader are jobs for the people who maintain the package, not for a seller; the installed
package only predicts. Training needs the ``train`` extra.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

model_app = typer.Typer(help="The learned reader: rebuild its labelled corpus, train it.",
                        no_args_is_help=True)


@model_app.command("corpus")
def corpus_command(
    corpora: Annotated[Path, typer.Option(help="Folder of fetched corpora, one <owner>+<name>/ each.")],
    out: Annotated[Path, typer.Option(help="JSON lines to write: one labelled text a line.")],
    heldout: Annotated[Path | None, typer.Option(
        help="heldout.tsv: refuse any manifest row it holds (by row or hash).")] = None,
    corpus_dir: Annotated[Path | None, typer.Option(
        help="Folder with sources.yaml and manifest.tsv (default: the repository's corpus/).")] = None,
) -> None:
    """Rebuild the labelled corpus's texts from the fetched corpora, checking every hash."""
    from dataclasses import asdict

    from marketplace_returns.errors import CorpusError
    from marketplace_returns.training.corpus import rebuild

    counts: dict[str, int] = {}
    tmp = out.with_name(out.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            for item in rebuild(corpora, heldout=heldout, corpus_dir=corpus_dir):
                handle.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
                counts[item.lang] = counts.get(item.lang, 0) + 1
    except CorpusError as exc:
        tmp.unlink(missing_ok=True)
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    tmp.replace(out)
    typer.echo(f"{sum(counts.values())} texts written to {out} "
               + ", ".join(f"{lang} {n}" for lang, n in sorted(counts.items())))


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.add_typer(model_app, name="model")
