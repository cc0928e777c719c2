"""``marketplace-returns guardrail FILE|-``: check seller messages against the honest-steering rule.

Why a command: a seller (or a team lead auditing a rep's sent messages, or a CI job over a macro
library) can run the same check the service runs before anything is sent, on a file of messages,
without a database or the network. Input is JSON lines with ``text`` (and ``id``), or plain text, one
message per line; the first non-blank line decides which (``{`` opens JSON lines). Output is one
result per input line, in order: ``{"line", "id", "blocked", "rule", "phrase", "why"}``. A line that
cannot be read as a message (broken JSON, no ``text``) gets a record with ``error`` and the rest go
on; empty text, binary junk and very long text get an answer like any other (the check reads the
first ``MAX_CHARS`` characters, in linear time). Exit 0 whenever it ran.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

EXIT_USAGE = 2


def _records(lines: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """One result per input line."""
    from marketplace_returns.engine.guardrail import MAX_CHARS, assess

    mode: str | None = None
    for n, raw in enumerate(lines, start=1):
        body = raw.rstrip(b"\r\n")
        if mode is None and body.strip():
            mode = "json" if body.lstrip().startswith(b"{") else "text"
        ident: Any = n
        if mode == "json":
            if not body.strip():
                yield _error(n, None, "empty line, not a JSON object")
                continue
            try:
                row = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                yield _error(n, None, f"not valid JSON ({exc.args[0] if exc.args else exc})")
                continue
            if not isinstance(row, dict):
                yield _error(n, None, "not a JSON object")
                continue
            ident = row.get("id", n)
            if not isinstance(ident, str | int | float) or isinstance(ident, bool):
                ident = None if ident is None else str(ident)
            text = row.get("text")
            if not isinstance(text, str):
                yield _error(n, ident, "no \"text\" string in the object")
                continue
        else:
            text = body.decode("utf-8", errors="replace")
        verdict = assess(text)
        out: dict[str, Any] = {"line": n, "id": ident, "blocked": verdict.blocked, "rule": verdict.rule,
                               "phrase": verdict.phrase, "why": verdict.why}
        if len(text) > MAX_CHARS:
            out["note"] = f"checked the first {MAX_CHARS} of {len(text)} characters"
        yield out


def _error(line: int, ident: Any, message: str) -> dict[str, Any]:
    return {"line": line, "id": ident, "blocked": None, "rule": None, "phrase": None, "why": None,
            "error": {"line": line, "message": message}}


def _table(rows: list[dict[str, Any]], console: Console) -> None:
    table = Table(show_lines=False)
    table.add_column("line", justify="right", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("phrase", overflow="fold")
    for r in rows:
        ident = "" if r["id"] is None else str(r["id"])
        if "error" in r:
            table.add_row(str(r["line"]), ident, "[red]error[/red]", "", r["error"]["message"])
        elif r["blocked"]:
            table.add_row(str(r["line"]), ident, "[red]blocked[/red]", r["rule"] or "", r["phrase"] or "")
        else:
            table.add_row(str(r["line"]), ident, "[green]ok[/green]", "", "")
    console.print(table)


def guardrail(
    file: Annotated[str, typer.Argument(help="JSON lines with text (and id), or text lines; - for stdin")],
    fmt: Annotated[str | None, typer.Option(
        "--format", help="jsonl or table (default: jsonl unless stdout is a terminal)")] = None,
) -> None:
    """Check each message against the honest-steering rule: one result per line, in order."""
    out_format = fmt or ("table" if sys.stdout.isatty() else "jsonl")
    if out_format not in ("jsonl", "table"):
        typer.echo(f"error: --format must be jsonl or table, not {out_format!r}", err=True)
        raise typer.Exit(EXIT_USAGE)
    if file != "-" and not Path(file).is_file():
        typer.echo(f"error: no such file: {file}", err=True)
        raise typer.Exit(EXIT_USAGE)
    source: IO[bytes] = sys.stdin.buffer if file == "-" else Path(file).open("rb")  # noqa: SIM115
    rows: list[dict[str, Any]] = []
    blocked = errors = 0
    try:
        out = sys.stdout.buffer
        for record in _records(source):
            blocked += bool(record["blocked"])
            errors += "error" in record
            if out_format == "jsonl":
                out.write(orjson.dumps(record) + b"\n")
            else:
                rows.append(record)
        out.flush()
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    if out_format == "table":
        _table(rows, Console())
    typer.echo(f"{blocked} blocked, {errors} unreadable line(s)", err=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.command("guardrail")(guardrail)
