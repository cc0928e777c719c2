"""The ``marketplace-returns`` command line. Each area registers its own commands from its module."""

from __future__ import annotations

from typing import Annotated

import typer

from marketplace_returns.cli import guardrail, model, report, sandbox, service, tasks, triage

app = typer.Typer(
    name="marketplace-returns",
    help="Refund and return triage for marketplace sellers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def main_options(
    lang: Annotated[str | None, typer.Option(
        "--lang", help="zh | en for tables, messages and the report (default: the locale)")] = None,
) -> None:
    """Refund and return triage for marketplace sellers."""
    from marketplace_returns import i18n

    if lang is not None and lang not in i18n.LANGS:
        typer.echo(f'error: --lang: "{lang}" is not one of {", ".join(i18n.LANGS)}', err=True)
        raise typer.Exit(2)
    i18n.set_lang(i18n.detect(lang))


@app.command()
def version() -> None:
    """Print the package version."""
    from marketplace_returns import __version__

    typer.echo(__version__)


for _module in (triage, sandbox, service, report, model, tasks, guardrail):
    _module.register(app)


def main() -> None:
    app()
