"""``POST /guardrail/check``: the honest-steering check over HTTP, for a seller's own tools.

Why: a shop's helpdesk or macro editor can ask, before a rep sends anything from elsewhere, whether
the text would be blocked and why: the same ``assess`` the engine, the queue and the pusher use. The
route needs a shop token like every other (the check itself reads nothing of the shop's).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from marketplace_returns.service.bounds import SafeText


class GuardrailIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: SafeText = Field(max_length=20_000, description="the outgoing message to check")


class GuardrailOut(BaseModel):
    blocked: bool
    rule: str | None = Field(description="rule id (money_for_reason, refund_threat, ...) when blocked")
    phrase: str | None = Field(description="the sentence(s) that broke the rule, as written")
    why: str | None


def check_text(text: str) -> GuardrailOut:
    from marketplace_returns.engine.guardrail import assess  # the engine loads on first use

    verdict = assess(text)
    return GuardrailOut(blocked=verdict.blocked, rule=verdict.rule, phrase=verdict.phrase, why=verdict.why)
