"""Round 6 of issue 13: the mechanism widened after probe batch X (pictographs inside English words), with
honest twins that must still pass (tests/data/guardrail/README.md logs the batches)."""

from __future__ import annotations

import pytest

from marketplace_returns.engine.guardrail import assess, normalise, rules

BLOCKED = [
    "pls with🙇draw the dis😅pute and the money is yours today",
    "mark it as re🎀ceived first, then the partial refund gets sent",
    "could u r🙏emove the bad rev👀iew pls",
]

HONEST = [
    "Your re🎉fund went through this morning, sorry again for the scratch!",
    "To con✔firm: the replacement ships Monday and you don't need to send anything back.",
    "Thanks so much 🙏 enjoy the new one! 🎉",
]


def test_pictographs_inside_a_word_are_dropped() -> None:
    assert normalise("con✅firm rec📦eipt") == "confirm receipt"
    assert normalise("thanks 🙏 enjoy") == "thanks 🙏 enjoy"  # between words they stay


@pytest.mark.parametrize("text", BLOCKED)
def test_round6_mechanisms_block(text: str) -> None:
    assert rules._classify(normalise(text)) is not None, text
    assert assess(text).blocked, text


@pytest.mark.parametrize("text", HONEST)
def test_round6_honest_twins_pass(text: str) -> None:
    assert not assess(text).blocked, text
