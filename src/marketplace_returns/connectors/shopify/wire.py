"""Shopify Admin GraphQL objects as pydantic models, with Shopify's own (camelCase) field names.

Why wire models apart from the mapping: reading the answer and understanding it fail differently.
These models only check shapes and types (``extra="ignore"``: Shopify adds fields every quarter);
MoneyV2 ``amount`` is a ``Decimal`` (Shopify sends it as a decimal string) and DateTimes are aware.
Only the fields our documents select are declared.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True, frozen=True)


class MoneyV2(Wire):
    amount: Decimal = Field(allow_inf_nan=False)
    currency_code: str


class MoneyBag(Wire):
    shop_money: MoneyV2


class LineItem(Wire):
    id: str
    sku: str | None = None
    title: str = ""
    original_unit_price_set: MoneyBag


class FulfillmentLineItem(Wire):
    line_item: LineItem


class ReturnLineItem(Wire):
    id: str
    quantity: int = Field(ge=0)
    return_reason: str | None = None
    return_reason_note: str = ""
    customer_note: str | None = None
    fulfillment_line_item: FulfillmentLineItem | None = None


class ReturnLineItems(Wire):
    nodes: list[ReturnLineItem]


class ReturnDecline(Wire):
    reason: str | None = None
    note: str | None = None


class Refund(Wire):
    id: str
    note: str | None = None
    created_at: AwareDatetime | None = None
    total_refunded_set: MoneyBag | None = None


class Refunds(Wire):
    nodes: list[Refund]


class Customer(Wire):
    id: str
    locale: str | None = None


class Fulfillment(Wire):
    created_at: AwareDatetime
    in_transit_at: AwareDatetime | None = None
    delivered_at: AwareDatetime | None = None
    display_status: str | None = None


class Transaction(Wire):
    id: str
    kind: str
    status: str | None = None
    gateway: str | None = None


class Return(Wire):
    id: str
    name: str = ""
    status: str
    created_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    request_approved_at: AwareDatetime | None = None
    decline: ReturnDecline | None = None
    return_line_items: ReturnLineItems
    order: Order | None = None
    refunds: Refunds | None = None


class Returns(Wire):
    nodes: list[Return]


class Order(Wire):
    id: str
    name: str = ""
    updated_at: AwareDatetime
    created_at: AwareDatetime
    currency_code: str
    customer_locale: str | None = None
    display_fulfillment_status: str | None = None
    return_status: str | None = None
    customer: Customer | None = None
    fulfillments: list[Fulfillment] = Field(default_factory=list)
    transactions: list[Transaction] = Field(default_factory=list)
    returns: Returns | None = None


class PageInfo(Wire):
    has_next_page: bool
    end_cursor: str | None = None


class OrderConnection(Wire):
    page_info: PageInfo
    nodes: list[dict[str, object]]
    """Orders kept raw here: each is validated on its own so one bad order does not sink the page."""


Return.model_rebuild()
__all__ = ["Order", "OrderConnection", "Return", "datetime"]
