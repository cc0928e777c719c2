"""The normalised refund case: one refund request, platform-neutral (contract: Case).

Unknown fields are ignored (example files carry a ``why`` note); a missing optional field means
"unknown". Money is ``Decimal`` so that every comparison the playbook makes (below the shipping cost,
never above the price) is exact; it is written to JSON as a number.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

Money = Annotated[
    Decimal,
    Field(ge=0, allow_inf_nan=False),
    PlainSerializer(lambda v: float(v), return_type=float, when_used="json"),
]
"""A non-negative amount in the case's currency; JSON number on the way out."""


class GoodsStatus(StrEnum):
    NOT_SHIPPED = "not_shipped"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"


class Case(BaseModel):
    """One refund request as every connector maps it and as ``triage`` reads it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False, frozen=True)

    refund_id: str = Field(min_length=1)
    platform: str = Field(min_length=1)
    shop_id: str | None = None
    order_id: str | None = None
    sku: str | None = None
    title: str | None = None
    category: str | None = None
    currency: str | None = None
    item_price: Money
    refund_amount: Money | None = None
    reason: str
    message: str | None = None
    photos: int | None = Field(default=None, ge=0)
    goods_status: GoodsStatus | None = None
    wants_return: bool | None = None
    return_shipping_cost: Money | None = None
    forward_shipping_cost: Money | None = None
    ship_by: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    requested_at: datetime | None = None
    size_deviation_cm: float | None = None
    # Additions beyond the contract (allowed: "the package may add fields").
    buyer_id: str | None = None
    batch: str | None = None
    lang: str | None = None

    @model_validator(mode="after")
    def _default_refund_amount(self) -> Case:
        if self.refund_amount is None:
            object.__setattr__(self, "refund_amount", self.item_price)
        return self

    @property
    def asked(self) -> Decimal:
        """What the buyer asks back (defaults to the price, per the contract)."""
        return self.refund_amount if self.refund_amount is not None else self.item_price
