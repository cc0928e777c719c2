"""Normalisation: width, script, invisible characters, spaced and split words, look-alikes, emoji,
chat spellings; and the same with a map back to the written text."""

from __future__ import annotations

import importlib.util
import os
import re
import unicodedata

from marketplace_returns.engine.guardrail.concept import _by_first_char, _lead_choices, blank_match


def _opencc_table() -> dict[int, str]:
    """Traditional -> simplified, one character to one, from OpenCC's TSCharacters table.

    Only the character table is used: whole-phrase conversion (``opencc.OpenCC('t2s')``) costs about
    240 µs for a 100-character message, zhconv 35 µs (and is GPL), hanziconv 24 µs; a ``str.translate``
    with this table costs about 1 µs and runs only when a traditional character is present.
    """
    spec = importlib.util.find_spec("opencc")  # located, not imported: only its data file is read
    if spec is None or spec.origin is None:  # pragma: no cover - the dependency is declared
        return {}
    path = os.path.join(os.path.dirname(spec.origin), "dictionary", "TSCharacters.txt")
    table: dict[int, str] = {}
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                key, _, value = line.rstrip("\n").partition("\t")
                if len(key) == 1 and value:
                    simple = value.split(" ")[0]
                    if simple != key:
                        table[ord(key)] = simple
    except OSError:  # pragma: no cover
        return {}
    return table


_T2S = _opencc_table()
_TRAD = frozenset(chr(c) for c in _T2S)  # a set test (3 µs) beats a 4,000-character regex class (15 µs)

_SYMBOLS: dict[int, str | None] = {
    **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff\u00ad"
                             "\ufe0e\ufe0f\u180e"), None),
    ord("🧧"): " 红包 ", ord("🎁"): " gift ", ord("💰"): " money ", ord("💸"): " money ",
    ord("💵"): " money ", ord("⭐"): " star ", ord("🌟"): " star ", ord("★"): " star ",
    ord("☆"): " hollow ", ord("❌"): " no ", ord("✖"): " no ", ord("➕"): "+", ord("→"): " then ",
    ord("➡"): " then ", ord("⇒"): " then ",
    ord("“"): '"', ord("”"): '"', ord("‘"): "'", ord("’"): "'", ord("「"): '"', ord("」"): '"',
    ord("『"): '"', ord("』"): '"', ord("〔"): "(", ord("〕"): ")", ord("、"): ",",
}
_FOLD = {**_SYMBOLS, **_T2S}
_SYMBOL_CHARS = re.compile("[" + "".join(re.escape(chr(c)) for c in _SYMBOLS) + "]")
# Characters NFKC would change, other than the full-width punctuation every Chinese reply has (folded
# below without NFKC's cost): full-width letters and digits, enclosed and compatibility forms,
# mathematical letters, odd spaces. NFKC (7 µs for a reply) runs only when one is present.
_COMPAT = re.compile("[\u00a0-\u00bf\u2000-\u200a\u2024-\u2026\u2070-\u218f\u2460-\u24ff\u2f00-\u2fdf"
                     "\u3000\u3200-\u33ff\uf900-\ufaff\ufb00-\ufb4f\ufe10-\ufe6f"
                     "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff5f-\uffef"
                     "\U0001d400-\U0001d7ff\U0001f100-\U0001f1ff]")
_SYMBOL_TEXT = {chr(k): v or "" for k, v in _SYMBOLS.items()}


def _symbol(m: re.Match[str]) -> str:
    return _SYMBOL_TEXT[m.group(0)]

_CJK = "\u3400-\u9fff\uf900-\ufaff"
# Characters put between the characters of a word to slip it past a filter: 好-评-返-现, 原·因, r.e.v.
_SEP = " \t\u3000\\-*_·•.~～/|"
_SPACED_CJK = re.compile(rf"(?<=[{_CJK}])[{_SEP}]+(?=[{_CJK}])")
_SPACED_LETTERS = re.compile(r"(?<![a-z])[a-z](?:[ .\-*_]{1,2}[a-z]){2,}(?![a-z])")
_SPACED_HINT = re.compile(r"[ .\-*_][a-z][ .\-*_]{1,2}[a-z][ .\-*_]{1,2}[a-z]")
# Second speed pass of round 18: ``re`` tries the hint at every separator, about 50 tries on an English
# reply (27,000 instructions). On an ASCII text its shape is looked at first, every letter an "a" and
# every separator a space (one ``bytes.translate``, in C): the hint's second letter stands alone, so its
# shape holds " a a " or " a  a ", which ``re`` finds from their three-byte prefix " a ", rare in English
# ("a" the article, "i"). Only a text with that shape is searched with the hint itself.
_SHAPE = bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz .-*_", b"a" * 26 + b" " * 5)
_SPACED_SHAPE = re.compile(rb" a  ?a ")


def _spaced_hint(text: str) -> bool:
    """``_SPACED_HINT.search(" " + text) is not None``, faster."""
    if text.isascii() and _SPACED_SHAPE.search(b" " + text.encode().translate(_SHAPE)) is None:
        return False
    return _SPACED_HINT.search(" " + text) is not None
# f33dback: one or two in a word; round 5: "!" for i between letters (d!spute, rev!ew)
_LEET = re.compile(r"[@03$!](?<=[a-z][@03$!])[@03$]?(?=[a-z])")
_LEET_MAP = {"@": "a", "0": "o", "3": "e", "$": "s", "!": "i"}
# letters as "a", the five characters as "0": a text ``_LEET`` can match holds b"a0" in this shape
_LEET_SHAPE = bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz@03$!", b"a" * 26 + b"0" * 5)


def _leet_worth(text: str) -> bool:
    """Whether ``_LEET`` can match: one of its five characters right after a letter. Third speed pass: five
    substring tests, not any() over a generator (its frame cost about 0.6 µs on every reply). Fourth: then
    the text's shape (one ``bytes.translate`` in C) instead of the regex's scan of every character: a third
    of the engine's English replies hold a "$" or a "0", none after a letter (13,400 -> about 3,000
    instructions on each)."""
    return (("@" in text or "0" in text or "3" in text or "$" in text or "!" in text)
            and b"a0" in text.encode().translate(_LEET_SHAPE))
_CHAT = re.compile(r"(?:ur|u|pls|plz|thx|b4)(?<![a-z]ur)(?<![a-z]u)(?<![a-z]pls)(?<![a-z]plz)(?<![a-z]thx)"
                   r"(?<![a-z0-9]b4)(?![a-z'])|4(?<![a-z0-9.$]4)(?= (?:a|an|ur|your|every|each)\b)")
_CHAT_MAP = {"ur": "your", "u": "you", "pls": "please", "plz": "please", "thx": "thanks", "b4": "before",
             "4": "for"}
_CONFUSABLE = {ord(a): b for a, b in zip("асеорхуіѕјԁԛԝαεοριτνκ", "aceopxyisjdqwaeopitvk", strict=True)}
_CONFUSABLE_CHARS = re.compile("[асеорхуіѕјԁԛԝαεοριτνκ]")


def _join_letters(m: re.Match[str]) -> str:
    return "".join(ch for ch in m.group(0) if ch.isalpha())


def _leet(m: re.Match[str]) -> str:
    return "".join(_LEET_MAP[c] for c in m.group(0))


_LETTER = re.compile("[a-z]")


def _chat_worth(text: str) -> bool:
    """Cheap tests before the abbreviation regex (4 µs on a reply: ``u`` is everywhere): " u ", " u!",
    " u,", " u." and " ur " as one regex that opens with the literal " u" (re skips ahead to it), then
    substring tests (measured on the English replies: 2.1 -> 1.1 µs, where ten substring tests ran).
    Fourth speed pass: "thx", "b4" and " 4 " behind a test for their rare character, which Python makes
    as a memchr (a few hundred instructions where a substring test costs about 900)."""
    padded = f" {text} "
    return (_CHAT_U.search(padded) is not None or "pls" in text or "plz" in text
            or ("x" in text and "thx" in text) or ("4" in text and ("b4" in text or " 4 " in padded)))


_CHAT_U = re.compile(r" u(?:[ !,.]|r )")


_SEP_CHAR = re.compile(f"[{_SEP}]")


# Round 4: a concept word misspelt by one slip (a letter dropped, two swapped, a 1 for an i or l) in a
# chat-style message ("pls chnage the reson", "plz confrim", "rece1pt"): the spellings are generated from
# the words, not listed; read only where a chat abbreviation shows the writer types fast.
_TYPO_HEADS = ("reason", "change", "confirm", "receipt", "received", "review", "refund", "feedback",
               "rating", "dispute", "complaint", "delete", "remove", "coupon", "delivered", "return",
               "voucher", "credit", "reviews", "refunds", "order", "receive")
_TYPO_WORDS = frozenset({"complain", "refunds", "orders", "chang"})  # real words one slip from a head


def _slips(word: str) -> set[str]:
    out = {word[:i] + word[i + 1:] for i in range(1, len(word))}  # a letter dropped (not the first)
    out |= {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(1, len(word) - 1)}  # swapped
    out |= {word[:i] + "1" + word[i + 1:] for i, c in enumerate(word) if c in "il"}
    return out


_TYPO_MAP = {slip: head for head in _TYPO_HEADS for slip in _slips(head)
             if slip not in _TYPO_HEADS and slip not in _TYPO_WORDS and len(slip) >= 4}
# One pass for slips and chat abbreviations (their worth test, about 1 µs, runs once): a word of four
# letters or more is looked up among the slips, a shorter one among the abbreviations.
_CHAT_OR_TYPO = re.compile(r"(?<![a-z1])[a-z][a-z1]{3,9}(?![a-z1'])|" + _CHAT.pattern)


# Round 4: a Chinese concept word written in pinyin or by its initials inside a Chinese message ("亲 xian
# que ren shou huo ba", "ts che xiao yi xia", "cp 能 shan 一下吗", "hp+tu 返 5r"): read as the word. Only
# in a text that holds Chinese characters and Latin letters; initials only where they stand alone.
_PINYIN_WORDS = {
    "querenshouhuo": "确认收货", "shouhuo": "收货", "haoping": "好评", "chaping": "差评",
    "zhongping": "中评", "tuikuan": "退款", "yuanyin": "原因", "tousu": "投诉", "chexiao": "撤销",
    "fanxian": "返现", "hongbao": "红包", "buyingxiang": "不影响", "buxihuan": "不喜欢",
    "wuliyou": "无理由", "buxiangyao": "不想要", "bugai": "不改", "shandiao": "删掉", "shanchu": "删除",
    "peini": "赔你", "suiyi": "随意",
    "biji": "笔记", "tupian": "图片", "weiquan": "维权",  # round 10: a 小红书 note, its picture
}
# Short ones only where they cannot be a brand or an English word: initials standing alone (not touching
# a letter or a Chinese character: "hp打印机" is a printer), 返 before an amount or the buyer, 删 before
# what deleting takes, 图 after a plus or before 返.
_PINYIN_SHORT = {"hp": "好评", "cp": "差评", "ts": "投诉", "hb": "红包", "fan": "返", "shan": "删",
                 "tu": "图", "qrsh": "确认收货", "xian": "现", "ping": "评",
                 "wq": "维权", "cx": "撤销", "bu": "补", "note": "笔记", "p": "评"}  # round 10
_PINYIN_SHORT.update({"tk": "退款", "5x": "五星", "五x": "五星"})  # round 17 (batch IB)
# Round 5: initials touching a Chinese character where only the concept fits: after 给个 / 求 / 写 / 留
# ("给个hp呗"), before what is done to a review or paid for it ("cp撤了吧", "hp返5r"); qrsh (确认收货)
# anywhere, being no word or brand; xian after 返 (返xian).
_TOUCHING = (r"|(?<![a-z])qrsh(?![a-z])|(?<=[个给求写留])(?:hp|cp)(?![a-z])"
             r"|(?<![a-z])(?:hp|cp)(?=[删撤改返送呗吧])|(?<=返)xian(?![a-z])"
             # round 10 (tune_eval11/12, batch BI-BJ): group-buy and 小红书 slang ("hp走一波", "hp带图",
             # "5x好p", "那个wq能不能先cx一下", "bu 20", "那篇note")
             r"|(?<![a-z])hp(?=[走带晒安])|(?<=好)p(?![a-z])|(?<![a-z])wq(?![a-z])"
             r"|(?<![a-z])cx(?= ?(?:一下|掉|了))|(?<![a-z])bu(?= ?\d)|(?<=[篇条])note(?![a-z])"
             # round 17 (tune_written15, batch IB): initials before a modal or a negation and then the act
             # only the concept fits ("cp不删", "cp能删下吗", "cp可以撤下吗", "hp能返"); 5x (五星) before hp
             # or 好评 ("5xhp"); tk (退款) standing as a word before or after its verbs ("tk就不批了",
             # "tk已经批了", "申请tk"; not "tk店", TikTok)
             r"|(?<![a-z])cp(?=[\u4e00-\u9fff]{1,3}?[删撤改])|(?<![a-z])hp(?=[\u4e00-\u9fff]{1,3}?[返送])"
             r"|(?<![a-z0-9])[5五]x(?=hp|好评|好p)|(?<=[5五]x)hp(?![a-z])"
             r"|(?<![a-z])tk(?![a-z])(?= ?(?:就|不|没|会|已|马上|才|批|到|申请|秒|都|也|这边|那边|还|给))"
             r"|(?<=申请|同意|办理)tk(?![a-z])")
