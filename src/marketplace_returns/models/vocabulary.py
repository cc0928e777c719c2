"""The fixed vocabulary of the contract: families, categories and actions.

These are the names tools outside the package rely on; add, never rename.
"""

from __future__ import annotations

from enum import StrEnum


class Family(StrEnum):
    QUALITY = "quality"
    NON_QUALITY = "non_quality"


class Category(StrEnum):
    # quality family: the product or its fulfilment is at fault (seller's side)
    DEFECT = "defect"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    NOT_AS_DESCRIBED = "not_as_described"
    WRONG_ITEM = "wrong_item"
    MISSING_PARTS = "missing_parts"
    COUNTERFEIT = "counterfeit"
    # non-quality family: the buyer's choice or circumstances
    SIZE_FIT = "size_fit"
    STYLE_PREFERENCE = "style_preference"
    CHANGED_MIND = "changed_mind"
    ORDERED_BY_MISTAKE = "ordered_by_mistake"
    PRICE = "price"
    SHIPPING_DELAY = "shipping_delay"
    NOT_RECEIVED = "not_received"
    OTHER = "other"


QUALITY_CATEGORIES: frozenset[Category] = frozenset(
    {
        Category.DEFECT,
        Category.DAMAGED_IN_TRANSIT,
        Category.NOT_AS_DESCRIBED,
        Category.WRONG_ITEM,
        Category.MISSING_PARTS,
        Category.COUNTERFEIT,
    }
)
NON_QUALITY_CATEGORIES: frozenset[Category] = frozenset(set(Category) - QUALITY_CATEGORIES)

FAMILY_OF: dict[Category, Family] = {
    c: (Family.QUALITY if c in QUALITY_CATEGORIES else Family.NON_QUALITY) for c in Category
}


class Action(StrEnum):
    REFUND_WITHOUT_RETURN = "refund_without_return"
    RETURN_AND_REFUND = "return_and_refund"
    EXCHANGE = "exchange"
    OFFER_PARTIAL_REFUND = "offer_partial_refund"
    REQUEST_EVIDENCE = "request_evidence"
    REQUEST_REASON_CHANGE = "request_reason_change"
    INTERCEPT = "intercept"
    REPAIR = "repair"
    REFUSE = "refuse"
    ESCALATE = "escalate"
