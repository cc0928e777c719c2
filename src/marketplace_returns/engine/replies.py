"""Replies to the buyer, in Chinese and English, in the tone of the after-sales seeds.

Why templates and not free text: a reply must give a concrete plan (what, how much, by when) rather
than diplomatic phrases, open by acknowledging and apologising, close with thanks (谢谢您提醒 /
我们明白您的困难 / 造成这样我们非常抱歉), and pass the honest-steering guardrail; a small table of
``str.format_map`` templates does that at bulk speed and every template is tested against the
guardrail. The reason-change template says in so many words that the choice is the buyer's and
changes nothing in how the request is handled: money is never tied to a reason.

No template says what the buyer wrote, thinks or did in its own words, nor anything about the goods
the case does not hold: the one sentence that refers to the buyer's words quotes a clause of the
message verbatim (``quote``, found by engine/spans.py), and the one that states a shipping fact
quotes the case's own ``shipped_at`` and ``ship_by``. An earlier table paraphrased the classifier's
category as the buyer's words ("您提到尺码不合适、商品本身没有问题") and told a buyer whose shoe had a
nail sticking out inside that they had said nothing was wrong with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from string import Formatter
from typing import Any

import yaml

from marketplace_returns.models.vocabulary import Action, Category, Family


def _load() -> dict[str, Any]:
    text = resources.files("marketplace_returns.engine").joinpath("replies.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


_T = _load()
LANGS = ("zh", "en")
TEMPLATES: dict[str, dict[str, dict[str, str]]] = _T
_BY_LANG = {lang: {name: table[lang] for name, table in TEMPLATES.items()} for lang in LANGS}


def _plan(template: str) -> tuple[str, frozenset[str], bool]:
    """A plan template as ``render`` uses it: capitalised already where it opens with text (so the
    filled plan needs no capitalising: its first character is the template's), the fields it fills,
    and whether the filled plan still needs its first character capitalised."""
    fields = frozenset(name for _, name, _, _ in Formatter().parse(template) if name)
    if template[:1] not in ("{", "}", ""):
        return template[:1].upper() + template[1:], fields, False
    return template, fields, True


_PLANS = {lang: {key: _plan(t) for key, t in _BY_LANG[lang]["plan"].items()} for lang in LANGS}


@dataclass(slots=True)
class ReplyFacts:
    """What a reply says. Not frozen: built once per case, and a frozen dataclass's __init__ is slow."""

    lang: str
    family: Family
    action: Action
    amount: Decimal | None
    currency: str
    category: Category
    shipping_paid_by: str = "seller"
    suggest: str = "same"
    what: str = "repair"
    reason: str | None = None
    shipped_on_time: bool = False
    """The reason change rests on the shipping facts (``shipped_at`` before ``ship_by``)."""
    quote: str = ""
    """The clause of the buyer's message a reason change rests on, verbatim ("" when none)."""
    shipped_at: datetime | None = None
    ship_by: datetime | None = None
    refusal: str = ""
    """For a refusal, the reason told to the buyer in ``lang`` (the rule's ``buyer_reason``), or ""."""
    due: datetime | None = None
    due_hours: int = 48
    not_shipped: bool = False
    """The goods never left: a refund says so, not "no need to send it back"."""


def refusal_text(reason: str, lang: str) -> str:
    """``：<reason>`` / ``: <reason>`` to follow "we cannot accept this", or "" when there is none."""
    reason = reason.strip().rstrip("。.")
    if not reason:
        return ""
    return f"：{reason}" if lang == "zh" else f": {reason}"


def money_text(amount: Decimal | None, currency: str, lang: str) -> str:
    if amount is None:
        return ""
    if currency == "CNY":
        return f"{amount:f}元" if lang == "zh" else f"¥{amount:f}"
    if currency == "USD":
        return f"${amount:.2f}"
    return f"{amount:.2f} {currency}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def by_text(due: datetime | None, hours: int, lang: str) -> str:
    if due is None:
        return f"在{hours}小时内" if lang == "zh" else f"within {hours} hours"
    return f"在{due.month}月{due.day}日前" if lang == "zh" else f"by {_MONTHS[due.month - 1]} {due.day}"


def moment_text(moment: datetime, lang: str, zone: tzinfo | None = None) -> str:
    """A case's time as the reply quotes it, in ``zone`` (the other time's offset) when given."""
    if zone is not None and moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    if lang == "zh":
        return f"{moment.month}月{moment.day}日{moment.hour:02d}:{moment.minute:02d}"
    return f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.hour:02d}:{moment.minute:02d}"


def grounds_text(f: ReplyFacts, lang: str) -> str:
    """The sentence a reason change rests on: the buyer's clause quoted, the shipping times, or ""."""
    table = _BY_LANG[lang]["grounds"]
    if f.quote:
        return table["words"].format_map({"quote": f.quote})
    if f.shipped_on_time and f.shipped_at is not None and f.ship_by is not None:
        return table["facts"].format_map({
            "shipped_at": moment_text(f.shipped_at, lang, f.ship_by.tzinfo),
            "ship_by": moment_text(f.ship_by, lang)})
    return table["none"]


def due_date(requested_at: datetime | None, hours: int) -> datetime | None:
    return requested_at + _hours(hours) if requested_at is not None else None


@lru_cache(maxsize=64)
def _hours(hours: int) -> timedelta:
    return timedelta(hours=hours)


