"""Sandbox refunds shown as Shopify Admin objects (Order, Return, Refund), as plain dicts.

Why a separate module: the router (shopify_api.py) validates, costs and executes documents; this only
translates one record. Statuses are the state's TOP names, mapped here to ``ReturnStatus``:
``WAIT_SELLER_AGREE`` → REQUESTED, waiting for or confirming the goods → OPEN, refused → DECLINED,
``SUCCESS`` → CLOSED, and ``CLOSED`` (the buyer withdrew) → CANCELED. Ids are Shopify global ids
(``gid://shopify/Return/<refund_id>``, ``gid://shopify/Order/<order_id>``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from marketplace_returns.sandbox.records import SandboxRefund

RETURN_STATUS: Final = {
    "WAIT_SELLER_AGREE": "REQUESTED", "WAIT_BUYER_RETURN_GOODS": "OPEN", "WAIT_SELLER_CONFIRM_GOODS": "OPEN",
    "SELLER_REFUSE_BUYER": "DECLINED", "SUCCESS": "CLOSED", "CLOSED": "CANCELED",
}
ORDER_RETURN_STATUS: Final = {"REQUESTED": "RETURN_REQUESTED", "OPEN": "IN_PROGRESS", "CLOSED": "RETURNED",
                              "DECLINED": "NO_RETURN", "CANCELED": "NO_RETURN"}
REFUND_ACTIONS: Final = ("refund_create", "process_return")
GATEWAY: Final = "shopify_payments"


def gid(kind: str, raw_id: str | int) -> str:
    return f"gid://shopify/{kind}/{raw_id}"


def parse_gid(value: str, kind: str) -> str | None:
    """``gid://shopify/Return/123`` → ``"123"`` (None when it is not a ``kind`` id)."""
    prefix = f"gid://shopify/{kind}/"
    return value[len(prefix):] if value.startswith(prefix) and len(value) > len(prefix) else None


def ts(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def _money(amount: Decimal, currency: str) -> dict[str, Any]:
    money = {"amount": str(amount), "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": money}


def sale_transaction_id(refund: SandboxRefund) -> str:
    return gid("OrderTransaction", f"{refund.order_id}1")


def order(refund: SandboxRefund, state: Any) -> dict[str, Any]:
    """The refund's order, with its one return under ``returns``."""
    status = RETURN_STATUS.get(refund.status, refund.status)
    shipped = refund.shipped_at
    delivered = refund.delivered_at or (shipped if refund.goods_status == "received" else None)
    fulfillments = [] if shipped is None or refund.goods_status == "not_shipped" else [{
        "__typename": "Fulfillment", "id": gid("Fulfillment", refund.order_id), "createdAt": ts(shipped),
        "inTransitAt": ts(shipped), "deliveredAt": ts(delivered),
        "displayStatus": "DELIVERED" if delivered else "IN_TRANSIT"}]
    locale = "en-US" if refund.lang == "en" else ("zh-CN" if refund.lang == "zh" else refund.lang)
    return {
        "__typename": "Order", "id": gid("Order", refund.order_id), "name": f"#{refund.order_id}",
        "createdAt": ts(refund.ship_by or refund.created), "updatedAt": ts(refund.modified),
        "currencyCode": refund.currency, "customerLocale": locale,
        "displayFulfillmentStatus": "FULFILLED" if fulfillments else "UNFULFILLED",
        "returnStatus": ORDER_RETURN_STATUS.get(status, "NO_RETURN"),
        "customer": {"__typename": "Customer", "id": gid("Customer", refund.buyer_id), "locale": locale,
                     "displayName": refund.buyer_nick},
        "fulfillments": fulfillments,
        "transactions": [{"__typename": "OrderTransaction", "id": sale_transaction_id(refund), "kind": "SALE",
                          "status": "SUCCESS", "gateway": GATEWAY,
                          "amountSet": _money(refund.item_price, refund.currency)}],
        "returns": {"nodes": [return_(refund, state, with_order=False)],
                    "pageInfo": {"hasNextPage": False, "hasPreviousPage": False}},
    }


def return_(refund: SandboxRefund, state: Any, *, with_order: bool = True) -> dict[str, Any]:
    status = RETURN_STATUS.get(refund.status, refund.status)
    effects = state.effects(refund.refund_id)
    approved = next((a.at for a in effects if a.action == "approve_return"), None)
    if approved is None and status in ("OPEN", "CLOSED") and refund.wants_return:
        approved = refund.modified
    line = {
        "__typename": "ReturnLineItem", "id": gid("ReturnLineItem", refund.line_id), "quantity": 1,
        "returnReason": refund.reason or "UNKNOWN", "returnReasonNote": "", "customerNote": refund.message,
        "fulfillmentLineItem": {"id": gid("FulfillmentLineItem", refund.line_id), "quantity": 1, "lineItem": {
            "id": gid("LineItem", refund.line_id), "sku": refund.sku, "title": refund.title, "quantity": 1,
            "originalUnitPriceSet": _money(refund.item_price, refund.currency)}},
    }
    refunds = [{"__typename": "Refund", "id": gid("Refund", a.seq), "note": a.params.get("note"),
                "createdAt": ts(a.at),
                "totalRefundedSet": _money(Decimal(a.params.get("amount") or refund.refunded_amount or 0),
                                           refund.currency)}
               for a in effects if a.action in REFUND_ACTIONS]
    declined = next((a for a in effects if a.action == "decline_return"), None)
    node: dict[str, Any] = {
        "__typename": "Return", "id": gid("Return", refund.refund_id), "name": f"#{refund.order_id}-R1",
        "status": status, "createdAt": ts(refund.created), "totalQuantity": 1,
        "closedAt": ts(refund.modified) if status in ("CLOSED", "CANCELED") else None,
        "requestApprovedAt": ts(approved),
        "decline": None if status != "DECLINED" or declined is None else {
            "reason": declined.params.get("declineReason", "OTHER"),
            "note": declined.params.get("declineNote")},
        "returnLineItems": {"nodes": [line], "pageInfo": {"hasNextPage": False, "hasPreviousPage": False}},
        "refunds": {"nodes": refunds, "pageInfo": {"hasNextPage": False, "hasPreviousPage": False}},
    }
    if with_order:
        node["order"] = order(refund, state)
    return node
