from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace_returns.errors import ProfileError
from marketplace_returns.models import Category
from marketplace_returns.profiles import available_platforms, load_profile, parse_profile
from marketplace_returns.yamlsource import load_yaml


def test_shipped_profiles_load() -> None:
    assert {"taobao", "tmall", "shopify"} <= set(available_platforms())
    for name in available_platforms():
        assert load_profile(name).reasons


def test_taobao_penalising_reasons_and_accurate_reason() -> None:
    tb = load_profile("taobao")
    assert tb.penalises("质量问题") == "quality_refund_rate"
    assert tb.penalises("未按约定时间发货") == "late_shipment_compensation"
    assert tb.penalises("七天无理由退换货") is None
    assert tb.accurate_reason[Category.SIZE_FIT] == "七天无理由退换货"


@pytest.mark.parametrize(("base", "owed"), [("20", "5"), ("200", "10.00"), ("1000", "30")])
def test_late_shipment_compensation_is_clamped(base: str, owed: str) -> None:
    comp = load_profile("taobao").late_shipment_compensation
    assert comp is not None
    assert comp.amount(Decimal(base)) == Decimal(owed)


def test_tmall_inherits_taobao_reasons() -> None:
    assert load_profile("tmall").penalises("卖家发错货") == "quality_refund_rate"
    assert load_profile("tmall").deadlines.seller_response_hours["confirm_returned_goods"] == 168


def test_shopify_penalises_nothing() -> None:
    sp = load_profile("shopify")
    assert all(r.penalises is None for r in sp.reasons)
    assert sp.reason("SIZE_TOO_SMALL") is not None


def test_broken_profile_names_file_key_and_line() -> None:
    text = "platform: x\ndisplay_name: X\ndefault_lang: en\ncurrency: USD\ntimezone: UTC\n" \
           "size_tolerance_cm: 3\nseven_day_no_reason: false\ndeadlines:\n  acknowledge_hours: 24\n" \
           "  decide_hours: 48\nreasons:\n  - text: A\n    category: defekt\n    prior: 0.5\n"
    with pytest.raises(ProfileError) as info:
        parse_profile(load_yaml(text, file="connectors/x/profile.yaml"))
    err = info.value
    assert err.file == "connectors/x/profile.yaml"
    assert err.path == "reasons[0].category"
    assert err.line == 13
