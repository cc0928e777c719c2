"""What a rule sees about one case, and the honest-steering test every reason change must pass.

Why apart: the playbook's compiled conditions and the engine's final guard read the same context, and
the honest-steering test (contracts/triage.md) lives in code here, not in a seller's YAML: a playbook
can ask for a reason change, only this test can allow one.
"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace_returns.engine.money import MoneyFacts, days_between
from marketplace_returns.engine.playbook_models import Settings
from marketplace_returns.engine.signals import ClassifierResult, Signals
from marketplace_returns.models.case import Case, GoodsStatus
from marketplace_returns.models.decision import Classification
from marketplace_returns.models.vocabulary import QUALITY_CATEGORIES, Category, Family
from marketplace_returns.profiles import PlatformProfile

LATE_SHIPMENT_CATEGORY = Category.SHIPPING_DELAY


@dataclass(slots=True)
class Context:
    case: Case
    classification: Classification
    signals: Signals
    profile: PlatformProfile
    penalising: str | None
    money: MoneyFacts
    settings: Settings
    steer: str | bool | None = False
    """steering_target's answer once computed (False: not yet); several rules and the guard ask."""

    @classmethod
    def build(cls, case: Case, result: ClassifierResult, profile: PlatformProfile, money: MoneyFacts,
              settings: Settings) -> Context:
        return cls(case, result.classification, result.signals, profile, profile.penalises(case.reason),
                   money, settings)

    @property
    def days_since_delivery(self) -> int | None:
        return days_between(self.case.delivered_at, self.case.requested_at)


def steering_target(ctx: Context) -> str | None:
    """The accurate reason to propose, or None (computed once per case; see _steering_target)."""
    if ctx.steer is False:
        ctx.steer = _steering_target(ctx)
    return ctx.steer if isinstance(ctx.steer, str) else None


def _steering_target(ctx: Context) -> str | None:
    """The accurate, non-penalising reason to propose, or None when honest steering does not allow one.

    Allowed only when all hold: the chosen reason penalises the seller; the case is non-quality; no
    quality cue appears in the words (a real problem is never steered); and the buyer's words or the
    order's facts show a non-quality category whose accurate reason the profile knows, or the buyer
    filed "not shipped on time" for an order shipped before ship_by.
    """
    if ctx.penalising is None or ctx.classification.family is Family.QUALITY:
        return None
    sig = ctx.signals
    if sig.any_quality_cue or sig.counterfeit_claim:
        return None
    accurate = ctx.profile.accurate_reason
    entry = ctx.profile.reason(ctx.case.reason)
    filed_late = entry is not None and entry.category is LATE_SHIPMENT_CATEGORY
    supported: Category | None = None
    if filed_late:
        if sig.shipped_late is not False:  # late, or unknown: the reason may be accurate
            return None
        supported = ctx.classification.category
        if supported not in accurate:
            supported = Category.OTHER
    else:
        for shown in (sig.text_category, sig.fact_category):
            if shown is not None and shown not in QUALITY_CATEGORIES and shown in accurate \
                    and shown is not LATE_SHIPMENT_CATEGORY:
                supported = shown
                break
    if supported is None or supported not in accurate:
        return None
    target = accurate[supported]
    if target == ctx.case.reason.strip() or ctx.profile.penalises(target):
        return None
    return target


def lawful_no_reason_return(ctx: Context) -> bool:
    """A seven-day no-reason return the platform grants by law: never refused (E-commerce Law)."""
    if not ctx.profile.seven_day_no_reason or ctx.case.goods_status is GoodsStatus.NOT_SHIPPED:
        return False
    days = ctx.days_since_delivery
    return days is None or days <= ctx.settings.seven_day_window_days
