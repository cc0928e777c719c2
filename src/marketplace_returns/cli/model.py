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


@model_app.command("train")
def train_command(
    corpora: Path | None = typer.Option(None, "--corpora", help="Where the fetched corpora live "
                                        "(<owner>+<name>/repo/.git); without it, the development half only."),
    out: Path | None = typer.Option(None, "--out", help="Directory for reader.npz (default: the package's "
                                    "engine/reader_data, i.e. the shipped weights)."),
    seed: int = typer.Option(13, "--seed", help="Seed of every fold split."),
    shared: Path | None = typer.Option(None, "--shared", help="The shared data directory with "
                                       "buyer-texts-*.jsonl and heldout.tsv (default: ../shared/data "
                                       "beside the checkout)."),
    version: str | None = typer.Option(None, "--version", help="Weights version (default: today, UTC)."),
    no_loso: bool = typer.Option(False, "--no-loso", help="Skip the leave-one-source-out figures."),
    pool: Path | None = typer.Option(None, "--pool", help="A labelling directory (pool/, labels/): "
                                     "interim labels while the manifest is being labelled."),
    corpus_dir: Path | None = typer.Option(None, "--corpus-dir", help="Folder with sources.yaml and "
                                           "manifest.tsv (default: the repository's corpus/)."),
    messages: Path | None = typer.Option(None, "--messages", help="Folder of our written refund-request "
                                         "messages (default: the checkout's tests/data/messages); the "
                                         "files training.data.TRAINING_MESSAGES names are trained on."),
    no_messages: bool = typer.Option(False, "--no-messages", help="Train without the written messages."),
    search_design: bool = typer.Option(False, "--search-design", help="Let the inner folds choose C and "
                                       "the weak rows' share again from the wider grid (18 fits a fold; "
                                       "the default is the frozen design)."),
) -> None:
    """Rebuild the labelled texts, report cross-validated and leave-one-source-out figures, write weights."""
    try:
        from marketplace_returns.training import run as training
        from marketplace_returns.training.train import Recipe
    except ImportError as exc:
        typer.echo(f"training needs the 'train' extra (pip install 'marketplace-returns[train]'): {exc}",
                   err=True)
        raise typer.Exit(2) from None
    from marketplace_returns.errors import MarketplaceReturnsError

    data = shared or _default_shared()
    if not data.is_dir():
        typer.echo(f"{data} is absent: training without the development half", err=True)
    heldout = data / "heldout.tsv"
    if not heldout.is_file():
        typer.echo(f"{heldout} is absent: cannot drop the held-out rows; refusing to train", err=True)
        raise typer.Exit(2)
    try:
        training.run(corpora=corpora, shared_data=data if data.is_dir() else None, heldout=heldout,
                     out=out or training.default_out(), seed=seed, version=version, log=typer.echo,
                     do_loso=not no_loso, pool=pool, corpus_dir=corpus_dir,
                     recipe=Recipe.searching() if search_design else None,
                     messages=None if no_messages else _messages_dir(messages))
    except MarketplaceReturnsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _messages_dir(given: Path | None) -> Path | None:
    """The written messages' folder: as given (it must exist), else the checkout's, if there is one."""
    if given is not None:
        if not given.is_dir():
            typer.echo(f"{given} is not a folder of message files", err=True)
            raise typer.Exit(2)
        return given
    default = Path(__file__).resolve().parents[3] / "tests" / "data" / "messages"
    if not default.is_dir():
        typer.echo(f"{default} is absent: training without the written messages", err=True)
        return None
    return default


def _default_shared() -> Path:
    """../shared/data beside the checkout this package runs from (editable install)."""
    return Path(__file__).resolve().parents[3].parent / "shared" / "data"
