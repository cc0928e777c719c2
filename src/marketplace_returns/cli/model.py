"""``marketplace-returns model ...``: the learned reader's corpus and training.

Why a command group of its own: rebuilding the labelled corpus from fetched third-party corpora and
training the reader are jobs for the people who maintain the package, not for a seller; the installed
package only predicts. Training needs the ``train`` extra.
"""

from __future__ import annotations

from pathlib import Path

import typer

model_app = typer.Typer(help="The learned reader: rebuild its labelled corpus, train it.",
                        no_args_is_help=True)


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
) -> None:
    """Rebuild the labelled texts, report cross-validated and leave-one-source-out figures, write weights."""
    try:
        from marketplace_returns.training import run as training
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
                     do_loso=not no_loso)
    except MarketplaceReturnsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _default_shared() -> Path:
    """../shared/data beside the checkout this package runs from (editable install)."""
    return Path(__file__).resolve().parents[3].parent / "shared" / "data"
