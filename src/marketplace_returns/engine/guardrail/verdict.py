"""What a check returns: the rules it names, why each blocks, and the verdict type."""

from __future__ import annotations

from dataclasses import dataclass

MAX_CHARS = 20_000
RULE_IDS = ("money_for_reason", "money_for_review", "asks_for_review", "keeps_from_review",
            "withdraw_complaint", "money_for_receipt", "refund_threat")

WHY: dict[str, str] = {
    "money_for_reason": "ties money or another benefit to the refund reason the buyer picks",
    "money_for_review": "ties money or another benefit to a review (leaving, changing or removing one)",
    "asks_for_review": "asks the buyer for a positive or five-star review",
    "keeps_from_review": "keeps the buyer from reviewing freely (asks not to review, or to change or "
                         "delete a review)",
    "withdraw_complaint": "asks the buyer to withdraw a complaint, dispute or chargeback, or ties a "
                          "benefit to it",
    "money_for_receipt": "ties money or another benefit to confirming receipt",
    "refund_threat": "threatens to withhold, delay or reduce the refund unless the buyer changes the "
                     "reason, a review or a complaint, or confirms receipt",
}


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the guardrail says about one text: blocked or not, and if blocked which rule, the phrase
    (as written in the text) and why."""

    blocked: bool
    rule: str | None = None
    phrase: str | None = None
    why: str | None = None


PASS = Assessment(blocked=False)
