"""The buyer's words made comparable: normalised, language told apart, cut into clauses and tokens.

Why this exists: a cue must match *words*, never a piece of one. "色差" (colour difference) sits inside
"特色差不多" (the features are much the same) and "烂" (rotten) inside "灿烂" (bright); a bare substring
search fires on both. Chinese is therefore segmented with jieba's dictionary, and nothing of the cue
lexicon is added to it: a cue word forced into the dictionary wins every split it can make, and so pulls
characters out of the words around it. A cue matches where a boundary falls at both of its ends
(engine/cues.py); a boundary is any position that a segmentation nearly as probable as jieba's best
passes through (:data:`BOUNDARY_MARGIN`): "没收到" is found in 还没收到货 (jieba's best cut is
还/没收/到货, "confiscate" + "arrival"), "色差" is not found in 特色/差不多. English is cut with a single
regular expression; inflections are spelled out in the lexicon, so matching stays a lookup per token.

What is read is capped (:data:`READ_LIMIT` characters): a buyer message is a few sentences, while a
message field holds whatever a platform sends (a pasted log, junk); every step here is linear in what is
read, and what is left unread is said in the evidence.

Cutting a clause costs about 1 µs per character, which would dominate the engine's budget; so only the
clauses that hold the first character of some cue are cut (a set test), and each distinct clause is cut
once per process (a bounded memo of a pure function). jieba's dictionary is read from a per-machine
cache by first character (:class:`_Dictionary`, about 30 ms per process instead of jieba's second).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from math import inf, log
from pathlib import Path

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space to their half-width forms; curly quotes
# to straight ones, so that "don’t" and "don't" are one token.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDTH.update({0x3000: 0x20, 0x2019: 0x27, 0x2018: 0x27, 0x201C: 0x22, 0x201D: 0x22})
_HALF = str.maketrans(_WIDTH)
_WIDE = re.compile("[" + "".join(sorted({re.escape(chr(c)) for c in _WIDTH})) + "]")
"""Any character ``_HALF`` changes (a search for one is far cheaper than ``str.translate``)."""

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
    if text.isascii() or _WIDE.search(text) is None:  # nothing to fold: skip the per-character table
        return text.lower()
    return text.translate(_HALF).lower()


def script_mix(text: str) -> str:
    """``zh``, ``en``, ``mixed`` or ``""`` (no letters at all) for normalised ``text``."""
    cjk = not text.isascii() and _CJK.search(text) is not None  # (isascii: a flag, no scan)
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
    """English tokens of normalised ``text``; clause breaks become :data:`CLAUSE`.

    Cut at whitespace first, each piece's tokens memoised: no token holds whitespace, so the tokens of
    the text are those of its pieces in order; buyers reuse their words, and a piece seen before is
    one lookup where the regular expression costs about 1,200 instructions a token (callgrind)."""
    out: list[str] = []
    for piece in text.split():
        out += _piece_tokens(piece) if len(piece) <= _PIECE_MEMO_CHARS else _tokens_of(piece)
    return out


_PIECE_MEMO_CHARS = 32
"""Pieces up to this long are memoised: a word, with its punctuation; a longer one is junk."""


def _tokens_of(piece: str) -> tuple[str, ...]:
    get = _EN_SPELLING.get
    return tuple([get(t, t) for t in _EN_TOKEN.findall(piece)])


_piece_tokens = lru_cache(maxsize=16384)(_tokens_of)


READ_LIMIT = 3000
"""How many characters of a message are read: a buyer's message is a few sentences (a long one is a few
hundred characters); past this, what a platform sent is no message a rep reads whole either."""
_BREAK_BACK = 120
_LAST_BREAK = re.compile(r"[\s.!?;,:，。！？；：、]")

# A number, written in digits or in Chinese, with or without a measure word after it: "3", "2.5",
# "两颗", "一个", "好几个", "十几件". A lone measure word ("有个钉子") is as transparent inside a cue.
_MEASURE_WORDS = "个颗粒件只双条块张瓶包盒套片根枚把支台部副对袋箱份处次位"
_NUMERAL = re.compile(
    rf"^(?:\d+(?:\.\d+)?|好?[零一二两三四五六七八九十百千万半几]+|[{_MEASURE_WORDS}])[{_MEASURE_WORDS}]?$")


_NUMERAL_START = frozenset("0123456789好零一二两三四五六七八九十百千万半几" + _MEASURE_WORDS)


def is_numeral(token: str) -> bool:
    """Whether ``token`` is a number (digits or Chinese numerals), maybe with its measure word."""
    return token[:1] in _NUMERAL_START and len(token) <= 6 and _NUMERAL.match(token) is not None


def cap(text: str, limit: int = READ_LIMIT) -> str:
    """The first ``limit`` characters of ``text``, ended at the last clause break of the final stretch
    (so that no word is cut in two), or at ``limit`` when that stretch has no break."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    tail_start = max(0, limit - _BREAK_BACK)
    cut = limit
    for found in _LAST_BREAK.finditer(head, tail_start):
        cut = found.start()
    return head[:cut]


