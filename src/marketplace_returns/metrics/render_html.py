"""The report as ONE self-contained HTML file: plotly charts with plotly.js inlined once, no network.

Charts: refund rate over time (daily counts and the trailing-window rates the platform would show),
reasons and categories, top SKUs, money (compensation paid against shipping avoided), response and
completion times against the deadlines; then the standing, anomalies and repeat refunders as tables.
"""

from __future__ import annotations

from html import escape
from typing import Any

import plotly.graph_objects as go

from marketplace_returns.i18n import lang
from marketplace_returns.i18n import t as tr
from marketplace_returns.metrics import report_font
from marketplace_returns.metrics.render_table import definitions_text, fmt, metric_name
from marketplace_returns.metrics.report import Report

FONTS = (f"'{report_font.FAMILY}', system-ui, -apple-system, 'Segoe UI', 'PingFang SC', "
         "'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', "
         "'WenQuanYi Micro Hei', sans-serif")
"""Fonts for the page and for every chart (plotly's own default has no CJK glyphs, so 退款率 drew as
boxes where only it was installed). First the Chinese subset the page carries inline (``report_font``:
the glyphs of the report's own words, ~64 KB as base64), declared for CJK code points only, so it draws
those glyphs on every machine and Latin text keeps the reader's system font; a Chinese glyph it lacks (a
shop's Chinese name) falls through, glyph by glyph, to the Chinese fonts named after it. First, not last:
Chromium drew a web font that was still loading when it came later in the list with the fallback's
missing-glyph boxes and never redrew them (the page's scripts delay it); as the first font it waits for it."""
CSS = report_font.font_face() + """body{font-family:""" + FONTS + """;
margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 24px}td,th{border:1px solid #ddd;
padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}.breached{color:#b00;
font-weight:bold}.ok{color:#080}.chart{margin-bottom:24px}"""


def _trailing(days: list[dict[str, Any]], window: int, num: str, den: str) -> list[float | None]:
    """Rate over the trailing ``window`` days for each day of an aggregated daily series."""
    out: list[float | None] = []
    for i in range(len(days)):
        part = days[max(0, i - window + 1) : i + 1]
        d = sum(float(r[den]) for r in part)
        out.append(sum(float(r[num]) for r in part) / d if d else None)
    return out


def figures(report: Report) -> list[tuple[str, go.Figure]]:
    out: list[tuple[str, go.Figure]] = []
    days = report.breakdowns.get("day", [])
    window = int(report.definitions["window_days"])
    names = {k: v["name"] for k, v in report.definitions["metrics"].items()}
    if days:
        x = [r["key"] for r in days]
        fig = go.Figure()
        fig.add_bar(x=x, y=[r["requests"] for r in days], name=tr("requests"), marker_color="#c6dbef")
        fig.add_bar(x=x, y=[r["refunds"] for r in days], name=tr("successful refunds"),
                    marker_color="#6baed6")
        fig.add_scatter(
            x=x,
            y=_trailing(days, window, "refunds", "paid_orders"),
            yaxis="y2",
            name=f"{names.get('refund_rate', 'refund rate')} ({window} d)",
            mode="lines",
        )
        fig.add_scatter(
            x=x,
            y=_trailing(days, window, "quality_refunds", "signed_orders"),
            yaxis="y2",
            name=f"{names.get('quality_refund_rate', 'quality refund rate')} ({window} d)",
            mode="lines",
        )
        rates = [v for v in (*_trailing(days, window, "refunds", "paid_orders"),
                             *_trailing(days, window, "quality_refunds", "signed_orders")) if v is not None]
        fig.update_layout(
            title=tr("Refunds and refund rate over time"),
            barmode="overlay",
            yaxis={"title": tr("cases per day")},
            yaxis2={"title": tr("rate"), "overlaying": "y", "side": "right", "tickformat": rate_format(rates),
                    "rangemode": "tozero"},
        )
        if not rates:
            _no_data(fig, tr("no rate: no order counts for the period (orders import)"))
        out.append(("time", fig))
    for dim, title in (
        ("reason", tr("Refund requests by reason (as the buyer filed)")),
        ("category", tr("Requests by the engine's category")),
        ("sku", tr("Top SKUs by refunds")),
    ):
        rows = report.breakdowns.get(dim, [])
        if dim == "sku":  # refunded SKUs only: a case without a SKU or a SKU with no refunds is no top SKU
            rows = sorted((r for r in rows if r["key"] != "(none)" and r["refunds"]),
                          key=lambda r: -int(r["refunds"]))
        if not rows:
            continue
        fig = go.Figure()
        keys = [r["key"] for r in rows][::-1]
        if dim == "sku":
            fig.add_bar(y=keys, x=[r["refunds"] for r in rows][::-1], orientation="h", name=tr("refunds"))
            fig.add_bar(
                y=keys, x=[r["quality_refunds"] for r in rows][::-1], orientation="h",
                name=tr("quality refunds"),
            )
        else:
            fig.add_bar(y=keys, x=[r["requests"] for r in rows][::-1], orientation="h", name=tr("requests"))
            fig.add_bar(
                y=keys,
                x=[r["penalising_after"] for r in rows][::-1],
                orientation="h",
                name=tr("still penalising"),
            )
        fig.update_layout(title=title, barmode="group", height=max(320, 26 * len(rows) + 120))
        out.append((dim, fig))
    t = report.totals
    fig = go.Figure()
    for name, key, colour in ((tr("refunded"), "refunded_amount", "#6baed6"),
                              (tr("compensation paid"), "compensation_paid", "#fd8d3c"),
                              (tr("shipping avoided"), "shipping_saved", "#31a354")):
        fig.add_bar(x=[m["currency"] or "(none)" for m in report.money], y=[m[key] for m in report.money],
                    name=name, marker_color=colour)
    fig.update_layout(title=tr("Money per currency: refunded, partial refunds paid, return shipping avoided"),
                      barmode="group", yaxis={"rangemode": "tozero"})
    if not any(m[k] for m in report.money for k in ("refunded_amount", "compensation_paid",
                                                     "shipping_saved")):
        _no_data(fig, tr("no money moved in this period"))
    out.append(("money", fig))
    late = t["responded"] - t["responded_within_ack"]
    fig = go.Figure()
    fig.add_bar(x=["first response"], y=[t["responded_within_ack"]], name="within the acknowledge deadline")
    fig.add_bar(x=["first response"], y=[late], name="after it")
    fig.add_bar(x=["first response"], y=[t["requests"] - t["responded"]], name="no response yet")
    fig.add_bar(x=["completion"], y=[t["completed_within_48h"]], name="completed ≤ 48 h")
    fig.add_bar(x=["completion"], y=[t["completed_48_120h"]], name="48–120 h")
    fig.add_bar(x=["completion"], y=[t["completed_over_120h"]], name="> 120 h")
    fig.add_bar(x=["platform deadline"], y=[t["with_deadline"] - t["deadline_missed"]], name="deadline met")
    fig.add_bar(x=["platform deadline"], y=[t["deadline_missed"]], name="deadline missed")
    fig.update_layout(title=tr("Response and completion times against deadlines"), barmode="stack")
    if not t["requests"]:
        _no_data(fig, tr("no refund requests in this period"))
    out.append(("times", fig))
    for _, figure in out:
        figure.update_layout(font={"family": FONTS})
    return out


