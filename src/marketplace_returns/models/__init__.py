"""Platform-neutral models: the contract of shared/contracts/triage.md and what flows around it."""

from marketplace_returns.models.case import Case, GoodsStatus
from marketplace_returns.models.decision import (
    Classification,
    Decision,
    DecisionError,
    Offer,
    Recommendation,
    Reply,
    TraceStep,
)
from marketplace_returns.models.vocabulary import (
    FAMILY_OF,
    NON_QUALITY_CATEGORIES,
    QUALITY_CATEGORIES,
    Action,
    Category,
    Family,
)

__all__ = [
    "FAMILY_OF",
    "NON_QUALITY_CATEGORIES",
    "QUALITY_CATEGORIES",
    "Action",
    "Case",
    "Category",
    "Classification",
    "Decision",
    "DecisionError",
    "Family",
    "GoodsStatus",
    "Offer",
    "Recommendation",
    "Reply",
    "TraceStep",
]
