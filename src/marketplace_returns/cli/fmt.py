"""How the CLI shows things to people: money with its currency, deadlines with time left, tables that fit
an 80-column terminal, and bad values answered in one plain sentence naming the option.

Why one module: the queue, the tasks and the shops commands are read by reps in a terminal, often 80
columns wide. Rich truncates a cell to ``demo-…`` when a table is too wide; ids are what a rep types
next, so they fold onto a second line instead, and columns are few. Every amount carries its currency
(a shop may sell in CNY and USD). Input errors are one sentence a rep can act on, never a Python class
name or a pydantic dump.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from marketplace_returns.i18n import t

err = Console(stderr=True)

NOT_AMOUNT = '{option}: "{text}" is not an amount; give a number such as 12.50'


def money(amount: Decimal | None, currency: str | None) -> str:
    """``30.00 CNY``; ``-`` when there is no amount. Never sums anything."""
    if amount is None:
        return "-"
    text = f"{amount:,.2f}"
    return f"{text} {currency}" if currency else text


def left(delta_s: float) -> str:
    """A duration as a rep reads it: ``3h 20m``, ``2d 4h``, ``45m``."""
    minutes = int(abs(delta_s) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins:02d}m"
    return f"{mins}m"


def due_parts(moment: datetime, now: datetime) -> tuple[str, str, bool]:
    """``("12-05 14:30", "3h 20m left", False)``; UTC, the store's time."""
    delta = (moment - now).total_seconds()
    if delta >= 0:
        return moment.strftime("%m-%d %H:%M"), t("{time} left", time=left(delta)), False
    return moment.strftime("%m-%d %H:%M"), t("overdue {time}", time=left(delta)), True


def due(moment: datetime | None, now: datetime) -> str:
    """``12-05 14:30 (3h 20m left)`` or ``(overdue 2h 00m)``; ``-`` without a deadline."""
    if moment is None:
        return "-"
    stamp, rest, _ = due_parts(moment, now)
    return f"{stamp} ({rest})"


def table(*columns: str) -> Table:
    """A compact table whose cells fold rather than truncate (ids stay whole and copyable); the column
    names in the reader's language."""
    out = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), expand=False)
    for name in columns:
        out.add_column(t(name), overflow="fold")
    return out


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: <message>`` on stderr and return the exit to raise."""
    err.print(f"[red]error:[/red] {message}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code)


def read_amount(option: str, text: str) -> tuple[Decimal | None, str | None]:
    """``(amount, None)`` or ``(None, one sentence naming option)``, for callers that answer it themselves."""
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return None, t(NOT_AMOUNT, option=option, text=text)
    if not value.is_finite():
        return None, t(NOT_AMOUNT, option=option, text=text)
    if value < 0:
        return None, t('{option}: "{text}" is below zero; give a number such as 12.50',
                       option=option, text=text)
    if value != value.quantize(Decimal("0.01")):
        return None, t('{option}: "{text}" has more than two decimals; give a number such as 12.50',
                       option=option, text=text)
    if value >= Decimal("1e12"):
        return None, t('{option}: "{text}" is too large for an amount; give a number such as 12.50',
                       option=option, text=text)
    return value, None


def parse_amount(option: str, text: str | None) -> Decimal | None:
    """A money amount from the command line, or ``typer.Exit`` with one sentence naming ``option``."""
    if text is None:
        return None
    value, problem = read_amount(option, text)
    if problem is not None:
        raise fail(problem)
    return value


def parse_choice(option: str, text: str | None, choices: list[str]) -> str | None:
    """One of ``choices`` or ``typer.Exit`` naming the option and the accepted values."""
    if text is None:
        return None
    if text in choices:
        return text
    raise fail(t('{option}: "{text}" is not one of {choices}', option=option, text=text,
                 choices=", ".join(choices)))


def option_for(field: str | None) -> str:
    """The CLI option a store-side error field corresponds to (``amount`` → ``--amount``)."""
    return {"amount": "--amount", "reply": "--reply", "action": "--action", "id": "ID",
            "shop": "--shop"}.get(field or "", field or "input")
