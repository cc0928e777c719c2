"""The report end to end: CLI files, one self-contained HTML page whose charts render in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from marketplace_returns.cli import app
from marketplace_returns.i18n import lang, set_lang, t
from marketplace_returns.metrics.render_html import render_html
from marketplace_returns.metrics.report import build_report
from marketplace_returns.metrics.scope import Scope, table
from metrics_builders import at, case, hand_store, shop, sqlite_engine

CHARTS = ("time", "reason", "category", "sku", "money", "times")


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture
def store(tmp_path: Path) -> str:
    engine = sqlite_engine(tmp_path)
    with engine.begin() as conn:
        hand_store(conn)
    engine.dispose()
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def page(store: str, tmp_path: Path) -> Path:
    engine = sa.create_engine(store)
    with engine.connect() as conn:
        report = build_report(
            conn,
            Scope(since=at("2026-11-01").date(), until=at("2026-11-11").date(), shop_id="s1"),
            now=at("2026-11-11"),
        )
    engine.dispose()
    path = tmp_path / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path


def test_html_is_one_self_contained_file(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    # nothing fetched over the network: no script, stylesheet or image loaded from elsewhere
    assert not re.search(r"<(script|link|img)\b[^>]*\b(src|href)=", html)
    assert len(re.findall(r"<script\b", html)) >= len(CHARTS) + 1  # plotly.js itself is inline
    assert html.count("Plotly.newPlot") == len(CHARTS)
    for chart in CHARTS:
        assert f"id='chart-{chart}'" in html
    assert "退款率" in html and "Assumptions" in html


def _dump_dom(page: Path, tmp_path: Path) -> str:
    """The page's DOM after headless Chromium ran its scripts (plotly drew into it); skips without one."""
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium binary (/usr/bin/chromium or on PATH): cannot check the charts render")
    args = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}",
        "--virtual-time-budget=15000",
        "--dump-dom",
        page.as_uri(),
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_charts_render_in_headless_chromium(page: Path, tmp_path: Path) -> None:
    dom = _dump_dom(page, tmp_path)
    # plotly marks each drawn chart's div js-plotly-plot and draws its axes into main-svg elements
    for chart in CHARTS:
        match = re.search(rf'<div id="plot-{chart}"[^>]*class="[^"]*js-plotly-plot', dom)
        assert match, f"chart {chart} did not render"
    assert dom.count('class="main-svg"') >= len(CHARTS)
    assert 'class="bars"' in dom or "class='bars'" in dom or "trace bars" in dom


NOTES = (  # what a chart with nothing to draw says instead (render_html._no_data), keys of i18n.ZH
    "no rate: no order counts for the period (orders import)",
    "no money moved in this period",
    "no refund requests in this period",
)
# a bar plotly drew: "Mx0,y0Vy1Hx1Vy0Z"; a zero-height (or zero-width) one is no data
BAR = re.compile(r'<g class="point"><path d="M([-\d.e]+),([-\d.e]+)V([-\d.e]+)H([-\d.e]+)V')
# a scatter line inside the plot (legend swatches are "legendlines", not "lines")
LINE = re.compile(r'<g class="lines"><path class="js-line" d="M[^"]*"')
NOTE = re.compile(r'<text class="annotation-text"[^>]*>(.*?)</text>', re.S)


def _charts(dom: str) -> dict[str, str]:
    """Each chart's rendered markup, from its container to the next chart or heading."""
    out: dict[str, str] = {}
    for match in re.finditer(r'<div class="chart" id="chart-(\w+)"', dom):
        rest = dom[match.end():]
        ends = (rest.find('<div class="chart"'), rest.find("<h2"))
        cut = min((i for i in ends if i >= 0), default=len(rest))
        out[match.group(1)] = rest[:cut]
    return out


