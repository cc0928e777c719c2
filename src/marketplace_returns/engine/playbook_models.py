"""The playbook vocabulary, defined in code: settings, conditions, actions and rules.

Why in code: a seller edits the YAML, the engine reads only what these models accept. Every model
forbids unknown keys and both conditions and actions are unions discriminated on ``type``, so a typo
is an error naming the rule and the key rather than a rule that silently never fires; the same models
export the JSON Schema editors use (``marketplace-returns playbook schema``).

A number in a condition or an action may be written as a literal or as a reference: ``settings.<key>``
(the playbook's settings, overridable per shop) or one of the case's money names (``price``,
``asked``, ``return_leg``, ``forward_leg``, ``round_trip``). References are checked at load time.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from marketplace_returns.models.case import GoodsStatus
from marketplace_returns.models.vocabulary import Category, Family

Severity = Literal["minor", "serious"]
Ref = Decimal | str
"""A literal amount, or a reference such as ``settings.evidence_threshold`` or ``return_leg``."""
MONEY_NAMES = ("price", "asked", "return_leg", "forward_leg", "round_trip")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(_Strict):
    """Amounts and thresholds a seller may override per shop (``load_playbook(..., overrides=)``)."""

    return_leg_default: Decimal = Field(Decimal(12), gt=0, description="return leg when the case has none")
    forward_leg_default: Decimal = Field(Decimal(12), gt=0, description="forward leg when the case has none")
    partial_refund_share: Decimal = Field(
        Decimal("0.84"), gt=0, lt=1,
        description="first offer = share × the shipping cost it replaces, rounded down (12 → 10, 24 → 20)")
    partial_refund_step_min: Decimal = Field(Decimal(3), gt=0, description="raise after a decline, at least")
    partial_refund_step_max: Decimal = Field(Decimal(5), gt=0, description="raise after a decline, at most")
    partial_refund_gap: Decimal = Field(
        Decimal(1), gt=0, description="every offer stays at least this far below the cost it replaces")
    goodwill_floor: Decimal = Field(
        Decimal("0.6"), ge=0, lt=1, description="a discount never leaves the buyer paying below this share")
    depreciation_per_day: Decimal = Field(Decimal("0.005"), ge=0, lt=1)
    depreciation_after_days: int = Field(30, ge=0)
    price_difference_waiver: Decimal = Field(Decimal(5), ge=0, description="style price gap waived")
    evidence_threshold: Decimal = Field(Decimal(200), ge=0, description="asked at least this with no words "
                                        "and no photos → request evidence")
    auto_refund_ceiling: Decimal = Field(Decimal(100), ge=0, description="auto rules push only up to this")
    keep_defective_below_return_legs: Decimal = Field(
        Decimal(2), ge=0, description="a seriously defective item worth less than this many return legs "
        "is refunded without return (it comes back unsellable)")
    remote_round_trip: Decimal = Field(Decimal(40), gt=0, description="round trip at least this → refund "
                                       "instead of exchange (remote regions)")
    seven_day_window_days: int = Field(7, ge=0)
    return_window_days: int = Field(30, ge=0, description="non-quality returns after this are refused")

    @model_validator(mode="after")
    def _steps(self) -> Settings:
        if self.partial_refund_step_min > self.partial_refund_step_max:
            raise ValueError("partial_refund_step_min is above partial_refund_step_max")
        return self


# ----- conditions ----------------------------------------------------------------------------------

class FamilyIs(_Strict):
    type: Literal["family_is"]
    value: Family


class CategoryIn(_Strict):
    type: Literal["category_in"]
    values: list[Category] = Field(min_length=1)


class SeverityIs(_Strict):
    type: Literal["severity_is"]
    value: Severity


class ColourSeverityIs(_Strict):
    type: Literal["colour_severity_is"]
    value: Severity


class GoodsStatusIs(_Strict):
    type: Literal["goods_status_is"]
    value: GoodsStatus


class PriceBelow(_Strict):
    """The item's price is below ``than`` × ``times`` (e.g. below the return leg)."""

    type: Literal["price_below"]
    than: Ref
    times: Ref = Decimal(1)


class AmountAtLeast(_Strict):
    """A money name (``of``, default ``asked``) is at least ``value``."""

    type: Literal["amount_at_least"]
    of: str = "asked"
    value: Ref


class PhotosAtLeast(_Strict):
    type: Literal["photos_at_least"]
    value: int = Field(ge=0)


class MessageEmpty(_Strict):
    type: Literal["message_empty"]


class ReasonPenalises(_Strict):
    type: Literal["reason_penalises"]
    metric: str | None = None
    """Only this metric (e.g. ``late_shipment_compensation``); any metric when absent."""


class WordsSupportReasonChange(_Strict):
    """The honest-steering test (contract): a clause of the buyer's own message states a non-quality
    reason (quoted in the reply), or the shipping times contradict a filed "not shipped on time"; the
    accurate reason does not penalise; no quality cue anywhere (engine/context.py)."""

    type: Literal["words_support_reason_change"]


class ShippedBeforeShipBy(_Strict):
    type: Literal["shipped_before_ship_by"]


class SizeDeviationOver(_Strict):
    type: Literal["size_deviation_over"]
    cm: Decimal = Field(gt=0)


class CategoryOfProductIn(_Strict):
    type: Literal["category_of_product_in"]
    values: list[str] = Field(min_length=1)


class CounterfeitClaim(_Strict):
    type: Literal["counterfeit_claim"]