_LONE = rf"(?<![a-z{_CJK}])(?:hp|cp|ts|hb)(?![a-z{_CJK}])"
_PINYIN = re.compile(r"(?<![a-z])(?:" + "|".join(
    " ?".join(_syl) for _syl in sorted(
        (re.findall(r"(?:[bcdfghjklmnpqrstwxyz]?h?[aeiouv]+(?:ng|n|r)?(?![aeiouv]))|[a-z]", w)
         for w in _PINYIN_WORDS), key=lambda x: -len("".join(x)))) + r")(?![a-z])"
    + "|" + _LONE + r"|(?<![a-z])fan(?= ?(?:\d|您|你|ni\b|nin\b))"
    r"|(?<![a-z])shan(?= ?(?:一下|掉|了|除|yi ?xia))|(?<=\+)tu(?![a-z])|(?<![a-z])tu(?= ?返)"
    r"|(?<![a-z])ping(?= ?[价论])" + _TOUCHING)  # round 7 (batch AC): ping价 is 评价


# Round 7 (batch AC): platform shorthand for a complaint or a review ("close the A2Z", "drop the CB",
# "ur rvw"), spelt out where it stands as a word.
# round 17 (tune_written15, batch IQ): "ordr rcvd" (Shopee, Lazada chat) is order received
_SHORTHAND = re.compile(r"(?<![a-z0-9])(?:a2z|cb|rvws?|rcvd|recvd)(?![a-z0-9])")
_SHORTHAND_MAP = {"a2z": "a-to-z", "cb": "chargeback", "rvw": "review", "rvws": "reviews", "rcvd": "received",
                  "recvd": "received"}


def _shorthand(m: re.Match[str]) -> str:
    return _SHORTHAND_MAP[m.group(0)]


def _pinyin(m: re.Match[str]) -> str:
    w = m.group(0).replace(" ", "")
    return _PINYIN_WORDS.get(w) or _PINYIN_SHORT.get(w, m.group(0))


def _pinyin_worth(text: str) -> bool:
    return not text.isascii() and _CJK_CHAR.search(text) is not None and _LETTER.search(text) is not None


_CJK_CHAR = re.compile(f"[{_CJK}]")


def _chat_or_typo(m: re.Match[str]) -> str:
    w = m.group(0)
    return _CHAT_MAP.get(w) or _TYPO_MAP.get(w, w)


def _has_sep(text: str) -> bool:
    return _SEP_CHAR.search(text) is not None


def _traditional(text: str) -> bool:
    """Whether ``text`` holds a traditional character. Text that GB2312 (the simplified set) can encode
    holds none, and the encoder answers in C (0.3 µs) where the set test takes 3 µs."""
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return not _TRAD.isdisjoint(text)
    return False


# Concept words a rep splits inside to slip them past a filter ("re fund", "dis pute", "con-firm",
# "charge back"): any one split of one of these words, by one or two separators, is joined again. Only
# whole words are joined (a letter on either side stops it), so two real words are joined only when
# together they spell a concept word ("with draw", "feed back"), which is the reading wanted.
_SPLIT_VOCAB = (
    "refund", "refunds", "refunded", "refunding", "review", "reviews", "reviewed", "dispute", "disputes",
    "chargeback", "complaint", "complaints", "withdraw", "withdrawn", "withdrawing", "receipt", "confirm",
    "confirmed", "delivery", "delivered", "received", "negative", "positive", "shipping", "reason",
    "unless", "coupon", "coupons", "voucher", "remove", "delete", "feedback", "rating", "ratings",
    "cancel", "credit", "discount", "compensation", "compensate", "otherwise", "escalate", "escalation",
    "reimburse", "cashback", "bonus", "reward", "replacement", "paypal", "retract", "complain",
)
_SPLIT_SEP = "[ .\\-*_]{1,2}"


def _trie_regex(words: list[list[str]]) -> str:
    """One regex for many token sequences, shared prefixes factored out (``re`` tries an alternation
    branch by branch, so 300 flat alternatives would cost 300 tries at every letter)."""
    tree: dict[str, dict] = {}  # type: ignore[type-arg]
    for toks in words:
        node = tree
        for tok in toks:
            node = node.setdefault(tok, {})
        node[""] = {}

    def emit(node: dict) -> str:  # type: ignore[type-arg]
        alts = [tok + emit(child) for tok, child in sorted(node.items()) if tok]
        end = "" in node
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 and not end else "(?:" + "|".join(alts) + ")"
        return body + ("?" if end else "")

    return emit(tree)


# Two letters a side at least, and not a whole word plus an ending ("refund ed" reads already).
_SPLITS = [(w[:k], w[k:]) for w in _SPLIT_VOCAB for k in range(2, len(w) - 1) if w[:k] not in _SPLIT_VOCAB]
_SPLIT_WORD = re.compile(
    "(?<![a-z])" + _trie_regex([[*map(re.escape, a), _SPLIT_SEP, *map(re.escape, b)] for a, b in _SPLITS])
    + "(?![a-z])")
# The gate (the regex above costs ~3 µs on a reply, a set test ~1.5 µs): a half that is not a word on
# its own turns up as a token split at spaces, or both halves are words ("re view", "with draw"), or a
# word is cut by another separator ("re-fund", "dis.pute"; a cheaper regex first). Words: the halves
# seen at least twice as tokens in the tuning corpus and the engine's replies.
_SPLIT_COMMON = frozenset({"back", "can", "charge", "comp", "complain", "confirm", "draw", "edit", "fee",
                           "in", "it", "late", "move", "on", "other", "pay", "re", "refund", "replace",
                           "review", "ship", "upon", "us", "very", "view", "with", "withdraw"})
_SPLIT_RARE = frozenset(x + end for ab in _SPLITS for x in ab if x not in _SPLIT_COMMON
                        for end in ("", ".", ",", "!", "?", ";", ":", '"', ")"))
# Both halves words: "re view", "re move", "charge back", "with draw" (a hyphen or other separator is
# the hint's case below).
_SPLIT_HINT = re.compile("[\\-*_]" + _trie_regex([list(b) for _a, b in _SPLITS]) + "(?![a-z])")


def _both_halves_words(text: str) -> bool:
    """A concept word split into two real words ("re view", "with  draw"); fourth speed pass: "view" and
    "draw" looked for once each, not the two spellings of each (a substring test costs an English reply
    about 900 instructions)."""
    return (("view" in text and ("re view" in text or "re  view" in text)) or "re move" in text
            or ("draw" in text and ("with draw" in text or "with  draw" in text)) or "charge back" in text)


def _split_or_loan_worth(text: str) -> bool:
    """Whether either is worth looking for (the same tests as ``_split_or_loan``, a bool: the loop's
    worth test; the rare text that passes it is tested again for which)."""
    if not _SPLIT_OR_LOAN.isdisjoint(text.split()):
        return True
    if _both_halves_words(text):
        return True
    return ("-" in text or "*" in text or "_" in text) and _SPLIT_HINT.search(text) is not None


def _split_or_loan(text: str) -> tuple[bool, bool]:
    """Whether the split words are worth looking for, and the loan words (round 11): one pass over the
    tokens for both."""
    tokens = text.split()
    loan = False
    if not _SPLIT_OR_LOAN.isdisjoint(tokens):  # most texts: one set test, as before round 11
        found = _SPLIT_OR_LOAN.intersection(tokens)
        loan = not _LOAN_TOKENS.isdisjoint(found)
        if not _SPLIT_RARE.isdisjoint(found):
            return True, loan
    if _both_halves_words(text):
        return True, loan
    return ("-" in text or "*" in text or "_" in text) and _SPLIT_HINT.search(text) is not None, loan


# "does n't", "5 - star": the other splits seen.
_SPLIT_TAIL = re.compile(r"(?<=[a-z]) (?=n't\b)|(?<=\d) ?- ?(?=stars?\b)|(?<=\d) (?=-stars?\b)")


def _join_split(m: re.Match[str]) -> str:
    return "".join(ch for ch in m.group(0) if ch.isalpha())


# A label in single quotes is a label in quotes ('no longer wanted'); apostrophes inside words are not
# quotes (a letter on their left).
# literal-first; an apostrophe between two letters stays inside the label ('didn't need it')
# round 15 (tune_written13, batch GA): up to 60 characters, as a double-quoted span - a whole line quoted in
# a staff note ("Agent 3 wrote 'we'll give you a voucher if you remove your 1-star'") is a quote too
_SINGLE_QUOTED = re.compile(r"'(?<![a-z0-9]')([a-z](?:[^'\n]|(?<=[a-z])'(?=[a-z])){1,60}?)'(?![a-z])")
# round 16 (tune_written14, batch HA): a Chinese line in single quotes ('把差评删了给您退20', ‘确认收货返红包’
# - the curly ones fold to ') is a quote too, so a QA record, a training case or a list of banned lines that
# quotes it is read as the double-quoted one is; only a span that opens with a Chinese character (an English
# apostrophe in a mixed text opens none). Run on a text that is not ASCII only, after the steps (a Chinese
# text with no Latin letter runs only the first of them).
_SINGLE_QUOTED_ZH = re.compile(r"'([\u3400-\u9fff][^'\n]{0,59}?)'")


# A row of star symbols (each already read as " star ") is a rating: "★★★★★" is a 5-star, as is "5*";
# an empty star (☆) is not counted. 好平/差平/中坪: the homophones written to slip past 好评/差评/中评.
_STAR_RUN = re.compile(r"(?: star ){2,}|(?<![\d.*])([1-5]) ?\*(?![\d*])")
_HOMOPHONES = (("好平", "好评"), ("差平", "差评"), ("中平", "中评"), ("好坪", "好评"), ("差坪", "差评"),
               ("中坪", "中评"))


def _homophones(text: str) -> str:
    """好平 -> 好评 and the like: same length, so the character map of ``_normalise_mapped`` holds
    (str.replace, ~0.1 µs, where a regex step cost ~1 µs on every reply naming 平台)."""
    for a, b in _HOMOPHONES:
        if a in text:
            text = text.replace(a, b)
    return text


def _stars(m: re.Match[str]) -> str:
    return f" {m.group(1) or m.group(0).count('star')}-star "


def _quote(m: re.Match[str]) -> str:
    return f'"{m.group(1)}"'


# Round 6: pictographs put inside an English word to slip it past a filter ("r🙏emove", "con✅firm
# rec📦eipt"): dropped where a letter stands on both sides (the emoji the fold spells out, 🎁 ⭐, are
# words by then and stay).
# The pattern opens with the pictograph class (re skips ahead to one) and looks back for the letter.
_PICTO = "[\u2600-\u27bf\U0001f300-\U0001faff]"
_EMOJI_IN_WORD = re.compile(f"{_PICTO}(?<=[a-z].){_PICTO}*(?=[a-z])")

# Round 7: a tie quoted only to forbid or deny it - a staff rule, a 话术库 entry, a notice or a scam alert
# ('不得以"好评返现""确认收货送红包"等方式诱导买家', '有人冒充客服说"删差评返50元"',
# 'fake texts saying "leave 5 stars, get $20"', 'phrases like "no review, no refund" are banned') - is an
# example, not the rep's offer:
# the quoted examples after a word that forbids, disowns or warns are blanked (the same length, so a
# blocked phrase still maps back to what was written) before the rules and the learned layer read the
# text. A script that teaches the tie ('这样说："改成不喜欢的话运费我们出"') names no such word and is
# still read.
_PROHIBIT = (r"不得|严禁|禁止|禁用|不许|不准|切勿|请勿|冒充|假冒|骗子|从未|从来没|从不|没有这种|没有此类|"
             r"没有任何|不搞|不做|"  # round 15 (batch GC): '本直播间不做“好评返现”活动'

             # round 11 (tune_eval13/14, batch CA): a shop's notice or scam alert that says it never
             # uses the quoted words ('本店客服不会以"…"名义', '不存在"…"等活动', '任何以"…"为名',
             # '不会打电话让您"…"', '不會私訊您要求「…」')
             r"不存在|不设|任何以|打着|(?:不会|绝不会|绝对不会|从不会)(?:以|打电话|私信|私讯|发短信|联系|加|让|要求|叫|找|用)|"
             r"别说|不要说|不能说|不可以说|别讲|不要讲|不能讲|不能承诺|不要承诺|别承诺|红线|"
             # round 16 (tune_written14, batch HH): the line not to be said to the buyer ('不要对买家说"…"',
             # '别跟顾客讲"…"'): the buyer is now read as the one spoken to, not the one speaking
             r"(?:别|不要|不能|不可以)(?:再)?(?:对|跟|和|向|给)[^\"。！？!?\n，,]{0,6}?(?:说|讲|承诺|发)|"
             # round 18 (tune_written16, batch JB): the same in Cantonese, 同 for 跟 ('唔可以同客讲「…」',
             # '唔准同买家讲"…"', '亦唔可以话"…"'; not the question 可唔可以)
             r"(?:(?<!可)唔可以|唔准|唔好|不准|不许|别|不要|不能|不可以)(?:再)?(?:同[^\"。！？!?\n，,]{0,6}?)?"
             r"(?:说|讲|话|承诺|发)|"
             r"never (?:say|send|text|message|write|use|promise|ask|offer)\w*|"
             r"(?:don'?t|do not|must not|mustn'?t|should not|shouldn'?t|can'?t|cannot|won'?t|will not) "
             r"(?:ever )?(?:say|send|text|message|write|use|promise)\w*|"
             r"banned|prohibited|forbidden|not allowed|fake|scam\w*|impersonat\w*|pretending|"
             r"(?:phrases?|wording|lines?|messages?|texts?) like")
