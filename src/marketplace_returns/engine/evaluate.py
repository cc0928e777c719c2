"""``evaluate(case, playbook) -> Decision``: the engine as one pure function. It decides, never acts.

Steps: classify the case under its platform's profile; read whether the chosen reason penalises the
seller; run the playbook's compiled rules (first match wins); turn the rule's action into the
recommendation with amounts from the money ladder; write the reply and pass it through the guardrail.

Honest steering is enforced here, in code, whatever a playbook says: a rule asking for a reason change
fires only when ``steering_target`` allows one (a clause of the buyer's own words, or the shipping
facts, shows the accurate, non-penalising reason; never a quality case; the reply quotes that clause
or those facts and nothing else), and a rule refusing a lawful seven-day no-reason return never fires.
Such a rule is passed over (the trail says why) and the next matching rule decides.

When the learned reader decided the family and was not sure (``Signals.reader_unsure``: its probability
fell in the calibrated not-sure band), the decision needs a rep's approval and is never pushed on its
own, whatever the rule says; the rationale says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from marketplace_returns.engine import money as mo
from marketplace_returns.engine.classifier import classify
from marketplace_returns.engine.context import (
    Context,
    lawful_no_reason_return,
    steering_blocked,
    steering_grounds,
    steering_target,
)
from marketplace_returns.engine.guardrail import check_outgoing
from marketplace_returns.engine.playbook import CompiledRule, candidate_rules, compiled_rules, label
from marketplace_returns.engine.playbook_models import Playbook
from marketplace_returns.engine.replies import ReplyFacts, due_date, fill, render, reply_frame
from marketplace_returns.errors import InputError, ProfileError
from marketplace_returns.models.case import Case, GoodsStatus
from marketplace_returns.models.decision import Decision, Offer, Recommendation, Reply, TraceStep, trusted
from marketplace_returns.models.vocabulary import Action, Family
from marketplace_returns.profiles import PlatformProfile, load_profile

_ASKED_BACK = frozenset({Action.REFUND_WITHOUT_RETURN, Action.RETURN_AND_REFUND, Action.INTERCEPT})
_ACTION = {a.value: a for a in Action}
_APPROVAL = frozenset({Action.REQUEST_REASON_CHANGE, Action.REFUSE})
# What a validation of the same input would count as set (models.decision.trusted).
_OFFER_GIVEN = frozenset({"action", "amount"})
_REPLY_GIVEN = frozenset({"lang", "text"})
_RECOMMENDATION_GIVEN = frozenset(Recommendation.model_fields)
_DECISION_GIVEN = frozenset(Decision.model_fields) - {"error", "trace"}


def default_playbook_for(case: Case) -> str:
    """The shipped playbook for a case when none is named: shoes for shoes, apparel for the rest."""
    return "shoes" if (case.category or "").lower() == "shoes" else "apparel"


def profile_for(case: Case) -> PlatformProfile:
    try:
        return load_profile(case.platform)
    except ProfileError as exc:
        if "no profile" in exc.message:
            raise InputError(f"unknown platform {case.platform!r}", field="platform") from None
        raise


def _guard(rule: CompiledRule, ctx: Context) -> str | None:
    """Why the engine passes over a matching rule (honest steering), or None."""
    kind = rule.rule.then.type
    if kind == "request_reason_change" and steering_target(ctx) is None:
        return f"reason change not supported by the words or facts (honest steering): {_no_steer(ctx)}"
    if kind == "refuse" and lawful_no_reason_return(ctx):
        return "a lawful seven-day no-reason return is never refused"
    return None


def _no_steer(ctx: Context) -> str:
    return steering_blocked(ctx) or "no clause of the buyer's words states the reason, no fact contradicts it"


def _offer(*, action: Action, amount: Decimal | None) -> Offer:
    return trusted(Offer, {"action": action, "amount": amount}, _OFFER_GIVEN)


def _fallbacks(names: Sequence[str], ctx: Context) -> list[Offer]:
    out = []
    for name in names:
        action = _ACTION[name]
        amount = ctx.money.asked if action in _ASKED_BACK else None
        if action is Action.OFFER_PARTIAL_REFUND:
            ladder = mo.partial_refund_ladder(ctx.money, ctx.settings, "return")
            if not ladder:
                continue
            amount = ladder[0]
        out.append(_offer(action=action, amount=amount))
    return out


def evaluate(case: Case, playbook: Playbook, *, explain: bool = False) -> Decision:
    """Decide ``case`` under ``playbook``. Raises InputError for an unknown platform."""
    profile = profile_for(case)
    result = classify(case, profile, explain=explain)
    settings = playbook.settings
    m = mo.money_facts(case, settings, profile.currency)
    ctx = Context.build(case, result, profile, m, settings)
    trace: list[TraceStep] | None = list(result.trace) if explain else None
    chosen: CompiledRule | None = None
    cls = result.classification
    rules = compiled_rules(playbook) if explain else candidate_rules(playbook, cls.family, cls.category,
                                                                      case.goods_status)
    for rule in rules:
        failed = rule.first_failure(ctx) if explain else (None if rule.matches(ctx) else "")
        if failed is not None:
            if trace is not None:
                if failed.startswith("words_support_reason_change"):
                    failed += f" (honest steering: {_no_steer(ctx)})"
                trace.append(TraceStep(step="rule", detail=f"{rule.rule.id}: not {failed}"))
            continue
        passed_over = _guard(rule, ctx)
        if passed_over is not None:
            if trace is not None:
                trace.append(TraceStep(step="guard", detail=f"{rule.rule.id}: {passed_over}"))
            continue
        chosen = rule
        break
    if chosen is None:  # only for a rule list whose catch-all was guarded away (a refuse catch-all)
        raise InputError("no playbook rule applies and the catch-all was passed over", field="reason")
    decision = _decide(case, ctx, chosen, playbook.name)
    if trace is not None:
        trace.append(TraceStep(step="match", detail=chosen.rule.id, facts={
            "conditions": [label(c) for c in chosen.rule.when] or ["(catch-all)"],
            "action": chosen.rule.then.type}))
        decision.trace = trace
    return decision


def _decide(case: Case, ctx: Context, chosen: CompiledRule, playbook_name: str) -> Decision:
    rule, spec, m, settings = chosen.rule, chosen.rule.then, ctx.money, ctx.settings
    cls = ctx.classification
    action = _ACTION[spec.type]
    amount: Decimal | None = m.asked if action in _ASKED_BACK else None
    fallbacks = _fallbacks(spec.then_offer, ctx)
    reason_change_to: str | None = None
    grounds = None
    notes: list[str] = []
    extra: dict[str, Decimal] = {}
    saved: Decimal | None = None
    payer, suggest, what = "seller", "same", "repair"
    if spec.type == "offer_partial_refund":
        ladder = mo.partial_refund_ladder(m, settings, spec.replaces)
        replaced = mo.replaced_cost(m, spec.replaces)
        if ladder:
            amount = ladder[0]
            saved = replaced - amount
            fallbacks = [_offer(action=Action.OFFER_PARTIAL_REFUND, amount=x) for x in ladder[1:]] + (
                fallbacks or _fallbacks(["return_and_refund"], ctx))
            leg = "return leg" if spec.replaces == "return" else "round trip"
            notes.append(f"Offer {amount} instead of paying the {replaced} {leg}.")
        else:
            action, amount = Action.RETURN_AND_REFUND, m.asked
            fallbacks = []
            notes.append(f"No partial refund fits below the {replaced} shipping cost: take the return.")
    elif spec.type in ("return_and_refund", "exchange"):
        payer = spec.shipping_paid_by
        if spec.type == "exchange":
            suggest = spec.suggest
            days = ctx.days_since_delivery
            if spec.depreciation and (dep := mo.depreciation(m, settings, days)) > 0:
                extra["depreciation"] = dep
                notes.append(f"{days} days since delivery: {dep} depreciation on the exchange.")
            if suggest == "another_colour" and settings.price_difference_waiver > 0:
                extra["price_difference_waived_up_to"] = settings.price_difference_waiver
    elif spec.type == "refund_without_return":
        if cls.family is Family.QUALITY:
            saved = m.return_leg
    elif spec.type == "request_reason_change":
        reason_change_to = steering_target(ctx)
        grounds = steering_grounds(ctx)
    elif spec.type == "repair":
        what = spec.what
    comp = ctx.profile.late_shipment_compensation
    if ctx.signals.shipped_late and ctx.penalising == "late_shipment_compensation" and comp is not None:
        extra["late_shipment_compensation"] = comp.amount(m.asked)
    unsure = ctx.signals.reader_unsure
    if unsure:
        p = ctx.signals.quality_probability
        what = "a quality problem" if cls.family is Family.QUALITY else "not a quality problem"
        notes.append(f"The reader is not sure this is {what} (quality probability {p:.2f}): a rep approves."
                     if p is not None else "The reader is not sure of the family: a rep approves.")
    rationale = " ".join(filter(None, (chosen.rationale, *notes))) if notes else chosen.rationale
    lang = ctx.signals.lang
    hours = ctx.profile.deadlines.decide_hours
    refusal = ""  # the rationale is the rep's; a refusal tells the buyer only the rule's buyer_reason
    if rule.buyer_reason is not None:
        refusal = rule.buyer_reason.zh if lang == "zh" else rule.buyer_reason.en
    not_shipped = case.goods_status is GoodsStatus.NOT_SHIPPED
    due = due_date(case.requested_at, hours)
    # Outside a reason change the reply is its rule's frame (made once a process) and two values.
    text = fill(reply_frame(lang, cls.family, action, not_shipped, payer, suggest, what, refusal), amount,
                m.currency, due, hours) if action is not Action.REQUEST_REASON_CHANGE else render(ReplyFacts(
        lang=lang, family=cls.family, action=action, amount=amount, currency=m.currency,
        category=(ctx.signals.text_category or cls.category) if cls.family is Family.NON_QUALITY
        else cls.category,
        shipping_paid_by=payer, suggest=suggest, what=what, reason=reason_change_to,
        shipped_on_time=grounds is not None and grounds.basis == "facts",
        quote=grounds.quote if grounds is not None and grounds.basis == "words" else "",
        shipped_at=grounds.shipped_at if grounds is not None else None,
        ship_by=grounds.ship_by if grounds is not None else None,
        refusal=refusal,
        due=due, due_hours=hours, not_shipped=not_shipped))
    check_outgoing(text)
    auto = rule.auto and not unsure and action is not Action.REQUEST_REASON_CHANGE and (
        amount is None or amount <= settings.auto_refund_ceiling)
    # Built as it is, not validated again (models.decision.trusted): every value here is the engine's
    # own, already of its field's type; tests/test_engine_rules.py holds decisions to validating to
    # themselves. (Validation was the one pydantic-core call, about 2.5 µs a case.)
    recommendation = trusted(Recommendation, {
        "action": action, "amount": amount, "fallbacks": fallbacks, "reason_change_to": reason_change_to,
        "rationale": rationale, "reason_change_grounds": grounds.quote if grounds is not None else None,
    }, _RECOMMENDATION_GIVEN)
    return trusted(Decision, {
        "refund_id": case.refund_id,
        "classification": cls,
        "penalising": ctx.penalising is not None,
        "recommendation": recommendation,
        "reply": trusted(Reply, {"lang": lang, "text": text}, _REPLY_GIVEN),
        "rule": rule.id,
        "error": None,
        "playbook": playbook_name,
        "auto": auto,
        "needs_approval": action in _APPROVAL or unsure,
        "penalising_metric": ctx.penalising,
        "money": mo.compared(m, offer=amount if action is Action.OFFER_PARTIAL_REFUND else None, saved=saved,
                             **extra),
        "trace": None,
    }, _DECISION_GIVEN)
