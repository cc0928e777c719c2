"""Which rule the guardrail's rules alone read in a text: the round tests ask the rules directly, so a
retrained learned layer cannot hide a rule that stopped reading."""

from __future__ import annotations

from marketplace_returns.engine.guardrail import normalise, rules
from marketplace_returns.engine.guardrail.normalise import blank_disowned


def rule_as_read(text: str) -> str | None:
    """The rule that fires as the api reads the text (a disowned offer blanked, since round 12), or None."""
    hit = rules._classify(blank_disowned(normalise(text)))
    return None if hit is None else hit.rule


def rule_unblanked(text: str) -> str | None:
    """The rule that fires on the normalised text alone, before any disowned offer is blanked, or None."""
    hit = rules._classify(normalise(text))
    return None if hit is None else hit.rule