# A quoted span (and the quoted spans listed right after it) with a forbidding word in the 40 characters
# before it, no sentence end between: found from the quote, so a text with no quotation mark pays nothing.
# round 16 (tune_written14, batch HO): a label quoted inside the quoted line ('"switch it to 'no longer
# needed' and we'll pay postage"', its single quotes made double above) stays inside the line: an inner
# quote opens after a space on a letter and closes before a space or a stop, so a list of quoted lines
# ('"...", "..."') pairs as written
_QUOTED = re.compile(r'"(?:[^"\n]|(?<= )"[a-z][^"\n]{0,30}"(?=[ ,.!?;:])){1,60}"')
_PROHIBIT_BEFORE = re.compile(rf"(?:{_PROHIBIT})[^\"。！？!?\n]{{0,24}}?$")
# round 11: the new Chinese leads in a regex of their own, run on a text that is not ASCII only (in one
# alternation they cost every English reply's quotes a little)
_PROHIBIT_LEAD_11 = re.compile(r"不存在|不设|任何以|打着|不会")
_LISTED = re.compile(r"\s*(?:[,，/]|和|或|及|与|or|and)?\s*")
# a literal every forbidding word opens with or holds, tested on the window first (``re`` skips ahead)
_PROHIBIT_LEAD = re.compile(r"不得|严禁|禁|不许|不准|切勿|请勿|冒充|假冒|骗子|从未|从来没|从不|没有|不搞|唔|"
                            r"不做|别|不要|不能|不可以|红线|never|n't|not |must|should|can|won|will|banned|"
                            r"prohibited|forbidden|fake|scam|imperson|pretend|like")
_FORBIDDEN_CLAUSE_ZH = re.compile(
    # (round 18, batch JB: Cantonese 唔可以/唔准/唔好 - "唔可以要求买家删评")
    r"(?:不许|不准|不得|严禁|禁止|切勿|不能|不要|别|(?<!可)唔可以|唔准|唔好)(?:私下|主动|再)?"
    r"(?:联系|要求|让|叫|劝|逼|催|诱导|暗示)"
    r"(?:买家|顾客|客户)[^。！？!?\n，,；;]{0,30}"
    # the staff's own words forbidden ("不得要求改评价", "不许说确认后有红包", "不得附加评价等条件")
    r"|(?:不许|不准|不得|严禁|禁止|切勿)(?:私下|主动|再|在[^。！？!?\n，,]{0,6})?(?:要求|加入|说|附加|承诺|提|写)"
    r"[^。！？!?\n，,；;）)]{0,30}"
    # round 16 (tune_written14, batch HB): a rule that forbids the means of a tie, as a platform's rules
    # and a shop's code word it ("商家不得以返现、红包、赠品等利益诱导消费者作出好评",
    # "禁止商家以赠品换取消费者好评"): the means listed (commas inside) up to the act induced, then over
    # the acts listed (、 is a comma by now) to the sentence's end, unless it turns (但, 不过, 可以, 而是)
    r"|(?:不许|不准|不得|严禁|禁止)(?:商家|卖家|店铺|客服|员工)?以[^。！？!?\n；;]{0,20}?"
    r"(?:诱导|引导|换取|胁迫|强迫|要求)(?:(?!但|不过|可以|而是)[^。！？!?\n；;]){0,50}"
    # round 16 (batch HI): the same with 不能/不可以 and 用/拿 as the means, 换 as the trade ("平台规定商家
    # 不能用好评换补偿，但…"); "不能用" is left to be read (a disclaimer of the ties around it, as before)
    # (batch HJ: 不允许 too, "平台规则不允许用红包换好评，但…")
    r"|(?:不能|不可以|不允许|(?<!可)唔可以|唔准)(?:商家|卖家|店铺|客服|员工)?(?:以|用|拿)(?P<rule>[^。！？!?\n；;]{0,20}?"
    r"(?:诱导|引导|换取|换)(?:(?!但|不过|可以|而是)[^。！？!?\n；;]){0,50})"
    # (round 16, batch HH: or whoever says it, with the buyer spoken to - '谁要是跟买家说"改了评价才退"，
    # 直接扣奖金')
    r"|(?:(?:要是有|如果有|若有|有)个?\"?(?:客服|人|店员|员工)\"?|谁(?:要是|如果|敢|再))[^。！？!?\n，,\"]{0,8}?"
    r"(?:跟您|对您|和您|给您)?说"
    r"[^。！？!?\n，,；;]{0,30}"
    # round 11 (tune_eval14, batch CA): a scam alert's if-clause, up to the warning
    # ("如有人以…名义提出此类要求并许诺返现，请提高警惕")
    r"|(?:如有人|如果有人|若有人|要是有人|如遇到?有人)[^。！？!?\n]{0,40}?(?=[,，]\s*(?:请|均|都|一律|务必|切勿|千万|"
    r"那)[^。！？!?\n]{0,8}(?:警惕|诈骗|骗|举报|拉黑|截图|不是|非官方|勿|别理|不要理))"
    # round 8 (the ninth set): a kind of offer the shop says it does not run ("不搞好评返红包那一套",
    # "从来没有晒图返现的活动")
    r"|(?:不搞|不做|不玩|没有|从不|从来不搞|从来没有)(?:任何)?[^。！？!?\n，,；;\"]{0,14}?"
    r"(?:那一套|这一套|那套|这套|这种活动|这类活动|的活动|那种活动)"
    # round 15 (tune_written13, batch GC): the kind of offer named to its clause's end
    # ("我们店铺不搞评价返现，", "从来不搞晒图返红包，"), or a list of such kinds to the sentence's end; a
    # later clause that makes the offer anyway is still read
    r"|(?:不搞|不做|从不搞|从来不搞|从不做|从来不做)(?:什么|任何)?(?:形式的)?[^。！？!?\n，,；;\"]{0,8}?"
    r"(?:返现|返红包|送红包|返券|返钱)"
    # the same kind listed on to the sentence's end ("不做任何好评返现、晒单返京豆活动。")
    r"(?:(?:[,，][^。！？!?\n，,；;\"]{0,10}?(?:返现|红包|返券|返钱|返京豆|活动))+(?=[。！？!?\n]|$)"
    r"|(?=[，,。！？!?；;\n]|$))")
_FORBIDDEN_CLAUSE_EN = re.compile(
    r"\b(?:never|don'?t|do not|must not|mustn'?t|shouldn'?t|should not) (?:ever )?(?:(?:ask|pressure|push|"
    r"nudge)\w* them\b|(?:ask|tell|pressure|push|nudge|request|contact|message|dm)\w* (?:the |a |any )?"
    r"(?:buyer|customer|shopper|client)s?\b)[^.!?\n;]{0,60}"
    r"|\b(?:never|don'?t|do not|must not|mustn'?t|shouldn'?t|should not|can'?t|cannot|won'?t|will not) "
    r"(?:offer|promise|give|hand out) "
    r"(?:them |the buyer |the customer |you )?(?:any |extra |any extra )?(?:anything|money|credit|"
    r"compensation|a discount|discounts|gifts?|a gift|vouchers?|coupons?|gift cards?|store credit|freebies) "
    r"(?:for|to|in exchange)\b(?:(?!\b(?:unless|until|otherwise|if|but|only)\b)[^.!?\n;]){0,40}"
    # round 17 (tune_written15, batch IO): the shop's own act denied - "We have not asked the buyer to
    # withdraw the claim", "I not go pay you to cancel de case", "I won't pay you to drop the chargeback" -
    # to the clause's end (a dash, "but", "if", "unless" ... end it: "We won't pay you to keep the claim open
    # - close it and the $20 credit is yours" is still read)
    r"|\b(?:i|we)(?:(?: have| had)? (?:not|never)| haven'?t| hadn'?t| didn'?t| did not) (?:yet )?ask(?:ed)? "
    r"(?:the |a |any )?(?:buyer|customer|"
    r"shopper|you)s? to\b(?:(?!\b(?:unless|until|otherwise|if|but|only|yet)\b| - )[^.!?\n;]){0,50}"
    r"|\b(?:i|we)(?: will| would|'ll)? (?:not go|won'?t|will not|wouldn'?t|would not) pay "
    r"(?:you|u|ya|ye|them|"
    r"the buyer|the customer) (?:anything |a (?:cent|penny|dime|thing) )?to (?:close|cancel|drop|withdraw|"
    r"remove|delete|change|edit|pull|take down)\b"
    r"(?:(?!\b(?:unless|until|otherwise|if|but|only)\b| - )[^.!?\n;]){0,40}"
    # round 8 (the ninth set): a colleague's earlier tie reported and disowned ("someone on our team told
    # you to change the reason to get a faster refund. That was wrong of us")
    r"|\b(?:someone|one of our (?:agents|reps|team|staff)|a (?:rep|agent|colleague|team member)|"
    r"our (?:agent|rep))"
    r"\b[^.!?\n]{0,20}?\b(?:told|asked|offered|promised|suggested)\b[^.!?\n;]{0,80}"
    r"(?=[.!?]\s*(?:(?:that|this|it)(?: advice)? (?:was|is) (?:wrong|never ok|not ok|a mistake|not allowed|"
    r"not our policy)"
    # round 15 (tune_written13, batch GD): the staff told to stop ("If that was any of you, stop")
    r"|if (?:that|this|it) was (?:any|one) of you\b))")
# Hints: each regex above runs only where the words it needs are present (most replies hold none); the
# hints open with a literal or a character class, so ``re`` skips ahead to a candidate.
# (round 11: one branch per first character, 有个 added at no cost)
_CLAUSE_HINT_ZH = re.compile(r"不(?:许|准|得|能|要|搞|做|玩|允)|唔(?:可以|准|好)|严禁|禁止|切勿|别|"
                             r"有(?:客服|人|店员|员工|个)|"
                             r"没有|从不|谁(?:要是|如果|敢|再)")
_CLAUSE_HINT_EN = re.compile(r"(?:n't|not|never) (?:ever |go |yet )?(?:ask|tell|pressure|push|nudge|request|"
                             r"contact|message|dm|offer|promise|give|hand|pay)")  # (round 17, IO: "not go")


def _clause_hint_en(text: str) -> bool:
    """``_CLAUSE_HINT_EN.search(text) is not None``, on an ASCII text its three negations looked for first
    (fourth speed pass: ``re`` tries the hint at every "n" of an English reply, about 4,800 instructions;
    "n't" behind a memchr for its apostrophe, and "not " and "never " as substring tests, about 2,100; a
    Chinese text has no "n" to try)."""
    if text.isascii() and not (("'" in text and "n't " in text) or "not " in text or "never " in text):
        return False
    return _CLAUSE_HINT_EN.search(text) is not None


# round 8: the disowned report above is looked for only where "wrong" or "mistake" is written (two
# substring tests, 0.2 µs on a reply; a regex hint opening with "is" cost every English reply 3 µs)


# Round 8: a note to the staff (a 【主管】/【售后群】/【SOP】 header, 各位/大家/同事们 first;
# "Team,", "All agents", "Reminder for reps:" first, or macros named) that forbids a tie, names it as words
# to take off a card or a widget, or reports it as a violation, is about the tie, not the tie: in such a
# note each clause that forbids, removes or reports is blanked, and a quoted example in a sentence that
# does, unless a teaching cue stands right before the quote in a clause of its own
# ('客户点完确认收货再发："..."': the script). A script that teaches the tie with no forbidding word is
# still read.
_STAFF_ZH = re.compile(r"\s*(?:【[^】\n]{0,14}(?:主管|组长|店长|售后群|客服群|工作群|内部群|员工群|店群|"
                       r"sop|规范|培训|守则|须知|总则|运营|笔记|全体|同事|客服部|内部|带教|新人|复盘|案例|手册|"
                       r"日报|周报|通报|晨会|周会|"  # round 10 (tune_eval11): 【售后日报】
                       # round 14 (tune_written12, batch FA): a quality audit, a list of mistakes, a notice
                       r"质检|抽查|误区|示范|示例|通知|"
                       # round 18 (tune_written16, batch JC): a list of red lines or bans ("【售后红线】",
                       # "【客服禁令】")
                       r"红线|禁令)[^】\n]{0,14}】|"
                       r"各位|大家|同事们|姐妹们|@全体|全体客服|"
                       # round 13 (tune_eval17, batch EF): an unbracketed heading ("主管备注:", "客服规范:")
                       r"(?:主管|组长|店长|内部|运营)备注\s*[:：]|(?:客服|售后|服务)规范\s*[:：])")
# round 8 (the ninth set): a heading that ends in a colon ("客服手册第7条:", "注意:", "售后组复盘：",
# "新客服看这里："), no buyer addressed in it ("群内家人请注意:" is to the buyers)
# one regex each, tested first (substring tests on a Chinese text cost 0.1 µs a word)
# round 13 (batch EJ): sop, 规范, 备忘 too
# round 14 (tune_written12, batch FA): a staff group or meeting named first ("运营群：", "今天开会说一下：",
# "晨会强调：", "提醒各位：") - here, not in _STAFF_ZH, so a reply that names 您 first pays nothing for it
# round 15 (tune_written13, batch GC): a QA or quality note, an internal notice, a self-check list
# ("QA备注：", "质检备注：", "QA抽检：", "内部通知：", "售后自查表：") - here, not in _STAFF_ZH (+0.2 µs a
# Chinese reply there)
_STAFF_HEAD_HINT = re.compile(r"手册|须知|守则|复盘|培训|看这里|注意|sop|规范|备忘|"
                              r"群|开会|晨会|例会|周会|提醒|备注|抽检|抽查|内部|店内|自查|检查|"
                              # round 16 (tune_written14, batch HA): "质检记录：" was a heading the hint
                              # never let through (记录 is in _STAFF_ZH_HEAD, not here)
                              r"记录|"
                              # round 16 (batch HH): a notice of a case judged ("质检通报：客服…对买家说"…"")
                              r"通报")
