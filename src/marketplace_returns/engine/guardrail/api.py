"""The public checks: ``assess``, ``find_violation``, ``check_outgoing``."""

from __future__ import annotations

from functools import lru_cache

from marketplace_returns.engine.guardrail.gates import _gates
from marketplace_returns.engine.guardrail.learned import _learned, _model_lifts
from marketplace_returns.engine.guardrail.normalise import _normalise_mapped, blank_disowned, normalise
from marketplace_returns.engine.guardrail.rules import _classify
from marketplace_returns.engine.guardrail.verdict import MAX_CHARS, PASS, WHY, Assessment
from marketplace_returns.errors import GuardrailViolation


def _phrase(text: str, hit_rule: str) -> tuple[str, str] | None:
    """Re-run the rules on the character-mapped normalisation and quote the sentence(s) as written."""
    norm, src = _normalise_mapped(text)
    hit = _classify(norm)
    if hit is None or not src:
        return None
    lo = src[min(hit.start, len(src) - 1)]
    hi = src[min(max(hit.end - 1, hit.start), len(src) - 1)] + 1
    phrase = text[lo:hi].strip(" \t\r\n。.!！?？~～;；,，")
    return hit.rule, phrase or text[lo:hi]


def assess(text: str) -> Assessment:
    """Blocked or not, and why: the rule, the phrase as written (its sentence or two), and a reason.

    Memoised for short texts (the engine's replies repeat: same template, amount and date); long ones
    are not kept, so a file of long messages cannot fill memory through the cache."""
    return _assess_cached(text) if len(text) <= _CACHED_CHARS else _assess(text)


_CACHED_CHARS = 2000


def _assess(text: str) -> Assessment:
    if not text:
        return PASS
    clipped = text[:MAX_CHARS]
    norm = normalise(clipped)
    gates = _gates(norm)
    hit = _classify(norm, gates)
    if hit is None:
        verdict = _learned(clipped, norm, gates)
        return _disowned(clipped, norm, verdict) if verdict.blocked else verdict
    if _model_lifts(norm, (hit.start, hit.end)) is not None:  # the learned layer is sure it is honest
        return PASS
    blanked = blank_disowned(norm)
    if blanked is not norm:
        return _verdict(clipped, blanked)
    return _block(clipped, hit.rule)


def _disowned(clipped: str, norm: str, verdict: Assessment) -> Assessment:
    """Round 12: a text the guardrail would block that reports someone else's offer and disowns it (a scam
    alert), or reports a question about paying for a review answered no (normalise.blank_disowned), is read
    again with those sentences blanked. Only a blocked text pays for it."""
    blanked = blank_disowned(norm)
    return verdict if blanked is norm else _verdict(clipped, blanked)


def _verdict(clipped: str, norm: str) -> Assessment:
    """The verdict on an already normalised (and blanked) text, with no further re-read."""
    gates = _gates(norm)
    hit = _classify(norm, gates)
    if hit is None:
        return _learned(clipped, norm, gates)
    if _model_lifts(norm, (hit.start, hit.end)) is not None:
        return PASS
    return _block(clipped, hit.rule)


def _block(clipped: str, hit_rule: str) -> Assessment:
    quoted = _phrase(clipped, hit_rule)
    rule, phrase = quoted if quoted is not None else (hit_rule, clipped)
    return Assessment(blocked=True, rule=rule, phrase=phrase, why=WHY[rule])


_assess_cached = lru_cache(maxsize=8192)(_assess)


def find_violation(text: str) -> tuple[str, str] | None:
    """The first (rule, phrase) the text breaks, or None."""
    verdict = assess(text)
    if not verdict.blocked:
        return None
    assert verdict.rule is not None and verdict.phrase is not None
    return verdict.rule, verdict.phrase


def check_outgoing(text: str) -> None:
    """Raise GuardrailViolation naming the phrase and the rule when ``text`` breaks honest steering."""
    verdict = assess(text)
    if verdict.blocked:
        assert verdict.rule is not None and verdict.phrase is not None
        raise GuardrailViolation("outgoing message blocked by the honest-steering rule",
                                 phrase=verdict.phrase, rule=verdict.rule)
