"""The date a reply promises comes from *now* and the platform's deadline, never from the request alone.

Why: the engine is pure (no clock) and renders "by <requested_at + decide_hours>"; a case read days
after it was filed (a backfill, a service that was down, a rep who accepts late) then went out on Dec 5
saying "will refund $46.76 by Dec 2". The service knows the time and the platform's deadline, so it
re-dates the reply in two places: when a decision is recorded (every date the engine wrote becomes the
promise below) and when a rep accepts (any date already past becomes the promise; a date the rep typed
that is still ahead is theirs to keep).

The promise is ``now + decide_hours`` (the platform profile's decision time), brought forward to the
platform's deadline when that comes first and is still ahead. Dates are found in the text in the two
forms ``engine/replies.by_text`` writes (``在12月2日前``, ``by Dec 2``) and rewritten with it, so the
wording stays the templates' own.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from marketplace_returns.engine.replies import by_text
from marketplace_returns.errors import MarketplaceReturnsError

DEFAULT_HOURS = 48
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ZH = re.compile(r"在(\d{1,2})月(\d{1,2})日前")
_EN = re.compile(r"\bby (" + "|".join(_MONTHS) + r") (\d{1,2})\b")


def decide_hours(platform: str | None) -> int:
    """The platform profile's decision time in hours (48 when the platform has no profile)."""
    from marketplace_returns.profiles import load_profile

    if not platform:
        return DEFAULT_HOURS
    try:
        return int(load_profile(platform).deadlines.decide_hours)
    except MarketplaceReturnsError:
        return DEFAULT_HOURS


def promise(*, now: datetime, deadline: datetime | None, hours: int) -> datetime:
    """``now + hours``, or the platform's deadline when it comes first and has not passed."""
    due = now + timedelta(hours=hours)
    if deadline is not None and now <= deadline < due:
        return deadline
    return due


def _date(month: int, day: int, today: date) -> date | None:
    """The date a month/day in a reply means: the one nearest ``today`` (a reply never spans a year)."""
    best: date | None = None
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if best is None or abs((candidate - today).days) < abs((best - today).days):
            best = candidate
    return best


def redate(text: str | None, *, now: datetime, deadline: datetime | None, hours: int,
           only_past: bool = False) -> str | None:
    """``text`` with its promised dates rewritten to :func:`promise` (with ``only_past``: only those before
    today). Text without a date ("within 48 hours") is returned unchanged."""
    if not text:
        return text
    today = now.date()
    due = promise(now=now, deadline=deadline, hours=hours)

    def replace(lang: str, month: int, day: int, original: str) -> str:
        when = _date(month, day, today)
        if when is None or (only_past and when >= today):
            return original
        return by_text(due, hours, lang)

    text = _ZH.sub(lambda m: replace("zh", int(m.group(1)), int(m.group(2)), m.group(0)), text)
    return _EN.sub(lambda m: replace("en", _MONTHS.index(m.group(1)) + 1, int(m.group(2)), m.group(0)), text)


__all__ = ["decide_hours", "promise", "redate"]