def rate_format(rates: list[float]) -> str:
    """Enough decimals that the axis ticks differ: 0.04 % read "0.0%" at every tick with ``.1%``."""
    top = max(rates, default=0.0)
    if top >= 0.1:
        return ".0%"
    if top >= 0.01:
        return ".1%"
    if top >= 0.001:
        return ".2%"
    return ".3%"


def _no_data(fig: go.Figure, text: str) -> None:
    fig.add_annotation(text=text, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                       font={"size": 16, "color": "#888"})


def _rows(headers: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        f"<tr class='{escape((classes or [''] * len(rows))[i])}'>"
        + "".join(f"<td>{escape(c)}</td>" for c in r)
        + "</tr>"
        for i, r in enumerate(rows)
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def render_html(report: Report) -> str:
    parts = [
        f"<!DOCTYPE html><html lang='{lang()}'><head><meta charset='utf-8'><title>{tr('Refund report')} "
        f"{escape(report.scope['since'])} – {escape(report.scope['until'])}</title><style>{CSS}</style>"
        "</head><body>",
        f"<h1>{tr('Refund report')} {escape(report.scope['since'])} → {escape(report.scope['until'])}</h1>",
        f"<p>Platforms: {escape(', '.join(report.platforms) or '—')}; definitions "
        f"{escape(definitions_text(report))}; generated "
        f"{escape(report.generated_at)}.</p><h2>{tr('Standing')}</h2>",
    ]
    parts.append(
        _rows(
            [tr(c) for c in ("metric", "name", "now", "threshold", "status", "if queue accepted")],
            [
                [
                    s.key,
                    metric_name(s.key, s.name),
                    fmt(s.key, s.value),
                    fmt(s.key, s.threshold),
                    s.status,
                    fmt(s.key, s.projected) if s.projected_status else "",
                ]
                for s in report.standing
            ],
            [s.status for s in report.standing],
        )
    )
    k = report.tasks
    if k.get("opened"):
        parts.append(
            f"<h2>{tr('Manual tasks')}</h2><p id='manual-tasks'>{k['opened']} opened in the period: "
            f"{k['open']} open ({k['overdue']} past the platform's deadline), "
            f"{k['done']} done ({k['done_late']} after it).</p>"
        )
    for i, (name, fig) in enumerate(figures(report)):
        parts.append(f"<div class='chart' id='chart-{name}'>")
        parts.append(fig.to_html(full_html=False, include_plotlyjs=(i == 0), div_id=f"plot-{name}"))
        parts.append("</div>")
    parts.append(f"<h2>{tr('Anomalies')}</h2>")
    parts.append(
        _rows(
            ["unit", "key", "test", "recent", "baseline", "recent rate", "baseline rate", "p", "q"],
            [
                [
                    a.unit,
                    a.key,
                    a.test,
                    str(a.recent),
                    str(a.baseline),
                    f"{a.recent_rate:.4g}",
                    f"{a.baseline_rate:.4g}",
                    f"{a.p_value:.2g}",
                    f"{a.q_value:.2g}",
                ]
                for a in report.anomalies
            ],
        )
        if report.anomalies
        else "<p>No anomalies flagged.</p>"
    )
    parts.append(f"<h2>{tr('Repeat refunders')}</h2>")
    parts.append(
        _rows(
            ["buyer", "refunds", "orders", "amount", "penalising", "first", "last"],
            [
                [
                    r.buyer_id,
                    str(r.refunds),
                    str(r.orders),
                    f"{r.amount:,.2f}",
                    str(r.penalising),
                    r.first,
                    r.last,
                ]
                for r in report.repeat_refunders
            ],
        )
    )
    parts.append(
        f"<h2>{tr('Assumptions')}</h2><ul>"
        + "".join(f"<li>{escape(a)}</li>" for a in report.assumptions)
        + "</ul></body></html>"
    )
    return "\n".join(parts)
