"""Round 8 of issue 13: the mechanisms widened after probe batches AI-AN (tests/data/guardrail/README.md
logs the batches), each with twins on the other side of the line. The sentences here are new: none is
a probe's or a set's."""

from __future__ import annotations

import pytest

from marketplace_returns.engine.guardrail import assess, normalise, rules

# AI: a note to the staff that forbids a tie, names it as words to take off, or reports it as a violation
STAFF_HONEST = [
    "【售后主管】各位注意：回访时不要跟客户说“给好评就返现”，被抓到一次扣当月奖金。",
    "【客服群】包装间把旧售后卡上的“晒图返5元”字样全部撕掉，新卡明天到。",
    "【内部培训】上周有客服跟买家说“撤了投诉给你补20”，平台判了违规，大家引以为戒。",
    "Team, the \"confirm delivery, get a coupon\" auto-text is retired as of today. Don't resend it.",
    "Reminder for all agents: someone wrote \"update your review and we'll refund faster\" last week and we "
    "got a warning. Never again.",
]
STAFF_BLOCKED = [
    "【售后主管】各位，客户给了差评就这样回复：“亲，差评改成好评，我们补您10元”，语气客气点。",
    "【客服群】别在群里发，私聊客户时跟他讲：投诉撤了，我们另外给他补个红包。",
    "Team, when a buyer files a chargeback, tell them we'll add $20 store credit once they withdraw it.",
]


@pytest.mark.parametrize("text", STAFF_HONEST)
def test_a_staff_note_that_forbids_or_reports_a_tie_passes(text: str) -> None:
    assert rules._classify(normalise(text)) is None, normalise(text)
    assert not assess(text).blocked, assess(text)


@pytest.mark.parametrize("text", STAFF_BLOCKED)
def test_a_staff_note_that_teaches_the_tie_still_blocks(text: str) -> None:
    assert assess(text).blocked, text


# AJ: a review already given and thanked for, a star phrase that is a brand or an award, "not a rating"
FACTS_HONEST = [
    "Cheers for the lovely feedback! If the strap frays, message me and I'll send a new one free.",
    "You're so kind for the 5 stars, thank you! I tuck a bookmark into every order anyway.",
    "I can see you gave us positive feedback, thanks a lot. The charger issue is fixed in the new batch.",
    "Ha, the 'Five Star' on the box is the brand of the notebook. If a page is torn, I'll refund it.",
    "这款被子是五星酒店同款，您说有异味，我们直接给您换一床新的，运费我们出。",
]
FACTS_BLOCKED = [
    "Cheers for the lovely feedback! Add a photo to it and I'll send you a free strap.",
    "Thanks a lot for the 4 stars! Bump it to 5 and the next order ships free.",
]


@pytest.mark.parametrize("text", FACTS_HONEST)
def test_a_review_fact_or_a_star_brand_passes(text: str) -> None:
    assert rules._classify(normalise(text)) is None, normalise(text)


@pytest.mark.parametrize("text", FACTS_BLOCKED)
def test_a_review_fact_used_as_a_preface_still_blocks(text: str) -> None:
    assert assess(text).blocked, text


# AK: a review kept back or softened with no act word
KEEPS_BLOCKED = [
    "Could we keep this between ourselves before anything goes on the listing? I'll sort it today.",
    "Any chance you could revise your neg once the new lamp arrives?",
    "Would you mind making the love note a bit softer? It's the first thing buyers see.",
    "Negs hit tiny sellers really hard. Are you sure a scratched mug is worth that?",
    "唔使喺評價度寫啦，有咩問題我哋即刻幫你搞掂。",
]
KEEPS_HONEST = [
    "Leave whatever review you think is fair; the new lamp ships today either way.",
    "If you'd like to talk it over first I'm here, but you can review any time you want.",
    "评价您想怎么写都行，新灯今天就给您发。",
]


@pytest.mark.parametrize("text", KEEPS_BLOCKED)
def test_a_review_kept_back_with_no_act_word_blocks(text: str) -> None:
    assert assess(text).blocked, text


@pytest.mark.parametrize("text", KEEPS_HONEST)
def test_leave_to_review_freely_passes(text: str) -> None:
    assert not assess(text).blocked, assess(text)


# AL: receipt through an accepted order, an "arrived" reply, a 'yes, I got it' tap
RECEIPT_BLOCKED = [
    "Accept the order on Poshmark today and I'll take $4 off your next bundle.",
    "Text back \"received\" and we'll add 200 points to your account.",
    "Tap 'Yes, I got it' in the app and your next delivery is free.",
]
RECEIPT_HONEST = [
    "No need to accept the order until you've checked everything; message me if anything's off.",
    "As soon as the order shows \"received\" in our system, we'll refund you.",
]


@pytest.mark.parametrize("text", RECEIPT_BLOCKED)
def test_receipt_by_other_names_tied_to_a_benefit_blocks(text: str) -> None:
    assert assess(text).blocked, text


@pytest.mark.parametrize("text", RECEIPT_HONEST)
def test_receipt_named_with_nothing_tied_passes(text: str) -> None:
    assert not assess(text).blocked, assess(text)


# AM: "either way works" after two treatments by reason is the choice, not the same refund
def test_either_way_works_after_two_treatments_blocks() -> None:
    text = ("Returns filed as 'damaged' wait for a three-week lab check before we pay out, while 'changed my "
            "mind' returns are refunded the day they arrive. Either way works for us.")
    assert assess(text).blocked, text


def test_either_way_as_the_same_refund_passes() -> None:
    text = ("Whether it's filed as 'damaged' or 'changed my mind', you're refunded the day it arrives, "
            "either way.")
    assert not assess(text).blocked, assess(text)
