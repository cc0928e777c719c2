"""Shopify Admin GraphQL answers shaped like the real ones (2026-10), and small builders that vary them.

The shapes follow Shopify's documented responses: ``data`` with the selected fields, ``extensions.cost``
with ``requestedQueryCost``/``actualQueryCost``/``throttleStatus``, THROTTLED as ``errors`` with
``extensions.code`` under HTTP 200, and ``userErrors`` (``ReturnUserError``: code/field/message).
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from marketplace_returns.connectors.base import ShopConfig

TOKEN = "shpat_0123456789abcdef0123456789abcdef"
ORIGIN = "https://returns-demo.myshopify.com"
URL = f"{ORIGIN}/admin/api/2026-10/graphql.json"


def shop(**kw: Any) -> ShopConfig:
    kw.setdefault("credentials", {"access_token": SecretStr(TOKEN)})
    kw.setdefault("base_url", ORIGIN)
    return ShopConfig(shop_id="returns-demo", platform="shopify", **kw)


def cost(requested: int = 52, actual: int | None = 12, available: float = 1988.0, maximum: float = 2000.0,
         restore: float = 100.0) -> dict[str, Any]:
    return {"requestedQueryCost": requested, "actualQueryCost": actual,
            "throttleStatus": {"maximumAvailable": maximum, "currentlyAvailable": available,
                               "restoreRate": restore}}


def answer(data: dict[str, Any], **cost_kw: Any) -> dict[str, Any]:
    return {"data": data, "extensions": {"cost": cost(**cost_kw)}}


def throttled(requested: int = 922, available: float = 122.0) -> dict[str, Any]:
    return {"errors": [{"message": "Throttled", "extensions": {
        "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
        "extensions": {"cost": cost(requested=requested, actual=None, available=available)}}


def line(n: int = 1, *, reason: str | None = "SIZE_TOO_SMALL", price: str = "59.00", quantity: int = 1,
         note: str | None = "Runs small, I usually wear M", reason_note: str = "") -> dict[str, Any]:
    return {"__typename": "ReturnLineItem", "id": f"gid://shopify/ReturnLineItem/{700 + n}",
            "quantity": quantity, "returnReason": reason, "returnReasonNote": reason_note,
            "customerNote": note,
            "fulfillmentLineItem": {"lineItem": {
                "id": f"gid://shopify/LineItem/{800 + n}", "sku": f"TEE-{n:03d}", "title": "Linen tee",
                "originalUnitPriceSet": {"shopMoney": {"amount": price, "currencyCode": "USD"}}}}}


def return_node(rid: int = 9001, *, status: str = "REQUESTED", lines: list[dict[str, Any]] | None = None,
                created: str = "2026-11-20T08:15:00Z", **extra: Any) -> dict[str, Any]:
    node = {"id": f"gid://shopify/Return/{rid}", "name": f"#1001-R{rid % 10}", "status": status,
            "createdAt": created, "closedAt": None, "requestApprovedAt": None, "decline": None,
            "returnLineItems": {"nodes": lines if lines is not None else [line()]}}
    node.update(extra)
    return node


def order_node(oid: int = 5001, *, updated: str = "2026-11-20T08:15:02Z",
               returns: list[dict[str, Any]] | None = None, delivered: str | None = "2026-11-18T17:40:00Z",
               shipped: str | None = "2026-11-15T09:00:00Z",
               locale: str | None = "en-GB") -> dict[str, Any]:
    fulfillments = [] if shipped is None else [{"createdAt": shipped, "inTransitAt": shipped,
                                                 "deliveredAt": delivered,
                                                 "displayStatus": "DELIVERED" if delivered else "IN_TRANSIT"}]
    return {"id": f"gid://shopify/Order/{oid}", "name": f"#{oid}", "updatedAt": updated,
            "createdAt": "2026-11-14T10:00:00Z", "currencyCode": "USD", "customerLocale": locale,
            "displayFulfillmentStatus": "FULFILLED" if shipped else "UNFULFILLED",
            "returnStatus": "RETURN_REQUESTED",
            "customer": {"id": "gid://shopify/Customer/42", "locale": "en"},
            "fulfillments": fulfillments,
            "transactions": [{"id": f"gid://shopify/OrderTransaction/{oid}1", "kind": "SALE",
                              "status": "SUCCESS", "gateway": "shopify_payments"}],
            "returns": {"nodes": returns if returns is not None else [return_node(oid + 4000)]}}


def orders_page(orders: list[dict[str, Any]], *, next_cursor: str | None = None) -> dict[str, Any]:
    return answer({"orders": {"pageInfo": {"hasNextPage": next_cursor is not None, "endCursor": next_cursor},
                              "nodes": orders}}, requested=922, actual=15 * len(orders) + 2)


def return_by_id(ret: dict[str, Any], order: dict[str, Any], refunds: list[dict[str, Any]] | None = None
                 ) -> dict[str, Any]:
    node = dict(ret)
    node["order"] = {k: v for k, v in order.items() if k != "returns"}
    node["refunds"] = {"nodes": refunds or []}
    return answer({"node": node}, requested=73, actual=14)


def mutation(field: str, payload: dict[str, Any] | None = None,
             user_errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body = dict(payload or {})
    body["userErrors"] = user_errors or []
    return answer({field: body}, requested=10, actual=10)