# round 16 (tune_written14, batch HC): the buyers named as the reader's peers ("其他顾客看到会误会的",
# "别的买家看了都不敢买") are no note about the buyers: the reader is one of them
_THIRD_PERSON_ZH = re.compile(r"(?<!其他)(?<!其它)(?<!别的)(?:顾客|买家|客户)")
_STAFF_ZH_HEAD = re.compile(r"[^。！？!?\n:：\"]{0,10}(?:手册|须知|守则|复盘|培训|看这里|注意|sop|规范|备忘|"
                            r"群|开会|晨会|例会|周会|提醒|(?:qa|质检|品控)(?:备注|抽检|抽查|记录)|通报|"
                            r"(?:内部|店内)(?:通知|公告)|自查|检查(?:清单|表))"
                            # round 13 (tune_eval18, batch EF): an aside before the colon ("守则(贴…):");
                            # batch EJ: an SOP, 规范 or 备忘 heading ("售后SOP 2.1 退货原因:", "回复规范:")
                            r"[^。！？!?\n:：\"(（]{0,10}(?:[(（][^)）\n]{0,12}[)）])?[:：]")
# fourth speed pass: the alternatives below, grouped by their first character (``_STAFF_EN``), so a text
# that opens with none of them is ruled out in a few character tests (7,600 -> 2,500 instructions on an
# English engine reply); ``_STAFF_EN_PLAIN`` is the flat alternation, for tests/test_guardrail_gate.py
_STAFF_EN_ALTS = (r"(?:heads up|fyi|reminder|note|hi|hey|ok|okay)[,:!]? (?:all |the )?"
                       r"(?:agents|reps|staff|team)\b|team\b|all (?:agents|reps|staff)\b|agents\b|reps\b|"
                       r"staff\b|internal\b|note (?:to|for) (?:all |the )?(?:staff|team|reps|agents)\b|"
                       r"reminder (?:for|to) (?:all |the )?(?:staff|team|reps|agents)\b|"
                       r"(?:support |team |staff |ops )?(?:policy|sop|ops) (?:update|note)\b|"
                       # round 10 (tune_eval12): "Rep guide, Q&A:"
                       r"(?:rep|agent|staff|support) (?:guide|faq|q&a|playbook|handbook)\b|"
                       # round 12 (tune_eval15/16, batch DB): a bracketed header ("[Note to packers]",
                       # "[Note for the yard team]") and a QA note on a ticket
                       r"(?:note|notice|memo|reminder) (?:to|for) [^\]\n]{1,30}\]|qa note\b|"
                       # round 13 (tune_eval18, batch EI): a team named first ("Admin team:", "Warehouse
                       # team:") and an unbracketed note or reminder for a crew, desk or bench
                       r"(?:admin|support|cs|ops|packing|warehouse|dispatch|shop|store) team\b|"
                       r"(?:note|notice|memo|reminder) (?:to|for) (?:all |the |our |t')?[a-z' -]{0,30}?"
                       r"(?:crew|team|reps|agents|staff|lads|packers|bench|desk)\b|"
                       # round 14 (tune_written12, batch FB): an audit or QA record, a list of what not
                       # to say, a training script, a note to self
                       r"(?:(?:call|chat|reply|replies|ticket|qa|quality|template) )?audit\b|"
                       r"qa (?:flag|review|check|log)\b|what not to (?:say|write)\b|"
                       r"phrases? (?:we'?ve |we have )?banned\b|(?:banned|forbidden) phrases\b|"
                       r"training (?:script|module)\b|note (?:to|tae) (?:self|myself)\b|"
                       # round 15 (tune_written13, batch GA): a training slide or deck, a meeting's notes
                       # ("Training slide 7:", "Weekly huddle notes:", "Monday stand-up notes:")
                       r"(?:training|onboarding) (?:slides?|deck)\b|"
                       r"(?:weekly |daily |monday |friday |morning |team )?(?:huddle|stand-?up|team meeting|"
                       r"staff meeting|shift) notes\b|"
                       # round 17 (tune_written15, batch IM): training notes with the g dropped ("Trainin
                       # notes"), a call or closing script, a returns or support desk named first
                       r"(?:trainin'?g?|onboarding) (?:notes|pack|guide)\b|"
                       r"(?:closing|opening|call|chat|phone) script\b|"
                       r"(?:returns|support|service|help|cs|claims) desk\b|"
                       # round 18 (tune_written16, batch KB): a crew named first in any voice ("Right lads,",
                       # "Oi team,", "Morning gang -"), the people on a job ("everybody packin' orders:",
                       # "whoever's mindin' the inbox"), a new house rule; not "Hi all" or "Hello everybody",
                       # which open a buyers' broadcast as often
                       r"(?:(?:right|ok|okay|oi|alright|listen(?: here| up)?|morning|evening|hey|hiya),? )?"
                       r"(?:lads|lasses|crew|gang|team)\b(?= ?[,:!-]| new rule| quick)|"
                       r"(?:(?:right|ok|okay|oi|alright|listen(?: here| up)?|morning|hey),? )?"
                       r"(?:(?:everybody|everyone|all|y'all|anyone|anybody|whoever(?:'s| is))(?: [a-z']+)?|"
                       r"(?:note|notice|memo|reminder) (?:to|for) (?:whoever|anyone|anybody)(?:'s| is|"
                       r" who'?s)?) "
                       r"(?:packin|workin|mindin|coverin|answerin|runnin|doin|on)(?:g|')?\b|"
                       r"new (?:house |shop )?rule (?:for|on|in) (?:the )?[a-z' ]{1,20}(?:chats?|inbox|"
                       r"messages|"
                       r"orders|returns|team)\b")
_STAFF_EN_PLAIN = re.compile(rf"\W*(?:{_STAFF_EN_ALTS})")
_STAFF_EN = re.compile(rf"\W*(?:{_by_first_char(_lead_choices(_STAFF_EN_ALTS))})")
# the two English cues found further in, each behind a substring test (a bare regex from the start cost
# every English reply 4.7 µs)
# (round 17, batch IM: "for new starters", "for new hires", "for new joiners")
_STAFF_EN_FOR = re.compile(r" for (?:new |all |the |our )?(?:reps|agents|staff|team members|starters|hires|"
                           r"joiners)\b")
_STAFF_EN_MACRO = re.compile(r"\bmacros?\b")
# (round 16, batch HH: 对, 向 - "不要对买家说")
_DO = (r"(?=提|说|讲|拿|跟|和|对|向|在|用|以|把|私|劝|催|要求|要买家|要顾客|承诺|写|发|再|去|暗示|主动|同|话|"
       r"出现|加|附|耍|诱导|引导|索要|阻止|打|联系|让|叫|逼|给|送|返|拖)")  # round 13 (batch EF): 不要引导
_STAFF_NO_ZH = re.compile(rf"不得|严禁|禁止|不准|不许|切勿|停掉|停用|撤掉|删掉|去掉|涂掉|关掉|换掉|"
                          rf"下架|不要{_DO}|不能{_DO}|不可以{_DO}|(?<![特区分类识级个告])别{_DO}|"
                          # round 18 (batch JB): Cantonese "唔可以同客讲", "唔准用", "唔好同顾客讲"
                          rf"(?<!可)唔可以{_DO}|唔准|唔好{_DO}|"
                          r"有同事|有客服|有人|违规|扣分|被判|抓到|引以为戒|"
                          # round 15 (batch GC): a colleague found out, a self-check item not done ("□未用红包
                          # 换好评"), a line marked with a cross (❌, read as " no ")
                          r"发现同事|未(?=用|提|要求|劝|暗示|以|干预|承诺|诱导|引导)|(?<![a-z])no (?= |$)|"
                          r"错误示范|错误示例|不合格|"  # round 14 (batch FA): a quality audit's verdicts
                          r"没有一单|无一单|没有一个|"  # round 10 (tune_eval11): a report that none did
                          # round 13 (tune_eval17/18, batch EF): "不以补送换好评", "不私下劝撤"
                          r"不以(?=[^。！？!?，,]{0,12}换)|不拿(?=[^。！？!?，,]{0,8}换)|不私下|"
                          # batch EJ: "不在回复里让买家追评", "不在私聊里用红包换评价"
                          r"不在(?=[^。！？!?，,；;]{0,8}(?:让|要求|劝|叫|催|提|用))")
# round 18 (batch KB): a line reported and stopped in a staff note's own words ("That stops today.", "We
# don't do that here."): a word that forbids, and a verdict on the quoted line before it
_HALTED_EN = (r"(?:that|this|it) (?:stops|ends) (?:today|now|here)|"
              r"we (?:don'?t|do not|never) do (?:that|this|it)")
# round 14: "no longer needed" is a reason label, not a word that forbids
# (round 17, batch IM: "Under no circumstances should an agent ...", a template that "is binned"; a refund
# not to be released "until" the buyer acts is the hold itself, not a word that forbids: "Returns desk: do
# NOT release refunds on 'defective' returns until the customer agrees to recode")
_STAFF_NO_EN = re.compile(r"\b(?:(?:don'?t|do not)(?! (?:release|issue|send|process|pay|refund)\w*\b"
                          r"[^.!?\n]{0,60}?\b(?:until|till|unless)\b)|never|stop|no more|not allowed|"
                          r"under no circumstances|"
                          r"(?:is|are|was|were|now|been) (?:binned|scrapped|axed|ditched|retired|deleted)|"
                          r"no longer(?! needed| wanted| required)|(?:is|are) out|"
                          r"(?:switched|turned|coming|taken) off|discontinued|pulled|retired|flagged|warning|"
                          r"banned|prohibited|someone (?:typed|wrote|said|sent|told|posted)|no tell|"
                          r"an? (?:rep|agent|colleague) (?:offered|told|promised)|"
                          # round 12 (batch DB): nobody does it, a "No "..."" item, a draft reported
                          r"nobody|no one|(?:draft|reply|agent|rep) (?:offered|wrote|said|promised)|"
                          # round 15 (batch GA): "Agent 3 wrote", "a draft that said", a macro "has been
                          # deleted", a message that "broke policy"
                          r"(?:draft|reply|agent|rep|message)(?: #?\d+| that| which) (?:offered|wrote|said|"
                          r"promised|typed|sent)|(?:has|have) been (?:deleted|removed|scrapped|binned)|"
                          r"(?:broke|breaks|against) (?:our |the )?(?:policy|rules)|"
                          # round 14 (batch FB): "what not to write:", "two agents used '...'"
                          r"what not to (?:say|write)|(?:agents|reps) (?:used|typed|wrote|said)|"
                          # round 18 (batch KB): a colleague's line reported in any voice ("somebody's
                          # been typin'", "someone had written", "i caught a draft sayin'", "found a macro")
                          r"(?:someone|somebody|one of (?:you|us|the \w+))(?:'s| has| had|'d)?(?: been)? "
                          r"(?:drafted|draftin\w*|typed|typin\w*|written|wrote|writin\w*|sent|sendin\w*|"
                          r"messag\w*|offer\w*|tellin\w*|telling|told|promis\w*|sayin\w*|said|puttin\w*|"
                          r"put)|"
                          r"(?:caught|seen|saw|found|spotted|noticed) (?:a |an |some |that |this |one )?"
                          r"(?:reply|replies|draft|message|macro|note|notes|card|slip|somebody|someone|"
                          r"template)|"
                          + _HALTED_EN + r"(?: here)?|"
                          r"i(?:'ve| have) (?:deleted|binned|scrapped|removed) (?:it|that|them)|"
                          # round 13 (tune_eval18, batch EI): "we are stopping ...", "Walmart prohibits
                          # offering ...", "no gifts for reviews", "no gift cards ... in exchange for"
                          r"stopping|stopped|prohibits?|no (?:more )?(?:gifts?|gift cards?|codes?|credits?|"
                          r"store credit|discounts?|freebies?|vouchers?|coupons?|cash|bonus(?:es)?|perks?|"
                          r"extras?|rewards?|incentives?|airtime|samples?|free [a-z]+)\b(?=[^.!?\n]{0,80}?"
                          r"\b(?:for|in exchange for|in return for)\b))\b"
                          r"|\bno(?= _| $)")
_STAFF_REPORT = re.compile(r"违规|扣分|被判|判定|限流|抓到|引以为戒|处罚|警告|flagged|warning|banned|"
                           r"不合格|属于诱导|算诱导|"  # round 14 (batch FA)
                           r"上报|回报主管|报给主管|已删除")  # round 15 (batch GC): reported up, deleted

# round 15 (tune_written13, batch GA): the verdict on a quoted line in the sentence right after it ("Agent 3
# wrote '...'. This is not allowed.", "a draft said '...'. It was stopped before sending.")
_STAFF_VERDICT_EN = re.compile(r"\W{0,3}(?:(?:this|that|it)(?: is|'s| was)? )?"
                               r"(?:not allowed|forbidden|banned|prohibited|against (?:policy|the rules)|"
                               r"a violation|unacceptable|wrong|"
                               r"not ok(?:ay)?|never ok|stopped|pulled|deleted|removed|flagged)\b"
                               r"|\W{0,3}we (?:didn'?t|did not|never did)\b"
                               # round 18 (batch KB): "That stops today.", "We don't do that here.", "I've
                               # deleted it.", "Don't y'all send that."
                               r"|\W{0,3}(?:" + _HALTED_EN + r"|"
                               r"i(?:'ve| have|'m)? (?:deleted|deletin\w*|binned|scrapped|removed) "
                               r"(?:it|that|them)|"
                               r"(?:don'?t|do not|never) (?:\w+ )?(?:send|use|say|write) (?:that|this|it)\b)")
