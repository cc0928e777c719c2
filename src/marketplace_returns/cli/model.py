"""``marketplace-returns model ...``: the learned reader's corpus and training.

Why a command group of its own: rebuilding the labelled corpus from fetched third-party corpora and
training the reader are jobs for the people who maintain the package, not for a seller; the installed
package only predicts. Training needs the ``train`` extra.
"""

from __future__ import annotations

import typer

model_app = typer.Typer(help="The learned reader: rebuild its labelled corpus, train it.",
                        no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.add_typer(model_app, name="model")
