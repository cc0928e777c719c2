"""The triage decision (contract: Decision) and the trail that explains it."""

from __future__ import annotations

from typing import Any

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