# round 16 (tune_written14, batch HO): a clause of a staff record judged by the words right after it, in its
# own clause or behind a dash ("Refund made conditional on closing a PayPal case — serious violation",
# "Voucher promised for removing a review - major violation", "... the claim. Policy breach."): the record
# names the tie to judge it
_VERDICT_EN = r"(?:an? )?(?:serious |major |clear |severe |minor |gross )?(?:policy )?(?:violation|breach)\b"
_STAFF_JUDGED_EN = re.compile(r"\W{0,3}(?:(?:this|that|it)(?: is|'s| was)? )?" + _VERDICT_EN)
_STAFF_JUDGED_DASH = re.compile(r" (?:-|=) (?=" + _VERDICT_EN + ")")
_STAFF_MENTION = re.compile(r'"\s*(?:字样|[一二三四五六七八九十\d]个?字|这种话|这类话|这些话|'
                            r"这句话|那行字|的字眼|等字眼)")
# round 15 (batch GC): 发现 ("共发现3处") is no 发 (send) that teaches a script
_STAFF_TEACH = re.compile(r"(?:(?:(?:发(?!现|生)|回复|说|讲|写|加)(?!了|过)|告诉他|跟他讲|一句|如下|以下|"
                          r"话术|模板)[^，,:：]{0,4}[:：]?|reply with|say|"
                          r"tell (?:them|the (?:buyer|customer)))\s*$")
_CLAUSE_END = re.compile(r"[，,。！？!?；;\n]")
# round 16 (batch HC): "尊敬的客户，" addresses the buyer (亲爱的 already holds 亲)
_SECOND_PERSON_ZH = re.compile(r"[您你亲宝妳]|家人|兄弟|姐妹|老铁|朋友|邻居|尊敬的|dear|hi")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.(?=\s|$)")
_NOTE_TITLE = re.compile(r"\W*(?:macro|template|canned reply|snippet)\b[^:\n.!?]{0,50}:")
_SENTENCE_END_NOTE = re.compile(r"[。！？!?；;\n—–]|\.(?=\s|$)")
# round 18 (batch KF): an English staff note's forbidding clause also ends at a turn - a spaced hyphen, "but",
# "instead" - so a tie taught after it is read ("never put it in the chat, but ring the buyer and offer a $20
# top-up if they close the PayPal claim", "no more '...' in writing - say it on the phone: tap Received ...")
_CLAUSE_END_NOTE_EN = re.compile(r"[。！？!?；;\n—–]|\.(?=\s|$)| - |,? but (?!not\b)|,? instead\b")


def _staff(text: str, zh: bool) -> bool:
    """Whether the text is a note to the staff (the cues above)."""
    if zh:
        if _STAFF_ZH.match(text) is not None:
            return True
        you = _SECOND_PERSON_ZH.search(text)  # a reply names 您 early, so the search stops there
        if you is not None and you.start() < 4:
            return False  # addressed to the buyer from the first words ("亲，", "您好", "收到您的")
        if _STAFF_HEAD_HINT.search(text, 0, 20) is not None:
            head = _STAFF_ZH_HEAD.match(text)
            if head is not None and (you is None or you.start() >= head.end()):
                return True
        # round 8 (the ninth set): a note about the buyers in the third person, none addressed
        return you is None and _THIRD_PERSON_ZH.search(text) is not None
    if _STAFF_EN.match(text) is not None:
        return True
    # a " for ... reps" cue that opens in the first 80 characters (fourth speed pass: one search, which
    # ``re`` makes from the literal " for ", and the leftmost match's start, not a loop of finds and
    # matches in Python - 5,500 -> 1,500 instructions on an English engine reply)
    cue = _STAFF_EN_FOR.search(text)
    if cue is not None and cue.start() <= 80 - len(" for "):
        return True
    return "macro" in text and _STAFF_EN_MACRO.search(text) is not None


def _blank_staff(text: str, written: str) -> str:
    """A note to the staff: its forbidding, removing or reporting clauses and their quoted examples
    blanked (same length). ``written`` is the text before the other blankings (the same length): the
    forbidding words are looked for there."""
    # round 11 (tune_eval13): an English note with a typographic dash or quote ("Macro – Damaged item:") is
    # read as English, not by the Chinese cues
    zh = not text.isascii() and (text[0] >= "\u2e80" or _CJK_CHAR.search(text) is not None)
    if not _staff(text, zh):
        return text
    no = _STAFF_NO_ZH if zh else _STAFF_NO_EN
    chars = list(text)
    title = None if zh else _NOTE_TITLE.match(text)
    if title is not None:  # round 11 (tune_eval13): a macro's title names the case ("Macro – Negative
        chars[:title.end()] = "_" * title.end()  # feedback received:"), not an act
    stops = _SENTENCE_END if zh else _SENTENCE_END_NOTE  # round 11: an English note's dash ends a clause
    for m in _QUOTED.finditer(text):
        a, b = m.span()
        lo = max((x.end() for x in stops.finditer(text, 0, a)), default=0)
        hi_m = stops.search(text, b)
        sentence_hi = hi = hi_m.start() if hi_m else len(text)
        if zh:  # after the quote, only its own clause counts ("...", 不要写得太直白 is advice on tone)
            end = _CLAUSE_END.search(text, b)
            hi = min(hi, end.start()) if end else hi
        outside = written[lo:a] + " " + written[b:hi]
        if (no.search(outside) is None and _STAFF_MENTION.match(text, b - 1) is None
                and _STAFF_REPORT.search(text, b, sentence_hi) is None
                and (zh or _STAFF_VERDICT_EN.match(written, sentence_hi + 1) is None)):
            continue
        clause_lo = max((x.end() for x in _CLAUSE_END.finditer(text, lo, a)), default=lo)
        before = written[clause_lo:a]
        if (_STAFF_TEACH.search(before) is not None and no.search(before) is None
                and _STAFF_REPORT.search(text, b, sentence_hi) is None):
            continue  # a script taught (round 8, ninth set: not where what was said is then reported)
        chars[a:b] = "_" * (b - a)
    blanked = "".join(chars)
    # round 11 (tune_eval13, e12): an English note's dash ends a clause ("offer the GC only after she
    # re-files as 'no longer needed' — do NOT mention the GC until ..."), and a forbidding word inside a
    # quoted label ("no longer needed") does not make its clause forbid
    ends = _CLAUSE_END if zh else _CLAUSE_END_NOTE_EN
    if '"' in written:
        written = _QUOTED.sub(blank_match, written)
    lo = 0
    # a forbidding clause runs on over the short items listed after it ("不得附加评价、原因、…")
    listed = False
    dashed: tuple[int, int] | None = None  # round 18 (batch KF): the clause before a spaced hyphen
    for e in [*ends.finditer(blanked), None]:
        hi = e.start() if e is not None else len(blanked)
        if no.search(written, lo, hi) is not None or (
                listed and _LIST_ITEM_STOP.search(blanked, lo, hi) is None
                and (hi - lo <= 10 or _RUN_STOP.search(blanked, lo, hi) is None)) or (
                not zh and ("violation" in written or "breach" in written) and _judged(written, lo, hi, e)):
            chars[lo:hi] = "_" * (hi - lo)
            listed = zh and e is not None and e.group() in ",，、"
            if dashed is not None:  # a line judged after its dash ("'...' - never write this") is judged
                chars[dashed[0]:dashed[1]] = "_" * (dashed[1] - dashed[0])
        else:
            listed = False
        dashed = (lo, hi) if not zh and e is not None and e.group() == " - " else None
        lo = e.end() if e is not None else hi
    return "".join(chars)


def _judged(written: str, lo: int, hi: int, end: re.Match[str] | None) -> bool:
    """Whether an English staff note's clause is judged right after it (round 16, batch HO): the next clause
    or sentence opens with the verdict, or the clause ends in a dash before it."""
    if end is not None and _STAFF_JUDGED_EN.match(written, end.end()) is not None:
        return True
    return _STAFF_JUDGED_DASH.search(written, lo, hi) is not None


_LIST_ITEM_STOP = re.compile(r"[:：]|跟他|告诉|回复|发|说")
# round 8 (the ninth set): a longer clause after a forbidding one is still its object ("不得以补偿、红包、
# 赠品等任何形式引导顾客修改退款原因、撤销投诉或修改评价") unless it turns (但, 可以, 而是, 请, ...)
_RUN_STOP = re.compile(r"但|可以|可在|而是|应该|应当|请|如果|记得|只要|要先|先|然后|再|除非|否则|不然|才|就")


# round 11 (tune_eval13/14, batch CA): the quoted words named as a pretext right after the run of quotes
# ('以"改原因多退钱""好评返现"等名义', '以"确认收货返现"为名私聊您的', '"…"为由加您微信'): a pretext
# someone else uses, disowned, not the shop's own offer
_PRETEXT_FIRST = frozenset("等之的名为旗 \t")  # the characters a pretext after a quote can open with
_PRETEXT_AFTER = re.compile(r"\s*(?:等|之类的?)?(?:的?名义|为名|的?旗号"
                            # 为由 only before a contact ('以"质量问题"为由的退款' is a reason)
                            r"|为由(?=[^。！？!?，,]{0,3}(?:加|联系|私|找|打电话|发|骗)))")


# round 16 (tune_written14, batch HD): the buyer's own words quoted from a review
# ('谢谢您追评说"客服处理很快"', '您在评价里写了"退款很快"', '您差评里说"发货慢"'): what the buyer wrote,
# not the shop's offer - the quote is blanked; an act or a benefit outside it is still read
# (the buyer named before the review, and 写 only as done - "评价里写“质量很好”再配两张图" dictates the words)
_SAID_LAST = frozenset("说到映是了道的着：:")
_BUYER_SAID = re.compile(r"[您你](?:在|的)?(?:追评|评价|评论|好评|差评|中评|点评)(?:里|中|上|区)?"
                         r"(?:说|提到|反映|写了|写道|写的|写着)(?:的是|了|道)?[:：]?$")
# round 18 (tune_written16, batch JA): the buyer's own offer quoted
# ('你讲"我把原因改成不想要，你多退我二十"', '老板你说"…"', '你话"…"', '亲你提的"…"') and refused right
# after it, in any register or dialect ("咯个我们不搞的", "这个俺们不能这么谈", "咯个真的不用", "呢个唔得",
# "那个我们不能答应"): the buyer's words, not the shop's offer - the quote is blanked; an act or a benefit
# outside it is still read. Not a reassurance ("不用担心"), not where the shop agrees ("这个可以"), and not
# where a contrast follows in the sentence (the act the quote named is then the one the contrast brings
# back: "不过删了的话送你…").
_BUYER_QUOTED = re.compile(r"[您你恁妳](?:刚才|之前|上次|昨天|前面|也)?"
                           r"(?:说|讲|话|提|问|发|留言|开口|要求)"
                           r"(?:过|的|了|来)?[:：]?$")
_REFUSED_AFTER = re.compile(r"[，,。：:\s~～]*(?:这个|那个|咯个|呢个|𠮶个|个个|这样|这种|那种|此|这|那)?"
                            r"(?:事|话|要求|条件)?"
                            r"[^。！？!?\n，,\"]{0,8}?"
                            r"(?:不做|不搞|不干|不兴|不能|不行|不可以|不答应|不接受|办不到|做不到|做不来|搞不来|"
                            r"弄不来|不了|免了|"
                            r"算了|不合适|不用(?!担心|怕|急|着急|客气|谢)|不必(?!担心|客气)|不需要|没必要|用不着|"
                            r"唔得|唔使|唔洗|唔可以|唔做|唔搞|冇得|没得|心领|领了|谈不了|不谈|拒绝)"
                            # a contrast after the refusal brings the quoted act back ("不过删了的话送你…")
                            r"(?![^。！？!?\n]{0,16}?(?:但|不过|可是|只是))")


def _blank_quoted(text: str) -> str:
    spans: list[tuple[int, int]] = []
    listed = False
    seen: list[tuple[int, int]] = []  # every quote so far (a pretext after one takes the run before it)
    zh = not text.isascii()
    for m in _QUOTED.finditer(text):
        a, b = m.span()
        seen.append((a, b))
        if listed and spans and _LISTED.fullmatch(text, spans[-1][1], a) is not None:
            spans.append((a, b))
            continue
        lo = max(0, a - 40)
        listed = ((_PROHIBIT_LEAD.search(text, lo, a) is not None
                   or (zh and _PROHIBIT_LEAD_11.search(text, lo, a) is not None))
                  and _PROHIBIT_BEFORE.search(text, lo, a) is not None)
        if listed:
            spans.append((a, b))
        elif zh and text[a - 1:a] in _SAID_LAST and _BUYER_SAID.search(text, max(0, a - 12), a) is not None:
            spans.append((a, b))  # round 16 (batch HD): the buyer's own review words
        elif (zh and _BUYER_QUOTED.search(text, max(0, a - 8), a) is not None
              and _REFUSED_AFTER.match(text, b) is not None):
            spans.append((a, b))  # round 18 (batch JA): the buyer's own offer, refused
        elif zh and text[b:b + 1] in _PRETEXT_FIRST and _PRETEXT_AFTER.match(text, b) is not None:
            i = len(seen) - 1  # the quote and the listed quotes right before it
            while i > 0 and _LISTED.fullmatch(text, seen[i - 1][1], seen[i][0]) is not None:
                i -= 1
            spans.extend(q for q in seen[i:] if q not in spans)
    if not spans:
        return text
    chars = list(text)
    for a, b in spans:
        chars[a:b] = "_" * (b - a)
    return "".join(chars)


