"""Shopify Return + order → FetchedCase: money, reasons, notes, goods, language, and unmappable records."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace_returns.connectors.shopify.mapping import map_return
from marketplace_returns.models.case import GoodsStatus
from shopify_payloads import line, order_node, return_node, shop


def test_one_case_per_return_summing_its_lines() -> None:
    ret = return_node(lines=[line(1, price="59.00", quantity=2), line(2, price="12.50", reason="DEFECTIVE",
                                                                      note="Seam split")])
    fetched = map_return(ret, order_node(returns=[ret]), shop())
    case = fetched.case
    assert case is not None and fetched.mapping_issue is None
    assert fetched.refund_id == case.refund_id == "gid://shopify/Return/9001"
    assert case.order_id == "gid://shopify/Order/5001"
    assert case.item_price == case.refund_amount == Decimal("130.50")
    assert isinstance(case.item_price, Decimal)
    assert case.reason == "SIZE_TOO_SMALL" and case.sku == "TEE-001" and case.currency == "USD"
    assert case.message == "Runs small, I usually wear M\nSeam split"
    assert case.photos is None and case.wants_return is True
    assert case.return_shipping_cost == Decimal("8.0")
    assert case.requested_at is not None and case.requested_at.utcoffset() is not None
    assert fetched.platform_status == "REQUESTED" and fetched.version == "REQUESTED|2026-11-20T08:15:02+00:00"
    assert fetched.raw["return"]["returnLineItems"]["nodes"][1]["id"] == "gid://shopify/ReturnLineItem/702"
    assert "returns" not in fetched.raw["order"]


def test_notes_reason_note_and_options() -> None:
    ret = return_node(lines=[line(reason="OTHER", note=None, reason_note="Bought two by mistake")])
    options = {"return_shipping_cost": 5.5, "category": "apparel"}
    fetched = map_return(ret, order_node(), shop(options=options))
    assert fetched.case is not None
    assert fetched.case.reason == "OTHER" and fetched.case.message == "Bought two by mistake"
    assert fetched.case.return_shipping_cost == Decimal("5.5") and fetched.case.category == "apparel"


def test_no_reason_reads_empty_and_no_note_is_none() -> None:
    fetched = map_return(return_node(lines=[line(reason=None, note=None)]), order_node(), shop())
    assert fetched.case is not None and fetched.case.reason == "" and fetched.case.message is None


@pytest.mark.parametrize(("shipped", "delivered", "goods"), [
    (None, None, GoodsStatus.NOT_SHIPPED),
    ("2026-11-15T09:00:00Z", None, GoodsStatus.IN_TRANSIT),
    ("2026-11-15T09:00:00Z", "2026-11-18T17:40:00Z", GoodsStatus.RECEIVED),
])
def test_goods_status_from_fulfillments(shipped: str | None, delivered: str | None,
                                        goods: GoodsStatus) -> None:
    fetched = map_return(return_node(), order_node(shipped=shipped, delivered=delivered), shop())
    assert fetched.case is not None and fetched.case.goods_status is goods


@pytest.mark.parametrize(("locale", "lang"), [("en-GB", "en"), ("zh-CN", "zh"), ("fr", "fr"), (None, "en")])
def test_language_from_the_order_locale(locale: str | None, lang: str) -> None:
    order = order_node(locale=locale)
    order["customer"] = None
    fetched = map_return(return_node(), order, shop())
    assert fetched.case is not None and fetched.case.lang == lang


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda r, o: r.update(status="ARCHIVED"), "status"),
    (lambda r, o: r["returnLineItems"]["nodes"][0].update(returnReason="TOO_EXPENSIVE"), "returnReason"),
    (lambda r, o: r.pop("createdAt"), "return.createdAt"),
    (lambda r, o: r["returnLineItems"]["nodes"][0].update(fulfillmentLineItem=None),
     "returnLineItems.fulfillmentLineItem"),
    (lambda r, o: r["returnLineItems"].update(nodes=[]), "returnLineItems"),
    (lambda r, o: o.pop("updatedAt"), "order.updatedAt"),
    (lambda r, o: r["returnLineItems"]["nodes"][0]["fulfillmentLineItem"]["lineItem"][
        "originalUnitPriceSet"]["shopMoney"].update(amount="lots"), "return.returnLineItems"),
])
def test_unmappable_records_are_kept_raw_and_flagged(mutate: object, field: str) -> None:
    ret, order = return_node(), order_node()
    mutate(ret, order)  # type: ignore[operator]
    fetched = map_return(ret, order, shop())
    assert fetched.case is None and fetched.mapping_issue is not None
    assert fetched.mapping_issue.field.startswith(field), fetched.mapping_issue
    assert fetched.raw["return"] == ret and fetched.refund_id == "gid://shopify/Return/9001"


def test_a_status_that_is_not_text_is_still_a_mapping_issue() -> None:
    ret = return_node()
    ret["status"] = {"value": "REQUESTED"}
    fetched = map_return(ret, order_node(), shop())
    assert fetched.case is None and fetched.platform_status is None
    assert fetched.mapping_issue is not None and fetched.mapping_issue.field.startswith("return.status")
