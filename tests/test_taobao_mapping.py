"""Mapping TOP records to cases: money, times, goods state, and bad records kept raw and flagged."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from marketplace_returns.connectors.taobao.mapping import map_refund
from marketplace_returns.models.case import GoodsStatus
from taobao_payloads import MESSAGE, refund, shop


def test_detail_record_maps_to_case() -> None:
    seller_note = {**MESSAGE, "owner_role": "2", "pic_urls": None}
    fetched = map_refund(refund(), shop(), messages=[MESSAGE, seller_note])
    case = fetched.case
    assert case is not None and fetched.mapping_issue is None
    assert case.refund_id == "178232201573110528" and case.order_id == "2731881024553110528"
    assert case.item_price == Decimal("89.00") and case.refund_amount == Decimal("89.00")
    assert case.reason == "质量问题" and case.lang == "zh" and case.currency == "CNY"
    assert case.goods_status is GoodsStatus.RECEIVED and case.wants_return is True
    assert case.return_shipping_cost == Decimal("12") and case.photos == 2
    assert case.requested_at == datetime(2026, 11, 20, 2, 15, 32, tzinfo=UTC)
    assert fetched.version == "1732069132000|aftersale"
    assert fetched.deadline == datetime(2026, 11, 25, 2, 15, 32, tzinfo=UTC)
    assert fetched.platform_status == "WAIT_SELLER_AGREE"


def test_money_is_exact_decimal_from_yuan_strings() -> None:
    case = map_refund(refund(total_fee="200.07", refund_fee="0.10"), shop()).case
    assert case is not None and case.item_price == Decimal("200.07") and case.refund_amount == Decimal("0.10")


@pytest.mark.parametrize(("over", "expected"), [
    ({"good_status": "BUYER_NOT_RECEIVED", "order_status": "WAIT_SELLER_SEND_GOODS"},
     GoodsStatus.NOT_SHIPPED),
    ({"good_status": "BUYER_NOT_RECEIVED", "order_status": "WAIT_BUYER_CONFIRM_GOODS"},
     GoodsStatus.IN_TRANSIT),
    ({"good_status": "BUYER_RETURNED_GOODS"}, GoodsStatus.RECEIVED),
    ({"good_status": None, "order_status": "WAIT_SELLER_SEND_GOODS"}, GoodsStatus.NOT_SHIPPED),
])
def test_goods_status(over: dict[str, object], expected: GoodsStatus) -> None:
    case = map_refund(refund(**over), shop()).case
    assert case is not None and case.goods_status is expected


def test_shop_options_override_costs_and_tmall_profile_is_used() -> None:
    s = shop(platform="tmall", options={"return_shipping_cost": "8.5", "category": "apparel"})
    case = map_refund(refund(), s).case
    assert case is not None and case.platform == "tmall"
    assert case.return_shipping_cost == Decimal("8.5") and case.forward_shipping_cost == Decimal("8.5")
    assert case.category == "apparel"


@pytest.mark.parametrize(("over", "field"), [
    ({"status": "WAIT_ALIENS"}, "status"),
    ({"reason": "外星人偷走了包裹"}, "reason"),
    ({"good_status": "BUYER_LOST_IT"}, "good_status"),
    ({"total_fee": None, "price": None}, "total_fee"),
    ({"refund_fee": "12,00"}, "refund_fee"),
    ({"refund_fee": "-3.00"}, "refund_fee"),
    ({"modified": "2026/11/20"}, "modified"),
    ({"refund_id": None}, "refund_id"),
])
def test_bad_records_are_kept_raw_and_flagged(over: dict[str, object], field: str) -> None:
    raw = refund(**over)
    fetched = map_refund(raw, shop())
    assert fetched.case is None
    assert fetched.mapping_issue is not None and fetched.mapping_issue.field == field
    assert fetched.raw == raw


def test_empty_reason_passes_through() -> None:
    case = map_refund(refund(reason=""), shop()).case
    assert case is not None and case.reason == ""
