"""The Chinese rules: which concept meets which, in what order."""

from __future__ import annotations

import re

from marketplace_returns.engine.guardrail.concepts_zh import (
    Z_ASK,
    Z_BENEFIT,
    Z_CANCEL,
    Z_COMPLAINT,
    Z_COMPLAINT_MENTION,
    Z_DECOUPLE,
    Z_NOT_ACT,
    Z_REASON,
    Z_RECEIPT,
    Z_REFUND,
    Z_REVIEW_GIVE,
    Z_REVIEW_REMOVE,
    Z_THREAT,
)
from marketplace_returns.engine.guardrail.gates import (
    _RX_Z_COMPLAINT,
    _RX_Z_MENTION,
    _RX_Z_REASON,
    _RX_Z_RECEIPT,
    _RX_Z_REVIEW,
    _gated,
)
from marketplace_returns.engine.guardrail.ties import (
    _Z_FAULT,
    _Z_PERMISSION,
    _Z_POLICY,
    _Z_SPARING,
    _Doc,
    _Except,
    _first,
    _Hit,
    _not_in,
    _sparing,
    _tie,
)

# "先别确认收货", "不要点确认收货": telling the buyer not to confirm yet is no receipt act
_Z_NOT_YET = re.compile(r"(?:别|不要|不用|不必|先别|千万别|先不要|不急着|无需)(?:点|急着|去|先)?"
                        r"[^。！？!?，,]{0,1}$")

# Round 4: the buyer's question reported in an answer ("您问怎么删掉自己的评价，…") holds the buyer's
# words, not the rep's acts: the clause is blanked (same length, so spans still map) before the rules
# read the text; the answer after it is read as usual.
_Z_ASKED = re.compile(r"您(?:刚才|之前|是)?(?:问|想问|想知道|咨询)[^。！？!?，,]*")


def _blank_asked(doc: _Doc) -> _Doc:
    t = doc.text
    if _Z_ASKED.search(t) is None:  # one search (0.25 µs on a reply); most texts stop here
        return doc
    chars = list(t)
    for m in _Z_ASKED.finditer(t):
        chars[m.start():m.end()] = "_" * (m.end() - m.start())
    return _Doc("".join(chars))


def _classify_zh(doc: _Doc) -> _Hit | None:
    doc = _blank_asked(doc)
    t = doc.text
    reason = _gated(Z_REASON, t, _RX_Z_REASON)
    give = _not_in(_gated(Z_REVIEW_GIVE, t, _RX_Z_REVIEW), t, Z_NOT_ACT)
    remove = _gated(Z_REVIEW_REMOVE, t, _RX_Z_REVIEW)
    complaint = _gated(Z_COMPLAINT, t, _RX_Z_COMPLAINT)
    receipt = [s for s in _gated(Z_RECEIPT, t, _RX_Z_RECEIPT)
               if not _Z_NOT_YET.search(t, max(0, s[0] - 5), s[0])]
    mention = _gated(Z_COMPLAINT_MENTION, t, _RX_Z_MENTION)
    conditions = reason + remove + complaint + receipt + give + mention
    if conditions:
        hit = _tie(doc, conditions, Z_THREAT, None, _Except(Z_CANCEL, _Z_POLICY), "refund_threat",
                   need_tie_word=False,
                   decouple=Z_DECOUPLE)
        if hit is not None and Z_REFUND.search(t[hit.start:hit.end]):
            return hit
    bought = _sparing(doc, reason, _Z_FAULT, _Z_SPARING) if reason else reason
    if bought:
        hit = _tie(doc, bought, Z_BENEFIT, None, Z_CANCEL, "money_for_reason", decouple=Z_DECOUPLE,
                   permission=_Z_PERMISSION)
        if hit is not None:
            return hit
    if complaint:
        hit = _first(doc, complaint, Z_CANCEL, "withdraw_complaint")
        if hit is not None:
            return hit
    if receipt:
        hit = _tie(doc, receipt, Z_BENEFIT, None, Z_CANCEL, "money_for_receipt")
        if hit is not None:
            return hit
    if give or remove:
        hit = _tie(doc, give + remove, Z_BENEFIT, None, Z_CANCEL, "money_for_review")
        if hit is not None:
            return hit
    if remove:
        hit = _first(doc, remove, _Except(Z_CANCEL, _Z_PROMISE), "keeps_from_review")
        if hit is not None:
            return hit
    asks = _not_in(_gated(Z_ASK, t, _RX_Z_REVIEW), t, Z_NOT_ACT)
    if asks:
        return _first(doc, asks, _Except(Z_CANCEL, _Z_PROMISE), "asks_for_review")
    return None


# Round 5 (batch W): "有问题我们都会处理" beside a review asked for or kept back is a promise to fix, not a
# statement that the review changes nothing: it disclaims ties between a reason and a refund, not these.
_Z_PROMISE = re.compile(r"都会[^。！？!?]{0,12}?(?:退|处理|同意|受理)")
