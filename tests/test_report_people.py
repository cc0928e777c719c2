"""The report as an owner reads it: amounts per currency and never summed across, to the cent; each
platform's definitions; errors for an unknown shop, a reversed or empty period; charts that say so when
they have no data, rate axes that read, refunded SKUs only, CJK-capable fonts; orders imported from the
platforms' own exports."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from marketplace_returns.cli import app
from marketplace_returns.metrics.render_html import figures, rate_format, render_html
from marketplace_returns.metrics.report import Report, build_report
from marketplace_returns.metrics.scope import Scope, table
from metrics_builders import at, case, orders, shop, sqlite_engine

SINCE, UNTIL = at("2026-11-01").date(), at("2026-11-11").date()


def store(tmp_path: Path) -> str:
    engine = sqlite_engine(tmp_path)
    with engine.begin() as conn:
        shop(conn, "tb", "taobao")
        shop(conn, "sh", "shopify")
        orders(conn, "tb", [f"2026-11-0{d}" for d in range(1, 10)], paid=5000, signed=4000)
        for amount in ("4200.14", "4200.15"):  # 8400.29, which float sums print as 8400.289999999999
            case(conn, shop_id="tb", platform="taobao", currency="CNY", reason="质量问题",
                 refund_amount=amount, refunded_amount=amount, requested_at=at("2026-11-02"),
                 completed_at=at("2026-11-03"), completed_by="seller", sku="A")
        case(conn, shop_id="tb", platform="taobao", currency="CNY", reason="质量问题", refund_amount=60,
             refunded_amount=30, requested_at=at("2026-11-04"), completed_at=at("2026-11-05"),
             completed_by="seller")  # a ¥30 partial refund, no SKU
        case(conn, shop_id="tb", platform="taobao", currency="CNY", reason="不想要了", refund_amount=20,
             requested_at=at("2026-11-06"), sku="B")  # requested, never refunded
        case(conn, shop_id="sh", platform="shopify", currency="USD", reason="DEFECTIVE",
             refund_amount="46.76", refunded_amount="46.76", requested_at=at("2026-11-02"),
             completed_at=at("2026-11-04"), completed_by="seller", sku="S")
    engine.dispose()
    return f"sqlite:///{tmp_path / 'store.db'}"


def report_of(url: str, **filters: str) -> Report:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        report = build_report(conn, Scope(since=SINCE, until=UNTIL, **filters), now=at("2026-11-11"))
    engine.dispose()
    return report


def test_amounts_are_per_currency_never_summed_and_to_the_cent(tmp_path: Path) -> None:
    url = store(tmp_path)
    report = report_of(url)
    money = {m["currency"]: m for m in report.money}
    assert set(money) == {"CNY", "USD"}
    assert money["CNY"]["refunded_amount"] == 8430.29 and money["USD"]["refunded_amount"] == 46.76
    assert report.totals["refunded_amount"] is None  # CNY + USD is no amount
    assert all(r["refunded_amount"] is None for r in report.breakdowns["reason"])
    text = report.model_dump_json()
    assert "8430.29" in text and "8430.28999" not in text and "8400.28999" not in text
    assert set(report.definitions_by_platform) == {"shopify", "taobao"}
    html = render_html(report)
    assert "definitions shopify v1, taobao v1" in html
    one = report_of(url, shop_id="tb")
    assert one.totals["refunded_amount"] == 8430.29 and [m["currency"] for m in one.money] == ["CNY"]


def test_charts_read_and_say_when_they_have_nothing(tmp_path: Path) -> None:
    url = store(tmp_path)
    report = report_of(url, shop_id="tb")
    charts = dict(figures(report))
    skus = list(charts["sku"].data[0].y)
    assert skus == ["A"]  # no "(none)", no SKU without refunds
    money = charts["money"]
    assert 30 + 8400.29 in list(money.data[0].y)  # the partial refund is in "refunded"
    assert not money.layout.annotations
    assert charts["time"].layout.yaxis2.tickformat == rate_format([2 / 5000])
    assert rate_format([0.0004]) == ".3%" and rate_format([0.02]) == ".1%" and rate_format([]) == ".3%"
    assert all("Noto Sans CJK SC" in fig.layout.font.family for fig in charts.values())
    empty = report_of(url, shop_id="sh")
    empty.money = []
    assert "no money moved" in dict(figures(empty))["money"].layout.annotations[0].text


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_unknown_shop_reversed_or_empty_periods_are_errors(tmp_path: Path) -> None:
    url = store(tmp_path)
    period = ("--since", "2026-11-01", "--until", "2026-11-10")
    code, out = cli("report", "--db", url, "--shop", "nosuch", *period)
    assert code == 2 and "--shop: no shop 'nosuch' in the store (known: sh, tb)" in out
    code, out = cli("report", "--db", url, "--since", "2026-11-10", "--until", "2026-11-01")
    assert code == 2 and "--since 2026-11-10 is after --until 2026-11-01" in out
    code, out = cli("report", "--db", url, "--since", "2025-01-01", "--until", "2025-01-31")
    assert code == 1 and "nothing to report" in out
    code, out = cli("report", "--db", url, *period, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert {m["currency"] for m in data["money"]} == {"CNY", "USD"}
    assert data["totals"]["refunded_amount"] is None


def test_orders_import_reads_the_platforms_own_exports(tmp_path: Path) -> None:
    url = store(tmp_path)
    taobao = tmp_path / "生意参谋.csv"
    taobao.write_text("店铺名称,测试店\n统计时间,2026-11-01~2026-11-02\n\n"
                      "统计日期,访客数,支付订单数,签收订单数\n2026-11-01,\"1,200\",320,280\n2026/11/02,900,210,\n",
                      encoding="utf-8-sig")
    code, out = cli("orders", "import", str(taobao), "--db", url, "--shop", "tb")
    assert code == 0, out
    shopify = tmp_path / "orders_export.csv"
    shopify.write_text(
        "Name,Email,Financial Status,Paid at,Fulfillment Status,Created at,Lineitem name\n"
        "#1001,a@x,paid,2026-11-01 10:00:00 +0800,fulfilled,2026-11-01 09:59:00 +0800,Shirt\n"
        "#1001,,,,,,Socks\n"
        "#1002,b@x,refunded,2026-11-01 11:00:00 +0800,unfulfilled,2026-11-01 10:00:00 +0800,Hat\n"
        "#1003,c@x,pending,,unfulfilled,2026-11-01 12:00:00 +0800,Hat\n"
        "#1004,d@x,paid,2026-11-02 08:00:00 +0800,fulfilled,2026-11-02 08:00:00 +0800,Hat\n",
        encoding="utf-8")
    code, out = cli("orders", "import", str(shopify), "--db", url, "--shop", "sh")
    assert code == 0, out
    engine = sa.create_engine(url)
    o = table("order_counts").c
    with engine.connect() as conn:
        query = sa.select(o.shop_id, o.day, o.paid_orders, o.signed_orders)
        query = query.where(o.day <= at("2026-11-02").date())
        rows = {(r.shop_id, r.day.isoformat()): (r.paid_orders, r.signed_orders) for r in conn.execute(query)}
    engine.dispose()
    assert rows[("tb", "2026-11-01")] == (320, 280) and rows[("tb", "2026-11-02")] == (210, 0)
    assert rows[("sh", "2026-11-01")] == (2, 1) and rows[("sh", "2026-11-02")] == (1, 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("统计日期,支付订单数\n2026-11-01,many\n", encoding="utf-8")
    code, out = cli("orders", "import", str(bad), "--db", url, "--shop", "tb")
    assert code == 2 and "支付订单数" in out and "many" in out
