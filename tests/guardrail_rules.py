"""Which rule the guardrail's rules alone read in a text: the round tests ask the rules directly, so a
retrained learned layer cannot hide a rule that stopped reading."""

from __future__ import annotations

from collections.abc import Callable

import pytest

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


def round_tests(
    honest: list[str], forbidden: list[tuple[str, set[str]]]
) -> tuple[Callable[[str], None], Callable[[str, set[str]], None]]:
    """The two tests every round file runs over its own sentences: each honest one passes the rules, and each
    forbidden twin is read as one of the rules it names. A round file binds them to module names, so pytest
    collects them there and the sentences stay beside the mechanisms they test."""

    @pytest.mark.parametrize("text", honest)
    def honest_passes(text: str) -> None:
        assert rule_as_read(text) is None

    @pytest.mark.parametrize(("text", "rules_ok"), forbidden)
    def twin_is_read(text: str, rules_ok: set[str]) -> None:
        assert rule_as_read(text) in rules_ok

    return honest_passes, twin_is_read
