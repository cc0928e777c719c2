"""What a rule sees about one case, and the honest-steering test every reason change must pass.

Why apart: the playbook's compiled conditions and the engine's final guard read the same context, and
the honest-steering test (contracts/triage.md) lives in code here, not in a seller's YAML: a playbook
can ask for a reason change, only this test can allow one, and only with grounds the reply can quote:
a clause of the buyer's own message (engine/spans.py) or the case's shipping times.
"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace_returns.engine.money import MoneyFacts, days_between
from marketplace_returns.engine.playbook_models import Settings
from marketplace_returns.engine.signals import ClassifierResult, Signals
from marketplace_returns.engine.spans import Grounds, quality_words, shipping_fact, stated_reasons
from marketplace_returns.models.case import Case, GoodsStatus
from marketplace_returns.models.decision import Classification
from marketplace_returns.models.vocabulary import QUALITY_CATEGORIES, Category, Family
from marketplace_returns.profiles import PlatformProfile

LATE_SHIPMENT_CATEGORY = Category.SHIPPING_DELAY
MAX_QUALITY_PROBABILITY = 0.2
"""Where the learned reader decided the family, it must put quality below this for any reason change."""
MAX_QUALITY_PROBABILITY_OVER_CUES = 0.9
"""Where a clear non-quality cue decided, the reader vetoes only when it is this sure of quality: it
learned from product reviews, and on short refund-style messages ("I ordered the wrong size.", 0.83)
it reads quality where the words state the opposite (37 of the sandbox's 72 non-quality messages at
0.2 or more), so a low bar there would refuse nearly every honest request."""
"""A reason change needs the learned reader (when it ran) to put quality below this."""


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
    grounds: Grounds | None = None
    """What ``steer`` rests on, once computed: the buyer's clause verbatim, or the shipping facts."""

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
        ctx.steer, ctx.grounds = _steering_target(ctx)
    return ctx.steer if isinstance(ctx.steer, str) else None


def steering_grounds(ctx: Context) -> Grounds | None:
    """What the reason change rests on (the buyer's clause or the shipping facts), or None."""
    return ctx.grounds if steering_target(ctx) is not None else None


def steering_blocked(ctx: Context) -> str | None:
    """Why no reason change may be asked whatever the words state, or None when one may be.

    Every one of these holds before any request: the filed reason penalises the seller; the case is
    non-quality; no quality cue in the words (the classifier's, and the span finder's own quality
    words); the learned reader, when it ran, puts quality below ``MAX_QUALITY_PROBABILITY`` where it
    decided the family (below ``MAX_QUALITY_PROBABILITY_OVER_CUES`` where a clear cue did) and is not
    unsure.
    """
    if ctx.penalising is None:
        return "the filed reason does not penalise the seller"
    if ctx.classification.family is Family.QUALITY:
        return "a quality case"
    sig = ctx.signals
    if sig.any_quality_cue or sig.counterfeit_claim:
        return "a quality cue in the words"
    if quality_words(ctx.case.message or ""):
        return "a quality word in the words"
    if _reader_blocks(sig):
        return "the reader does not rule out a quality problem"
    if sig.reader_unsure:
        return "the reader is unsure"
    return None


def _reader_blocks(sig: Signals) -> bool:
    p = sig.quality_probability
    return p is not None and p >= (MAX_QUALITY_PROBABILITY if sig.reader_decided
                                   else MAX_QUALITY_PROBABILITY_OVER_CUES)


def _blocked(ctx: Context) -> bool:
    """``steering_blocked(ctx) is not None``, the cheap tests first: the quality-word search of the
    message (the only costly one) runs last. The same tests, so the same answer; only which reason
    ``steering_blocked`` names depends on their order."""
    sig = ctx.signals
    return (ctx.penalising is None or ctx.classification.family is Family.QUALITY or sig.any_quality_cue
            or sig.counterfeit_claim or _reader_blocks(sig) or sig.reader_unsure
            or bool(quality_words(ctx.case.message or "")))


def _steering_target(ctx: Context) -> tuple[str | None, Grounds | None]:
    """The accurate, non-penalising reason to propose and what it rests on, or (None, None).

    Allowed only when ``steering_blocked`` finds nothing and either the buyer filed "not shipped on
    time" for an order shipped before ship_by (grounds: those two times), or a clause of the buyer's
    message states a non-quality reason outright (grounds: that clause, verbatim; engine/spans.py)
    whose accurate reason the profile knows. A category the classifier only *read* into the words,
    or a fact that does not contradict the filed reason, is not enough.
    """
    if _blocked(ctx):
        return None, None
    accurate = ctx.profile.accurate_reason
    entry = ctx.profile.reason(ctx.case.reason)
    filed = ctx.case.reason.strip()
    if entry is not None and entry.category is LATE_SHIPMENT_CATEGORY:
        case = ctx.case
        if ctx.signals.shipped_late is not False or case.shipped_at is None or case.ship_by is None:
            return None, None  # late, or unknown: the reason may be accurate
        supported = ctx.classification.category
        target = accurate.get(supported) or accurate.get(Category.OTHER)
        if target is None or target == filed or ctx.profile.penalises(target):
            return None, None
        return target, shipping_fact(case.shipped_at, case.ship_by)
    for span in stated_reasons(ctx.case.message or "", ctx.profile.size_tolerance_cm):
        target = accurate.get(span.category)
        if target is None or span.category in QUALITY_CATEGORIES or span.category is LATE_SHIPMENT_CATEGORY \
                or target == filed or ctx.profile.penalises(target):
            continue
        return target, Grounds("words", span.text, span.category)
    return None, None


def lawful_no_reason_return(ctx: Context) -> bool:
    """A seven-day no-reason return the platform grants by law: never refused (E-commerce Law)."""
    if not ctx.profile.seven_day_no_reason or ctx.case.goods_status is GoodsStatus.NOT_SHIPPED:
        return False
    days = ctx.days_since_delivery
    return days is None or days <= ctx.settings.seven_day_window_days