def _drew_data(markup: str) -> bool:
    bars = any(x0 != x1 and y0 != y1 for x0, y0, y1, x1 in BAR.findall(markup))
    return bars or bool(LINE.search(markup))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_chart_in_chromium_has_data_or_says_no_data(language: str, tmp_path: Path) -> None:
    # One shop, one request never refunded, no order counts: the time, reason, category and times
    # charts have bars; the money chart has nothing (and the time chart no rate) and must say so.
    engine = sqlite_engine(tmp_path)
    with engine.begin() as conn:
        shop(conn, "s1")
        case(conn, shop_id="s1", reason="不想要了", refund_amount=20, requested_at=at("2026-11-03"), sku="B")
    with engine.connect() as conn:
        report = build_report(
            conn,
            Scope(since=at("2026-11-01").date(), until=at("2026-11-11").date(), shop_id="s1"),
            now=at("2026-11-11"),
        )
    engine.dispose()
    before = lang()
    set_lang(language)
    try:
        html = render_html(report)
        notes = {t(n) for n in NOTES}
    finally:
        set_lang(before)
    if language == "zh":
        assert all(re.search(r"[\u4e00-\u9fff]", n) for n in notes), notes  # translated, not English
    path = tmp_path / f"report-{language}.html"
    path.write_text(html, encoding="utf-8")
    charts = _charts(_dump_dom(path, tmp_path))
    assert len(charts) == html.count("Plotly.newPlot") >= 4, sorted(charts)
    with_data: set[str] = set()
    with_note: set[str] = set()
    for name, markup in charts.items():
        assert "js-plotly-plot" in markup, f"chart {name} did not render"
        said = {unescape(text) for text in NOTE.findall(markup)} & notes
        if _drew_data(markup):
            with_data.add(name)
        if said:
            with_note.add(name)
        assert name in with_data | with_note, f"chart {name} is empty and does not say 'no data'"
    assert "money" in with_note - with_data, (with_data, with_note)
    assert {"reason", "times"} <= with_data, with_data


def test_report_command_writes_json_csv_and_html(store: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--db",
            store,
            "--shop",
            "s1",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-10",
            "--out",
            str(out),
            "--threshold",
            "refund_rate=0.002",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    standing = {s["key"]: s for s in data["standing"]}
    assert standing["refund_rate"]["status"] == "breached"
    assert data["totals"]["requests"] == 6
    lines = (out / "by_sku.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("key,") and any(line.startswith("A,2,") for line in lines[1:])
    assert (out / "report.html").stat().st_size > 1_000_000  # plotly.js is inline
    assert "退款率" in result.output


def test_orders_import_upserts_and_names_bad_lines(store: str, tmp_path: Path) -> None:
    good = tmp_path / "orders.csv"
    good.write_text("day,paid_orders,signed_orders\n2026-11-01,150,120\n2026-12-01,10,\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["orders", "import", str(good), "--db", store, "--shop", "s1"])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(store)
    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                sa.select(table("order_counts").c.day, table("order_counts").c.paid_orders).where(
                    table("order_counts").c.shop_id == "s1"
                )
            ).all()
        )
    engine.dispose()
    assert rows[at("2026-11-01").date()] == 150 and rows[at("2026-12-01").date()] == 10 and len(rows) == 11
    bad = tmp_path / "bad.csv"
    bad.write_text("day,paid_orders\n2026-11-02,12\n2026-11-03,lots\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["orders", "import", str(bad), "--db", store, "--shop", "s1"])
    assert result.exit_code == 2
    assert "bad.csv:3: paid_orders" in result.output


def test_a_rate_of_zero_is_a_rate_not_missing_order_counts() -> None:
    # Orders counted, no refund: the refund rate is 0 %, not "no order counts" (a 0.0 was dropped).
    from collections import defaultdict
    from types import SimpleNamespace

    from marketplace_returns.metrics.render_html import figures

    day = {"key": "2026-11-01", "requests": 2, "refunds": 0, "quality_refunds": 0, "paid_orders": 100,
           "signed_orders": 90}
    report = SimpleNamespace(breakdowns={"day": [day]}, definitions={"window_days": 7, "metrics": {}},
                             money=[], totals=defaultdict(int))
    time_chart = dict(figures(report))["time"]  # type: ignore[arg-type]
    notes = [a.text for a in time_chart.layout.annotations]
    assert not any("order counts" in (n or "") for n in notes), notes
    day["paid_orders"] = day["signed_orders"] = 0
    time_chart = dict(figures(report))["time"]  # type: ignore[arg-type]
    assert any("order counts" in (a.text or "") for a in time_chart.layout.annotations)
