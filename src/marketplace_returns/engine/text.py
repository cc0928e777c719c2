"""The buyer's words made comparable: normalised, language told apart, cut into clauses and tokens.

Why this exists: a cue must match a *word*, never a piece of one. "色差" (colour difference) sits
inside "特色差不多" (the features are much the same) and "烂" (rotten) inside "灿烂" (bright); a bare
substring search would fire on both. Chinese is therefore segmented with jieba, whose dictionary
learns every cue word (``add_word``) so that a cue, when present, comes out as one token. English is
cut with a single regular expression; inflections are spelled out in the lexicon, so matching stays a
dictionary lookup per token.

jieba costs about 1 µs per character, which would dominate the engine's budget; so only the clauses
that contain a possible cue are segmented (one compiled regex decides), and each distinct clause is
segmented once per process (a bounded memo of a pure function).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space to their half-width forms; curly quotes
# to straight ones, so that "don’t" and "don't" are one token.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDTH.update({0x3000: 0x20, 0x2019: 0x27, 0x2018: 0x27, 0x201C: 0x22, 0x201D: 0x22})
_HALF = str.maketrans(_WIDTH)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[a-z]{2,}")
# A Chinese clause ends at any punctuation, a space or an ASCII run long enough to be English.
_ZH_CLAUSE = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff0-9a-z.]+")
# English: words (with an apostrophe inside: don't, it's), numbers, and clause-ending punctuation.
_EN_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*|[.!?;,:()]")

CLAUSE = "|"
"""The token that separates clauses in a token list (never produced by a word)."""


def normalise(text: str) -> str:
    """Half-width, lower-case text: what every later step compares against."""
    return text.translate(_HALF).lower()


def script_mix(text: str) -> str:
    """``zh``, ``en``, ``mixed`` or ``""`` (no letters at all) for normalised ``text``."""
    cjk = _CJK.search(text) is not None
    latin = _LATIN.search(text) is not None
    if cjk and latin:
        return "mixed"
    if cjk:
        return "zh"
    return "en" if latin else ""


def buyer_lang(text: str, default: str, mix: str | None = None) -> str:
    """The language to answer in: the one that carries the message; ``default`` when there are no words.

    A mixed message ("尺码偏小, size M") is Chinese when its Chinese characters are at least as many as
    its English words: a Chinese character carries about as much as a short English word.
    """
    mix = script_mix(text) if mix is None else mix
    if mix == "mixed":
        return "zh" if len(_CJK.findall(text)) >= len(_LATIN.findall(text)) else "en"
    return mix or default


# Contractions typed without their apostrophe, as buyers often do.
_EN_SPELLING = {w.replace("'", ""): w for w in (
    "don't", "doesn't", "didn't", "can't", "couldn't", "won't", "wouldn't", "isn't", "wasn't", "aren't",
    "weren't", "haven't", "hasn't", "shouldn't")}
_EN_SPELLING.update({b: CLAUSE for b in ".!?;,:()"})


def en_tokens(text: str) -> list[str]:
    """English tokens of normalised ``text``; clause breaks become :data:`CLAUSE`."""
    get = _EN_SPELLING.get
    return [get(t, t) for t in _EN_TOKEN.findall(text)]


class ChineseSegmenter:
    """jieba, loaded once on first use, with the cue words in its dictionary.

    A private ``jieba.Tokenizer`` is used, not jieba's global one, so nothing else in the process
    sees our dictionary changes.
    """

    def __init__(self, words: Iterable[str], prefilter: Iterable[str]) -> None:
        self._words = tuple(sorted(set(words)))
        keys = sorted({k for k in prefilter if k}, key=len, reverse=True)
        self._prefilter = re.compile("|".join(re.escape(k) for k in keys)) if keys else None
        self._tokenizer: Any = None
        self.cut_clause = lru_cache(maxsize=32768)(self._cut)

    def _load(self) -> Any:
        import jieba  # imported lazily: ~1 s to build its prefix dictionary

        jieba.setLogLevel(logging.WARNING)
        logging.getLogger("jieba").setLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for word in self._words:
            tokenizer.add_word(word)
        self._tokenizer = tokenizer
        return tokenizer

    def _cut(self, clause: str) -> tuple[str, ...]:
        tokenizer = self._tokenizer or self._load()
        return tuple(t for t in tokenizer.cut(clause, HMM=False) if t.strip())

    def tokens(self, text: str) -> list[str]:
        """Tokens of the Chinese clauses of normalised ``text`` that may hold a cue, with clause breaks.

        Clauses without any cue text are skipped whole: no token of theirs could match.
        """
        out: list[str] = []
        prefilter = self._prefilter
        if prefilter is None:
            return out
        for clause in _ZH_CLAUSE.split(text):
            if clause and prefilter.search(clause):
                out.extend(self.cut_clause(clause))
            if out and out[-1] != CLAUSE:
                out.append(CLAUSE)
        return out
