"""``tasks list|done|reassign``: the manual work reps accepted and the platform cannot do for them.

An accepted exchange on TOP, an interception, a repair or an escalation opens a task (service/tasks.py)
due by the platform's deadline on the case; these commands list it and close it, so it cannot vanish.
A task is shown and taken by the same opaque ``tk_…`` id the HTTP API uses, so a rep can act on an id
from either.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from marketplace_returns.cli import fmt
from marketplace_returns.cli.service import Db, _store
from marketplace_returns.errors import InputError
from marketplace_returns.i18n import t, word

Rep = Annotated[str, typer.Option("--as", help="Your rep name (recorded in the audit log)")]
ShopOnly = Annotated[str | None, typer.Option("--shop", help="Only this shop's tasks")]
TaskId = Annotated[str, typer.Argument(help="Task id, tk_… (tasks list)")]


def _now() -> datetime:
    return datetime.now(UTC)


def tasks_list(shop: ShopOnly = None,
               mine: Annotated[str | None, typer.Option("--for", help="Only this rep's tasks")] = None,
               show_all: Annotated[bool, typer.Option("--all", help="Closed tasks too")] = False,
               limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
               as_json: Annotated[bool, typer.Option("--json", help="One JSON array (for machines)")] = False,
               db: Db = None) -> None:
    """Manual tasks, nearest platform deadline first."""
    from sqlmodel import Session

    from marketplace_returns.service import tasks

    now = _now()
    with Session(_store(db)) as session:
        rows = tasks.list_tasks(session, now=now, shop_id=shop, status=None if show_all else tasks.OPEN,
                                assignee=mine, limit=limit)
    if as_json:
        typer.echo(json.dumps(tasks.as_json(rows), ensure_ascii=False))
        return
    if not rows:
        fmt.err.print(t("no open manual tasks") if not show_all else t("no manual tasks"))
        return
    table = fmt.table("task", "refund", "to do", "due", "who")
    for row in rows:
        todo = word(row.action)
        if row.amount is not None:
            todo += f" {fmt.money(row.amount, row.currency)}"
        when = t("done") if row.status != tasks.OPEN else fmt.due(row.due_at, now)
        if row.overdue:
            when = f"[red]{when}[/red]"
        refund = f"{row.refund_id}\n[dim]{row.shop_id}[/dim]"
        table.add_row(str(row.id), refund, todo, when, row.assignee or "-")
    Console().print(table)


def tasks_done(task_id: TaskId, rep: Rep = "rep",
               note: Annotated[str | None, typer.Option(help="What was done (kept in the audit log)")] = None,
               shop: ShopOnly = None,
               db: Db = None) -> None:
    """Close a task: you did the manual work."""
    from marketplace_returns.service import tasks
    from marketplace_returns.service.db import session_scope

    try:
        with session_scope(_store(db)) as session:
            row = tasks.complete(session, task_id=task_id, rep=rep, now=_now(), shop_id=shop, note=note)
    except InputError as exc:
        raise fmt.fail(exc.message) from None
    fmt.err.print(f"[green]{t('done task {id} ({refund})', id=row.id, refund=row.refund_id)}[/green]")


def tasks_reassign(task_id: TaskId,
                   to: Annotated[str, typer.Option("--to", help="The rep who takes it over")],
                   rep: Rep = "rep",
                   shop: ShopOnly = None,
                   db: Db = None) -> None:
    """Hand an open task to another rep."""
    from marketplace_returns.service import tasks
    from marketplace_returns.service.db import session_scope

    try:
        with session_scope(_store(db)) as session:
            row = tasks.reassign(session, task_id=task_id, to=to, rep=rep, now=_now(), shop_id=shop)
    except InputError as exc:
        raise fmt.fail(exc.message) from None
    fmt.err.print(t("task {id} ({refund}) is now {rep}'s", id=row.id, refund=row.refund_id, rep=row.assignee))


def register(app: typer.Typer) -> None:
    tasks_app = typer.Typer(help="Manual tasks: accepted actions the platform cannot carry out.",
                            no_args_is_help=True)
    tasks_app.command("list")(tasks_list)
    tasks_app.command("done")(tasks_done)
    tasks_app.command("reassign")(tasks_reassign)
    app.add_typer(tasks_app, name="tasks")
