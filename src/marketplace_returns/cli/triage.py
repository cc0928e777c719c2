"""Commands of the triage area: ``triage FILE|-`` and ``playbook validate|test|schema``.

``triage`` streams: it reads a line, writes a decision, and holds nothing else (``--format table``
is for people and collects the rows it shows). A user's mistake (a missing file, a broken playbook)
is one line on stderr and a non-zero exit, never a traceback; bad input lines become error records
and exit code 3, per the contract.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from marketplace_returns.errors import ConfigError, PlaybookError
from marketplace_returns.models.decision import Decision

EXIT_BAD_LINES = 3
EXIT_USAGE = 2

playbook_app = typer.Typer(help="Validate, test and describe playbooks.", no_args_is_help=True)


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _lines(source: IO[bytes]) -> Iterator[bytes]:
    yield from source


def _table(rows: list[Decision], console: Console) -> None:
    table = Table(show_lines=False)
    table.add_column("refund_id", no_wrap=True)
    table.add_column("category", no_wrap=True)
    table.add_column("action", no_wrap=True)
    table.add_column("amount", justify="right", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("reason change", overflow="fold")
    for d in rows:
        if d.error is not None:
            table.add_row(d.refund_id or "", "[red]error[/red]", f"line {d.error.line}", "", "",
                          d.error.message)
            continue
        assert d.classification is not None and d.recommendation is not None
        rec = d.recommendation
        q = "[yellow]Q[/yellow] " if d.classification.family.value == "quality" else ""
        kind = q + d.classification.category.value
        table.add_row(d.refund_id or "", kind,
                      rec.action.value, "" if rec.amount is None else f"{rec.amount}", d.rule or "",
                      rec.reason_change_to or "")
    console.print(table)


def triage(
    file: Annotated[str | None, typer.Argument(help="JSON lines of cases, or - for standard input")] = None,
    playbook: Annotated[str | None, typer.Option(
        "--playbook", help="playbook name (apparel, shoes) or YAML path; default: per case")] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", help="jsonl or table (default: jsonl unless stdout is a terminal)")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="add the full trail of cues and rules")] = False,
    schema: Annotated[bool, typer.Option(
        "--schema", help="print the JSON Schema of one input line (a case) and exit")] = False,
) -> None:
    """Decide each refund case of FILE: one decision per line, in order."""
    if schema:
        from marketplace_returns.models.case import Case

        typer.echo(orjson.dumps(Case.model_json_schema(), option=orjson.OPT_INDENT_2).decode())
        return
    if file is None:
        raise _fail("give a FILE of JSON lines, or - for standard input (--schema describes a line)")
    from marketplace_returns.engine.stream import PlaybookChooser, StreamStats, prepare_bulk, triage_lines

    out_format = fmt or ("table" if sys.stdout.isatty() else "jsonl")
    if out_format not in ("jsonl", "table"):
        raise _fail(f"--format must be jsonl or table, not {out_format!r}")
    if file != "-" and not Path(file).is_file():
        raise _fail(f"no such file: {file}")
    try:
        choose = PlaybookChooser(playbook)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    source: IO[bytes] = sys.stdin.buffer if file == "-" else Path(file).open("rb")  # noqa: SIM115
    prepare_bulk(choose)
    stats = StreamStats()
    rows: list[Decision] = []
    try:
        out = sys.stdout.buffer
        for decision, line in triage_lines(_lines(source), choose, explain=explain, stats=stats):
            if out_format == "jsonl":
                out.write(line + b"\n")
            else:
                rows.append(decision)
        out.flush()
    except PlaybookError as exc:
        raise _fail(str(exc)) from None
    finally:
        gc.unfreeze()  # the command may run inside a longer process (tests, the service)
        if source is not sys.stdin.buffer:
            source.close()
    if out_format == "table":
        _table(rows, Console())
    if stats.errors:
        typer.echo(f"{stats.errors} line(s) could not be triaged (see the error records)", err=True)
        raise typer.Exit(EXIT_BAD_LINES)


def _names(names: list[str] | None) -> list[str]:
    from marketplace_returns.engine.playbook import available_playbooks

    return names or available_playbooks()


@playbook_app.command("validate")
def validate(names: Annotated[list[str] | None, typer.Argument(help="names or paths; default: all shipped")]
             = None) -> None:
    """Load each playbook and run the load-time checks (paths, ids, order, conflicts)."""
    from marketplace_returns.engine.playbook import load_playbook

    failed = False
    for name in _names(names):
        try:
            pb = load_playbook(name)
        except ConfigError as exc:
            typer.echo(f"FAIL {exc}", err=True)
            failed = True
            continue
        typer.echo(f"ok   {name}: {len(pb.rules)} rules, first match wins")
    if failed:
        raise typer.Exit(1)


@playbook_app.command("test")
def test(names: Annotated[list[str] | None, typer.Argument(help="names or paths; default: all shipped")]
         = None) -> None:
    """Run each playbook's cases file (<name>.cases.yaml): pass/fail per case."""
    from marketplace_returns.engine.playbook_cases import run_cases

    failures = 0
    for name in _names(names):
        try:
            cases_file, outcomes = run_cases(name)
        except ConfigError as exc:
            typer.echo(f"FAIL {exc}", err=True)
            failures += 1
            continue
        for o in outcomes:
            typer.echo(f"{'pass' if o.ok else 'FAIL'} {name}: {o.name}")
            for problem in o.problems:
                typer.echo(f"       {problem}")
        bad = sum(not o.ok for o in outcomes)
        failures += bad
        typer.echo(f"{name}: {len(outcomes) - bad}/{len(outcomes)} passed ({cases_file})")
    if failures:
        raise typer.Exit(1)


@playbook_app.command("schema")
def schema(output: Annotated[Path | None, typer.Option("-o", "--output", help="write to FILE")]
           = None) -> None:
    """Print the playbook JSON Schema (for editors)."""
    from marketplace_returns.engine.playbook_models import Playbook

    text = orjson.dumps(Playbook.model_json_schema(), option=orjson.OPT_INDENT_2).decode()
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {output}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.command("triage")(triage)
    app.add_typer(playbook_app, name="playbook")