BOUNDARY_MARGIN = 2.0
"""How much less probable (in natural log: e² ≈ 7.4 times) than jieba's best segmentation of a clause the
best segmentation through a position may be for that position to count as a word boundary.

jieba's single best cut is sometimes wrong where a reading only a little less probable is right:
还没收到货 comes out 还/没收/到货 ("confiscate" + "arrival"), while 还/没/收到/货 is nearly as probable.
Every near-best boundary is kept, so that a cue matches where a reasonable segmentation puts it; a
boundary far from any good segmentation is not (特色差不多 through 特|色差 is e⁹ times less probable,
so "色差" is never read there).
"""


_WEIGHT_MEMO = 100_000
"""How many words' log probabilities the segmenter keeps at hand."""


def _joined(clause: str, p: int) -> bool:
    """No boundary inside a run of Latin letters and digits ("3cm", "2.5"), as jieba keeps them (both
    characters are ASCII)."""
    a, b = clause[p - 1], clause[p]
    if a.isalnum() and b.isalnum():
        return True
    return (a == "." and b.isdigit() and clause[p - 2:p - 1].isdigit()) or (
        b == "." and a.isdigit() and clause[p + 1:p + 2].isdigit())


_CACHE_MAGIC = b"marketplace-returns jieba prefix dictionary 1\n"


class _Dictionary:
    """jieba's prefix dictionary (every word and every prefix of one, with its count; 0 for a prefix
    that is no word), grouped by first character and turned into a lookup only for the characters a
    message uses.

    Why: jieba builds its whole dictionary (half a million entries) into one Python mapping when a
    process first cuts a sentence, over a second per process. The same entries, stored once per
    machine as one block of text per first character, are read in milliseconds, and a message needs
    the entries of a few dozen characters. The words, the counts and so the cuts are jieba's own.
    """

    def __init__(self, total: int, index: dict[str, tuple[int, int]], blob: bytes) -> None:
        self.total = total
        self._index = index
        self._blob = blob
        self._by_first: dict[str, dict[str, int]] = {}

    def starting_with(self, ch: str) -> dict[str, int]:
        found = self._by_first.get(ch)
        if found is None:
            found = {}
            span = self._index.get(ch)
            if span is not None:
                start, length = span
                for line in self._blob[start:start + length].decode("utf-8").split("\n"):
                    word, _, count = line.rpartition("\t")
                    found[word] = int(count)
            self._by_first[ch] = found
        return found

    @classmethod
    def from_jieba(cls) -> tuple[_Dictionary, bytes]:
        """The dictionary built by jieba itself (about a second), and its bytes for the cache."""
        import jieba  # imported only to build the cache: importing it costs a quarter of a second

        jieba.setLogLevel(logging.WARNING)
        logging.getLogger("jieba").setLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        groups: dict[str, list[str]] = {}
        for word, count in tokenizer.FREQ.items():
            if word and "\n" not in word:
                groups.setdefault(word[0], []).append(f"{word}\t{int(count)}")
        index: dict[str, tuple[int, int]] = {}
        parts: list[bytes] = []
        offset = 0
        for ch, lines in groups.items():
            block = "\n".join(lines).encode("utf-8")
            index[ch] = (offset, len(block))
            parts.append(block)
            offset += len(block)
        blob = b"".join(parts)
        header = json.dumps({"total": int(tokenizer.total), "index": index}, ensure_ascii=False).encode()
        data = _CACHE_MAGIC + str(len(header)).encode() + b"\n" + header + blob
        return cls(int(tokenizer.total), index, blob), data

    @classmethod
    def read(cls, data: bytes) -> _Dictionary:
        if not data.startswith(_CACHE_MAGIC):
            raise ValueError("not a prefix dictionary cache")
        rest = data[len(_CACHE_MAGIC):]
        size, _, rest = rest.partition(b"\n")
        header = json.loads(rest[:int(size)])
        index = {str(ch): (int(span[0]), int(span[1])) for ch, span in header["index"].items()}
        return cls(int(header["total"]), index, rest[int(size):])

    @classmethod
    def cached(cls) -> _Dictionary:
        """The dictionary from this machine's cache (built and written on the first use)."""
        path = _cache_path()
        if path is not None:
            try:
                return cls.read(path.read_bytes())
            except (OSError, ValueError, KeyError, TypeError, IndexError):
                pass  # absent, unreadable or from elsewhere: built again below
        dictionary, data = cls.from_jieba()
        if path is not None:
            with contextlib.suppress(OSError):
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name)  # mode 0600
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.replace(tmp, path)
        return dictionary


