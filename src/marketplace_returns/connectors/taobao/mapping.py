"""TOP refund record → ``FetchedCase``, through the platform profile.

Why a separate step: reading the wire (``wire.py``) and understanding it are different failures. A
record whose status, goods state or reason text we do not know is not an error of the poll: it is
kept raw, flagged with the field that failed (``MappingIssue``), counted, and the poll goes on.

What TOP does not give, and where it comes from instead:

* the return leg's shipping cost: ``ShopConfig.options["return_shipping_cost"]`` (default 12 CNY),
  the forward leg likewise (``forward_shipping_cost``);
* the product category: ``options["category"]`` (TOP's refund carries no category);
* ``ship_by`` / ``shipped_at``: the order's promise and ``consign_time``. TOP has them on the trade
  (``taobao.trade.fullinfo.get``), not on the refund; the sandbox serves them on the refund record as
  ``ship_by`` / ``consign_time`` and we read them when present (see connectors/taobao/README.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from pydantic import ValidationError

from marketplace_returns.connectors.base import FetchedCase, MappingIssue, ShopConfig
from marketplace_returns.connectors.taobao.wire import Refund, RefundMessage
from marketplace_returns.models.case import Case, GoodsStatus
from marketplace_returns.profiles import PlatformProfile, load_profile

REFUND_STATUSES: Final = frozenset({
    "WAIT_SELLER_AGREE", "WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS", "SELLER_REFUSE_BUYER",
    "CLOSED", "SUCCESS", "WAIT_BUYER_CONFIRM_EXCHANGE_SELLER_SEND_GOODS", "EXCHANGE_TRANSFORM_TO_REFUND",
    "WAIT_SELLER_CONSIGN_GOODS",
})
OPEN_STATUSES: Final = frozenset({
    "WAIT_SELLER_AGREE", "WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS",
})
SHIPPED_ORDER_STATUSES: Final = frozenset({
    "WAIT_BUYER_CONFIRM_GOODS", "TRADE_BUYER_SIGNED", "TRADE_FINISHED",
})
NOT_SHIPPED_ORDER_STATUSES: Final = frozenset({"WAIT_SELLER_SEND_GOODS", "SELLER_CONSIGNED_PART"})
GOOD_STATUSES: Final = frozenset({"BUYER_NOT_RECEIVED", "BUYER_RECEIVED", "BUYER_RETURNED_GOODS"})
DEFAULT_RETURN_SHIPPING: Final = Decimal("12")
BUYER_ROLE: Final = "1"


class _Unmappable(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def version_of(refund_version: str | None, refund_phase: str | None) -> str | None:
    """The token that makes an action stale-proof: ``refund_version|refund_phase``."""
    if not refund_version:
        return None
    return f"{refund_version}|{refund_phase or ''}"


def split_version(token: str | None) -> tuple[str | None, str | None]:
    if not token:
        return None, None
    version, _, phase = token.partition("|")
    return version or None, phase or None


def goods_status(refund: Refund) -> GoodsStatus:
    """Where the goods are, from TOP's good_status, order_status and the shipment time."""
    good = refund.good_status
    if good is not None and good not in GOOD_STATUSES:
        raise _Unmappable("good_status", f"unknown good_status {good!r}")
    if good in ("BUYER_RECEIVED", "BUYER_RETURNED_GOODS"):
        return GoodsStatus.RECEIVED
    if refund.order_status in NOT_SHIPPED_ORDER_STATUSES and refund.consign_time is None:
        return GoodsStatus.NOT_SHIPPED
    if refund.consign_time is not None or refund.order_status in SHIPPED_ORDER_STATUSES:
        return GoodsStatus.IN_TRANSIT
    if good is None:
        raise _Unmappable("good_status", "missing, and order_status does not say whether it shipped")
    return GoodsStatus.NOT_SHIPPED


def _money_option(shop: ShopConfig, name: str, default: Decimal | None) -> Decimal | None:
    value = shop.options.get(name)
    return Decimal(str(value)) if value is not None else default


def _to_case(refund: Refund, shop: ShopConfig, profile: PlatformProfile,
             messages: list[RefundMessage] | None) -> Case:
    if refund.status not in REFUND_STATUSES:
        raise _Unmappable("status", f"unknown refund status {refund.status!r}")
    reason = (refund.reason or "").strip()
    if reason and profile.reason(reason) is None:
        raise _Unmappable("reason", f"reason text {reason!r} is not in the {profile.platform} profile")
    item_price = refund.total_fee
    if item_price is None and refund.price is not None:
        item_price = refund.price * (refund.num or 1)
    if item_price is None:
        raise _Unmappable("total_fee", "no total_fee and no price: the amount paid is unknown")
    buyer_messages = [m for m in messages or [] if (m.owner_role or BUYER_ROLE) == BUYER_ROLE]
    photos = sum(m.pictures for m in buyer_messages) if messages is not None else None
    return_cost = _money_option(shop, "return_shipping_cost", DEFAULT_RETURN_SHIPPING)
    return Case(
        refund_id=refund.refund_id, platform=shop.platform, shop_id=shop.shop_id, order_id=refund.tid,
        sku=refund.sku or refund.outer_id, title=refund.title, category=shop.options.get("category"),
        currency=profile.currency, item_price=item_price, refund_amount=refund.refund_fee,
        reason=reason, message=refund.desc or None, photos=photos, goods_status=goods_status(refund),
        wants_return=refund.has_good_return, return_shipping_cost=return_cost,
        forward_shipping_cost=_money_option(shop, "forward_shipping_cost", return_cost),
        ship_by=refund.ship_by, shipped_at=refund.consign_time, requested_at=refund.created,
        buyer_id=refund.buyer_open_uid or refund.buyer_nick, lang=profile.default_lang,
    )


def map_refund(raw: dict[str, Any], shop: ShopConfig, *,
               messages: list[dict[str, Any]] | None = None) -> FetchedCase:
    """One TOP refund record as a ``FetchedCase``; never raises for a bad record."""
    refund_id = str(raw.get("refund_id") or "")
    try:
        refund = Refund.model_validate(raw)
        parsed_messages = (None if messages is None
                           else [RefundMessage.model_validate(m) for m in messages])
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "record"
        status = raw.get("status")
        return FetchedCase(refund_id=refund_id, case=None, raw=raw,
                           platform_status=status if isinstance(status, str) else None,
                           mapping_issue=MappingIssue(field=field, message=err["msg"]))
    base: dict[str, Any] = {
        "refund_id": refund.refund_id, "raw": raw, "platform_status": refund.status,
        "version": version_of(refund.refund_version, refund.refund_phase),
        "deadline": refund.refund_remind_timeout.timeout if refund.refund_remind_timeout else None,
        "updated_at": refund.modified,
    }
    try:
        case = _to_case(refund, shop, load_profile(shop.platform), parsed_messages)
    except _Unmappable as exc:
        return FetchedCase(case=None, mapping_issue=MappingIssue(field=exc.field, message=exc.message),
                           **base)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "case"
        return FetchedCase(case=None, mapping_issue=MappingIssue(field=field, message=err["msg"]), **base)
    return FetchedCase(case=case, **base)
