"""How a concept regex is built: literal-first alternatives so ``re`` can skip ahead, a
right-to-left finder, and plain word alternations."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Protocol


def _structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """``(index, character, group depth after it)`` for each character of a regex outside an escape and a
    character class: the one walk that ``_split_top`` and ``_group_end`` read."""
    depth = 0
    i = 0
    in_class = False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        else:
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            yield i, c, depth
        i += 1


def _split_top(pattern: str) -> list[str]:
    """The top-level alternatives of a regex (escapes, classes and groups respected)."""
    parts: list[str] = []
    start = 0
    for i, c, depth in _structure(pattern):
        if c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


_HEAD = re.compile(r"[a-z][a-z' -]*")


def _word_first(alt: str) -> str:
    """``\\bword...`` as ``word(?<![a-z]word)...``: the same matches, but the pattern opens with a
    literal, so ``re`` can skip ahead instead of trying every position."""
    if not alt.startswith("\\b"):
        return alt
    rest = alt[2:]
    if rest.startswith("(?:") and rest.endswith(")") and rest.count("(") == 1:
        inner = [_word_first("\\b" + a) for a in _split_top(rest[3:-1])]
        return "(?:" + "|".join(inner) + ")"
    if rest.startswith("(?:"):
        close = rest.find(")")
        group = rest[3:close]
        if "(" not in group and close > 0:
            inner = [_word_first("\\b" + a) for a in _split_top(group)]
            return "(?:" + "|".join(inner) + ")" + rest[close + 1:]
        return alt
    m = _HEAD.match(rest)
    if m is None:
        return alt
    head = m.group(0)
    if rest[m.end():m.end() + 1] in ("?", "*", "+", "{"):
        head = head[:-1]
    if not head:
        return alt
    return f"{head}(?<![a-z]{head}){rest[len(head):]}"


def _literal_first(pattern: str) -> str:
    """Every top-level ``\\b``-led alternative of ``pattern`` rewritten by ``_word_first``
    (measured: E_BENEFIT over a reply 200 µs -> a few µs)."""
    return "|".join(_word_first(a) for a in _split_top(pattern))


_LITERAL_START = re.compile(r"[^\\\[\](){}.*+?^$|]|\\[^dDwWsSbBAZ0-9]")


def _distribute(alt: str) -> list[str]:
    """``(?:a|b)rest`` as ``arest``, ``brest`` (recursively), so that every alternative can open with a
    literal; anything else is returned as it is."""
    if not alt.startswith("(?:"):
        return [alt]
    depth = 0
    for i, c in enumerate(alt):
        if c == "\\":
            continue
        if c == "(" and (i == 0 or alt[i - 1] != "\\"):
            depth += 1
        elif c == ")" and alt[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                close = i
                break
    else:
        return [alt]
    rest = alt[close + 1:]
    if rest[:1] in ("?", "*", "+", "{"):
        return [alt]
    out: list[str] = []
    for inner in _split_top(alt[3:close]):
        out.extend(_distribute(inner + rest))
    return out


def _lead_choices(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern``, each distributed (``_distribute``) and each that opens
    with an optional group, ``(?:a|b)?rest``, written out as ``arest``, ``brest``, ``rest`` - in the order
    ``re`` tries them, so their alternation matches as ``pattern`` does, and every one can open with a
    literal (for ``_by_first_char``; fourth speed pass, the English staff-note header)."""
    out: list[str] = []
    for alt in _split_top(pattern):
        close = _group_end(alt) if alt.startswith("(?:") else -1
        if close > 0 and alt[close + 1:close + 2] == "?" and alt[close + 2:close + 3] not in ("?", "+"):
            rest = alt[close + 2:]
            out.extend(_lead_choices("|".join(inner + rest for inner in _split_top(alt[3:close]))))
            out.extend(_lead_choices(rest))
        else:
            out.extend(_distribute(alt))
    return out


def _group_end(alt: str) -> int:
    """The index of the parenthesis that closes the group ``alt`` opens with (-1 if none)."""
    for i, c, depth in _structure(alt):
        if c == ")" and depth == 0:
            return i
    return -1


def _first_char(alt: str) -> tuple[str, int] | None:
    """The literal character ``alt`` opens with and the length of its spelling, or None when it opens
    with anything else (a class, a group, an escape that stands for more than one character, or a
    character under a quantifier)."""
    if alt[:1] == "\\":
        char = alt[1:2]
        if not char or char.isalnum() or char == "_":
            return None
        size = 2
    else:
        char = alt[:1]
        if not char or char in "[](){}.*+?^$|":
            return None
        size = 1
    if alt[size:size + 1] in ("?", "*", "+", "{"):
        return None
    return char, size


