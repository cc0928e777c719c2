"""A Shopify Return (and its order) → ``FetchedCase``, through the Shopify profile.

Decision: **one case is one Return**, not one return line item. Why: the seller's actions act on the
Return (``returnApproveRequest`` / ``returnDeclineRequest`` / ``returnProcess`` take the Return id)
and a buyer asks for one return at a time; a refund for several lines is one decision. So
``refund_id`` is the Return's global id (``gid://shopify/Return/…``, stable, and what ``apply``
needs); ``item_price`` is the sum of unit price × quantity over the lines; the reason is the first
line's ``returnReason`` (the line ids and every line's reason stay in ``raw``).

What Shopify does not give, and where it comes from instead:

* the return leg's shipping cost: ``ShopConfig.options["return_shipping_cost"]`` (default 8.0 in
  the shop's currency); the forward leg: ``options["forward_shipping_cost"]`` (default the same);
* photos: Shopify's return request carries none the Admin API exposes: ``None`` (unknown);
* the buyer's language: ``Order.customerLocale`` (else ``Customer.locale``), e.g. ``en-US`` → ``en``.

Goods status: no fulfillment → not shipped; a fulfillment with ``deliveredAt`` → received; else in
transit. Version: ``status|order.updatedAt`` (Shopify has no version token; an action on a return that
moved on is refused with a userError, which the connector reads as stale).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from pydantic import ValidationError

from marketplace_returns.connectors.base import FetchedCase, MappingIssue, ShopConfig
from marketplace_returns.connectors.shopify.wire import Order, Return
from marketplace_returns.models.case import Case, GoodsStatus
from marketplace_returns.profiles import PlatformProfile, load_profile

RETURN_STATUSES: Final = frozenset({"REQUESTED", "OPEN", "DECLINED", "CLOSED", "CANCELED"})
NOT_SHIPPED: Final = frozenset({"UNFULFILLED", "ON_HOLD", "PENDING_FULFILLMENT", "SCHEDULED", "OPEN"})
DEFAULT_RETURN_SHIPPING: Final = Decimal("8.0")


class _Unmappable(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def version_of(ret: Return, order: Order) -> str:
    return f"{ret.status}|{order.updated_at.isoformat()}"


def language(order: Order, default: str) -> str:
    locale = order.customer_locale or (order.customer.locale if order.customer else None)
    return (locale or default).split("-")[0].split("_")[0].lower() or default


def goods_status(order: Order) -> GoodsStatus:
    if any(f.delivered_at is not None for f in order.fulfillments):
        return GoodsStatus.RECEIVED
    if order.fulfillments:
        return GoodsStatus.IN_TRANSIT
    if order.display_fulfillment_status in NOT_SHIPPED or order.display_fulfillment_status is None:
        return GoodsStatus.NOT_SHIPPED
    raise _Unmappable("displayFulfillmentStatus",
                      f"{order.display_fulfillment_status!r} without fulfillments: where are the goods?")


def _money_option(shop: ShopConfig, name: str, default: Decimal) -> Decimal:
    value = shop.options.get(name)
    return Decimal(str(value)) if value is not None else default


def _to_case(ret: Return, order: Order, shop: ShopConfig, profile: PlatformProfile) -> Case:
    if ret.status not in RETURN_STATUSES:
        raise _Unmappable("status", f"unknown ReturnStatus {ret.status!r}")
    lines = ret.return_line_items.nodes
    if not lines:
        raise _Unmappable("returnLineItems", "a return without lines")
    items = [ln.fulfillment_line_item.line_item for ln in lines if ln.fulfillment_line_item is not None]
    if len(items) != len(lines):
        raise _Unmappable("returnLineItems.fulfillmentLineItem", "a line without its order line")
    total = sum((it.original_unit_price_set.shop_money.amount * ln.quantity
                 for it, ln in zip(items, lines, strict=True)), Decimal(0))
    first = lines[0]
    reason = first.return_reason or ("OTHER" if first.return_reason_note else "")
    if profile.reason(reason) is None:
        raise _Unmappable("returnReason", f"reason {reason!r} is not in the shopify profile")
    notes = [n.strip() for ln in lines for n in (ln.customer_note or "", ln.return_reason_note) if n.strip()]
    item = items[0]
    return_cost = _money_option(shop, "return_shipping_cost", DEFAULT_RETURN_SHIPPING)
    shipped = min((f.created_at for f in order.fulfillments), default=None)
    delivered = min((f.delivered_at for f in order.fulfillments if f.delivered_at), default=None)
    return Case(
        refund_id=ret.id, platform=shop.platform, shop_id=shop.shop_id, order_id=order.id,
        sku=item.sku, title=item.title,
        category=shop.options.get("category"), currency=order.currency_code, item_price=total,
        refund_amount=total, reason=reason, message="\n".join(dict.fromkeys(notes)) or None, photos=None,
        goods_status=goods_status(order), wants_return=True, return_shipping_cost=return_cost,
        forward_shipping_cost=_money_option(shop, "forward_shipping_cost", return_cost),
        shipped_at=shipped, delivered_at=delivered, requested_at=ret.created_at,
        buyer_id=order.customer.id if order.customer else None, lang=language(order, profile.default_lang),
    )


def _issue(exc: ValidationError, prefix: str) -> MappingIssue:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return MappingIssue(field=f"{prefix}.{loc}" if loc else prefix, message=err["msg"])


def map_return(raw_return: Any, raw_order: Any, shop: ShopConfig) -> FetchedCase:
    """One Return and its order as a ``FetchedCase``; never raises for a bad record."""
    if not isinstance(raw_return, dict) or not isinstance(raw_order, dict):
        where = "return" if not isinstance(raw_return, dict) else "order"
        rid = raw_return.get("id") if isinstance(raw_return, dict) else None
        return FetchedCase(refund_id=rid if isinstance(rid, str) else "", case=None,
                           raw={"return": raw_return, "order": raw_order},
                           mapping_issue=MappingIssue(field=where, message="not a JSON object"))
    refund_id = str(raw_return.get("id") or "")
    status = raw_return.get("status")
    seen_status = status if isinstance(status, str) else None
    order_only = {k: v for k, v in raw_order.items() if k != "returns"}
    raw = {"return": raw_return, "order": order_only}
    try:
        order = Order.model_validate(order_only)
    except ValidationError as exc:
        return FetchedCase(refund_id=refund_id, case=None, raw=raw, platform_status=seen_status,
                           mapping_issue=_issue(exc, "order"))
    try:
        ret = Return.model_validate({k: v for k, v in raw_return.items() if k not in ("order", "refunds")})
    except ValidationError as exc:
        return FetchedCase(refund_id=refund_id, case=None, raw=raw, platform_status=seen_status,
                           updated_at=order.updated_at, mapping_issue=_issue(exc, "return"))
    base: dict[str, Any] = {"refund_id": ret.id, "raw": raw, "platform_status": ret.status,
                            "version": version_of(ret, order), "updated_at": order.updated_at}
    try:
        case = _to_case(ret, order, shop, load_profile("shopify"))
    except _Unmappable as exc:
        issue = MappingIssue(field=exc.field, message=exc.message)
        return FetchedCase(case=None, mapping_issue=issue, **base)
    except ValidationError as exc:
        return FetchedCase(case=None, mapping_issue=_issue(exc, "case"), **base)
    return FetchedCase(case=case, **base)
