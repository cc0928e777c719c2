"""The buyer's own words a reason change may rest on: a verbatim clause of the message, or nothing.

Why this exists: the honest-steering rule (contracts/triage.md) lets the engine ask a buyer to re-file
only when the case's own words or facts show the accurate reason. The classifier's category is a
*reading* of the words, and a reading can be wrong: "鞋跟磨脚，里面有个钉子凸出来" (a nail sticking out
inside the shoe) read as a size problem, and the reply then told the buyer "您提到尺码不合适、商品本身
没有问题" -- words the buyer never wrote. So a reason change now needs a *span*: one clause of the
message, copied verbatim (between punctuation marks, trimmed), that states a non-quality reason in so
many words ("买重复了", "不喜欢这个颜色", "ordered the wrong size", "I changed my mind"). The reply quotes
that clause and nothing else; no clause, no reason change.

The phrase lists below are deliberately narrower than the classifier's lexicon: a clause counts only
when it says the reason outright. Words that may describe a defect as easily as a fit ("磨脚", "太紧",
"hurts", "doesn't fit" of a lid) are not statements of a reason, and the likelier defects among them
("磨脚", "hurts") block one. A clause is also refused when a
negator or a guess comes before the phrase in it ("不是尺码偏小", "怕偏小", "if it runs small"), when it
is a question, when the classifier's own reading of the clause finds a quality category, or when
it is too long to quote in a Taobao message (400 bytes) without being cut.

This module also keeps its own list of *quality words*: anything that may point at the goods or the
listing (钉子, 凸出来, 图片, 差别, 收到的是, nail, photo, different...). One of them anywhere in the
message, outside an explicit denial ("质量没问题", "nothing wrong with it"), blocks every reason
change, whatever the classifier read: better a rep reads the case than the buyer is steered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from marketplace_returns.engine.text import normalise
from marketplace_returns.engine.words import read_words
from marketplace_returns.models.vocabulary import QUALITY_CATEGORIES, Category

MAX_QUOTE_ZH = 30
"""Longest clause quoted when it holds Chinese (characters): the reply must fit 400 bytes uncut."""
MAX_QUOTE_EN = 100

# A clause ends at punctuation (full- or half-width), a line break, a quote mark or a bracket; at a
# period that is not a decimal point; and at spaces that touch a Chinese character.
_CJK_CHAR = r"\u3400-\u4dbf\u4e00-\u9fff"
_BREAK = re.compile(
    r"[，。！？；：、,!?;:\n\r…~～（）()【】\[\]“”\"「」『』/|]+"
    r"|\.(?!\d)|(?<!\d)\."
    rf"|(?<=[{_CJK_CHAR}])\s+|\s+(?=[{_CJK_CHAR}])")
_CJK = re.compile(f"[{_CJK_CHAR}]")

# What states a non-quality reason outright, by category. Normalised text (half-width, lower case).
STATED: dict[Category, tuple[str, ...]] = {
    Category.SIZE_FIT: (
        "尺码偏小", "尺码偏大", "码数偏小", "码数偏大", "尺码小了", "尺码大了", "码数小了", "码数大了",
        "码小了", "码大了", "偏小", "偏大", "买大了", "买小了", "拍大了", "拍小了", "选大了", "选小了",
        "尺码拍错", "尺码选错", "尺码买错", "码数拍错", "拍错尺码", "拍错码", "选错尺码", "选错码",
        "买错尺码", "买错码", "穿不上", "穿不下", "穿不进去", "小了一码", "大了一码", "小了一号",
        "大了一号", "小一码", "大一码", "小一号", "大一号", "尺码不合适", "尺码不合身", "码数不合适",
        "不合身", "换大一码", "换小一码", "换大一号", "换小一号", "太小了", "太大了", "太小", "太大",
        "ordered the wrong size", "bought the wrong size", "picked the wrong size", "chose the wrong size",
        "too small", "too big", "too large", "too roomy", "runs small", "runs large", "runs big",
        "run small", "ran small", "fits small", "fits large", "need a smaller size", "need a bigger size",
        "need a larger size", "a size down", "a size up", "doesn't fit me", "does not fit me",
        "didn't fit me", "did not fit me"),
    Category.STYLE_PREFERENCE: (
        "不喜欢这个颜色", "不喜欢这个款式", "颜色不喜欢", "款式不喜欢", "不太喜欢", "不是很喜欢", "不喜欢",
        "不好看", "难看", "不适合我", "显胖", "显黑", "显老", "老气", "太土", "好丑", "不如想象",
        "没有想象中好看", "后悔", "don't like the colour", "don't like the color", "do not like the colour",
        "do not like the color", "don't like the style", "don't like it", "do not like it",
        "didn't like it", "did not like it", "don't love the color", "don't love the colour",
        "don't love it", "not my style", "not for me", "doesn't suit me", "does not suit me", "unflattering"),
    Category.CHANGED_MIND: (
        "不想要了", "不想要", "不要了", "不需要了", "不需要", "用不上", "用不着", "不想买了", "改主意了",
        "改变主意", "家里有了", "已经买了", "买了别的", "不想留", "i changed my mind", "changed my mind",
        "no longer need it", "no longer need", "no longer want it", "no longer want", "don't need it",
        "do not need it", "don't want it", "do not want it", "bought another one", "found another one"),
    Category.ORDERED_BY_MISTAKE: (
        "拍重复了", "拍重复", "买重复了", "买重复", "重复购买", "重复下单", "重复拍了", "拍错了", "拍错",
        "买错了", "买错", "下错单", "下错了", "多拍了", "多拍", "拍多了", "买多了", "多买了", "点错了",
        "点错", "ordered by mistake", "bought by mistake", "ordered it by mistake", "ordered twice",
        "accidentally ordered", "mistakenly ordered", "duplicate order", "double order",
        "ordered the wrong one", "ordered the wrong colour", "ordered the wrong color"),
    Category.PRICE: (
        "降价了", "降价", "买贵了", "别家更便宜", "更便宜", "便宜了", "差价", "价保", "price dropped",
        "found it cheaper", "cheaper elsewhere", "too expensive"),
    Category.NOT_RECEIVED: (
        "还没收到", "没收到", "没有收到", "未收到", "一直没到", "还没到", "haven't received",
        "have not received", "never received", "not received", "hasn't arrived", "has not arrived",
        "never arrived", "not arrived yet"),
}
_PHRASE_CATEGORY = {p: c for c, phrases in STATED.items() for p in phrases}


def _alternation(words: tuple[str, ...] | list[str], *, bounded: bool) -> re.Pattern[str]:
    ordered = sorted(set(words), key=len, reverse=True)  # at one position, the longest phrase wins
    body = "|".join(re.escape(w) for w in ordered)
    return re.compile(rf"(?<![a-z'])(?:{body})(?![a-z])" if bounded else f"(?:{body})")


_STATED_ZH = _alternation([p for p in _PHRASE_CATEGORY if _CJK.search(p)], bounded=False)
_STATED_EN = _alternation([p for p in _PHRASE_CATEGORY if not _CJK.search(p)], bounded=True)

# Before the phrase, in its clause: the buyer denies it, or only fears or guesses it.
_ZH_NOT = ("不是", "并非", "并不", "没有", "没", "不", "非", "别", "从没", "怕", "担心", "如果", "要是",
           "万一", "会不会", "是不是", "可能", "估计", "不知道", "以为")
_ZH_NOT_EXEMPT = ("不小心",)  # "不小心拍错了": accidentally, not a negation
_EN_NOT = re.compile(r"\b(?:not|no|never|nothing|without|if|might|may|would|could|should|maybe|perhaps|"
                     r"worried|afraid|hope|guess|unless|whether|wonder)\b|n't\b")
_ZH_QUESTION_END = ("吗", "么", "吧", "呢")
# A clause about the reason itself, money, reviews or complaints is not quoted: the quote sits in a
# sentence about the reason, and the outgoing guardrail must judge the engine's words, not the buyer's.
_NOT_QUOTED = re.compile(
    r"原因|理由|退款|退钱|返现|红包|补偿|赔|好评|差评|中评|评价|投诉|维权|举报|申诉|纠纷|确认收货|"
    r"\b(?:reason|refund\w*|money|cash|credit|coupon|compensat\w*|review\w*|rating\w*|feedback|stars?|"
    r"complain\w*|dispute\w*|claim\w*|chargeback|report\w*|confirm\w*)\b")

# Quality words: anything that may point at the goods, the listing or the delivery of the wrong thing.
_QUALITY_ZH = (
    "钉", "凸", "扎脚", "扎手", "扎人", "硌", "毛刺", "刺鼻", "刺脚", "破", "坏", "裂", "断", "脏", "污",
    "渍", "洞", "线头", "开线", "脱线", "开胶", "脱胶", "胶水", "掉色", "褪色", "脱色", "掉漆", "掉了",
    "脱落", "掉毛", "色差", "差别", "差距", "区别", "差异", "不一样", "不一致", "不符", "不对", "图片",
    "图上", "照片", "实物", "描述", "详情", "宣传", "收到的是", "收到的却", "发来的", "寄来的", "发过来的",
    "发错", "错发", "少了", "少件", "缺", "漏", "异味", "味道大", "有味", "臭", "霉", "假", "仿", "质量",
    "瑕疵", "做工", "划痕", "划伤", "刮花", "变形", "起球", "缩水", "磨损", "磨破", "松了", "松动", "歪",
    "不平", "残次", "次品", "用过", "二手", "旧", "翻新", "过期", "变质", "不能用", "用不了", "没反应",
    "故障", "问题", "毛病", "伤", "疼", "痛", "血", "起泡", "生锈", "锈", "劣质", "粗糙", "垃圾", "维修",
    "返修", "三包", "保修", "针", "玻璃", "碎片", "毛边", "走线", "缝线", "针脚", "开缝", "鼓包", "气泡",
    "开裂", "脱皮", "掉皮", "起皮", "褶", "皱", "硬", "发黄", "黄斑", "黑点", "斑", "印子", "印记", "墨",
    "油", "虫", "渗", "潮", "湿", "甲醛", "气味", "味道", "材质", "面料", "布料", "薄", "透", "起毛",
    "掉绒", "钻绒", "跑绒", "尺寸", "标的", "标注", "写的", "客服", "推荐", "尺码表", "尺码对照", "按照",
    "左脚", "右脚", "左边", "右边", "一只", "两只", "一大一小", "大小不一", "不一样大", "正品", "专柜",
    "商标", "磨", "夹脚", "勒脚", "鞋跟", "后跟", "鞋底", "鞋面", "鞋垫", "内里", "里面有")
# Said of the goods in so many words, these deny a problem; neutral words that merely contain a
# quality character. Both are removed before the quality words are looked for.
_CLEARED_ZH = (
    "没问题", "没有问题", "没什么问题", "没啥问题", "没有任何问题", "不是质量问题", "不是问题",
    "没有质量问题", "无质量问题", "质量没问题", "质量没有问题", "质量没什么问题", "质量很好", "质量不错",
    "质量挺好", "质量可以", "质量还可以", "质量还行", "做工很好", "做工不错", "没有破损", "没有瑕疵",
    "尺码问题", "码数问题", "个人问题", "自己的问题", "我的问题", "没用过", "没有用过", "没使用", "未使用",
    "没穿过", "没有穿过", "假期", "放假", "请假", "仿佛", "判断", "不断", "破费", "坏人", "刺绣", "不小心")
_CLEARED_ZH_LONGEST_FIRST = tuple(sorted(_CLEARED_ZH, key=len, reverse=True))
_CLEARED_ZH_ANY = _alternation(_CLEARED_ZH, bounded=False)
_QUALITY_ZH_ANY = _alternation(_QUALITY_ZH, bounded=False)
_LETTER = re.compile("[a-z]")
_QUALITY_EN = re.compile(
    r"\b(?:defect\w*|broke\w*|break\w*|torn|tear\w*|rip\w*|holes?|stain\w*|damage\w*|crack\w*|scratch\w*|"
    r"faulty|smell\w*|stink\w*|odou?r\w*|mou?ld\w*|fake\w*|counterfeit\w*|knock.?offs?|replica\w*|nails?|"
    r"stick\w* out|pok\w*|sharp|pictur\w*|photo\w*|images?|described|description|listing|listed|advertis\w*|"
    r"different|difference|differ\w*|shade|quality|missing|loose|threads?|seams?|zip\w*|unravel\w*|peel\w*|"
    r"fad\w*|shrink\w*|shrank|shrunk|pill|pills|pilling|pilled|bleed\w*|bled|dirty|used|worn|leak\w*|dead|"
    r"work|works|working|worked|burn\w*|hurt\w*|pain\w*|blister\w*|glue\w*|soles?|heels?|wrong|bent|dent\w*|"
    r"chip\w*|warp\w*|rust\w*|expired|rotten|spoil\w*|flaw\w*|problem\w*|issues?|poor\w*|flims\w*|"
    r"junk|garbage|crap|repair\w*|warranty|mark\w*|spots?|dirt|sent|received|arrived|came|needles?|pins?|"
    r"glass|creas\w*|wrinkl\w*|bubbl\w*|lump\w*|uneven|crooked|chart|recommend\w*|seller|customer service|"
    r"left|right shoe|one shoe|pair|thin|sheer|see.through|transparent|material|fabric|stiff|hard|measur\w*|"
    r"inch\w*|cm|genuine|authentic|original)\b")
_CLEARED_EN = re.compile(
    r"\b(?:nothing wrong with (?:it|them|the \w+)|nothing wrong|no problems?|not defective|no defects?|"
    r"not damaged|not broken|not faulty|not a defect|no issues?|not an? (?:quality )?(?:issue|problem)|"
    r"(?:the )?quality is (?:fine|good|great|ok|okay|nice|excellent|lovely)|"
    r"(?:good|great|nice|fine|excellent|high|lovely) quality|well made|"
    r"(?:never|not) (?:used|worn)|unused|unworn|"
    r"(?:ordered|bought|picked|chose) the wrong|(?:have|has|haven't|hasn't|have not|has not|never|not) "
    r"(?:received|arrived)(?: yet)?)\b")


@dataclass(frozen=True, slots=True)
class Span:
    """One clause of the buyer's message that states a non-quality reason: ``message[start:end]``."""

    text: str
    start: int
    end: int
    category: Category
    phrase: str
    """The stated phrase found in the clause (normalised), as shown to a rep."""


