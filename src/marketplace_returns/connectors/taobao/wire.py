"""Pydantic models of TOP's refund records, with TOP's own field names.

Why: the wire shape is the platform's, not ours. These models read exactly what TOP sends (money as
yuan strings such as ``"200.07"``, ids as numbers or strings, timestamps as GMT+8 text) and ignore
what they do not know, so a new field on the platform never breaks the poll. Mapping to a ``Case``
is a separate step (``mapping.py``) so that a record the mapping cannot read is still kept raw.

Field dictionary: TOP's ``Refund``, ``RefundRemindTimeout`` and ``RefundMessage`` structures (as in
the public Go SDK bububa/opentaobao ``model/refund``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from marketplace_returns.connectors.taobao.signing import parse_timestamp


def _yuan(value: Any) -> Any:
    """``"200.07"`` → Decimal('200.07'); numbers are read through their text so no float creeps in."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a yuan amount: {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"not a yuan amount: {value!r}")
    return amount


def _top_time(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return parse_timestamp(str(value))


def _text_id(value: Any) -> Any:
    if value is None or value == "":
        return None
    return str(value)


Yuan = Annotated[Decimal | None, BeforeValidator(_yuan)]
TopTime = Annotated[datetime | None, BeforeValidator(_top_time)]
TextId = Annotated[str | None, BeforeValidator(_text_id)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class RefundRemindTimeout(_Wire):
    remind_type: int | None = None
    exist_timeout: bool | None = None
    timeout: TopTime = None


class Refund(_Wire):
    """One refund as ``taobao.refunds.receive.get`` lists it and ``taobao.refund.get`` details it."""

    refund_id: Annotated[str, BeforeValidator(_text_id)]
    tid: TextId = None
    oid: TextId = None
    status: str | None = None
    order_status: str | None = None
    good_status: str | None = None
    has_good_return: bool | None = None
    refund_fee: Yuan = None
    total_fee: Yuan = None
    payment: Yuan = None
    price: Yuan = None
    num: int | None = None
    reason: str | None = None
    desc: str | None = None
    created: TopTime = None
    modified: TopTime = None
    good_return_time: TopTime = None
    refund_remind_timeout: RefundRemindTimeout | None = None
    refund_version: TextId = None
    refund_phase: str | None = None
    dispute_type: str | None = None
    cs_status: int | None = None
    num_iid: TextId = None
    title: str | None = None
    sku: str | None = None
    outer_id: str | None = None
    buyer_nick: str | None = None
    buyer_open_uid: str | None = None
    seller_nick: str | None = None
    company_name: str | None = None
    sid: str | None = None
    operation_contraint: str | None = None
    # Not in TOP's Refund: the sandbox serves the order's promise and shipment on the refund so that a
    # backfill needs no taobao.trade.fullinfo.get per record (see connectors/taobao/README.md).
    consign_time: TopTime = None
    ship_by: TopTime = None


class PicUrl(_Wire):
    url: str | None = None


class PicUrls(_Wire):
    pic_url: list[PicUrl] = Field(default_factory=list)


class RefundMessage(_Wire):
    id: TextId = None
    refund_id: TextId = None
    owner_id: TextId = None
    owner_nick: str | None = None
    owner_role: str | None = None
    """1 buyer, 2 seller, 3 platform staff."""
    content: str | None = None
    created: TopTime = None
    message_type: str | None = None
    refund_phase: str | None = None
    pic_urls: PicUrls | list[PicUrl] | None = None

    @property
    def pictures(self) -> int:
        if self.pic_urls is None:
            return 0
        if isinstance(self.pic_urls, list):
            return len(self.pic_urls)
        return len(self.pic_urls.pic_url)


def unwrap_list(container: Any, item_key: str) -> list[Any]:
    """TOP nests lists as ``{"refunds": {"refund": [...]}}``; an absent or empty page gives []."""
    if container is None or container == "":
        return []
    if isinstance(container, dict):
        items = container.get(item_key, [])
        return list(items) if isinstance(items, list) else [items]
    if isinstance(container, list):
        return list(container)
    return []


class ReceivePage(_Wire):
    """The body of ``refunds_receive_get_response``."""

    refunds: list[dict[str, Any]] = Field(default_factory=list)
    total_results: int | None = None
    has_next: bool | None = None

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> ReceivePage:
        return cls(refunds=unwrap_list(body.get("refunds"), "refund"),
                   total_results=body.get("total_results"), has_next=body.get("has_next"))