# Round 12 (tune_eval15/16, batch DA): a scam alert with no quotation - someone else's offer reported
# ("somebody's texting folks pretending to be us, offering gift cards for updated reviews") and then
# disowned ("That ain't us.", "It isn't me", "That page is not ours", "Hindi po kami yun", "A nuh mi dat")
# - or, since round 13, "We never do this.", "it's a scam", "neither do I", "No somos nosotros"
# - reports the tie, it does not make it: each sentence before the disowning one that names the other
# party (someone, a fake or lookalike account, pretending, a copy of our page) is blanked. Run by ``api``
# only on a text the guardrail would block (a gate of substring tests on every text cost 0.5-1.3 µs a
# reply), which it then reads again blanked.
_DISOWN = re.compile(r"\b(?:(?:that|this|it|they|those|these)(?: page| account| number| profile)?"
                     r"(?:'s| is| was| are|'re| ain'?t| isn'?t| wasn'?t| aren'?t)(?: not| no'?)? "
                     r"(?:us|me|ours|from us|from me)\b|(?:is|was|'s) not (?:from )?us\b|a nuh mi\b|"
                     r"hindi po kami\b|no be us\b|"
                     # round 13 (tune_eval17/18, batch EA): "We never do this", "We would never ask that",
                     # "it's a scam", "... and neither do I", "No somos nosotros"
                     r"(?:we|i)(?: would| will|'d|'ll)? never (?:do|ask|offer|send|say) "
                     r"(?:this|that|it|such)\b|"
                     r"(?:it|that|this)(?:'s| is| was) (?:a |an |just a )?(?:scam|fraud)\b|"
                     r"(?:neither|nor) (?:do|does|will|would|did) (?:i|we)\b|no somos nosotros\b|"
                     # round 17 (tune_written15, batch IK): "We do not do this.", "We doh do dat at all",
                     # "DreamCrest does not send these", a bare "NOT me!" / "Not we, eh." closing its
                     # sentence, "Nunca hago eso", "Yeh hum nahi hain"
                     r"(?:we|i) (?:do not|don'?t|doh|never) do (?:this|that|dat|these|those|it|such|dem)\b|"
                     r"(?:does|do|did) not send (?:these|those|them|such)\b|"
                     r"(?:doesn'?t|don'?t|didn'?t) send (?:these|those|them|such)\b|"
                     r"(?<![a-z] )not (?:me|us|we)\b(?=(?:,? eh)?\s*(?:[.!]|$))|"
                     # round 18 (tune_written16, batch KC): "That one is NOT us", "That number is not ours",
                     # "Na not us o!", "Nope, not me!", a bare "Ain't me." closing its sentence
                     r"(?:that|this|dat) (?:one|account|number|page|profile|shop|guy|person|lad|fella|seller|"
                     r"link|site)(?:'s| is| was)? (?:not|no|nuh|ain'?t) (?:us|me|ours|mine|from us|"
                     r"from me)\b|"
                     r"(?:na|nope|nah)[,!]? not (?:me|us|we)\b(?=(?:,? (?:eh|o|oh))?\s*(?:[.!]|$))|"
                     r"(?<![a-z] )(?<![a-z])ain'?t (?:me|us|we)\b(?=\s*(?:[.!]|$))|"
                     r"nunca (?:hago|hacemos|haría|haríamos) (?:eso|esto)\b|"
                     r"(?:yeh|ye|woh|wo) (?:hum|ham|main) nahi\b|"
                     # (batch IN: a refusal sentence already blanked as one - "Hum kabhi bhi rating ke badle
                     # paise nahi dete.")
                     r"(?<=[.!?] )_{12,}(?=[.!?]|$))")
_REPORTER = re.compile(r"\b(?:someone|somebody|some people|fake|lookalike|look-alike|scam\w*|pretend\w*|"
                       r"claiming to be|posing as|imperson\w*|nagpapanggap|copy of our|copied our|"
                       r"using our (?:name|logo|photos|shop name)|"
                       r"(?:an?|one) (?:\w+ )?(?:account|profile|page) (?:wey|that|using|called|named)|"
                       # round 17 (batch IK): fraudsters, "alguien", "kuch log", messages buyers received
                       r"fraudsters?|alguien|kuch log|"
                       # round 18 (batch KC): a copycat, someone "makin' out he's me", one message received
                       # ("got a WhatsApp from some ... account saying", "a text from one number claiming")
                       r"copy-?cats?|makin'? out|making out|"
                       r"(?:got|get|getting|received|receiving) (?:an? |one )(?:\w+ )?(?:text|dm|message|"
                       r"e-?mail|"
                       r"whatsapp|call)\b|"
                       r"(?:account|profile|page|number) (?:saying|claiming|offering|telling)|"
                       r"(?:got|get|getting|received|receiving) (?:\w+ )?"
                       r"(?:texts|emails|e-mails|messages|dms|calls)\b)")


# Round 12 (tune_eval15, batch DC): a buyer's question whether the shop pays for a review, reported and
# answered no ("Someone asked if I'd give a free pattern for leaving a review. I won't", "Yuh ask if mi give
# coupon fi good review - mi cyaan do dat"): the reported question is blanked up to the refusal. Read on
# the same re-read as the disowned alert (a blocked text only).
# Round 13 (tune_eval17, batch EB): anyone who asked (me|us) ("Feller asked me if ...", "A gentleman asked us
# whether ..."), a buyer's offer thanked for ("thank you for offering to leave 5 stars if ..., but I can't"),
# and a refusal after a concession ("Yes, eBay lets buyers revise, but I never ask anybody to") or a lead-in
# ("Honestly, I told her we don't").
# Round 17 (tune_written15, batch IL): "Ye asked if ..." (Scots) answered "I cannae", a suggestion reported
# ("A customer once suggested I offer discounts for ... I won't"), an offer thanked for and answered "There's
# no need", Hinglish ("aapne pucha ki ...", "aapne suggest kiya ki ..." answered "maaf kijiye, hum aisa nahi
# karte", "hum ... nahi de sakte") and Spanish ("me preguntaste si ... No, eso no lo hacemos").
_ASKED_NO = re.compile(
    r"\b(?:(?:you|yu|yuh|u|ye|someone|somebody|(?:a few |some )?(?:people|customers|buyers)|"
    r"a (?:buyer|customer))(?: have| has)?(?: once| just| already)? "
    r"(?:ask(?:ed|s)? (?:me |us )?(?:if|whether)|"
    r"suggested|proposed)|"
    r"[a-z]+ asked (?:me|us) (?:if|whether)|"
    r"(?:thank you|thanks|thx) for (?:offering|the offer) to|"
    r"(?:aapne|apne|aap ne) (?:pucha|poocha|puchha|suggest kiya|bola|kaha) ki|"
    # round 17 (batch IP): "si" is read as "if" before this
    r"(?:me|nos) (?:preguntaste|preguntó|pediste|pidió|sugeriste|sugirió) (?:si|if|que))\b"
    r"[^.!?\n]{0,120}?(?:[.?!\u2014\u2013-]+\s*|,? but |,? lekin )"
    r"(?=(?:nope|no|nah)\b|(?:(?:yes|yeah|yep|sure|well|honestly|sorry|maaf kijiye)\b[^.!?\n]{0,60}?"
    r"(?:\bbut |, ))?"
    r"(?:i told (?:him|her|them) )?(?:i|we|mi)(?: really)? (?:can'?t|cannot|cyaan|cannae|canna|won'?t|"
    r"don'?t|do not|will not|never|wouldn'?t|wouldnae)\b|(?:there'?s |there is )?no need\b|"
    r"(?:maaf kijiye,? )?(?:[^.!?\n]{0,60}? )?(?:hum|ham|main) [^.!?\n]{0,50}?"
    r"(?:nahi|nahin) (?:de sakte|karte|denge|dete|kar sakte|karenge)\b|"
    r"[^.!?\n_]{0,60}?_{12,})")
_ASKED_HINT = ("ask", "for offering", "the offer to", "suggest", "propos", "pucha", "poocha", "kaha ki",
               "bola ki", "pregunt", "pediste", "pidió")


# Round 15 (tune_written13, batch GD): a scam alert that quotes the offer after the messenger ("any text
# claiming '...' ... is fake", "emails saying '...' are not from us", "DMs offering '...'. They aren't from
# this shop"): the quote is blanked where a disowning word follows within the next sentence. Read on the same
# re-read as the disowned alert (a blocked text only).
_MESSENGER_QUOTE = re.compile(r"\b(?:texts?|messages?|dms?|e-?mails?|sms|calls?|posts?|accounts?|pages?)"
                              r"(?: [a-z]+){0,2}? (?:claiming|saying|offering|promising|"
                              r"that (?:say|said|offer|promise)\w*) (\"[^\"\n]{1,60}\")")
_MESSENGER_DISOWNED = re.compile(r"\b(?:(?:is|are|was|were) (?:fake|a scam|scams|not (?:from )?(?:us|ours)|"
                                 r"not from (?:this|our|the) (?:shop|store))|"
                                 r"(?:aren'?t|isn'?t|weren'?t|wasn'?t) (?:from )?"
                                 r"(?:us|ours|this shop|our shop|this store)|not us\b|"
                                 r"we (?:don'?t|do not|never) send|"
                                 # round 16 (tune_written14, batch HP): the sending denied in the past
                                 # ("We did NOT send these", "we didn't send those"), the messages' source
                                 # denied ("these calls didn't come from us", "not sent by us")
                                 r"we (?:did not|didn'?t|have not|haven'?t|never) (?:send|sent)\b|"
                                 r"(?:did not|didn'?t|do not|don'?t|does not|doesn'?t) come from (?:us|our "
                                 r"(?:shop|store|team))\b|not sent by us\b)")


def _blank_messenger(text: str) -> str:
    chars = None
    for m in _MESSENGER_QUOTE.finditer(text):
        a, b = m.span(1)
        end = _SENTENCE_END.search(text, b)
        stop = _SENTENCE_END.search(text, end.end()) if end is not None else None
        hi = stop.start() if stop is not None else len(text)
        if _MESSENGER_DISOWNED.search(text, b, hi) is not None:
            if chars is None:
                chars = list(text)
            chars[a:b] = "_" * (b - a)
    return text if chars is None else "".join(chars)


def blank_disowned(text: str) -> str:
    """A normalised text with the sentences that report someone else's offer, before the sentence that
    disowns it, and a reported question answered no, blanked (the same length); the text itself where
    nothing is."""
    # round 16 (tune_written14, batch HP): an English alert with an emoji in it ("Scam alert from CandyCrate
    # 🍫: ...") is read too; only a text with Chinese characters is left to the Chinese disowning words
    if '"' in text and (text.isascii() or _CJK_CHAR.search(text) is None):
        quoted = _blank_messenger(text)
        if quoted is not text:
            return _blank_disowned(quoted)
    if any(w in text for w in _ASKED_HINT):  # round 17 (batch IL): the new voices' words
        asked, n = _ASKED_NO.subn(blank_match, text)
        if n:
            return _blank_disowned(asked)
    return _blank_disowned(text)


# Round 13 (tune_eval17/18, batch ED): the Chinese scam alert with no pretext after its quote - someone else's
# offer reported (有人, 冒充, 自称, 任何人, 谁跟您说, 陌生号) and then disowned (那不是我们的人, 均非本店行为,
# 从来不做这种事, 都别信, 是骗局, 那不是我们店的规矩)
_DISOWN_ZH = re.compile(r"不是(?:我|额|俺|咱)们?(?:店|家)?的?(?:人|规矩|做法|行为|账号|客服)|"
                        r"(?:均|都|皆)?(?:非|不是)本店(?:所为|行为|人员)|从来不(?:做|干|搞)(?:这|这种|这样的)|"
                        r"都别信|都不要信|(?:都|就)是骗子|是(?:常见的?)?(?:骗局|套路)|"
                        # batch EK: a bare "那不是我们！", "这些都不是我们，别理"
                        r"(?:那|这|这些|那些)(?:都|也)?不是(?:我|额|俺|咱)们(?=[!！,，。;；~～]|$)|"
                        # round 15 (tune_written13, batch GC): "本店郑重声明从未发送此类信息"
                        r"声明(?:本店)?(?:从未|从来没有?|绝不|不会)|从未(?:发送|发过|发出)")
_REPORTER_ZH = re.compile(r"有人|冒充|假冒|冒用|盗用|仿冒|自称|任何人|陌生|骗子|山寨|"
                          r"谁(?:要是)?(?:跟|和|对)(?:您|你)(?:说|讲)|"
                          # round 15 (batch GC): a text message someone reports receiving
                          r"收到[^。！？!?\n]{0,20}?(?:短信|私信|电话|消息)")


def _blank_disowned(text: str) -> str:
    m = _DISOWN.search(text)
    reporter = _REPORTER
    if m is None and not text.isascii():
        m = _DISOWN_ZH.search(text)
        reporter = _REPORTER_ZH
    if m is None:
        return text
    chars = None
    lo = 0
    for e in [*_SENTENCE_END.finditer(text, 0, m.start()), None]:
        hi = e.start() if e is not None else m.start()
        if reporter.search(text, lo, hi) is not None:
            if chars is None:
                chars = list(text)
            chars[lo:hi] = "_" * (hi - lo)
        lo = e.end() if e is not None else hi
    return text if chars is None else "".join(chars)