def clauses(message: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of ``message``, whitespace trimmed, empty clauses dropped."""
    out: list[tuple[int, int]] = []
    pos = 0
    for brk in [*_BREAK.finditer(message), None]:
        end = brk.start() if brk is not None else len(message)
        chunk = message[pos:end]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            out.append((pos + lead, pos + lead + len(stripped)))
        if brk is not None:
            pos = brk.end()
    return out


@lru_cache(maxsize=16384)
def quality_words(message: str) -> tuple[str, ...]:
    """The quality words of ``message`` (outside explicit denials), as they appear normalised."""
    text = normalise(message)
    found: list[str] = []
    # Each list is searched only where one regex pass says a word of it occurs (the same answer: no
    # word of the Chinese lists has an ASCII character, every English pattern opens with a letter).
    if not text.isascii():
        if _CLEARED_ZH_ANY.search(text) is not None:
            for cleared in _CLEARED_ZH_LONGEST_FIRST:
                text = text.replace(cleared, " ")
        if _QUALITY_ZH_ANY.search(text) is not None:
            found = [w for w in _QUALITY_ZH if w in text]
    if _LETTER.search(text) is not None:
        found += [m.group(0) for m in _QUALITY_EN.finditer(_CLEARED_EN.sub(" ", text))]
    return tuple(found)


def _negated(before: str, zh: bool) -> bool:
    if zh:
        for exempt in _ZH_NOT_EXEMPT:
            before = before.replace(exempt, "")
        return any(w in before for w in _ZH_NOT)
    return _EN_NOT.search(before) is not None


@lru_cache(maxsize=16384)
def stated_reasons(message: str, tolerance_cm: float = 3.0) -> tuple[Span, ...]:
    """Every clause of ``message`` that states a non-quality reason outright, in message order.

    A clause counts when a stated phrase (``STATED``) appears in it with no negator or guess before it,
    it is not a question, the classifier's own reading of the clause finds no quality category or cue,
    it holds no quality word, it says nothing of reasons, money, reviews or complaints, and it is short
    enough to quote uncut.
    """
    out: list[Span] = []
    for start, end in clauses(message):
        raw = message[start:end]
        text = normalise(raw)
        zh = _CJK.search(text) is not None
        if len(text) > (MAX_QUOTE_ZH if zh else MAX_QUOTE_EN):
            continue
        after = message[end:end + 2]
        if "?" in after or "？" in after or (zh and text.endswith(_ZH_QUESTION_END)):
            continue
        if _NOT_QUOTED.search(text):
            continue
        hit = _STATED_ZH.search(text) or _STATED_EN.search(text)
        if hit is None or _negated(text[:hit.start()], zh or _CJK.search(hit.group(0)) is not None):
            continue
        if quality_words(raw):
            continue
        reading = read_words(text, tolerance_cm)
        if reading.category in QUALITY_CATEGORIES or reading.any_quality_cue or reading.counterfeit_claim:
            continue
        out.append(Span(raw, start, end, _PHRASE_CATEGORY[hit.group(0)], hit.group(0)))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Grounds:
    """What a reason change rests on: the buyer's own clause, or the case's shipping facts.

    ``words``: ``quote`` is a clause of the message, verbatim. ``facts``: ``shipped_at`` and
    ``ship_by`` are the case's own times (the reply quotes them, never the buyer) and ``quote`` says
    them in one line for the rep and the audit log.
    """

    basis: str
    quote: str
    category: Category | None = None
    shipped_at: datetime | None = None
    ship_by: datetime | None = None


def shipping_fact(shipped_at: datetime, ship_by: datetime) -> Grounds:
    """The case's own shipping times as grounds (a "not shipped on time" filed for an on-time parcel)."""
    line = f"shipped_at {shipped_at.isoformat()} before ship_by {ship_by.isoformat()}"
    return Grounds("facts", line, None, shipped_at, ship_by)