class WantsReturnIs(_Strict):
    type: Literal["wants_return_is"]
    value: bool


class DaysSinceDeliveryOver(_Strict):
    type: Literal["days_since_delivery_over"]
    days: int | str = Field(description="a number or settings.<key>")


class FieldEquals(_Strict):
    """A generic test: the value at ``path`` (``case.x``, ``signals.x``, ...) equals ``value``."""

    type: Literal["field_equals"]
    path: str
    value: str | int | float | bool | None


class FieldIn(_Strict):
    type: Literal["field_in"]
    path: str
    values: list[str | int | float | bool | None] = Field(min_length=1)


class WordsMention(_Strict):
    """The buyer's message contains one of ``any`` (case-insensitive), e.g. 掉色 / fading for a recolour."""

    type: Literal["words_mention"]
    any: list[str] = Field(min_length=1)


class Always(_Strict):
    type: Literal["always"]


class AllOf(_Strict):
    type: Literal["all"]
    conditions: list[Condition] = Field(min_length=1)


class AnyOf(_Strict):
    type: Literal["any"]
    conditions: list[Condition] = Field(min_length=1)


class Not(_Strict):
    type: Literal["not"]
    condition: Condition


Condition = Annotated[
    FamilyIs | CategoryIn | SeverityIs | ColourSeverityIs | GoodsStatusIs | PriceBelow | AmountAtLeast
    | PhotosAtLeast | MessageEmpty | ReasonPenalises | WordsSupportReasonChange | ShippedBeforeShipBy
    | SizeDeviationOver | CategoryOfProductIn | CounterfeitClaim | WantsReturnIs | DaysSinceDeliveryOver
    | FieldEquals | FieldIn | WordsMention | Always | AllOf | AnyOf | Not,
    Field(discriminator="type"),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


# ----- actions -------------------------------------------------------------------------------------

Payer = Literal["seller", "buyer"]
Replaces = Literal["return", "exchange"]


class _Action(_Strict):
    then_offer: list[Literal["return_and_refund", "exchange", "repair", "escalate", "intercept",
                             "refund_without_return", "offer_partial_refund"]] = Field(
        default_factory=list, description="fallbacks after this action's own ladder, in order")


class RefundWithoutReturn(_Action):
    type: Literal["refund_without_return"]


class ReturnAndRefund(_Action):
    type: Literal["return_and_refund"]
    shipping_paid_by: Payer = "seller"


class Exchange(_Action):
    type: Literal["exchange"]
    shipping_paid_by: Payer = "seller"
    suggest: Literal["same", "another_style", "another_colour", "missing_part", "another_size"] = "same"
    depreciation: bool = False
    """Apply the per-day depreciation after ``settings.depreciation_after_days`` (shoes)."""


class OfferPartialRefund(_Action):
    type: Literal["offer_partial_refund"]
    replaces: Replaces = "return"
    """The shipping cost the offer stands in for: the return leg, or both legs of an exchange."""


class RequestEvidence(_Action):
    type: Literal["request_evidence"]


class RequestReasonChange(_Action):
    type: Literal["request_reason_change"]


class Intercept(_Action):
    type: Literal["intercept"]


class Repair(_Action):
    type: Literal["repair"]
    what: str = "repair"


class Refuse(_Action):
    type: Literal["refuse"]


class Escalate(_Action):
    type: Literal["escalate"]


ActionSpec = Annotated[
    RefundWithoutReturn | ReturnAndRefund | Exchange | OfferPartialRefund | RequestEvidence
    | RequestReasonChange | Intercept | Repair | Refuse | Escalate,
    Field(discriminator="type"),
]


class BuyerReason(_Strict):
    """What a refusal tells the buyer, in each reply language.

    Why a field of its own: a rule's ``description`` and ``rationale`` are written for the rep (rule
    ids, "non-quality", the reader's doubts) and must never reach a buyer; the refuse reply quotes this
    instead, and says no more than "we cannot accept this" where a rule gives none.
    """

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Rule(_Strict):
    """One rule: ``when`` all conditions hold (an empty list always holds), ``then`` the action."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    description: str = ""
    priority: int | None = None
    """Optional explicit order: lower first; rules without one keep their list order after those with."""
    when: list[Condition] = Field(default_factory=list)
    then: ActionSpec
    auto: bool = False
    rationale: str = ""
    buyer_reason: BuyerReason | None = None
    """For a refusal: the reason the reply gives the buyer (the rationale stays with the rep)."""


class Playbook(_Strict):
    """A seller's policy: settings and an ordered rule list (first match wins)."""

    name: str
    description: str = ""
    version: int = 1
    settings: Settings = Field(default_factory=Settings)
    rules: list[Rule] = Field(min_length=1)
    _compiled: Any = PrivateAttr(default=None)
    """The rules compiled into closures (engine.playbook.compiled_rules); built once, at load time."""
    _source: str = PrivateAttr(default="")
    _candidates: Any = PrivateAttr(default=None)
    """Per (family, category, goods status) of a case, the compiled rules that may match it
    (engine.playbook.candidate_rules); filled as cases come."""

    def ordered_rules(self) -> list[Rule]:
        """Rules in evaluation order: by ``priority`` (absent = after all prioritised), then list order."""
        indexed = list(enumerate(self.rules))
        indexed.sort(key=lambda p: (p[1].priority is None, p[1].priority or 0, p[0]))
        return [r for _, r in indexed]