def _blank_examples(text: str) -> str:
    """The forbidden examples and clauses above blanked, the same length (so the map to the written text
    holds)."""
    written = text
    if '"' in text:
        text = _blank_quoted(text)
    if not text.isascii() and _CLAUSE_HINT_ZH.search(text) is not None:
        text = _FORBIDDEN_CLAUSE_ZH.sub(_blank_rule, text)
    if _clause_hint_en(text) or (
            text.isascii() and ("wrong" in text or "mistake" in text or " of you" in text)
            and any(w in text for w in ("told", "offered", "asked", "promised", "suggested"))):
        text = _FORBIDDEN_CLAUSE_EN.sub(blank_match, text)
    if "nahi" in text and ("badle" in text or "liye" in text):  # round 17 (batch IN)
        text = _HINGLISH_REFUSAL.sub(blank_match, text)
    return _blank_staff(text, written)


# Round 17 (tune_written15, batch IN): a Hinglish refusal of a trade - "hum review ke badle koi bhi benefit
# nahi de sakte", "Hum kabhi bhi review ke badle paise nahi dete", "complaint band karne ke liye koi discount
# nahi denge" - names the trade to refuse it, as "we never give anything for reviews" does: the clause is
# blanked (a later clause that makes the offer, after "lekin" or a comma, is still read)
_HINGLISH_REFUSAL = re.compile(r"(?:\b(?:hum|ham|main)\b[^.!?\n;,]{0,40}?)?\b[a-z0-9-]+ (?:ke|karne ke) "
                               r"(?:badle|liye)\b[^.!?\n;,]{0,40}?\b(?:nahi|nahin) "
                               r"(?:de sakte|de sakta|de paate|dete|denge|dete hain)\b")


def _blank_rule(m: re.Match[str]) -> str:
    """A forbidding clause blanked, but for its lead where only the ``rule`` group is the example (round 16,
    batch HI: "不能用" stays to be read)."""
    a = m.start("rule")
    if a < 0:
        return "_" * (m.end() - m.start())
    return m.string[m.start():a] + "_" * (m.end() - a)


# Round 11 (tune_eval13/14, batch CC): English written beside the marketplace's own words - Indonesian
# (Tokopedia, Shopee ID: "kasih ulasan bintang 5", "jangan kasih ulasan dulu", "komplainnya ditutup",
# 'klik "Pesanan Diterima"'), Tagalog ("paki-burahin", "i-rate", "hindi po kapalit ng rating") and
# Spanish (Mercado Libre: "cancel the reclamo", "the mediación", "calificación", "Recibí") - read as the
# English words. Only where the register shows (Kak, po, paki-, or one of the platform words), so an
# English reply pays a few substring tests.
_LOAN_MAP = {
    "ulasan": "review", "ulasannya": "review", "komplain": "complaint", "komplainnya": "complaint",
    "reclamo": "complaint", "reclamos": "complaints", "mediación": "dispute", "mediacion": "dispute",
    "calificación": "rating", "calificacion": "rating", "calificaciones": "ratings", "bintang": "star",
    "jangan": "don't", "dulu": "first", "muna": "first", "pesanan diterima": "order received",
    "pesanan selesai": "order received", "recibí": "received", "recibido": "received", "klik": "click",
    "burahin": "delete", "i-rate": "rate", "mag-rate": "rate", "pa-rate": "rate", "i-withdraw": "withdraw",
    "ditutup": "is closed", "tutup": "close", "dibatalkan": "is cancelled", "batalkan": "cancel",
    "diubah": "is changed", "ubah": "change", "binago": "changed", "tahan": "hold", "kasih": "give",
    "ganti rugi": "compensation", "kapalit ng": "in exchange for", "bawal": "not allowed",
    "kailangang": "need to", "kailangan": "need", "tidak akan pernah": "will never",
    "tidak perlu": "no need to", "tidak": "not", "kalau": "if", "kalo": "if",
    "minta": "ask", "cabut": "withdraw",
    "walang kailangan": "no need",
    "hindi po kailangan": "no need to", "hindi po kailangang": "no need to", "hindi kailangan": "no need to",
    "hindi niyo po kailangan": "no need to", "hindi niyo po kailangang": "no need to",
    "hindi po kapalit ng": "not in exchange for",
    # round 15 (tune_written13, batch GF): Tagalog "don't" and "file a", Jamaican "don't take / go / make"
    "huwag": "don't", "huwag po": "don't", "'wag na po": "don't", "'wag po": "don't", "'wag na": "don't",
    "wag na po": "don't", "wag po": "don't",
    # round 17 (tune_written15, batch IQ): "wag" in any form ("wag na kayo", "wag nyo", "wag kayong"); "don't
    # worry" kept apart from a review ("wag po kayo mag-alala")
    "wag": "don't", "'wag": "don't", "huwag kayong": "don't", "wag kayong": "don't",
    "mag-alala": "worry", "mag-alala po": "worry",
    "pag": "if", "kapag": "if", "kung": "if", "mag-file ng": "file a", "mag-file": "file",
    # (no "please nuh": "please" among the register's tokens sent every English reply through this step)
    "nuh tek": "don't take", "nuh go": "don't go", "nuh mek": "don't make", "tek": "take",
    # round 16 (tune_written14, batch HK): Hindi/Urdu in Latin letters (Daraz, Flipkart: "ye aap ka haq
    # hai", "agar aap chahein"), Swahili (Jumia, M-Pesa: "tafadhali", "nzuri ama mbaya", "tuambie
    # ukweli", "malalamiko") and French (Quebec: "retirez la plainte", "c'est votre droit") beside English
    "aap ka haq hai": "it is your right", "aapka haq hai": "it is your right", "aap ka haq": "your right",
    "aapka haq": "your right", "agar aap chahein": "if you like", "agar aap chahen": "if you like",
    "agar aap chahe": "if you like", "agar aap chahte hain": "if you like",
    "koi zaroorat nahi": "no need", "koi zarurat nahi": "no need", "zaroorat nahi": "no need",
    "zarurat nahi": "no need",
    "tafadhali": "please", "malalamiko yako": "your complaint", "malalamiko": "complaint",
    "nzuri ama mbaya": "good or bad", "nzuri au mbaya": "good or bad", "mbaya ama nzuri": "bad or good",
    "mbaya au nzuri": "bad or good", "tuambie ukweli": "tell us honestly", "kwa ukweli": "honestly",
    "tunakubali": "we accept that",
    "retirez la plainte": "withdraw the complaint", "retirer la plainte": "withdraw the complaint",
    "retire la plainte": "withdraw the complaint", "retirez votre plainte": "withdraw your complaint",
    "retirer votre plainte": "withdraw your complaint", "retire votre plainte": "withdraw your complaint",
    "annulez la plainte": "cancel the complaint", "annuler la plainte": "cancel the complaint",
    "la plainte": "the complaint", "votre plainte": "your complaint", "plainte": "complaint",
    "c'est votre droit": "that's your right", "votre droit": "your right", "si vous": "if you",
    "entre nous": "between us",
    # round 17 (tune_written15, batch IP): Spanish (Mercado Libre, Amazon MX) written as a whole reply, not
    # only a platform word beside English: its act words (calificar, estrellas, confirmar la recepción,
    # motivo, disputa, cerrar / cancelar, borrar), benefit words (cupón, reembolso, regalo, gratis, te
    # mandamos) and the few words that tie or undo one (si, hasta que, a cambio de, de todas formas) read
    # as the English ones; a negative command is read below (``_LOAN_ES_NO``)
    "califícanos": "rate us", "calificanos": "rate us", "califícame": "rate me", "calificame": "rate me",
    "calificarnos": "rate us", "nos calificas": "you rate us", "nos califiques": "rate us",
    "calificas": "rate", "califica": "rate", "calificar": "rate",
    "califiques": "rate", "nos calificaste": "you rated us", "calificaste": "rated",
    "estrellas": "stars", "estrella": "star", "reseña": "review", "reseñas": "reviews", "resena": "review",
    "opinión": "review", "opiniones": "reviews", "cambié de opinión": "changed my mind",
    "cambie de opinion": "changed my mind", "cambio de opinión": "change of mind",
    "cambio de opinion": "change of mind",
    "dañado": "damaged", "dañada": "damaged", "defectuoso": "defective", "defectuosa": "defective",
    "roto": "broken", "rota": "broken",
    "positiva": "positive", "positivo": "positive", "negativa": "negative", "negativo": "negative",
    "mala": "bad", "malas": "bad", "mal": "badly", "buena": "good", "buenas": "good",
    "cambia": "change", "cambias": "change", "cambies": "change", "cambiar": "change",
    "cámbiala": "change it", "cámbialo": "change it", "cambiarla": "change it", "cambiarlo": "change it",
    "borra": "delete", "borras": "delete", "borres": "delete", "borrar": "delete", "bórrala": "delete it",
    "elimina": "delete", "eliminar": "delete", "quita": "remove", "quitar": "remove",
    "cupón": "coupon", "cupon": "coupon", "cupones": "coupons", "descuento": "discount",
    "descuentos": "discounts", "reembolso": "refund", "reembolsos": "refunds", "regalo": "gift",
    "regalito": "gift", "gratis": "free", "dinero": "money", "bonificación": "bonus", "bonificacion": "bonus",
    "te regalamos": "we'll give you", "te regalo": "i'll give you", "te mandamos": "we'll send you",
    "te enviamos": "we'll send you", "te mando": "i'll send you", "te envío": "i'll send you",
    "te damos": "we'll give you", "te doy": "i'll give you", "te depositamos": "we'll pay you",
    "te deposito": "i'll pay you",
    "confírmanos": "confirm", "confirmanos": "confirm", "confirma": "confirm", "confirmar": "confirm",
    "confirmes": "confirm", "confirmas": "confirm", "la recepción": "receipt", "la recepcion": "receipt",
    "recepción": "receipt", "recepcion": "receipt",
    "confirmer": "confirm", "confirmez": "confirm", "la réception": "receipt", "réception": "receipt",
    "con motivo": "with reason", "con el motivo": "with reason", "devoluciones": "returns",
    "devolución": "return", "devolucion": "return", "reciben": "get", "recibe": "gets",
    "motivo": "reason", "motivos": "reasons", "disputa": "dispute", "disputas": "disputes",
    "cierra": "close", "cierras": "close", "cierres": "close", "cerrar": "close", "ciérralo": "close it",
    "cerrarlo": "close it",
    "cancela": "cancel", "cancelas": "cancel", "canceles": "cancel", "cancelar": "cancel",
    "si": "if", "y": "and", "hasta que": "until", "mientras": "while", "cambio de": "in exchange for",
    "en pausa": "on hold", "va a tardar": "will be delayed", "tardará": "will be delayed",
    "de todas formas": "either way", "de todos modos": "either way", "de cualquier forma": "either way",
    "solo cuando": "only when", "sólo cuando": "only when", "cuando": "when",
    "por cambiar": "for changing", "por calificar": "for rating", "por dejar": "for leaving",
    "por borrar": "for deleting", "por cerrar": "for closing", "por cancelar": "for cancelling",
    "por confirmar": "for confirming", "nada": "anything", "igual": "regardless",
    "el": "the", "la": "the", "los": "the", "las": "the", "un": "a", "una": "a", "tu": "your", "tus": "your",
    "nota interna": "internal note", "queda prohibido": "it is prohibited to",
    "está prohibido": "it is prohibited to", "prohibido": "prohibited",
    "como quieras": "up to you", "lo que quieras": "up to you", "tu decisión": "your choice",
    # round 18 (tune_written16, batch KH): Polish (Allegro) beside English - the review (komentarz, opinia,
    # ocena) and its grade, the dispute (Dyskusja), the refund (zwrot), the two return routes (reklamacja
    # for a fault - wada - and odstąpienie od umowy for a change of mind) and BLIK, the payment app
    "komentarz": "review", "komentarza": "review", "komentarzu": "review", "komentarze": "reviews",
    "opinia": "review", "opinię": "review", "opinie": "review", "opinii": "review",
    "ocena": "rating", "ocenę": "rating", "oceny": "rating", "ocenie": "rating",
    "pozytywny": "positive", "pozytywna": "positive", "pozytywną": "positive", "pozytywne": "positive",
    "pozytywnego": "positive", "negatywny": "negative", "negatywna": "negative", "negatywną": "negative",
    "negatywne": "negative", "negatywnego": "negative",
    "dyskusja": "dispute", "dyskusję": "dispute", "dyskusji": "dispute", "dyskusje": "dispute",
    "zwrot": "refund", "zwrotu": "refund", "zwrot pieniędzy": "refund",
    "reklamacja": "defective", "reklamację": "defective", "reklamacji": "defective", "wada": "defective",
    "odstąpienie od umowy": "change of mind", "odstąpienia od umowy": "change of mind",
    "na blik": "by payment", "blikiem": "by payment", "blik": "payment",
    "zostaw": "leave", "zostawić": "leave", "zostawisz": "you leave", "napisz": "write",
    "napiszesz": "you write",
    "wystaw": "give", "wystawić": "give", "usuń": "delete", "usunąć": "delete", "zamknij": "close",
    "zamknąć": "close",
    # round 18 (batch KK): "please" in the buyer's language beside an elliptic ask ("5 stars, kerekere?",
    # "five stars bitte", "proszę", "lütfen")
    "kerekere": "please", "proszę": "please", "prosze": "please", "bitte": "please", "lütfen": "please",
    "lutfen": "please", "tolong": "please", "por favor": "please",
    "s'il vous plaît": "please", "s'il vous plait": "please",
}
# round 17 (batch IP): a Spanish negative command or statement, "no" then a verb (a key opening with "no"
# would send every English text holding the token "no" through this step)
_LOAN_ES_NO_MAP = {
    "califiques": "don't rate", "dejes": "don't leave", "pongas": "don't put", "publiques": "don't post",
    "escribas": "don't write", "cambia": "does not affect", "cambian": "does not affect",
    "depende": "does not affect", "afecta": "does not affect", "podemos": "we can't", "puedo": "i can't",
    "pedimos": "we won't ask", "pido": "i won't ask", "vamos a pedir": "we won't ask",
    "voy a pedir": "i won't ask", "hacemos": "we won't do", "hago": "i won't do",
    "ofrezco": "i won't offer", "ofrecemos": "we won't offer", "necesitas": "no need to",
    "tienes que": "no need to", "hay": "there's no",
}
_LOAN_ES_NO = (r"no (?:(?P<esobj>nos|me|te|le|la|lo) )?(?P<esno>"
               + "|".join(sorted(_LOAN_ES_NO_MAP, key=len, reverse=True)) + ")")
