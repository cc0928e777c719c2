"""The money ladder: what a partial refund may be, and the money a decision compares.

Why a module of its own: the bounds here are the product's promise (a partial refund is above 0,
strictly below the shipping cost it replaces and never above the price or what the buyer asked), and
the property tests hold this module to it. All arithmetic is ``Decimal``; offers are rounded *down*
(to whole yuan for CNY when at least 1, to cents otherwise), so rounding never breaks a bound.

Seed 004: the return leg costs 12 → offer 10; an exchange costs 24 both ways → offer 20; if the buyer
declines add 3–5 more, still below the cost replaced; if they decline again, take the return.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import NamedTuple

from marketplace_returns.engine.playbook_models import Replaces, Settings
from marketplace_returns.models.case import Case

_CENT = Decimal("0.01")
_ONE = Decimal(1)
_ZERO = Decimal(0)


class MoneyFacts(NamedTuple):
    """The amounts every rule may compare, with the playbook's defaults for unknown legs. Immutable,
    made once per case: a named tuple (cheaper to make than a frozen dataclass)."""

    currency: str
    price: Decimal
    asked: Decimal
    return_leg: Decimal
    forward_leg: Decimal

    @property
    def round_trip(self) -> Decimal:
        return self.return_leg + self.forward_leg

    def named(self, name: str) -> Decimal:
        """The amount called ``name`` (one of playbook_models.MONEY_NAMES)."""
        if name == "round_trip":
            return self.round_trip
        value: Decimal = getattr(self, name)
        return value


def money_facts(case: Case, settings: Settings, default_currency: str) -> MoneyFacts:
    rl = case.return_shipping_cost
    fl = case.forward_shipping_cost
    return MoneyFacts(
        currency=(case.currency or default_currency).upper(),
        price=case.item_price,
        asked=case.asked,
        return_leg=rl if rl is not None and rl > _ZERO else settings.return_leg_default,
        forward_leg=fl if fl is not None and fl > _ZERO else settings.forward_leg_default,
    )


def round_down(amount: Decimal, currency: str) -> Decimal:
    """Round toward zero: whole units for CNY when the amount is at least 1, else cents."""
    if currency == "CNY" and amount >= _ONE:
        return amount.quantize(_ONE, rounding=ROUND_DOWN)
    return amount.quantize(_CENT, rounding=ROUND_DOWN)


def replaced_cost(m: MoneyFacts, replaces: Replaces) -> Decimal:
    """The shipping cost a partial refund stands in for: the return leg, or both legs of an exchange."""
    return m.return_leg if replaces == "return" else m.round_trip


def offer_ceiling(m: MoneyFacts, settings: Settings, replaces: Replaces) -> Decimal:
    """The highest offer allowed: below the replaced cost by the gap, ≤ price, ≤ asked, ≤ goodwill cap."""
    replaced = replaced_cost(m, replaces)
    goodwill_cap = m.price * (_ONE - settings.goodwill_floor)
    ceiling = min(replaced - settings.partial_refund_gap, m.price, m.asked, goodwill_cap)
    if ceiling >= replaced:  # a gap of zero is refused by Settings; this keeps "strictly below" obvious
        ceiling = replaced - _CENT
    return round_down(max(ceiling, _ZERO), m.currency)


def partial_refund_ladder(m: MoneyFacts, settings: Settings, replaces: Replaces) -> list[Decimal]:
    """The offers in order: first, then one raised by the step (if it still fits). Empty if none fits."""
    ceiling = offer_ceiling(m, settings, replaces)
    if ceiling <= _ZERO:
        return []
    first = min(round_down(replaced_cost(m, replaces) * settings.partial_refund_share, m.currency), ceiling)
    if first <= _ZERO:
        return []
    second = min(first + settings.partial_refund_step_min, ceiling)
    return [first, second] if second > first else [first]


def days_between(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    a = start if start.tzinfo else start.replace(tzinfo=UTC)
    b = end if end.tzinfo else end.replace(tzinfo=UTC)
    return int((b - a).total_seconds() // 86400)


def depreciation(m: MoneyFacts, settings: Settings, days_since_delivery: int | None) -> Decimal:
    """Per-day depreciation on an exchange after the grace period (shoes: 0.5 %/day after 30 days)."""
    if days_since_delivery is None or days_since_delivery <= settings.depreciation_after_days:
        return _ZERO
    days = days_since_delivery - settings.depreciation_after_days
    cap = m.price * (_ONE - settings.goodwill_floor)
    return round_down(min(m.price * settings.depreciation_per_day * days, cap), m.currency)


def compared(m: MoneyFacts, *, offer: Decimal | None = None, saved: Decimal | None = None,
             **extra: Decimal) -> dict[str, Decimal]:
    """The Decision's ``money``: price, asked, return_leg, round_trip, offer, saved (+ extras)."""
    # The legs summed here rather than through ``round_trip``: a property call per case for one addition.
    out = {"price": m.price, "asked": m.asked, "return_leg": m.return_leg,
           "round_trip": m.return_leg + m.forward_leg}
    if offer is not None:
        out["offer"] = offer
    if saved is not None:
        out["saved"] = saved
    if extra:
        out.update(extra)
    return out