# An action's own plan key, looked up: ``Action.value`` is a Python-level descriptor (enum's
# ``property``), read per case by every reply whose action has one plan.
_ACTION_KEY = {a: a.value for a in Action}


def plan_key(f: ReplyFacts) -> str:
    if f.action is Action.RETURN_AND_REFUND:
        return f"return_and_refund/{f.shipping_paid_by}"
    if f.action is Action.EXCHANGE:
        return "exchange/part" if f.suggest == "missing_part" else f"exchange/{f.shipping_paid_by}"
    if f.action is Action.REFUND_WITHOUT_RETURN and f.not_shipped:
        return "refund_without_return/not_shipped"
    return _ACTION_KEY[f.action]


def render(f: ReplyFacts) -> str:
    """The reply text for ``f`` in ``f.lang`` (``zh`` or ``en``; anything else gets English)."""
    if f.action is not Action.REQUEST_REASON_CHANGE:
        frame = reply_frame(f.lang, f.family, f.action, f.not_shipped, f.shipping_paid_by, f.suggest, f.what,
                            f.refusal)
        return fill(frame, f.amount, f.currency, f.due, f.due_hours)
    lang = "zh" if f.lang == "zh" else "en"
    t = _BY_LANG[lang]
    template, fields, capitalise = _PLANS[lang][plan_key(f)]
    # Only the fields the template fills are worked out (each a pure function of ``f``).
    values = {"by": by_text(f.due, f.due_hours, lang)}
    if "amount" in fields:
        values["amount"] = money_text(f.amount, f.currency, lang)
    if "suggest" in fields:
        values["suggest"] = t["suggest"].get(f.suggest, t["suggest"]["same"])
    if "what" in fields:
        values["what"] = t["what"].get(f.what, t["what"]["repair"])
    if "reason" in fields:
        values["reason"] = f.reason or ""
    if "grounds" in fields:
        values["grounds"] = grounds_text(f, lang) if f.action is Action.REQUEST_REASON_CHANGE else ""
    if "refusal" in fields:
        values["refusal"] = refusal_text(f.refusal, lang)
    plan = template.format_map(values)
    if capitalise:
        plan = plan[:1].upper() + plan[1:]
    sep = "" if lang == "zh" else " "
    return sep.join((t["open"][f.family], plan, t["close"][f.family]))


@dataclass(frozen=True, slots=True)
class Frame:
    """A reply with everything but its date and amount filled in.

    Why: outside a reason change (whose grounds quote the case), all a reply says but the date and the
    amount follows from the rule's action and its settings, the language, the family and whether the
    goods shipped: a handful of frames per playbook rule, worked out once a process (``reply_frame``)
    instead of looked up field by field for every case.
    """

    lang: str
    template: str
    """The plan template with its fixed fields filled in (braces in their values doubled): ``{by}``
    and ``{amount}`` are left."""
    amount: bool
    capitalise: bool
    open: str
    close: str
    sep: str


_PER_CASE = frozenset({"by", "amount"})
_FORMATTER = Formatter()


@lru_cache(maxsize=1024)
def reply_frame(lang: str, family: Family, action: Action, not_shipped: bool, shipping_paid_by: str,
                suggest: str, what: str, refusal: str) -> Frame:
    """The frame of ``render``'s reply for these facts; never for a reason change (``render`` fills that
    one per case). ``reason`` and ``grounds`` are "" here as in ``render`` outside a reason change: only
    the reason change's template holds them."""
    if action is Action.REQUEST_REASON_CHANGE:
        raise ValueError("a reason change's reply quotes the case: render it whole")
    lang = "zh" if lang == "zh" else "en"
    t = _BY_LANG[lang]
    f = ReplyFacts(lang=lang, family=family, action=action, amount=None, currency="", category=Category.OTHER,
                   shipping_paid_by=shipping_paid_by, suggest=suggest, what=what, refusal=refusal,
                   not_shipped=not_shipped)
    template, _, capitalise = _PLANS[lang][plan_key(f)]
    fixed = {"suggest": t["suggest"].get(suggest, t["suggest"]["same"]),
             "what": t["what"].get(what, t["what"]["repair"]),
             "reason": "", "grounds": "", "refusal": refusal_text(refusal, lang)}
    parts = []
    for literal, name, spec, conversion in _FORMATTER.parse(template):
        parts.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if name in _PER_CASE:
            parts.append("{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
                         + "}")
        else:
            value = _FORMATTER.format_field(_FORMATTER.convert_field(fixed[name], conversion), spec or "")
            parts.append(value.replace("{", "{{").replace("}", "}}"))
    filled = "".join(parts)
    if capitalise and filled[:1] not in ("{", ""):
        # the plan now opens with a fixed value: capitalised here as ``render`` does after filling
        filled, capitalise = filled[:1].upper() + filled[1:], False
    return Frame(lang, filled, "amount" in {n for _, n, _, _ in _FORMATTER.parse(template)}, capitalise,
                 t["open"][family], t["close"][family], "" if lang == "zh" else " ")


def fill(frame: Frame, amount: Decimal | None, currency: str, due: datetime | None, due_hours: int) -> str:
    """The reply of ``frame`` for one case's amount and due date."""
    values = {"by": by_text(due, due_hours, frame.lang)}
    if frame.amount:
        values["amount"] = money_text(amount, currency, frame.lang)
    plan = frame.template.format_map(values)
    if frame.capitalise:
        plan = plan[:1].upper() + plan[1:]
    return frame.sep.join((frame.open, plan, frame.close))