_LOAN_ES_OBJ = {"nos": " us", "me": " me", "te": " you", "le": " them", "la": " it", "lo": " it"}
# round 16 (batch HK): Hindi/Urdu puts the verb last ("complaint wapas le lijiye", "review hata dijiye",
# "complaint wapas lene ki zaroorat nahi"): the object and its verb read in English order
_LOAN_NOUN = r"(complaint|claim|case|dispute|chargeback|report|review|rating|feedback)"
_LOAN_SOV = (rf"{_LOAN_NOUN}(?: ko)? (?:wapas|vapas|hata|delete kar) (?:(?P<need>(?:lene|karne) ki (?:koi )?"
             r"(?:zaroorat|zarurat) nahi|lena (?:zaroori|zaruri) nahi|"
             r"dene ki (?:koi )?(?:zaroorat|zarurat) nahi)|"
             r"le lijiye|le lijie|le lo|le lein|le len|le lena|lijiye|lo|lein|len|dijiye|dijie|do|dein|den|"
             r"de do|de dijiye|dein)")
# round 17 (tune_written15, batch IQ): a Tagalog verb prefix on an English word ("paki-click", "mag-bad
# review", "nag-5 star", "i-post") is read as the word (before, "paki-" stood inside the group that must end
# a word, so it never matched); a key that holds the prefix ("mag-file ng", "i-rate") is tried first
_LOAN = re.compile(r"(?<![a-z])(?:bintang ?(\d)|(\d) ?bintang|" + _LOAN_SOV + "|"
                   + _LOAN_ES_NO + "|"
                   + "|".join(re.escape(w) for w in sorted(_LOAN_MAP, key=len, reverse=True)) + r")(?![a-z])"
                   + r"|(?<![a-z])(?:paki|mag|nag|i)-(?=[a-z0-9])")
_LOAN_WITHDRAWN = frozenset({"complaint", "claim", "case", "dispute", "chargeback", "report"})


def _loan(m: re.Match[str]) -> str:
    w = m.group(0)
    if m.group(1) or m.group(2):
        return f" {m.group(1) or m.group(2)}-star "
    if m.group(3):  # round 16 (batch HK): the Hindi/Urdu verb last
        noun = m.group(3)
        verb = "withdraw" if noun in _LOAN_WITHDRAWN else "remove"
        return f"no need to {verb} the {noun}" if m.group("need") else f"{verb} the {noun}"
    if m.group("esno"):  # round 17 (batch IP): "no nos califiques" -> "don't rate us"
        said = _LOAN_ES_NO_MAP[m.group("esno")]
        obj = m.group("esobj")
        if obj is None or not said.startswith("don't"):
            return said if obj is None or said.startswith("does") else said + _LOAN_ES_OBJ[obj]
        return said + _LOAN_ES_OBJ[obj]
    if w.startswith("paki"):
        return "please "
    if w in ("mag-", "nag-", "i-"):  # round 17 (batch IQ)
        return ""
    return _LOAN_MAP[w]


# The register's tokens (Kak, po, or a word of the map), found in the same pass over the text's tokens as
# the split words' (``_split_or_loan``): substring tests for them cost every English reply 1 µs.
_LOAN_TOKENS = frozenset(
    pre + w.split()[0] + end for w in [*_LOAN_MAP, "kak", "po", "bintang", "wapas", "vapas", "hata",
                                       *_LOAN_ES_NO_MAP]  # round 17 (batch IP): the verb after "no"
    for pre in ("", '"', "'", "(", "¿", "¡") for end in ("", ".", ",", "!", "?", ";", ":", '"', "'", ")"))


_SPLIT_OR_LOAN = _SPLIT_RARE | _LOAN_TOKENS


class _SplitThenLoan:
    """The split words joined, then the loan words read (round 11): a step of the loop below whose worth
    tests share one pass over the text's tokens (the loan words' own tests cost an English reply 1 µs)."""

    @staticmethod
    def sub(_repl: object, text: str) -> str:
        split, loan = _split_or_loan(text)
        if split:
            text = _SPLIT_WORD.sub(_join_split, text)
        return _LOAN.sub(_loan, text) if loan else text


_SPLIT_THEN_LOAN = _SplitThenLoan()


# Round 18 (tune_written16, batch KJ): dialect English - a dropped g ("offerin'", "keepin'", "sayin'",
# "messagin'") read as the -ing word, the Black Country / Irish "yow" and "yer" as "you" and "your", "an'" as
# "and" -
# so the rules' words read the voices' (a word in single quotes - 'checkin' - is a label and kept)
_DIALECT_EN = re.compile(r"(?<![a-z'])([a-z]{2,})in'(?![a-z])|(?<![a-z'])(yow|yer|an')(?![a-z'])")
_DIALECT_EN_MAP = {"yow": "you", "yer": "your", "an'": "and"}


def _dialect_en(m: re.Match[str]) -> str:
    return m.group(1) + "ing" if m.group(1) else _DIALECT_EN_MAP[m.group(2)]


# Length-changing steps after the character fold, in order: (pattern, replacement, worth trying?).
_STEPS: tuple[tuple[re.Pattern[str] | _SplitThenLoan, object, object], ...] = (
    (_SPACED_CJK, "", lambda t: not t.isascii() and _has_sep(t)),
    (_EMOJI_IN_WORD, "", lambda t: not t.isascii()),
    (_SPACED_LETTERS, _join_letters, _spaced_hint),
    (_SPLIT_THEN_LOAN, None, _split_or_loan_worth),  # round 11: split words, then the loan words
    (_SPLIT_TAIL, lambda m: "" if m.group(0) == " " else "-",  # the rare character first (fourth speed pass)
     lambda t: ("'" in t and " n't" in t) or ("-" in t and ("- " in t or " -" in t))),
    (_DIALECT_EN, _dialect_en,  # round 18 (batch KJ); " yer", not "yer": every "buyer" holds it
     lambda t: ("'" in t and ("in'" in t or "an'" in t)) or " yow" in t or " yer" in t or t.startswith("y")),
    (_SINGLE_QUOTED, _quote, lambda t: "'" in t),
    (_STAR_RUN, _stars, lambda t: "*" in t or " star  star " in t),
    (_LEET, _leet, _leet_worth),
    (_SHORTHAND, _shorthand, lambda t: ("2" in t and "a2z" in t) or "cb" in t or "rvw" in t or "cvd" in t),
    (_PINYIN, _pinyin, _pinyin_worth),
    (_CHAT_OR_TYPO, _chat_or_typo, lambda t: _LETTER.search(t) is not None and _chat_worth(t)),
)

# fourth stop: the steps whose worth test can answer yes on an ASCII text (not the Chinese separators,
# the emoji inside a word, pinyin), in the same order
_STEPS_ASCII = tuple(s for s in _STEPS if s[0] not in (_SPACED_CJK, _EMOJI_IN_WORD, _PINYIN))

# fourth speed pass: the characters of a plain Chinese text - simplified ideographs, ASCII digits and the
# full-width punctuation NFKC is not run for - none of which ``_traditional``, ``_COMPAT``, ``_SYMBOLS``,
# ``str.lower``, ``_CONFUSABLE``, ``_LETTER`` or ``_SEP_CHAR`` touches (tests/test_guardrail_gate.py checks
# every one, and that ``_folded_and_stepped`` leaves such texts as they are)
def _plain_zh_class() -> str:
    """The ideographs U+4E00-U+9FFF that are not traditional, as ranges for a character class."""
    parts, start = [], 0x4E00
    for c in [*sorted(c for c in _T2S if 0x4E00 <= c <= 0x9FFF), 0xA000]:
        if c > start:
            parts.append(chr(start) if c - 1 == start else f"{chr(start)}-{chr(c - 1)}")
        start = c + 1
    return "".join(parts)


# A decimal point after a digit is plain too (speed pass of 2026-12-06/07: nine Chinese engine replies in ten
# hold an amount such as "12.50元", which sent them through the folds and steps, about 8 µs a reply): no fold
# touches it, and of the steps only ``_SPACED_CJK`` reads a "." - one that opens a run of separators right
# after a Chinese character, which a "." after a digit never is
_PLAIN_ZH_CHAR = f"[{_plain_zh_class()}0-9，。！？：；（）]"
_PLAIN_ZH = re.compile(f"{_PLAIN_ZH_CHAR}*(?:(?<=[0-9])\\.{_PLAIN_ZH_CHAR}*)*")


def normalise(text: str) -> str:
    """The text the rules read: NFKC, no zero-width characters, simplified Chinese, lower case,
    look-alike letters folded, spaced-out or separated letters and characters joined, a few chat
    abbreviations spelt out (ur, u, pls, thx) and, in such a chat-style text, a concept word one slip off
    put right; Chinese concept words in pinyin or initials inside a Chinese text read as the words."""
    if text.isascii():  # every step keeps an ASCII text ASCII: the three for other scripts are skipped
        text = _stepped(text.lower(), _STEPS_ASCII)
    elif _PLAIN_ZH.fullmatch(text) is None:
        text = _folded_and_stepped(text)
    # else a plain Chinese text (every Chinese engine reply that quotes no reason), which the folds and the
    # steps leave as it is (fourth speed pass: one scan for the plain characters instead of seven over the
    # whole text, about 40,000 instructions a reply)
    if "平" in text or "坪" in text:
        text = _homophones(text)
    if "'" in text and not text.isascii():  # round 16 (batch HA): the same length, after every step
        text = _SINGLE_QUOTED_ZH.sub(_quote, text)
    return _blank_examples(text)


def _folded_and_stepped(text: str) -> str:
    """A text that is not ASCII with its characters folded (width, script, case, look-alikes), then the
    length-changing steps."""
    if _COMPAT.search(text):
        text = unicodedata.normalize("NFKC", text)
    if _traditional(text):
        text = text.translate(_FOLD)
    elif _SYMBOL_CHARS.search(text):
        text = _SYMBOL_CHARS.sub(_symbol, text)
    text = text.lower()
    if _CONFUSABLE_CHARS.search(text):
        text = text.translate(_CONFUSABLE)
    steps = _STEPS_ASCII if text.isascii() else _STEPS if _LETTER.search(text) is not None else _STEPS[:1]
    return _stepped(text, steps)


def _stepped(text: str, steps: tuple[tuple[re.Pattern[str] | _SplitThenLoan, object, object], ...]) -> str:
    """Each step whose worth test answers yes, in order."""
    for pattern, repl, worth in steps:
        if worth(text):  # type: ignore[operator]
            text = pattern.sub(repl, text)  # type: ignore[call-overload]
    return text


def _sub_mapped(pattern: re.Pattern[str], repl: object, text: str, src: list[int]) -> tuple[str, list[int]]:
    """``pattern.sub(repl, text)`` that also carries each output character's source index."""
    out: list[str] = []
    osrc: list[int] = []
    last = 0
    for m in pattern.finditer(text):
        a, b = m.start(), m.end()
        out.append(text[last:a])
        osrc.extend(src[last:a])
        r = repl if isinstance(repl, str) else repl(m)  # type: ignore[operator]
        if len(r) == b - a:
            osrc.extend(src[a:b])
        else:
            j = a
            for ch in r:
                k = j
                while k < b and text[k] != ch:
                    k += 1
                osrc.append(src[k] if k < b else src[min(j, b - 1)])
                if k < b:
                    j = k + 1
        out.append(r)
        last = b
    out.append(text[last:])
    osrc.extend(src[last:])
    return "".join(out), osrc


def _normalise_mapped(text: str) -> tuple[str, list[int]]:
    """``normalise`` character by character, with the index in ``text`` of every output character
    (used only to quote a blocked phrase as the rep wrote it)."""
    out: list[str] = []
    src: list[int] = []
    nfkc = not text.isascii() and _COMPAT.search(text) is not None
    table = _FOLD if _traditional(unicodedata.normalize("NFKC", text) if nfkc else text) else _SYMBOLS
    for i, ch in enumerate(text):
        base = unicodedata.normalize("NFKC", ch) if nfkc else ch
        folded = base.translate(table).lower().translate(_CONFUSABLE)
        for f in folded:
            out.append(f)
            src.append(i)
    joined = "".join(out)
    steps = _STEPS if joined.isascii() or _LETTER.search(joined) is not None else _STEPS[:1]
    for pattern, repl, worth in steps:
        if isinstance(pattern, _SplitThenLoan):
            split, loan = _split_or_loan(joined) if worth(joined) else (False, False)  # type: ignore[operator]
            if split:
                joined, src = _sub_mapped(_SPLIT_WORD, _join_split, joined, src)
            if loan:
                joined, src = _sub_mapped(_LOAN, _loan, joined, src)
        elif worth(joined):  # type: ignore[operator]
            joined, src = _sub_mapped(pattern, repl, joined, src)
    if "平" in joined or "坪" in joined:
        joined = _homophones(joined)
    if "'" in joined and not joined.isascii():
        joined = _SINGLE_QUOTED_ZH.sub(_quote, joined)
    return _blank_examples(joined), src  # the same length: the map holds
