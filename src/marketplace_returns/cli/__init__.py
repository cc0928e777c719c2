"""The ``marketplace-returns`` command line. Each area registers its own commands from its module."""

from __future__ import annotations

import typer

from marketplace_returns.cli import guardrail, model, report, sandbox, service, triage

app = typer.Typer(
    name="marketplace-returns",
    help="Refund and return triage for marketplace sellers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.command()
def version() -> None:
    """Print the package version."""
    from marketplace_returns import __version__

    typer.echo(__version__)


for _module in (triage, sandbox, service, report, model, guardrail):
    _module.register(app)


def main() -> None:
    app()
