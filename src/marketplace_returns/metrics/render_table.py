"""The report as terminal tables (rich): standing first, then where the refunds come from."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from marketplace_returns.i18n import ZH, t
from marketplace_returns.metrics.report import Report

RATE_KEYS = {
    "refund_rate",
    "quality_refund_rate",
    "dispute_refund_rate",
    "self_completion_rate",
    "dispute_share",
    "penalising_share_before",
    "penalising_share_after",
    "responded_within_ack_share",
    "deadline_missed_share",
    "acceptance_rate",
    "taken_rate",
    "quality_share",
}
HOUR_KEYS = {"completion_time", "first_response_hours"}


def fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key in RATE_KEYS:
        return f"{float(value) * 100:.2f}%"
    if key in HOUR_KEYS:
        return f"{float(value):.1f} h"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


BREAKDOWN_COLUMNS = (
    "requests",
    "refunds",
    "refunded_amount",
    "quality_refunds",
    "refund_rate",
    "quality_refund_rate",
    "penalising_share_before",
    "penalising_share_after",
)
STYLE = {"ok": "green", "breached": "bold red", "no threshold": "dim", "no data": "dim"}


def _table(title: str, columns: tuple[str, ...], rows: list[dict[str, Any]], first: str = "key") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(first)
    for col in columns:
        table.add_column(t(col) if col in ZH else col.replace("_", " "), justify="right")
    for row in rows:
        table.add_row(str(row.get(first, "")), *[fmt(col, row.get(col)) for col in columns])
    return table


def metric_name(key: str, name: str) -> str:
    """The platform's own name (退款率 ...); for ours, whose name is the key, the reader's words."""
    return t(key) if name == key else name


def definitions_text(report: Report) -> str:
    """``taobao v1`` or, for a report over several platforms, each one's (``taobao v1, shopify v1``)."""
    per = report.definitions_by_platform
    if per:
        return ", ".join(f"{d['platform']} v{d['version']}" for d in per.values())
    return f"{report.definitions['platform']} v{report.definitions['version']}"


def render(report: Report, console: Console | None = None) -> None:
    console = console or Console()
    scope = report.scope
    console.print(
        f"[bold]{t('Refund report')}[/] {scope['since']} → {scope['until']} ({t('until excluded')}) · "
        f"{t('platforms')}: {', '.join(report.platforms) or '—'} · "
        f"{t('definitions')} {definitions_text(report)}"
    )
    standing = Table(
        title=t("Standing over the {days}-day metric window", days=report.definitions["window_days"]),
        title_justify="left",
    )
    for col in ("metric", "name", "now", "threshold", "status", "if queue accepted", "then"):
        standing.add_column(t(col))
    for s in report.standing:
        standing.add_row(
            s.key,
            metric_name(s.key, s.name),
            fmt(s.key, s.value),
            fmt(s.key, s.threshold),
            f"[{STYLE[s.status]}]{t(s.status)}[/]",
            fmt(s.key, s.projected) if s.projected_status else "",
            f"[{STYLE[s.projected_status]}]{t(s.projected_status)}[/]" if s.projected_status else "",
        )
    console.print(standing)
    tot = report.totals
    console.print(
        f"{t('requests')} {tot['requests']:,} · {t('refunds')} {tot['refunds']:,} · "
        f"{t('disputes')} {tot['disputes']:,} · {t('pending queue')} {report.queue.get('queue', 0):,}"
    )
    for m in report.money:  # one line per currency: amounts are never added across currencies
        cur = m["currency"] or "(no currency)"
        refunded = t("refunded {amount} {cur} of {asked} requested", amount=f"{m['refunded_amount']:,.2f}",
                     cur=cur, asked=f"{m['requested_amount']:,.2f}")
        paid = t("compensation paid {paid} vs shipping avoided {saved}",
                 paid=f"{m['compensation_paid']:,.2f}", saved=f"{m['shipping_saved']:,.2f}")
        console.print(f"{cur}: {refunded} · {paid}")
    if report.tasks.get("opened"):
        k = report.tasks
        console.print(t("manual tasks {opened} · open {open} · overdue {overdue} · done {done} "
                        "(after the deadline {late})", opened=k["opened"], open=k["open"],
                        overdue=k["overdue"], done=k["done"], late=k["done_late"]))
    for dim in ("reason", "category", "sku", "batch", "rule", "shop"):
        if dim in report.breakdowns:
            console.print(_table(f"By {dim}", BREAKDOWN_COLUMNS, report.breakdowns[dim][:15]))
    acc = ("decisions", "accepted", "edited", "rejected", "auto", "pending", "acceptance_rate", "taken_rate")
    console.print(_table("Suggestions by rule", acc, report.acceptance_by_rule[:15]))
    console.print(_table("Suggestions by rep", acc, report.acceptance_by_rep[:15]))
    anomalies = Table(title="Anomalies (exact one-sided tests, Benjamini–Hochberg)", title_justify="left")
    for col in ("unit", "key", "test", "recent", "baseline", "recent rate", "baseline rate", "×", "p", "q"):
        anomalies.add_column(col)
    for a in report.anomalies:
        anomalies.add_row(
            a.unit,
            a.key,
            a.test,
            str(a.recent),
            str(a.baseline),
            f"{a.recent_rate:.4g}",
            f"{a.baseline_rate:.4g}",
            f"{a.ratio:.1f}" if a.ratio else "new",
            f"{a.p_value:.2g}",
            f"{a.q_value:.2g}",
        )
    console.print(anomalies if report.anomalies else f"[green]{t('No anomalies flagged.')}[/]")
    if report.repeat_refunders:
        console.print(
            _table(
                "Repeat refunders",
                ("refunds", "orders", "amount", "penalising", "first", "last"),
                [r.model_dump() for r in report.repeat_refunders],
                first="buyer_id",
            )
        )
