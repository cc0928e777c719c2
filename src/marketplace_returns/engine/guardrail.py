"""The outgoing-message guardrail of the honest-steering rule (contracts/triage.md).

Why: no offer of money may be tied to the reason a buyer picks, to withdrawing a complaint, to
confirming receipt or to a review, and nothing may keep a buyer from reviewing (Taobao's 争议处理规则
counts inducement as improper; E-commerce Law art. 17; consumer-protection regulation art. 9). Every
reply the engine writes passes through ``check_outgoing``; the service calls it again on text a rep
edited, so the phrase that broke the rule is named and the message is never queued.

Patterns are deliberately about *ties* (money near a reason change, a review near money), so that an
honest sentence such as "whether you change the reason is entirely up to you and does not affect your
refund" passes, while "change the reason and we'll refund" does not.
"""

from __future__ import annotations

import re
from functools import lru_cache

from marketplace_returns.errors import GuardrailViolation

_ZH_SPAN = r"[^。！？!?\n]{0,24}"
_EN_SPAN = r"[^.!?\n]{0,60}"
_ZH_MONEY = r"(?:补偿|返现|返款|红包|优惠券|补贴|多退|赔付|奖励|现金|打款|退款|返\d|给您\d|送您)"
_EN_MONEY = r"(?:refund|credit|discount|coupon|compensat\w*|cash\w*|bonus|money|gift card|reward|\$\d)"

RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(rx, re.IGNORECASE)) for name, rx in (
    # money tied to the reason the buyer picks
    ("money_for_reason", rf"(?:改|修改|更改|换)(?:成|为|一下)?{_ZH_SPAN}(?:原因|理由){_ZH_SPAN}"
                         rf"(?:就|才|再|即可|马上|立刻|我们)?{_ZH_SPAN}{_ZH_MONEY}"),
    ("money_for_reason", rf"{_ZH_MONEY}{_ZH_SPAN}(?:前提|条件|只要|需要|必须){_ZH_SPAN}"
                         rf"(?:改|修改|更改){_ZH_SPAN}"
                         r"(?:原因|理由)"),
    ("money_for_reason", rf"\b(?:change|switch|update|edit)\b{_EN_SPAN}\breason\b{_EN_SPAN}"
                         rf"\b(?:and|then|so|to get|in exchange)\b{_EN_SPAN}{_EN_MONEY}"),
    ("money_for_reason", rf"{_EN_MONEY}{_EN_SPAN}\b(?:if|once|when|after|provided)\b{_EN_SPAN}"
                         rf"\b(?:change|switch|update|edit)\b{_EN_SPAN}\breason\b"),
    # reviews: paid, demanded, or prevented
    ("money_for_review", r"(?:好评|晒图|五星|5星)\s*(?:返现|返|送|有礼|红包)|返现\s*好评"),
    ("asks_for_review", r"(?:给|打|留|写)(?:个|一个|我们|下)?(?:五星|5星)?好评|五星好评"),
    ("keeps_from_review", r"(?:删除|删掉|删|撤销|撤回|修改|改|追加)(?:一下|掉)?"
                          r"(?:您的|你的)?(?:差评|中评|评价)"
                          r"|(?:不要|别|请勿|不能)(?:给|打|留)?(?:差评|中评)"),
    ("money_for_review", rf"\b(?:review|rating|feedback|stars?)\b{_EN_SPAN}{_EN_MONEY}"
                         rf"|{_EN_MONEY}{_EN_SPAN}\b(?:for|if you leave|in exchange for)\b{_EN_SPAN}"
                         r"\b(?:review|rating|feedback)\b"),
    ("asks_for_review", r"\b(?:five|5)[- ]star\b|\bleave (?:us )?an? (?:good|positive|great|nice) "
                        r"(?:review|rating|feedback)\b|\bpositive review\b"),
    ("keeps_from_review", r"\b(?:remove|delete|change|edit|take down|withdraw)\b (?:your|the|that|this) "
                          r"(?:negative |bad )?(?:review|rating|feedback)\b"
                          r"|\b(?:don'?t|do not|please don'?t|never) (?:leave|post|write|give) "
                          r"(?:us )?(?:a |any )?(?:bad |negative |poor )?(?:review|rating|feedback)\b"),
    # withdrawing a complaint
    ("withdraw_complaint", r"(?:撤销|撤回|取消|关闭)(?:一下)?(?:您的|你的)?(?:投诉|维权|举报|申诉|纠纷)"),
    ("withdraw_complaint", r"\b(?:withdraw|cancel|close|drop|retract)\b (?:your|the) "
                           r"(?:complaint|dispute|claim|chargeback|report)\b"),
    # confirming receipt
    ("money_for_receipt", rf"确认收货{_ZH_SPAN}{_ZH_MONEY}|{_ZH_MONEY}{_ZH_SPAN}(?:先|请)?确认收货"),
    ("money_for_receipt", rf"\bconfirm (?:receipt|delivery|you received)\b{_EN_SPAN}{_EN_MONEY}"
                          rf"|{_EN_MONEY}{_EN_SPAN}\bconfirm (?:receipt|delivery)\b"),
))


# A rule can only match text containing one of its trigger words; checking those first (a substring
# test) keeps the guardrail at a few microseconds for the replies that mention none of them.
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "money_for_reason": ("原因", "理由", "reason"),
    "money_for_review": ("好评", "晒图", "五星", "5星", "review", "rating", "feedback", "star"),
    "asks_for_review": ("好评", "五星", "5星", "star", "review"),
    "keeps_from_review": ("差评", "中评", "评价", "review", "rating", "feedback"),
    "withdraw_complaint": ("投诉", "维权", "举报", "申诉", "纠纷", "complaint", "dispute", "claim",
                           "chargeback", "report"),
    "money_for_receipt": ("确认收货", "confirm"),
}
_ALL_TRIGGERS = tuple(sorted({t for ts in _TRIGGERS.values() for t in ts}))
_GATED = tuple((name, pattern, frozenset(_TRIGGERS[name])) for name, pattern in RULES)


@lru_cache(maxsize=8192)
def find_violation(text: str) -> tuple[str, str] | None:
    """The first (rule, phrase) the text breaks, or None.

    Memoised (bounded): the engine's replies repeat (same template, amount and date), and a pure
    function of the text can be.
    """
    lowered = text.lower()
    found = {t for t in _ALL_TRIGGERS if t in lowered}
    if not found:
        return None
    for name, pattern, triggers in _GATED:
        if found.isdisjoint(triggers):
            continue
        hit = pattern.search(text)
        if hit:
            return name, hit.group(0)
    return None


def check_outgoing(text: str) -> None:
    """Raise GuardrailViolation naming the phrase and the rule when ``text`` breaks honest steering."""
    found = find_violation(text)
    if found is not None:
        rule, phrase = found
        raise GuardrailViolation("outgoing message blocked by the honest-steering rule", phrase=phrase,
                                 rule=rule)