def _cache_path() -> Path | None:
    """Where the prefix dictionary is cached: the temporary directory (as jieba keeps its own), the
    name telling the jieba dictionary it was built from."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        return None
    source = Path(spec.origin).parent / "dict.txt"
    try:
        stat = source.stat()
    except OSError:
        return None
    return Path(tempfile.gettempdir()) / f"marketplace_returns.jieba.{stat.st_size}.{int(stat.st_mtime)}.dict"


class ChineseSegmenter:
    """Chinese clauses cut into words with jieba's dictionary and jieba's word graph.

    No cue word is added to the dictionary (see the module docstring): the cues are matched on the
    boundaries its words give. The clause is cut at every near-best boundary, not only on jieba's best
    path. ``lazy``: the dictionary is read from this machine's cache by first character
    (:class:`_Dictionary`), not built whole by jieba in every process.
    """

    def __init__(self, prefilter: Iterable[str], *, lazy: bool = True) -> None:
        # A clause can hold a cue only if it holds the first character of one: a set test, far cheaper
        # than searching for every cue word (and as safe, being a necessary condition).
        self._firsts = frozenset(k[0] for k in prefilter if k)
        self._lazy = lazy
        self._dictionary: _Dictionary | None = None
        self._logtotal = 0.0
        self._weights: dict[str, float] = {}
        self.cut_clause = lru_cache(maxsize=32768)(self._cut)

    def _load(self) -> _Dictionary:
        dictionary = _Dictionary.cached() if self._lazy else _Dictionary.from_jieba()[0]
        self._logtotal = log(dictionary.total)
        self._dictionary = dictionary
        return dictionary

    def _cut(self, clause: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``clause`` cut at every near-best boundary (see :data:`BOUNDARY_MARGIN`), and beside each
        piece the word of jieba's best cut that starts with it (``""`` where none starts).

        The pieces are what cues are matched on; the words are what the scopes look for (a negator,
        a contrast, a reference of a comparison...): "就是" stays one word even where 就/是 is a
        near-best cut."""
        dictionary = self._dictionary or self._load()
        starting_with = dictionary.starting_with
        weights = self._weights
        logtotal = self._logtotal
        n = len(clause)
        # jieba's word graph (``Tokenizer.get_DAG``: the dictionary words starting at each position, or
        # the character alone), each edge weighted by its word's log probability, walked from the end:
        # ``after[i]`` is the best score of a segmentation of clause[i:].
        edges: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        after = [0.0] * (n + 1)
        for k in range(n - 1, -1, -1):
            entries = starting_with(clause[k])
            row = edges[k]
            top = -inf
            i = k
            frag = clause[k]
            while i < n and frag in entries:
                count = entries[frag]
                if count:
                    w = weights.get(frag)
                    if w is None:
                        w = log(count) - logtotal
                        if len(weights) < _WEIGHT_MEMO:
                            weights[frag] = w
                    row.append((i + 1, w))
                    if w + after[i + 1] > top:
                        top = w + after[i + 1]
                i += 1
                frag = clause[k:i + 1]
            if not row:
                w = -logtotal  # a character that is no word: count 1, as jieba scores it
                row.append((k + 1, w))
                top = w + after[k + 1]
            after[k] = top
        before = [-inf] * (n + 1)  # the best score of a segmentation of clause[:i]
        before[0] = 0.0
        for i in range(n):
            here = before[i]
            if here == -inf:
                continue
            for j, w in edges[i]:
                if here + w > before[j]:
                    before[j] = here + w
        best = after[0]
        floor = best - BOUNDARY_MARGIN
        cuts: list[int] = [0]
        on_best: list[bool] = [True]
        for p in range(1, n):
            through = before[p] + after[p]
            if through >= floor and not (
                    clause[p - 1].isascii() and clause[p].isascii() and _joined(clause, p)):
                cuts.append(p)
                on_best.append(through >= best - 1e-9)
        cuts.append(n)
        on_best.append(True)
        tokens = tuple(clause[cuts[k]:cuts[k + 1]] for k in range(len(cuts) - 1))
        words: list[str] = []
        for k in range(len(cuts) - 1):
            if not on_best[k]:
                words.append("")
                continue
            end = k + 1
            while not on_best[end]:
                end += 1
            words.append(clause[cuts[k]:cuts[end]])
        return tokens, tuple(words)

    def tokens(self, text: str) -> tuple[list[str], list[str]]:
        """Tokens of the Chinese clauses of normalised ``text`` that may hold a cue, with clause breaks,
        and the best-cut word starting at each (see :meth:`_cut`).

        Clauses without any cue text are skipped whole: no token of theirs could match.
        """
        tokens: list[str] = []
        words: list[str] = []
        firsts = self._firsts
        if not firsts:
            return tokens, words
        for clause in _ZH_CLAUSE.split(text):
            if clause and not firsts.isdisjoint(clause):
                # Long clauses (a pasted log, junk) are cut without the memo: they would crowd it.
                pieces, best = self.cut_clause(clause) if len(clause) <= 200 else self._cut(clause)
                tokens.extend(pieces)
                words.extend(best)
            if tokens and tokens[-1] != CLAUSE:
                tokens.append(CLAUSE)
                words.append(CLAUSE)
        return tokens, words
