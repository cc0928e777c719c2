"""What a rep reads in the terminal: the queue as a table that fits 80 columns and one suggestion as a
card (``--json`` keeps the machine form of both).

Why a card: ``queue show`` used to print the stored JSON, which a rep on a shift reads badly — the buyer's
words, the suggestion and its money, the reply that would go out, and the time left are what they
decide on, in that order. Every amount carries the case's currency. Ids are the opaque ones the HTTP API
and the review page use (``dc_…`` a suggestion, ``cs_…`` its case, ``ob_…`` a push), whole and copyable.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from marketplace_returns.cli import fmt
from marketplace_returns.i18n import t, word
from marketplace_returns.service.followup import say
from marketplace_returns.service.queue import PublicDetail, PublicItem

MONEY_LABELS = {"price": "price paid", "asked": "asked", "return_leg": "return leg",
                "round_trip": "round trip", "offer": "offer", "saved": "saved"}
"""The engine's ``money`` keys as people read them (translated by ``i18n.t``)."""


def _flags(item: PublicItem) -> str:
    flags = []
    if item.escalated:
        flags.append(f"[red]{t('ESCALATED')}[/red]")
    if item.needs_approval:
        flags.append(t("approval"))
    if item.reason_change_to:
        flags.append(f"reason→{escape(item.reason_change_to)}")
    return "\n".join(flags)


def _when(deadline: datetime | None, now: datetime) -> str:
    if deadline is None:
        return "-"
    stamp, rest, late = fmt.due_parts(deadline, now)
    return f"{stamp}\n[red]{rest}[/red]" if late else f"{stamp}\n{rest}"


def queue_table(items: list[PublicItem], now: datetime) -> Table:
    table = fmt.table("id", "refund · shop", "due", "suggestion")
    for i in items:
        action = word(i.action)
        amount = fmt.money(i.amount, i.currency) if i.amount is not None else ""
        what = f"{escape(word(i.category))}\n{escape(action)}" + (f" {amount}" if amount else "")
        flags = _flags(i)
        refund = f"{escape(i.refund_id)}\n[dim]{escape(i.shop_id)}[/dim]"
        table.add_row(i.id, refund, _when(i.deadline, now), what + (f"\n{flags}" if flags else ""))
    # what a rep copies next stays whole: the id on one line, the refund id too (the shop may fold)
    table.columns[0].no_wrap = True
    table.columns[1].min_width = max((len(i.refund_id) for i in items), default=None)
    return table


def _amount(value: Any, currency: str | None) -> str:
    try:
        return fmt.money(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError):
        return escape(str(value))


def card(d: PublicDetail, now: datetime) -> Panel:
    """One suggestion as a rep reads it: the case, the buyer's words, the suggestion, the reply, the money."""
    cur = d.currency
    rows = Table.grid(padding=(0, 2))
    rows.add_column(style="bold", no_wrap=True)
    rows.add_column(overflow="fold")

    def add(label: str, value: str | None) -> None:
        if value:
            rows.add_row(t(label), value)

    add("refund", f"{escape(d.refund_id)} · {escape(d.shop_id)}")
    add("case", f"{escape(d.case_id)} · v{d.version}")
    add("due", fmt.due(d.deadline, now) + (f"  [red]{t('ESCALATED')}[/red]" if d.escalated else ""))
    add("reason", escape(d.reason or "-"))
    asked = fmt.money(d.refund_amount, cur)
    paid = fmt.money(d.item_price, cur)
    add("asks", f"{asked} {t('of')} {paid} {t('paid')}" if d.refund_amount is not None
        else f"{paid} {t('paid')}")
    add("buyer says", escape(d.message) if d.message else None)
    add("platform status", escape(d.platform_status) if d.platform_status else None)
    add("engine", f"{escape(word(d.family))} / {escape(word(d.category))} · "
                  f"{t('rule')} {escape(d.rule or '-')}")
    suggestion = word(d.action)
    if d.amount is not None:
        suggestion += f" {fmt.money(d.amount, cur)}"
    if d.reason_change_to:
        suggestion += f" ({t('ask the buyer to re-file as {reason}', reason=d.reason_change_to)})"
    approval = f"  [yellow]{t('needs approval')}[/yellow]" if d.needs_approval else ""
    add("suggests", f"[bold]{escape(suggestion)}[/bold]{approval}")
    add("why", escape(say(d.rationale)) if d.rationale else None)  # the engine's own: English for now
    add("evidence", "\n".join(f"· {escape(say(e))}" for e in d.evidence) or None)
    add("reply", escape(d.reply) if d.reply else None)
    if d.money:
        add("money", " · ".join(f"{t(MONEY_LABELS.get(k, k))} {_amount(v, cur)}" for k, v in d.money.items()
                                if v is not None))
    for f in d.fallbacks:
        amount = f" {_amount(f['amount'], cur)}" if f.get("amount") is not None else ""
        add("else", escape(word(str(f.get("action") or "")) + amount))
    for a in d.actions:
        amount = f" {_amount(a['amount'], cur)}" if a.get("amount") is not None else ""
        state = a.get("outcome") or a.get("status")
        error = f" — {a['last_error']}" if a.get("last_error") else ""
        what = f"{a['id'] or '-'} · {word(str(a['action']))}{amount}: {state}{error}"
        rows.add_row(t("action"), escape(what))
    title = t("suggestion {id} · {status}", id=d.id, status=word(d.status))
    hint = "\n".join(t(line, id=d.id) for line in ("accept: queue accept {id}",
                                                    "change: queue edit {id} --amount …",
                                                    "reject: queue reject {id}"))
    body = Group(rows, "", f"[dim]{escape(hint)}[/dim]") if d.status == "pending" else rows
    return Panel(body, title=title, title_align="left", expand=False)


def print_queue(items: list[PublicItem], now: datetime, console: Console | None = None) -> None:
    console = console or Console()
    if not items:
        fmt.err.print(t("the queue is empty"))
        return
    console.print(queue_table(items, now))


def print_card(detail: PublicDetail, now: datetime, console: Console | None = None) -> None:
    (console or Console()).print(card(detail, now))
