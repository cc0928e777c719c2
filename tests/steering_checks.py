"""The honest-steering checks on one decided case, shared by the property test and the example files.

What is checked (issue 13, part 1): a case with a quality cue (the classifier's, or the span finder's
own quality words), a quality family or a non-penalising reason is never steered; every reason
change rests on a clause of the message (verbatim) or on the case's shipping times, and the reply
quotes exactly that; every place in a reply that attributes words to the buyer (您提到 / you
mentioned / ...) is followed by a quotation of text found in the message. The checks count rather
than raise, so one run over a file reports its totals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from marketplace_returns.engine.classifier import classify
from marketplace_returns.engine.replies import moment_text
from marketplace_returns.engine.spans import quality_words, shipping_fact
from marketplace_returns.models.case import Case
from marketplace_returns.models.decision import Decision
from marketplace_returns.models.vocabulary import Action, Category, Family
from marketplace_returns.profiles import load_profile

# Words that say what the buyer said, wrote, reported or thinks.
ATTRIBUTION = re.compile(
    r"您(?:提到|提及|说|讲|反馈|反映|表示|描述|写|告诉|认为|觉得|称)|你(?:提到|说|反馈|反映|表示|描述)"
    r"|\byou (?:mentioned|mention|said|say|wrote|write|told|tell|reported|report|described|noted|stated|"
    r"explained|feel|think|complained|indicated|claimed)\b", re.IGNORECASE)
QUOTED = re.compile(r"\s*(?:「([^」]*)」|\"([^\"]*)\"|“([^”]*)”)")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def attributions(reply: str, message: str) -> tuple[int, list[str]]:
    """(attributions, the ungrounded ones): each must be followed by a quote found in ``message``."""
    found = 0
    bad: list[str] = []
    for hit in ATTRIBUTION.finditer(reply):
        found += 1
        quoted = QUOTED.match(reply, hit.end())
        text = next((g for g in quoted.groups() if g is not None), None) if quoted else None
        if not text or not text.strip() or text not in message:
            bad.append(reply[hit.start():hit.start() + 40])
    return found, bad


@dataclass
class Tally:
    cases: int = 0
    steered: int = 0
    steered_on_words: int = 0
    steered_on_facts: int = 0
    quality_cases: int = 0
    quality_steered: int = 0
    with_quality_phrase: int = 0
    """Cases whose message holds a phrase the generator knows to be a quality complaint."""
    attributions: int = 0
    ungrounded: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check(case: Case, d: Decision, tally: Tally) -> None:
    """Check one decision of ``case``; add to ``tally`` (problems are listed, not raised)."""
    assert d.classification is not None and d.recommendation is not None and d.reply is not None
    tally.cases += 1
    rec = d.recommendation
    message = case.message or ""
    profile = load_profile(case.platform)
    signals = classify(case, profile, explain=False).signals
    quality = (d.classification.family is Family.QUALITY or signals.any_quality_cue
               or signals.counterfeit_claim or bool(quality_words(message)))
    tally.quality_cases += quality
    steered = rec.action is Action.REQUEST_REASON_CHANGE or rec.reason_change_to is not None
    n, bad = attributions(d.reply.text, message)
    tally.attributions += n
    tally.ungrounded += [f"{case.refund_id}: {b}" for b in bad]
    if not steered:
        if rec.reason_change_grounds is not None:
            tally.problems.append(f"{case.refund_id}: grounds without a reason change")
        return
    tally.steered += 1
    if quality:
        tally.quality_steered += 1
        tally.problems.append(f"{case.refund_id}: quality case steered ({message!r})")
    if profile.penalises(case.reason) is None or not d.penalising:
        tally.problems.append(f"{case.refund_id}: steered from a reason that does not penalise")
    if rec.action is not Action.REQUEST_REASON_CHANGE or not rec.reason_change_to or not d.needs_approval \
            or d.auto:
        tally.problems.append(f"{case.refund_id}: a reason change without its target or a rep")
    grounds = rec.reason_change_grounds
    lang = d.reply.lang
    if grounds and grounds in message:
        tally.steered_on_words += 1
        quote = f"「{grounds}」" if lang == "zh" else f'"{grounds}"'
        if quote not in d.reply.text:
            tally.problems.append(f"{case.refund_id}: the reply does not quote the grounds")
        return
    entry = profile.reason(case.reason)
    shipped_at, ship_by = case.shipped_at, case.ship_by
    if grounds and shipped_at is not None and ship_by is not None and entry is not None \
            and entry.category is Category.SHIPPING_DELAY and _aware(shipped_at) <= _aware(ship_by) \
            and grounds == shipping_fact(shipped_at, ship_by).quote:
        tally.steered_on_facts += 1
        times = (moment_text(shipped_at, lang, ship_by.tzinfo), moment_text(ship_by, lang))
        if not all(t in d.reply.text for t in times):
            tally.problems.append(f"{case.refund_id}: the reply does not quote the shipping times")
        return
    tally.problems.append(f"{case.refund_id}: reason change on ungrounded {grounds!r} ({message!r})")
