"""The triage decision (contract: Decision) and the trail that explains it."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from marketplace_returns.models.case import Money
from marketplace_returns.models.vocabulary import Action, Category, Family


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Classification(_Out):
    family: Family
    category: Category
    confidence: float = Field(ge=0, le=1)
    evidence: list[str] = Field(default_factory=list)


class Offer(_Out):
    action: Action
    amount: Money | None = None


class Recommendation(_Out):
    action: Action
    amount: Money | None = None
    fallbacks: list[Offer] = Field(default_factory=list)
    reason_change_to: str | None = None
    rationale: str = ""
    reason_change_grounds: str | None = None
    """What a reason change rests on (an addition): the buyer's clause verbatim, or the case's
    shipping times; None when no reason change is asked."""


class Reply(_Out):
    lang: str
    text: str


class TraceStep(_Out):
    """One step of the engine's reasoning, shown by ``--explain`` and kept in the audit log."""

    step: str
    detail: str
    facts: dict[str, Any] = Field(default_factory=dict)


class DecisionError(_Out):
    line: int
    message: str
    field: str | None = None


class Decision(_Out):
    """What a good after-sales lead would decide for one case. Fields past ``rule`` are additions."""

    refund_id: str | None = None
    classification: Classification | None = None
    penalising: bool | None = None
    recommendation: Recommendation | None = None
    reply: Reply | None = None
    rule: str | None = None
    error: DecisionError | None = None
    # additions
    playbook: str | None = None
    auto: bool = False
    """The rule is marked automatic in the playbook: the service may push it without a rep."""
    needs_approval: bool = False
    """A rep must approve before anything is pushed (always true for reason-change requests)."""
    penalising_metric: str | None = None
    money: dict[str, Money] | None = None
    """The money compared: price, asked, return_leg, round_trip, offer, saved."""
    trace: list[TraceStep] | None = None


_M = TypeVar("_M", bound=BaseModel)
_set = object.__setattr__


def trusted(model: type[_M], values: dict[str, Any], given: frozenset[str]) -> _M:
    """An instance of ``model`` holding ``values`` as they are, without validating them again.

    For what the engine builds itself from values already of the fields' types (an ``Action``, a
    ``Decimal`` amount, a ``float`` confidence, sub-models built the same way): ``model_construct``
    without its per-field walk. ``values`` must name every field of ``model``, in the order the model
    declares them (the order its JSON is written in); ``given`` is what a validation of the same input
    would count as set. tests/test_engine_rules.py checks that every such decision validates to itself
    and serialises to the same line.
    """
    obj = model.__new__(model)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(given))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj
