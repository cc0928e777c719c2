"""Gates: the substring tests that let a text with no concept word skip every regex."""

from __future__ import annotations

import re
from collections.abc import Callable

from marketplace_returns.engine.guardrail.concept import _Finder
from marketplace_returns.engine.guardrail.mixed import _CJK_CHAR, _LATIN_WORD
from marketplace_returns.engine.guardrail.normalise import _LETTER, _trie_regex


def _gates(norm: str) -> tuple[bool, bool, bool]:
    """Whether the text holds a Chinese concept word, an English one, and both scripts."""
    if norm.isascii():
        return False, _LETTER.search(norm) is not None and _gate_en(norm), False
    has_zh = bool(_zh_words(norm))
    if _LATIN_WORD.search(norm) is None:  # no English word: neither English concepts nor a mixed text
        return has_zh, False, False
    return has_zh, _gate_en(norm), _CJK_CHAR.search(norm) is not None


def _spans(pattern: _Finder, text: str, gate: bool) -> list[tuple[int, int]]:
    """The concept's spans where its gate is open (``gate``: whether the text holds a word every match
    needs; the regexes cost a few µs each on a reply and most replies hold none of the words). The gate's
    answer is shared by the concepts one gate serves: the Chinese gate words are found in one scan a
    text (``_zh_words``)."""
    return [(m.start(), m.end()) for m in pattern.finditer(text)] if gate else []


def _any_of(words: tuple[str, ...]) -> re.Pattern[str]:
    """``any(w in text for w in words)`` as one regex: for Chinese words ``re`` skips every character
    that starts none of them (measured: 8 µs -> 1 µs on a Chinese reply); English words start with
    common letters, so the English gates stay substring tests. Fourth speed pass: the words as a trie
    (``_trie_regex``), so at a place ``re`` tries the words that share a first character once, not each
    (the 130 gate words: 17,500 -> 14,600 instructions on a Chinese engine reply that holds none); only
    whether one is found is read, never which."""
    return re.compile(_trie_regex([list(map(re.escape, w)) for w in sorted(words)]))


_G_Z_REASON = ("原因", "理由", "reason", "无理由", "别的", "不想要", "不要了", "不喜欢", "不合适", "拍错",
               "拍多",
               "多拍", "错拍", "买错", "非质量", "协商一致", "其他", "其它", "质量问题", "描述不符", "假货",
               '"')
_G_Z_REVIEW = ("好评", "高分", "星", "五星", "5星", "五颗星", "满分", "五分", "5分", "晒", "买家秀", "带图",
               "评", "好话", "公开", "笔记", "好苹",  # round 10: a 小红书 note
               "赞", "好平", "好坪", "hao", "star", "夸", "美言", "打分", "打个分", "别直接", "不要直接",
               "低分")  # seventeenth stop: a low score is a review ("低分删了，给你返现10块")
_G_Z_COMPLAINT = ("投诉", "维权", "介入", "纠纷", "举报", "申诉", "拒付", "售后申请", "帖子", "撤", "仲裁",
                  "平台", "小二", "银行", "信用卡",
                  "消协", "工单", "工商", "小法庭", "争议",  # round 10 (and 12315)
                  # round 14 (batch FD): the city hotline 12345 beside 12315 as "123" (a word less for
                  # re to try: each costs a Chinese reply 20-50 ns), the regulator
                  "123", "市场监管",
                  "退款申请", "退货申请", "取消申请", "撤销申请", "撤回申请")  # round 7: a request withdrawn
# Seventeenth stop: the gate made exact for the Chinese rules. A rule could match a text holding none of
# the words above, and the gate never let the rules read it: a request withdrawn ("您不关闭申请的话，退款
# 一律驳回。" passed; every match of ``rules_zh._Z_REQUEST_OFF`` holds 申请), and a complaint to the
# regulator by its short name or to the wallet ("市监那边您先别打", "跟支付宝说是误会"; Z_COMPLAINT read
# them only beside another complaint word). These words open the rules only, not the learned layer
# (``learned._REQUEST_WORDS``), and 申请 beside 售后申请 alone opens no rule (``rules_zh._Z_INERT``);
# tests/test_guardrail_gate.py checks on the rules' parse trees that every match holds a gate word.
_G_Z_COMPLAINT_RULES_ONLY = ("市监", "支付宝")
_G_Z_RULES_ONLY = ("申请", *_G_Z_COMPLAINT_RULES_ONLY)
_G_Z_RECEIPT = ("收货", "确认", "签收", "收了", "确收",
               "走完", "结了", "结掉", "完结", "了结", "完成", "成功",  # round 5: the order's state
               "最后一步")  # round 7
# round 13 (batch EC): the fault kept out ("don't say it was spoilt"), the gate of E_REASON_UNSAID; each word
# with a rare character (the apostrophe, v) for ``rules_en._present`` to find it from
_G_E_UNSAID = ("n't say", "n't mention", "n't bring up", "n't talk about", "n't tell them", "never say",
               "never mention")
_G_E_REASON = ("reason", '"', "flexible", "defective", "filed", "marked as", " change it", " switch it",
               " update it", " edit it", " make it", " set it", " put it", "down as",
               "ally broken", "ally damaged", "ally faulty", "ally defective",
               " as change of mind", " as changed mind",  # round 9: "not really broken"
               *_G_E_UNSAID)
_G_E_REVIEW = ("review", "rating", "rate", "feedback", "star", "love", "testimonial", "world", "post", "*",
               "write-up", "writeup", "write up",
               "out of", "/10", "/5", "or 10", "score", "marks", "perfect", "a 10", "a ten",
               "comment", "kind word", "nice word", "good word", "thumbs up", "shout", "write-up",
               "satisfied", "spare", "say something", "say a ", "let everyone",
               "tell people", "telling people", "tell everyone", "tell your friends", "folks",  # round 7
               "trustpilot", "enthusiasm", "glowing word",  # round 9 (batch BG)
               "positive", "+ve", "google", "purchase page")  # round 10 (batch BJ): asks with no review word
_G_E_COMPLAINT = ("complaint", "dispute", "claim", "chargeback", "case", "report", "a-to-z", "escalat",
                  "appeal",
                  "paypal", "bank", "platform", "amazon", "etsy", "ebay", "shopify", "visa", "mastercard",
                  "card", "marketplace", "tell your", "tell the", "klarna", "afterpay", "affirm", "venmo",
                  "trustpilot", "bbb", "ftc", "let ", "unflag", "un-flag",
                  "return request", "refund request",  # round 7: a request withdrawn
                  "ticket", "after-sales", "support request",  # round 13 ("tell the", "dispute": the rest)
                  "interven", "involved", "step in",  # round 14 (batch FD): the platform kept out
                  "reversal")  # round 16 (batch HL): a mobile-money payment reversal
_G_E_RECEIPT: tuple[str, ...] = ("confirm", "received", "delivered", "acknowledg", "got it", "arrived",
                "completed", "finished", "complete ", "sign-off",
                "validat", "finalised", "finalized", "finalise ", "finalize ",  # round 10 (batch BL)
                "tap accept", "hit accept", "click accept", "press accept", "tap on accept",
                "click on accept",
                "tap \"accept", "hit \"accept", "click \"accept",
                # round 8 (batch AT): the delivery or the order accepted; not "accept" alone (eight engine
                # replies hold "cannot accept this request")
                "accept delivery", "accept the delivery", "accept your delivery", "accepted the delivery",
                "accepting the delivery", "accept the parcel", "accept the package", "accept the shipment",
                "accept order", "accept the order", "accept your order", "accepted the order",
                "accepting the order",
                "accept it", "accept within")
# round 18 (batch KI): a text or message back saying the buyer got it ("text me back sayin' you got the
# generator"): the rules' receipt act looks for it; the learned layer's gate does not open on these alone
_G_E_SAID = ("sayin", "to say", "back that")  # ("me that" / "us that": "received", "arrived" are triggers)
_G_E_RECEIPT = (*_G_E_RECEIPT, *_G_E_SAID)
_G_E_REMOVE = (*_G_E_REVIEW, "post ", "talk about", "say anything", "public", "reviews", "keep it",
               "keep things",
               "listing", "what you", "online", "anything", "product page",
               " down", " off",
               "neg", "between us", "between ourselves", "wording", "worth",  # round 8 (batch AK)
               "opinion", "bit about", "part about", "full story", "whole story",  # round 9 (batch BB)
               "avis", "seña", "calificaci", "valoraci", "commentaire")  # es, fr: from a rare letter
_G_E_MENTION = (*_G_E_COMPLAINT, "review", "rating", "feedback")
# The first gate: a text with none of these words cannot break any rule.
_GATE_ZH = tuple(sorted({*_G_Z_REASON, *_G_Z_REVIEW, *_G_Z_COMPLAINT, *_G_Z_RECEIPT, *_G_Z_RULES_ONLY,
                          "差评", "中评"}))
_RX_GATE_ZH = _any_of(_GATE_ZH)
_GATE_ZH_AT: dict[str, tuple[str, ...]] = {c: tuple(w for w in _GATE_ZH if w[0] == c)
                                           for c in {w[0] for w in _GATE_ZH}}
# the last text ``_zh_words`` was asked about and its answer (one pair, replaced whole)
_ZH_WORDS_LAST: list[tuple[str, frozenset[str]]] = [("", frozenset())]


def _zh_words(text: str) -> frozenset[str]:
    """The Chinese gate words ``text`` holds, those inside or overlapping another too (``{w for w in
    _GATE_ZH if w in text}``), found in one scan: where the gate regex matches, every gate word that
    starts there is tested. Fourth speed pass: the gate, the Chinese rules' four word classes (reason,
    review, complaint, receipt) and the learned layer's gate each scanned the whole text (five or six
    scans on a Chinese reply that names an after-sales request; about 45,000 instructions, now 29,000).
    The answer for the last text is kept and given again only for that same object (``is``), so the
    rules and the learned layer, which read the text the gate read, get it without a scan, and no answer
    is ever given for another text."""
    last = _ZH_WORDS_LAST[0]
    if last[0] is text:
        return last[1]
    found = []
    m = _RX_GATE_ZH.search(text)
    while m is not None:
        q = m.start()
        for w in _GATE_ZH_AT[text[q]]:
            if text.startswith(w, q):
                found.append(w)
        m = _RX_GATE_ZH.search(text, q + 1)
    words = frozenset(found)
    _ZH_WORDS_LAST[0] = (text, words)
    return words


_Z_REASON_WORDS, _Z_REVIEW_WORDS, _Z_COMPLAINT_WORDS, _Z_RECEIPT_WORDS = (
    frozenset(g) for g in (_G_Z_REASON, _G_Z_REVIEW, (*_G_Z_COMPLAINT, *_G_Z_COMPLAINT_RULES_ONLY),
                           _G_Z_RECEIPT))
_GATE_EN = tuple(sorted({*_G_E_REASON, *_G_E_REVIEW, *_G_E_COMPLAINT, *_G_E_RECEIPT, *_G_E_REMOVE,
                         *_G_E_MENTION, "change it", "switch it"}))
_NO_LETTER_BEFORE = ("change it", "switch it")  # "exchange it" is no reason act
# One trie-shaped regex for the 77 words (measured on the English replies: 8 µs, where 77 substring
# tests take 12 µs and a flat alternation 40 µs). The reference definition of the gate; ``_gate_en``
# below answers the same, faster.
_RX_GATE_EN = re.compile(_trie_regex([
    [*map(re.escape, w), f"(?<![a-z]{w})"] if w in _NO_LETTER_BEFORE else list(map(re.escape, w))
    for w in _GATE_EN]))

# The gate, faster: ``re`` skips in C over every character no alternative opens with, so each word is
# found from its rarest letter ("review" from its "v", the letters before it checked by a lookbehind),
# and the words made only of common letters ("rate", "case", "star"...) are substring tests. A word
# that holds another gate word adds nothing ("mastercard" holds "card"). Same answer as ``_RX_GATE_EN``
# (tests/test_guardrail_gate.py); measured on the engine's English replies 9.5 -> 6 µs.
_EN_BY_FREQUENCY = " etaoinsrhldcumfpgwybvkxjqz"  # most common first; digits and punctuation are rarer
_EN_COMMON = frozenset(" etaoinsrhldcum")


def _from_rarest(words: list[str], anchor: Callable[[str], int]) -> re.Pattern[str]:
    """Any of ``words``, each matched from the character ``anchor`` names (a rare one: ``_gate_anchor``),
    grouped by that character. After that character the rest of each word is a literal, the words sharing a
    beginning as one trie, and the whole word is checked by a lookbehind at its end (fourth stop: ``re``
    rules out a branch that opens with a literal by one character test, where a branch that opens with a
    lookbehind runs it; the English gate 4.2 -> 2.5 µs on the engine's English replies). A match starts
    at the anchor character."""
    groups: dict[str, list[list[str]]] = {}
    for w in words:
        i = anchor(w)
        toks = list(map(re.escape, w[i + 1:]))
        look = f"(?<={re.escape(w)})" if i else ""
        if w in _NO_LETTER_BEFORE:
            look += f"(?<![a-z]{re.escape(w)})"
        groups.setdefault(w[i], []).append([*toks, look] if look else toks)
    return re.compile("|".join(re.escape(c) + (f"(?:{_trie_regex(seqs)})" if any(seqs) else "")
                               for c, seqs in groups.items()))


# Fourth speed pass: the gate's own anchors. A word is found from the rarest of its letters that has a
# letter after it (so ``re`` rules a branch out by one character test: "bank" from its "b", not from the
# "k" of every "thank", "afterpay" from its "p", not its "y"), and "c" and "m" count as rare here, so
# "card", "claim", "comment", "score" join the regex instead of being substring tests; the "accept ..."
# words join it too (they were behind a substring test). On the engine's English replies 55,700 ->
# 45,400 instructions.
_GATE_EN_COMMON_LETTERS = _EN_COMMON - {"c", "m"}


def _gate_anchor(word: str) -> int:
    """Where the gate finds ``word`` from (above), or -1 for a word of common letters only."""
    rare = [k for k, ch in enumerate(word) if ch not in _GATE_EN_COMMON_LETTERS]
    pool = [k for k in rare if k < len(word) - 1] or rare
    if not pool:
        return -1

    def rank(k: int) -> tuple[int, int]:
        i = _EN_BY_FREQUENCY.find(word[k])
        return (len(_EN_BY_FREQUENCY) - i if i >= 0 else 0), k

    return min(pool, key=rank)


_GATE_EN_LEAST = [w for w in _GATE_EN if (w in _NO_LETTER_BEFORE
                  or not any(v != w and v not in _NO_LETTER_BEFORE and v in w for v in _GATE_EN))]
_RX_GATE_EN_RARE = _from_rarest([w for w in _GATE_EN_LEAST if _gate_anchor(w) >= 0], _gate_anchor)
_GATE_EN_COMMON = tuple(w for w in _GATE_EN_LEAST if _gate_anchor(w) < 0)


def _gate_en(norm: str) -> bool:
    """Whether the text holds an English gate word (``_RX_GATE_EN.search(norm) is not None``)."""
    # fourth stop: the quotation mark first (one substring test): every English engine reply that passes
    # the gate holds a quoted reason, and the rare-letter regex costs about 4 µs
    if '"' in norm or _RX_GATE_EN_RARE.search(norm) is not None:
        return True
    for w in _GATE_EN_COMMON:  # noqa: SIM110 - a loop, not any(generator): 1 µs less a reply
        if w in norm:
            return True
    return False
