"""Metric definitions as per-platform data: the shipped files load, a wrong file names file/key/line."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketplace_returns.errors import ConfigError
from marketplace_returns.metrics.definitions import definitions_for, load_definitions, load_text
from marketplace_returns.metrics.thresholds import load_thresholds, parse_option, stand

GOOD = """\
platform: taobao
version: 2
window_days: 30
source: test
metrics:
  refund_rate:
    name: 退款率
    meaning: refunds ÷ paid orders
    numerator: {measure: refunds, columns: refunded cases}
    denominator: {measure: paid_orders, columns: order_counts.paid_orders}
    better: lower
"""


@pytest.mark.parametrize("platform", ["taobao", "tmall", "shopify"])
def test_shipped_definitions_load_with_all_five_metrics(platform: str) -> None:
    defs = load_definitions(platform)
    assert defs.platform == platform and defs.version >= 1 and defs.window_days == 30
    assert set(defs.metrics) == {
        "refund_rate",
        "quality_refund_rate",
        "dispute_refund_rate",
        "self_completion_rate",
        "completion_time",
    }
    for d in defs.metrics.values():
        assert d.numerator.columns and d.denominator.columns


def test_taobao_uses_the_platform_names_and_formulas() -> None:
    m = load_definitions("taobao").metrics
    assert [m[k].name for k in m] == ["退款率", "品质退款率", "纠纷退款率", "退款自主完结率", "退款完结时长"]
    assert (m["refund_rate"].numerator.measure, m["refund_rate"].denominator.measure) == (
        "refunds",
        "paid_orders",
    )
    assert m["quality_refund_rate"].denominator.measure == "signed_orders"
    assert m["dispute_refund_rate"].numerator.measure == "disputes_seller_fault"
    assert m["self_completion_rate"].better == "higher"
    assert m["completion_time"].unit == "hours"
    assert m["refund_rate"].value({"refunds": 3, "paid_orders": 1000}) == pytest.approx(0.003)
    assert m["refund_rate"].value({"refunds": 3, "paid_orders": 0}) is None


def test_sandbox_reads_taobao_and_a_mixed_set_falls_back_to_taobao() -> None:
    assert load_definitions("sandbox").platform == "taobao"
    assert definitions_for(["shopify"]).platform == "shopify"
    assert definitions_for(["shopify", "taobao"]).platform == "taobao"


def test_a_good_text_loads() -> None:
    assert load_text(GOOD, file="x.yaml").version == 2


@pytest.mark.parametrize(
    ("broken", "line", "path"),
    [
        (GOOD.replace("measure: refunds,", "measure: refundz,"), 9, "metrics.refund_rate.numerator.measure"),
        (
            GOOD.replace("    better: lower\n", "    better: lower\n    colour: red\n"),
            12,
            "metrics.refund_rate.colour",
        ),
        (GOOD.replace("  refund_rate:", "  refund_ratio:"), 6, "metrics.refund_ratio"),
        (GOOD.replace("version: 2", "version: 0"), 2, "version"),
    ],
)
def test_a_wrong_file_names_file_key_and_line(broken: str, line: int, path: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_text(broken, file="connectors/x/metrics.yaml")
    assert err.value.file == "connectors/x/metrics.yaml"
    assert err.value.path is not None and err.value.path.startswith(path)
    assert err.value.line == line


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(ConfigError) as err:
        load_text("platform: [taobao\nversion: 1\n", file="m.yaml")
    assert err.value.file == "m.yaml" and err.value.line is not None


def test_thresholds_file_and_option(tmp_path: Path) -> None:
    defs = load_definitions("taobao")
    good = tmp_path / "t.yaml"
    good.write_text("refund_rate: 0.08\nfirst_response_hours: 12\n", encoding="utf-8")
    assert load_thresholds(good, defs) == {"refund_rate": 0.08, "first_response_hours": 12.0}
    bad = tmp_path / "bad.yaml"
    bad.write_text("refund_rate: 0.08\nrefund_rat: 0.1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_thresholds(bad, defs)
    assert (err.value.line, err.value.path) == (2, "refund_rat")
    bad.write_text("refund_rate: high\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="a threshold is a number"):
        load_thresholds(bad, defs)
    assert parse_option(["quality_refund_rate=0.02"], defs) == {"quality_refund_rate": 0.02}
    with pytest.raises(ConfigError, match="KEY=NUMBER"):
        parse_option(["nonsense"], defs)


def test_standing_direction_comes_from_the_definition() -> None:
    assert (
        stand("refund_rate", "退款率", 0.05, better="lower", thresholds={"refund_rate": 0.04}).status
        == "breached"
    )
    assert (
        stand(
            "self_completion_rate", "x", 0.95, better="higher", thresholds={"self_completion_rate": 0.9}
        ).status
        == "ok"
    )
    assert (
        stand("refund_rate", "x", None, better="lower", thresholds={"refund_rate": 0.1}).status == "no data"
    )