def _by_first_char(alts: list[str]) -> str:
    """``a1|b1|a2`` as ``a(?:1|2)|b1``: the alternatives grouped by the character they open with, in
    their order within a group. Two alternatives that open with different characters cannot match at
    the same position, and within a group the order is kept, so every match is the one the flat
    alternation finds; but ``re`` now tries one branch per opening character at a position instead of
    every alternative (measured on the engine's English replies: E_REASON 60 -> 20 µs; grouping
    again inside each group, 20 -> 13 µs). A pattern with
    an alternative that opens otherwise is left flat."""
    groups: dict[str, list[str]] = {}
    spelled: dict[str, str] = {}
    for alt in alts:
        head = _first_char(alt)
        if head is None:
            return "|".join(alts)
        char, size = head
        groups.setdefault(char, []).append(alt[size:])
        spelled.setdefault(char, alt[:size])
    parts = []
    for char, rests in groups.items():
        if len(rests) == 1:
            parts.append(spelled[char] + rests[0])
        else:  # and so on, character by character, while every alternative opens with one
            parts.append(spelled[char] + "(?:" + _by_first_char(rests) + ")")
    return "|".join(parts)


class _Finder(Protocol):
    def search(self, text: str) -> re.Match[str] | None: ...

    def finditer(self, text: str) -> Iterable[re.Match[str]]: ...


class Gated:
    """A base pattern's matches and, only where one of ``words`` is in the text, an extra pattern's, in
    order of start (round 9: alternatives that would cost every text as part of the base regex)."""

    __slots__ = ("base", "extra", "words")

    def __init__(self, base: re.Pattern[str], extra: re.Pattern[str], words: tuple[str, ...]) -> None:
        self.base = base
        self.extra = extra
        self.words = words

    def finditer(self, text: str) -> list[re.Match[str]]:
        found = list(self.base.finditer(text))
        if any(w in text for w in self.words):
            more = list(self.extra.finditer(text))
            if more:
                found = sorted(found + more, key=lambda m: m.start())
        return found

    def search(self, text: str) -> re.Match[str] | None:
        m = self.base.search(text)
        if any(w in text for w in self.words):
            n = self.extra.search(text)
            if n is not None and (m is None or n.start() < m.start()):
                return n
        return m


class Prefacing:
    """A disclaimer finder that skips the disclaimers used as a preface to the tie.

    "Up to you, but the voucher only goes to ...", "那是不对的，不过您改成好评的话我们还是给您返现": words
    that leave the buyer a choice (or disown a colleague's offer) are no disclaimer where a contrast
    follows within a few words; a same-refund statement or a fact still disclaims. One class for both
    languages: only what counts as a choice and as a contrast differs.
    """

    __slots__ = ("base", "choice", "contrast")

    def __init__(self, base: _Finder, choice: re.Pattern[str], contrast: re.Pattern[str]) -> None:
        self.base = base
        self.choice = choice
        self.contrast = contrast

    def kept(self, text: str, m: re.Match[str]) -> bool:
        """Whether the disclaimer ``m`` still disclaims (it is no choice word, or no contrast follows)."""
        return self.choice.fullmatch(m.group(0)) is None or self.contrast.match(text, m.end()) is None

    def search(self, text: str) -> re.Match[str] | None:
        first = self.base.search(text)  # the first match is kept almost always: one search, as before
        if first is None or self.kept(text, first):
            return first
        for m in self.base.finditer(text):
            if self.kept(text, m):
                return m
        return None

    def finditer(self, text: str) -> list[re.Match[str]]:
        return [m for m in self.base.finditer(text) if self.kept(text, m)]


class _Concept:
    """One concept's regex, compiled for speed: the alternatives that open with a literal character in
    one pattern (``re`` then skips to candidate positions), the rest in a second one.

    Measured on the tune corpus and the engine replies: Z_BENEFIT 21 -> 6 µs, E_REASON 24 -> 8 µs.
    """

    __slots__ = ("patterns",)

    def __init__(self, pattern: str) -> None:
        lead: list[str] = []
        other: list[str] = []
        for alt in _split_top(_literal_first(pattern)):
            for a in _distribute(alt):
                (lead if a and _LITERAL_START.match(a) and not a.startswith("(?") else other).append(a)
        self.patterns = tuple(re.compile(_by_first_char(p)) for p in (lead, other) if p)

    def search(self, text: str) -> re.Match[str] | None:
        best: re.Match[str] | None = None
        for p in self.patterns:
            m = p.search(text)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        return best

    def finditer(self, text: str) -> list[re.Match[str]]:
        found = [m for p in self.patterns for m in p.finditer(text)]
        if len(self.patterns) > 1:
            found.sort(key=lambda m: m.start())
        return found



def _words(*words: str) -> str:
    """An alternation of plain words, each checked for a word start by a fixed-width lookbehind after
    it: a pattern that opens with a literal lets ``re`` skip ahead, one that opens with ``\b`` tries
    every position (measured 20x slower on a 300-character reply)."""
    return "(?:" + "|".join(f"{re.escape(w)}(?<![a-z]{re.escape(w)})" for w in words) + ")"


def blank_match(m: re.Match[str]) -> str:
    """A match replaced by as many underscores: offsets into the text stay valid and no word survives."""
    return "_" * (m.end() - m.start())
