"""Replies never promise a date already past: the date comes from now and the platform's deadline, when
the decision is recorded and again when a rep accepts it days later."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from marketplace_returns.engine import evaluate, load_playbook
from marketplace_returns.models.case import Case
from marketplace_returns.service import repository as repo
from marketplace_returns.service.db import make_engine
from marketplace_returns.service.reply_dates import decide_hours, promise, redate

DEC5 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def dates_in(text: str, today: date) -> list[date]:
    found = [(int(m), int(d)) for m, d in re.findall(r"(\d{1,2})月(\d{1,2})日前", text)]
    found += [(MONTHS.index(m) + 1, int(d)) for m, d in re.findall(r"by ([A-Z][a-z]{2}) (\d{1,2})\b", text)]
    return [min((date(y, m, d) for y in (today.year - 1, today.year, today.year + 1)),
                key=lambda c: abs((c - today).days)) for m, d in found]


def test_promise_is_now_plus_the_decision_time_or_the_deadline_if_sooner() -> None:
    assert promise(now=DEC5, deadline=None, hours=48) == DEC5 + timedelta(hours=48)
    assert promise(now=DEC5, deadline=DEC5 + timedelta(hours=10), hours=48) == DEC5 + timedelta(hours=10)
    assert promise(now=DEC5, deadline=DEC5 + timedelta(days=5), hours=48) == DEC5 + timedelta(hours=48)
    assert promise(now=DEC5, deadline=DEC5 - timedelta(days=1), hours=48) == DEC5 + timedelta(hours=48)


def test_a_past_date_is_rewritten_in_both_languages_and_a_future_one_kept_when_only_past() -> None:
    en = "There is no need to send it back: we will refund $46.76 by Dec 2."
    assert redate(en, now=DEC5, deadline=None, hours=48, only_past=True) == \
        "There is no need to send it back: we will refund $46.76 by Dec 7."
    zh = "这件商品不用寄回，我们会在12月2日前为您退款46.76元。"
    assert redate(zh, now=DEC5, deadline=DEC5 + timedelta(hours=20), hours=48) == \
        "这件商品不用寄回，我们会在12月6日前为您退款46.76元。"
    rep_typed = "We will ship the new one by Dec 20."
    assert redate(rep_typed, now=DEC5, deadline=None, hours=48, only_past=True) == rep_typed
    assert redate("we will answer within 48 hours", now=DEC5, deadline=None, hours=48) == \
        "we will answer within 48 hours"
    # around the new year a December date read in January is last year's, so it is past
    jan = datetime(2027, 1, 2, tzinfo=UTC)
    assert redate("refund by Dec 30.", now=jan, deadline=None, hours=48, only_past=True) == "refund by Jan 4."


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1)),
       st.integers(min_value=0, max_value=400), st.integers(min_value=1, max_value=200))
def test_no_rewritten_date_is_before_today(now_naive: datetime, days_ago: int, hours: int) -> None:
    now = now_naive.replace(tzinfo=UTC)
    old = now - timedelta(days=days_ago)
    text = f"we will refund by {MONTHS[old.month - 1]} {old.day}; 我们会在{old.month}月{old.day}日前处理"
    out = redate(text, now=now, deadline=None, hours=hours, only_past=True)
    assert out is not None
    for found in re.findall(r"by ([A-Z][a-z]{2}) (\d{1,2})|在(\d{1,2})月(\d{1,2})日前", out):
        month = MONTHS.index(found[0]) + 1 if found[0] else int(found[2])
        day = int(found[1] or found[3])
        candidates = [date(y, month, day) for y in (now.year - 1, now.year, now.year + 1)
                      if not (month == 2 and day == 29)]
        nearest = min(candidates, key=lambda c: abs((c - now.date()).days)) if candidates else now.date()
        assert nearest >= now.date()


def test_an_engine_reply_for_an_old_request_is_redated_to_now() -> None:
    case = Case(refund_id="r", platform="taobao", item_price=Decimal("46.76"), reason="不想要了",
                message="不想要了", requested_at=DEC5 - timedelta(days=5), currency="CNY")
    reply = evaluate(case, load_playbook("apparel")).reply
    assert reply is not None
    before = dates_in(reply.text, DEC5.date())
    assert before and min(before) < DEC5.date()  # the engine alone dates from the request
    after = redate(reply.text, now=DEC5, deadline=None, hours=decide_hours("taobao"))
    assert after is not None and dates_in(after, DEC5.date())
    assert min(dates_in(after, DEC5.date())) >= DEC5.date()


def test_accepting_days_later_never_pushes_a_past_date(tmp_path: Path) -> None:
    from test_queue_cli import SHOPS, _seed, cli

    url = f"sqlite:///{tmp_path / 'q.db'}"
    shops = tmp_path / "shops.yaml"
    shops.write_text(SHOPS, encoding="utf-8")
    cli("shops", "add", str(shops), "--db", url)
    ids = _seed(url)  # cases of 2026-11-11, their platform deadlines long past
    code, out = cli("queue", "edit", ids["r-edit"], "--reply", "不用寄回，我们会在11月12日前为您退款。",
                    "--db", url)
    assert code == 0, out
    engine = make_engine(url)
    with Session(engine) as session:
        text = repo.list_actions(session)[0].reply_text
    engine.dispose()
    today = datetime.now(UTC)
    assert text is not None and "11月12日前" not in text
    assert dates_in(text, today.date()) == [(today + timedelta(hours=48)).date()]
