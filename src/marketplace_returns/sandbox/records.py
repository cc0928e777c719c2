"""The sandbox's records: a refund, a shop, and one recorded seller action.

Why slots dataclasses and not pydantic: the sandbox holds 100,000 refunds in memory and mutates them
in place on every transition; validation happens at the HTTP edge (the routers), not here. A refund
also knows how to show itself as TOP's ``Refund`` structure (``to_top``) because the TOP router and
the Taobao connector's tests both read that one shape.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

STATUSES = ("WAIT_SELLER_AGREE", "WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS",
            "SELLER_REFUSE_BUYER", "CLOSED", "SUCCESS")
OPEN_STATUSES = frozenset({"WAIT_SELLER_AGREE", "WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS"})
_TOP_ROLE = {"buyer": "1", "seller": "2", "platform": "3"}
_ORDER_STATUS = {"not_shipped": "WAIT_SELLER_SEND_GOODS", "in_transit": "WAIT_BUYER_CONFIRM_GOODS",
                 "received": "TRADE_BUYER_SIGNED"}


@dataclass(slots=True)
class SandboxShop:
    """A shop the sandbox serves, with the credentials a connector must present."""

    shop_id: str
    platform: str
    app_key: str = ""
    app_secret: str = ""
    session: str = ""
    shop_domain: str = ""
    access_token: str = ""

    def as_dict(self) -> dict[str, str]:
        keys = ("app_key", "app_secret", "session") if self.platform != "shopify" \
            else ("shop_domain", "access_token")
        return {"shop_id": self.shop_id, "platform": self.platform, **{k: getattr(self, k) for k in keys}}


@dataclass(slots=True)
class SandboxRefund:
    """One refund (Taobao/Tmall) or return (Shopify) request, with the ground truth it was made from."""

    refund_id: str
    platform: str
    shop_id: str
    order_id: str
    line_id: str
    buyer_id: str
    buyer_nick: str
    sku: str
    title: str
    category: str
    currency: str
    item_price: Decimal
    refund_amount: Decimal
    reason: str
    message: str
    photos: int
    goods_status: str
    wants_return: bool
    return_shipping_cost: Decimal
    forward_shipping_cost: Decimal
    ship_by: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    created: datetime
    modified: datetime
    deadline: datetime
    status: str = "WAIT_SELLER_AGREE"
    version: int = 1
    phase: str = "onsale"
    messages: list[dict[str, Any]] = field(default_factory=list)
    lang: str = "zh"
    size_deviation_cm: float | None = None
    dispute: bool = False
    refunded_amount: Decimal | None = None
    negotiated_amount: Decimal | None = None
    truth_family: str = ""
    truth_category: str = ""
    return_company: str | None = None
    return_tracking: str | None = None
    returned_at: datetime | None = None

    def to_top(self) -> dict[str, Any]:
        """TOP's ``Refund`` structure, values still typed (the router writes yuan strings and GMT+8)."""
        returned = self.returned_at is not None
        good = "BUYER_RETURNED_GOODS" if returned else (
            "BUYER_RECEIVED" if self.goods_status == "received" else "BUYER_NOT_RECEIVED")
        return {
            "refund_id": int(self.refund_id), "tid": int(self.order_id), "oid": int(self.line_id),
            "status": self.status, "order_status": _ORDER_STATUS[self.goods_status], "good_status": good,
            "has_good_return": self.wants_return, "total_fee": self.item_price, "payment": self.item_price,
            "price": self.item_price, "num": 1, "refund_fee": self.refund_amount, "reason": self.reason,
            "desc": self.message, "created": self.created, "modified": self.modified,
            "refund_remind_timeout": {"remind_type": 1, "exist_timeout": self.status in OPEN_STATUSES,
                                      "timeout": self.deadline},
            "refund_version": self.version, "refund_phase": self.phase,
            "dispute_type": "REFUND_AND_RETURN" if self.wants_return else "REFUND",
            "cs_status": 2 if self.dispute else 1, "title": self.title, "sku": self.sku,
            "outer_id": self.sku, "num_iid": int(self.line_id) // 10, "buyer_nick": self.buyer_nick,
            "buyer_open_uid": self.buyer_id, "seller_nick": self.shop_id,
            "company_name": self.return_company, "sid": self.return_tracking,
            "good_return_time": self.returned_at, "ship_by": self.ship_by, "consign_time": self.shipped_at,
        }

    def all_messages(self) -> list[dict[str, Any]]:
        """The buyer's opening description (kept as ``message``) followed by the later messages."""
        first = {"id": f"{self.refund_id}00", "owner_role": "buyer", "content": self.message,
                 "created": self.created, "photos": self.photos}
        return [first, *self.messages]

    def top_messages(self) -> list[dict[str, Any]]:
        """The message log as TOP's ``RefundMessage`` list (owner_role 1 buyer, 2 seller, 3 platform)."""
        out = []
        for m in self.all_messages():
            owner = self.buyer_nick if m["owner_role"] == "buyer" else self.shop_id
            pics = [{"url": f"https://img.sandbox.invalid/{self.refund_id}/{i}.jpg"}
                    for i in range(int(m.get("photos", 0)))]
            out.append({"id": int(m["id"]), "refund_id": int(self.refund_id), "owner_nick": owner,
                        "owner_role": _TOP_ROLE[m["owner_role"]], "content": m["content"],
                        "created": m["created"], "message_type": "COMMON", "refund_phase": self.phase,
                        **({"pic_urls": {"pic_url": pics}} if pics else {})})
        return out


@dataclass(slots=True)
class RecordedAction:
    """One seller write the sandbox received, and what it did with it."""

    seq: int
    at: datetime
    platform: str
    shop_id: str
    refund_id: str
    action: str
    api_method: str
    params: dict[str, str]
    idempotency_key: str | None
    outcome: str  # applied | duplicate | stale | rejected
    version_before: int | None
    version_after: int | None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data

    def __getitem__(self, key: str) -> Any:
        """Mapping-style access, so a test can read ``action["refund_id"]``."""
        return getattr(self, key)
