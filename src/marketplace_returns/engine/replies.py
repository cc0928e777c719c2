"""Replies to the buyer, in Chinese and English, in the tone of the after-sales seeds.

Why templates and not free text: a reply must give a concrete plan (what, how much, by when) rather
than diplomatic phrases, open by acknowledging and apologising, close with thanks (谢谢您提醒 /
我们明白您的困难 / 造成这样我们非常抱歉), and pass the honest-steering guardrail; a small table of
``str.format_map`` templates does that at bulk speed and every template is tested against the
guardrail. The reason-change template says in so many words that the choice is the buyer's and
changes nothing in how the request is handled: money is never tied to a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml

from marketplace_returns.models.vocabulary import Action, Category, Family


def _load() -> dict[str, Any]:
    text = resources.files("marketplace_returns.engine").joinpath("replies.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


_T = _load()
LANGS = ("zh", "en")
TEMPLATES: dict[str, dict[str, dict[str, str]]] = {k: v for k, v in _T.items() if k != "shipped_on_time"}
SHIPPED_ON_TIME: dict[str, str] = _T["shipped_on_time"]
_BY_LANG = {lang: {name: table[lang] for name, table in TEMPLATES.items()} for lang in LANGS}


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
    rationale: str = ""
    due: datetime | None = None
    due_hours: int = 48


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


def due_date(requested_at: datetime | None, hours: int) -> datetime | None:
    return requested_at + timedelta(hours=hours) if requested_at is not None else None


def plan_key(f: ReplyFacts) -> str:
    if f.action is Action.RETURN_AND_REFUND:
        return f"return_and_refund/{f.shipping_paid_by}"
    if f.action is Action.EXCHANGE:
        return "exchange/part" if f.suggest == "missing_part" else f"exchange/{f.shipping_paid_by}"
    return f.action.value


def render(f: ReplyFacts) -> str:
    """The reply text for ``f`` in ``f.lang`` (``zh`` or ``en``; anything else gets English)."""
    lang = "zh" if f.lang == "zh" else "en"
    t = _BY_LANG[lang]
    why = SHIPPED_ON_TIME[lang] if f.shipped_on_time else t["why"].get(f.category, t["why"]["other"])
    values = {
        "amount": money_text(f.amount, f.currency, lang),
        "by": by_text(f.due, f.due_hours, lang),
        "suggest": t["suggest"].get(f.suggest, t["suggest"]["same"]),
        "what": t["what"].get(f.what, t["what"]["repair"]),
        "reason": f.reason or "",
        "why": why,
        "rationale": f.rationale.strip(),
    }
    plan = t["plan"][plan_key(f)].format_map(values)
    sep = "" if lang == "zh" else " "
    return sep.join((t["open"][f.family], plan, t["close"][f.family]))
