"""The cue lexicons (engine/lexicon/{zh,en}.yaml) compiled for matching, and the matcher itself.

Why a lexicon as data: the words that show a defect or a size choice are what a seller knows best and
edits most; they belong in a file a seller can read, not in code, and each cue found is evidence a rep
can read. The lexicon holds the seller's trade vocabulary; *how* a cue is read is mechanism, here:

- word boundaries: a Chinese cue matches a run of jieba's tokens whose text is the cue, so it starts
  and ends where jieba's own dictionary puts a boundary ("大了" is found in 买/大/了, "色差" is not
  found in 特色/差不多); an English cue matches whole words;
- short gaps: the parts of a cue ("少 扣子") may have a few words between them, and numbers or measure
  words between them do not count ("少了两颗扣子", "掉了一个扣子", "missing 2 buttons");
- negation scope: a negator a few words before a cue, in its clause and not cut off by a contrast,
  makes it not count ("没有破损", "not defective"); a negator that is part of a cue ("不喜欢") negates
  nothing else;
- comparison scope: "没有图片上好看", "质量没有描述的那么好", "not as good as the picture" compare the
  goods with the listing (or with what the buyer imagined): a comparison, not a denial;
- hypotheticals: after a fear or a guess in the clause ("怕会缩水", "might shrink") a cue does not count;
- other senses: a small table (``senses`` in the lexicon) says which cue means something else next to
  which words ("broke my heart"; "slow" next to a phone is a defect, next to delivery a delay).

Matching is linear in the number of tokens: one probe of a character trie per token (its depth is
bounded by the longest cue part), a bounded walk where a cue may start, and every scope is tracked as
the scan goes (never by copying a clause per hit).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal, NamedTuple

import yaml

from marketplace_returns.engine.signals import Severity
from marketplace_returns.engine.text import CLAUSE, is_numeral
from marketplace_returns.errors import ConfigError
from marketplace_returns.models.vocabulary import QUALITY_CATEGORIES, Category

Kind = Literal["cue", "colour", "denial", "neutral", "listed", "ordered", "received"]
NUMBER = "#"
_BRACES = re.compile(r"\{([^{}]*)\}")
_NUM = re.compile(r"^\d+(?:\.\d+)?$")
_DIGIT = re.compile(r"[0-9]")
_NUM_UNIT = re.compile(r"^(\d+(?:\.\d+)?)([a-z]+)$")
_TIERS: dict[str, tuple[Severity | None, bool]] = {
    "serious": ("serious", False), "minor": ("minor", False), "cues": (None, False), "weak": (None, True),
}


@dataclass(frozen=True, slots=True)
class Cue:
    text: str
    words: tuple[str, ...]
    kind: Kind
    category: Category | None = None
    severity: Severity | None = None
    weak: bool = False
    tags: str = ""
    """How the cue is described to a rep: "defect, minor", "size_fit, vague"."""
    solid: bool = False
    """One word, no number: what matched is exactly ``text``."""


class Hit(NamedTuple):
    """One cue found in the tokens, with what surrounds it in its clause."""

    cue: Cue
    start: int
    end: int
    negated: bool
    hypothetical: bool
    after_contrast: bool
    intensified: bool
    sense: str = ""
    """Why the cue was read in another sense than its lexicon entry's (``""``: it was not)."""


@dataclass(frozen=True, slots=True)
class Sense:
    """Another sense of a cue, told by the words next to it in its clause."""

    before: frozenset[str]
    after: frozenset[str]
    span: int
    cue: Cue | None
    """What the cue means in this sense (None: no cue at all)."""
    why: str


@dataclass(frozen=True, slots=True)
class Measure:
    """A figure with a unit in a clause that also claims a shortfall against the listing."""

    value: float
    unit: str
    cm: float | None
    text: str


def expand(phrase: str) -> list[str]:
    """``"{rip,ripped} seam"`` → ``["rip seam", "ripped seam"]`` (every brace group, in order)."""
    m = _BRACES.search(phrase)
    if m is None:
        return [" ".join(phrase.split())]
    out: list[str] = []
    for alt in m.group(1).split(","):
        out.extend(expand(phrase[: m.start()] + alt.strip() + phrase[m.end():]))
    return out


def _is_number(token: str) -> bool:
    return token[:1].isdigit() and _NUM.match(token) is not None


_TRANSPARENT_MAX = 3
"""At most this many numbers or particles are skipped inside a cue beyond the lexicon's gap."""


class _Node:
    """A trie node over a cue's parts: the parts that may follow, and the cue that ends here (if any)."""

    __slots__ = ("children", "cue")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.cue: Cue | None = None


_PART = ""
"""The key of a character-trie node under which the part that ends there is kept."""
_UNSEEN: Any = object()
_NO_CUE: tuple[int, Cue | None] = (-1, None)
_MEMO_TOKENS = 48
"""Clauses up to this many tokens are memoised (per lexicon, bounded)."""
_STEP_MEMO = 50_000
"""How many distinct tokens the first step of the character trie is remembered for."""


class Lexicon:
    """One language's cues, compiled.

    ``gap`` is how many words may sit between two parts of a cue; ``window`` how far before a cue a
    negator reaches; ``concat``: a part matches a run of tokens whose text is the part (Chinese, where
    jieba may cut a cue word in pieces) rather than exactly one token (English).
    """

    def __init__(self, lang: str, data: dict[str, Any], *, gap: int, window: int, concat: bool) -> None:
        self.lang = lang
        self.gap = gap
        self.window = window
        self.concat = concat
        cues: list[Cue] = []
        for name, tiers in (data.get("categories") or {}).items():
            category = Category(name)
            for tier, phrases in tiers.items():
                if tier not in _TIERS:
                    raise ValueError(f"categories.{name}: unknown tier {tier!r} (use {', '.join(_TIERS)})")
                severity, weak = _TIERS[tier]
                cues += self._cues(phrases, "cue", category, severity, weak)
        for tier, phrases in (data.get("colour") or {}).items():
            severity = "serious" if tier == "serious" else "minor"
            category = Category.NOT_AS_DESCRIBED if severity == "serious" else Category.STYLE_PREFERENCE
            cues += self._cues(phrases, "colour", category, severity, False)
        cues += self._cues(data.get("denial") or [], "denial", None, None, False)
        cues += self._cues(data.get("neutral") or [], "neutral", None, None, False)
        mismatch = data.get("mismatch") or {}
        for kind in ("listed", "ordered", "received"):
            cues += self._cues(mismatch.get(kind) or [], kind, None, None, False)
        self.received_texts = frozenset(t for phrase in mismatch.get("received") or ()
                                        for t in expand(str(phrase)))
        # Where a language names them ("values"), what the order and the parcel name must be values of
        # one kind (a size, a colour): "ordered a large, received a small" differs; "ordered this dress
        # and received it torn" names no value on both sides, so it says nothing about a wrong item.
        self.mismatch_values = {str(word): str(kind) for kind, words in (mismatch.get("values") or {}).items()
                                for word in words}
        self.mismatch_stops = frozenset(str(w) for w in mismatch.get("stops") or ())
        self.cues = tuple(cues)
        self._root = _Node()
        for cue in cues:
            self._add(cue.words, cue)
            if concat and len(cue.words) > 1 and NUMBER not in cue.words:
                # The parts written together also match ("没 问题" in 没问题): jieba may fuse them.
                self._add(("".join(cue.words),), cue)
        self._chars: dict[str, Any] = {}
        self._step: dict[str, Any] = {}
        self._number_first = NUMBER in self._root.children
        self._memo_clause = lru_cache(maxsize=32768)(self._match_clause)
        for part in self._parts(self._root, set()):
            node = self._chars
            for ch in part:
                node = node.setdefault(ch, {})
            node[_PART] = part
        self.negators = frozenset(data.get("negators") or ())
        self.irrealis = frozenset(data.get("irrealis") or ())
        self.simile = frozenset(data.get("simile") or ())
        self.contrast = frozenset(data.get("contrast") or ())
        self.intensifiers = frozenset(data.get("intensifiers") or ())
        self.transparent = frozenset(data.get("transparent") or ())
        self.spec_units = frozenset(data.get("spec_units") or ())
        units = data.get("length_units") or {}
        self.length_units: dict[str, float] = {str(k): float(v) for k, v in units.items()}
        self.spec_claims = frozenset(data.get("spec_claims") or ())
        self._claims_re = re.compile("|".join(map(re.escape, sorted(self.spec_claims, key=len, reverse=True)))
                                     ) if self.spec_claims else None
        self.senses = self._senses(data.get("senses") or [])
        comparison = data.get("comparison") or {}
        self.comparison_heads = frozenset(comparison.get("heads") or ())
        self.comparison_marks = frozenset(comparison.get("marks") or ())
        self.comparison_opens = frozenset(comparison.get("opens") or ())
        self.comparison_span = int(comparison.get("span") or 6)
        self.listing_refs = frozenset(comparison.get("listing") or ())
        self.imagined_refs = frozenset(comparison.get("imagined") or ())
        self.looks = frozenset(comparison.get("looks") or ())
        self._compared = {
            category: Cue(f"comparison with {what}", (), "cue", category, None, True,
                          f"{category.value}, vague, a comparison with {what}")
            for category, what in ((Category.NOT_AS_DESCRIBED, "the listing"),
                                   (Category.STYLE_PREFERENCE, "what was imagined"))}

    def _add(self, words: tuple[str, ...], cue: Cue) -> None:
        node = self._root
        for word in words:
            node = node.children.setdefault(word, _Node())
        if node.cue is None:  # the first listing of a phrase wins
            node.cue = cue

    def _parts(self, node: _Node, out: set[str]) -> set[str]:
        for part, child in node.children.items():
            if part != NUMBER:
                out.add(part)
            self._parts(child, out)
        return out

    @staticmethod
    def _cues(phrases: list[str], kind: Kind, category: Category | None, severity: Severity | None,
              weak: bool) -> list[Cue]:
        tags = ", ".join(t for t in (category.value if category else "", severity or "",
                                     "vague" if weak else "") if t)
        out = []
        for phrase in phrases:
            for text in expand(str(phrase)):
                words = tuple(text.split(" "))
                solid = len(words) == 1 and words[0] != NUMBER
                out.append(Cue(text, words, kind, category, severity, weak, tags, solid))
        return out

    def _senses(self, rules: list[dict[str, Any]]) -> dict[str, tuple[Sense, ...]]:
        by_text = {c.text: c for c in self.cues}
        out: dict[str, list[Sense]] = {}
        for n, rule in enumerate(rules):
            target = rule.get("as")
            why = str(rule.get("why") or "")
            for text in (t for phrase in rule.get("cues") or () for t in expand(str(phrase))):
                cue = by_text.get(text)
                if cue is None:
                    raise ValueError(f"senses[{n}]: {text!r} is not a cue of this lexicon")
                meant: Cue | None = None
                if target not in (None, "none"):
                    category = Category(str(target))
                    severity, weak = _TIERS[str(rule.get("tier") or "cues")]
                    tags = ", ".join(t for t in (category.value, severity or "", "vague" if weak else "",
                                                 why) if t)
                    meant = replace(cue, kind="cue", category=category, severity=severity, weak=weak,
                                    tags=tags)
                near = [str(w) for w in rule.get("near") or ()]
                out.setdefault(text, []).append(Sense(
                    before=frozenset([*near, *(str(w) for w in rule.get("before") or ())]),
                    after=frozenset([*near, *(str(w) for w in rule.get("after") or ())]),
                    span=int(rule.get("span") or 3), cue=meant, why=why))
        return {k: tuple(v) for k, v in out.items()}

    def first_words(self) -> set[str]:
        """What a clause must contain for anything to be read in it (the segmenter's prefilter)."""
        firsts = {w for w, child in self._root.children.items() if w != NUMBER}
        return firsts | self.contrast | self.spec_claims | self.comparison_heads

    # -- matching --------------------------------------------------------------------------------

    def _parts_at(self, tokens: Sequence[str], j: int, memo: dict[int, list[tuple[str, int]]]
                  ) -> list[tuple[str, int]]:
        """The cue parts that start at ``tokens[j]`` and end on a token boundary: (part, end)."""
        tok = tokens[j]
        if not self.concat:  # one word is one part
            return [(NUMBER, j + 1), (tok, j + 1)] if is_numeral(tok) else [(tok, j + 1)]
        found = memo.get(j)
        if found is not None:
            return found
        numeral = is_numeral(tok)
        out = [(NUMBER, j + 1)] if numeral else []
        step = self._step
        node = step.get(tok, _UNSEEN)
        if node is _UNSEEN:
            node = self._walk(self._chars, tok)
            if len(step) < _STEP_MEMO:
                step[tok] = node
        if node is None:
            memo[j] = out
            return out
        k = j + 1
        n = len(tokens)
        while node is not None:
            part = node.get(_PART)
            if part is not None:
                out.append((part, k))
            if k >= n or len(node) == (part is not None):
                break
            node = self._walk(node, tokens[k])
            k += 1
        memo[j] = out
        return out

    @staticmethod
    def _walk(node: dict[str, Any] | None, token: str) -> dict[str, Any] | None:
        """The character-trie node reached from ``node`` by the characters of ``token`` (None: none)."""
        for ch in token:
            if node is None:
                return None
            node = node.get(ch)
        return node

    def _longest(self, tokens: Sequence[str], node: _Node, pos: int,
                 memo: dict[int, list[tuple[str, int]]]) -> tuple[int, Cue | None]:
        """The furthest-reaching cue continuing from ``node`` at ``tokens[pos]``: (its end, the cue).

        Up to ``gap`` other words may sit between two parts of a cue, and a few numbers or particles
        besides ("少了两颗扣子"); never a clause break, never a negator.
        """
        cue = node.cue
        best: tuple[int, Cue | None] = (pos, cue) if cue else (-1, None)
        children = node.children
        if not children:
            return best
        skipped = transparent = 0
        j = pos
        n = len(tokens)
        while j < n:
            tok = tokens[j]
            if tok == CLAUSE:
                break
            for part, end in self._parts_at(tokens, j, memo):
                child = children.get(part)
                if child is not None:
                    found = self._longest(tokens, child, end, memo)
                    if found[0] > best[0]:
                        best = found
            if tok in self.negators:
                break  # a gap never hides a negator: "质量不差" is no "质量 差"
            if is_numeral(tok) or tok in self.transparent:
                transparent += 1
                if transparent > _TRANSPARENT_MAX:
                    break
            else:
                skipped += 1
                if skipped > self.gap:
                    break
            j += 1
        return best

    def _longest_words(self, tokens: Sequence[str], node: _Node, pos: int) -> tuple[int, Cue | None]:
        """:meth:`_longest` where one token is one part (English): a dictionary probe per token."""
        cue = node.cue
        best: tuple[int, Cue | None] = (pos, cue) if cue else _NO_CUE
        children = node.children
        if not children:
            return best
        number = children.get(NUMBER)
        skipped = transparent = 0
        n = len(tokens)
        j = pos
        while j < n:
            tok = tokens[j]
            numeral = is_numeral(tok)
            for child in (children.get(tok), number if numeral else None):
                if child is not None:
                    found = self._longest_words(tokens, child, j + 1)
                    if found[0] > best[0]:
                        best = found
            if tok in self.negators:
                break
            if numeral or tok in self.transparent:
                transparent += 1
                if transparent > _TRANSPARENT_MAX:
                    break
            else:
                skipped += 1
                if skipped > self.gap:
                    break
            j += 1
        return best

    def _may_start(self, tok: str) -> bool:
        """Whether a cue may start at this token (a cheap test before the walk)."""
        if not self.concat:
            return tok in self._root.children or (self._number_first and is_numeral(tok))
        node = self._step.get(tok, _UNSEEN)
        if node is _UNSEEN:
            node = self._walk(self._chars, tok)
            if len(self._step) < _STEP_MEMO:
                self._step[tok] = node
        return node is not None or (self._number_first and is_numeral(tok))

    def _at(self, tokens: Sequence[str], i: int, memo: dict[int, list[tuple[str, int]]]
            ) -> tuple[int, Cue | None]:
        best: tuple[int, Cue | None] = (-1, None)
        roots = self._root.children
        if not self.concat:
            tok = tokens[i]
            for node in (roots.get(tok), roots.get(NUMBER) if is_numeral(tok) else None):
                if node is not None:
                    found = self._longest_words(tokens, node, i + 1)
                    if found[0] > best[0]:
                        best = found
            return best
        for part, end in self._parts_at(tokens, i, memo):
            node = roots.get(part)
            if node is not None:
                found = self._longest(tokens, node, end, memo)
                if found[0] > best[0]:
                    best = found
        return best

    def match(self, tokens: list[str], words: list[str] | None = None) -> list[Hit]:
        """Every cue in ``tokens``, the furthest-reaching first; a word inside a cue found is not reused.

        Clause by clause (no cue, negation, fear or comparison reaches past a clause break; only
        "after a contrast" does, and it is carried here). Each clause is one pass, with the scopes kept
        as the scan goes, so the cost is linear in the number of tokens; a clause seen before (buyers
        repeat "尺码偏小", "质量没问题") is answered from a bounded memo. ``words``: beside each token,
        the word the scopes look at (the segmenter's best-cut word; the token itself by default).
        """
        hits: list[Hit] = []
        seen_contrast = False
        n = len(tokens)
        start = 0
        while start < n:
            try:
                stop = tokens.index(CLAUSE, start)
            except ValueError:
                stop = n
            if stop > start:
                clause = tuple(tokens[start:stop])
                said = clause if words is None else tuple(words[start:stop])
                found, contrast = (self._memo_clause(clause, said) if stop - start <= _MEMO_TOKENS
                                   else self._match_clause(clause, said))
                for hit in found:
                    if start or (seen_contrast and not hit.after_contrast):  # (faster than _replace)
                        hit = Hit(hit.cue, hit.start + start, hit.end + start, hit.negated, hit.hypothetical,
                                  hit.after_contrast or seen_contrast, hit.intensified, hit.sense)
                    hits.append(hit)
                seen_contrast = seen_contrast or contrast
            start = stop + 1
        return hits

    def _match_clause(self, tokens: tuple[str, ...], words: tuple[str, ...]
                      ) -> tuple[tuple[Hit, ...], bool]:
        """The hits of one clause (positions within it) and whether it holds a contrast word.

        Cues are matched on ``tokens``; negators, fears, contrasts and comparisons are looked for in
        ``words`` (see :meth:`match`)."""
        hits: list[Hit] = []
        memo: dict[int, list[tuple[str, int]]] = {}
        last_contrast = last_negator = last_irrealis = last_simile = -1
        covered = 0
        negators, irrealis, simile, contrast = self.negators, self.irrealis, self.simile, self.contrast
        heads = self.comparison_heads
        for i, tok in enumerate(tokens):
            if i < covered:
                continue
            end, cue = self._at(tokens, i, memo) if self._may_start(tok) else _NO_CUE
            if cue is not None:
                negated = last_negator >= 0 and i - last_negator <= self.window
                hypothetical = cue.category is not Category.COUNTERFEIT and (
                    last_irrealis >= 0 or (last_simile >= 0 and cue.category in QUALITY_CATEGORIES))
                hits.append(self._hit(words, cue, i, end, negated, hypothetical, 0 <= last_contrast < i))
                covered = end
                continue
            tok = words[i]
            if tok in heads:
                compared = self._comparison(words, i)
                if compared is not None:
                    hits.append(compared)
                    covered = compared.end
                    continue
            if tok in contrast:
                last_contrast = i
                last_negator = last_irrealis = last_simile = -1
            elif tok in negators:
                last_negator = i
            elif tok in irrealis:
                last_irrealis = i
            elif tok in simile:
                last_simile = i
        return tuple(hits), last_contrast >= 0

    def _hit(self, words: Sequence[str], cue: Cue, start: int, end: int, negated: bool,
             hypothetical: bool, after_contrast: bool) -> Hit:
        sense = ""
        for other in self.senses.get(cue.text, ()):
            if self._near(words, start, end, other):
                sense = other.why or "another sense"
                cue = replace(cue, kind="neutral", category=None) if other.cue is None else other.cue
                break
        before = words[max(0, start - 3):start]
        after = words[end:end + 3]
        intensified = not (self.intensifiers.isdisjoint(before) and self.intensifiers.isdisjoint(after))
        return Hit(cue, start, end, negated, hypothetical, after_contrast, intensified, sense)

    @staticmethod
    def _near(tokens: Sequence[str], start: int, end: int, sense: Sense) -> bool:
        return not (sense.before.isdisjoint(tokens[max(0, start - sense.span):start])
                    and sense.after.isdisjoint(tokens[end:end + sense.span]))

    def _comparison(self, tokens: Sequence[str], head: int) -> Hit | None:
        """A comparison opened by a negator at ``tokens[head]``, or None.

        Chinese puts the reference first and the adjective last ("没有图片上好看", "没有描述的那么好");
        English opens with "as" and names the reference last ("not as good as the picture", "not
        nearly as soft as i expected"). A comparison with the listing is a vague not-as-described cue
        (a preference when it is about looks only); with what the buyer imagined, a preference.
        """
        n = len(tokens)
        limit = min(n, head + 1 + self.comparison_span)
        refs_listing, refs_imagined = self.listing_refs, self.imagined_refs
        ref: str | None = None
        looks = False
        end = -1
        if self.comparison_opens:
            opener = next((k for k in range(head + 1, min(limit, head + 3))
                           if tokens[k] in self.comparison_opens), -1)
            if opener < 0:
                return None
            marked = False
            for k in range(opener + 1, limit):
                tok = tokens[k]
                if tok == CLAUSE:
                    break
                if not marked:
                    looks = looks or tok in self.looks
                    marked = tok in self.comparison_marks and k > opener + 1
                elif tok in refs_listing or tok in refs_imagined:
                    ref, end = tok, k + 1
                    break
        else:
            for k in range(head + 1, limit):
                tok = tokens[k]
                if tok == CLAUSE:
                    break
                if ref is None:
                    if tok in refs_listing or tok in refs_imagined:
                        ref = tok
                elif tok in self.comparison_marks:
                    looks, end = tok in self.looks, k + 1
                    break
        if ref is None or end < 0:
            return None
        imagined = ref in refs_imagined
        cue = self._compared[Category.STYLE_PREFERENCE if imagined or looks else Category.NOT_AS_DESCRIBED]
        if looks and not imagined:
            cue = replace(cue, tags="style_preference, vague, a comparison of looks with the listing")
        return Hit(cue, head, end, False, False, False, False, "a comparison, not a denial")

    # -- what was listed or ordered against what came ------------------------------------------

    def mismatches(self, tokens: Sequence[str], hits: Sequence[Hit]) -> list[tuple[Category, str]]:
        """What the listing or the order says against what came, when they differ.

        "图片上是藏青色，收到的是亮蓝色", "我买的是黑色的，发来的是白色的": a ``listed`` or ``ordered``
        marker, then within the next two clauses a ``received`` one, each followed by what it names.
        When the two names differ: the listing → not as described, the order → wrong item. Linear:
        one pass over the hits, and at most a few tokens read after each marker.
        """
        out: list[tuple[Category, str]] = []
        if not any(h.cue.kind in ("listed", "ordered") for h in hits):
            return out
        said: tuple[Hit, int] | None = None
        clause = 0
        last = 0
        for hit in hits:
            # clause numbers counted as the hits go (the hits are in order): linear overall
            clause += sum(1 for t in tokens[last:hit.start] if t == CLAUSE)
            last = hit.start
            kind = hit.cue.kind
            if hit.negated or hit.hypothetical:
                continue
            if kind in ("listed", "ordered"):
                said = (hit, clause)
            elif said is not None and (kind == "received" or hit.cue.text in self.received_texts):
                first, where = said
                if clause - where > 2:
                    said = None
                    continue
                if self.mismatch_values:
                    (said_kind, before), (got_kind, after) = (self._value(tokens, first.end),
                                                              self._value(tokens, hit.end))
                    if said_kind != got_kind:  # not values of one kind (or none on a side)
                        before = after = ""
                else:
                    before, after = self._named(tokens, first.end), self._named(tokens, hit.end)
                if before and after and before != after:
                    category = (Category.NOT_AS_DESCRIBED if first.cue.kind == "listed"
                                else Category.WRONG_ITEM)
                    whose = "the listing" if first.cue.kind == "listed" else "the order"
                    join = " " if self.mismatch_values else ""  # words apart where values are words
                    said_text = join.join(tokens[first.start:first.end])
                    got_text = join.join(tokens[hit.start:hit.end])
                    out.append((category, f'"{said_text}{before}" / "{got_text}{after}" ({category.value}: '
                                          f"{whose} and the parcel differ)"))
                said = None
        return out

    def _value(self, tokens: Sequence[str], pos: int) -> tuple[str, str]:
        """The first value (kind, words) a marker names within its next few words, or ("", "").

        "size 9" and "size 10" are sizes by the word before the number; a bare number is not a value.
        """
        for i in range(pos, min(pos + 4, len(tokens))):
            tok = tokens[i]
            if tok == CLAUSE or tok in self.contrast or tok in self.mismatch_stops:
                break
            if tok in self.mismatch_values:
                return self.mismatch_values[tok], f" {tok}"
            if tok == "size" and i + 1 < len(tokens) and tokens[i + 1].replace(".", "", 1).isdigit():
                return "size", f" size {tokens[i + 1]}"
        return "", ""

    def _named(self, tokens: Sequence[str], pos: int) -> str:
        """What a marker names: the few tokens after it, up to its clause's end or a contrast."""
        out = []
        for tok in tokens[pos:pos + 4]:
            if tok == CLAUSE or tok in self.contrast:
                break
            out.append(tok)
        return "".join(out)

    # -- measures --------------------------------------------------------------------------------

    def measures(self, tokens: list[str], text: str) -> list[Measure]:
        """Figures with a unit in clauses claiming a shortfall ("不到75mm", "23 inch inseam not 26").

        ``text``: what ``tokens`` were cut from; none is read unless it holds a digit."""
        out: list[Measure] = []
        # No clause can claim a shortfall, or no figure is written: one test each for the whole text,
        # the claim first (it fails more often, and a search for a digit cost about 3,000 instructions
        # a message, callgrind, most of it the search's own setup).
        if not self._any_claim(tokens) or _DIGIT.search(text) is None:
            return out
        clause: list[str] = []
        for tok in [*tokens, CLAUSE]:
            if tok != CLAUSE:
                clause.append(tok)
                continue
            if clause and self._claims(clause):
                out.extend(self._clause_measures(clause))
            clause = []
        return out

    def _claims(self, clause: list[str]) -> bool:
        if not self.concat:
            return not self.spec_claims.isdisjoint(clause)
        return self._claims_re is not None and self._claims_re.search("".join(clause)) is not None

    def _any_claim(self, tokens: list[str]) -> bool:
        """Whether some clause of ``tokens`` may claim a shortfall (a necessary condition for
        :meth:`_claims` on any of them: a claim word never spans a clause break, which no claim holds)."""
        if not self.concat:
            return not self.spec_claims.isdisjoint(tokens)
        return self._claims_re is not None and self._claims_re.search("".join(tokens)) is not None

    def _clause_measures(self, clause: list[str]) -> list[Measure]:
        out = []
        for j, tok in enumerate(clause):
            value: str | None = None
            unit = ""
            m = _NUM_UNIT.match(tok)
            if m and m.group(2) in self.spec_units:
                value, unit = m.group(1), m.group(2)
            elif _is_number(tok) and j + 1 < len(clause) and clause[j + 1] in self.spec_units:
                value, unit = tok, clause[j + 1]
            if value is None:
                continue
            factor = self.length_units.get(unit)
            amount = float(value)
            out.append(Measure(amount, unit, amount * factor if factor else None, f"{value}{unit}"))
        return out


def _read(lang: str) -> dict[str, Any]:
    file = f"engine/lexicon/{lang}.yaml"
    source = resources.files("marketplace_returns.engine").joinpath("lexicon", f"{lang}.yaml")
    text = source.read_text("utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", file=file) from None
    if not isinstance(data, dict):
        raise ConfigError("a lexicon is a mapping of sections", file=file)
    return data


@cache
def lexicon(lang: str) -> Lexicon:
    """The compiled lexicon of ``lang`` (``zh`` or ``en``), read once per process."""
    try:
        if lang == "zh":
            return Lexicon("zh", _read("zh"), gap=2, window=3, concat=True)
        return Lexicon("en", _read("en"), gap=0, window=3, concat=False)
    except ValueError as exc:  # an unknown category name
        raise ConfigError(str(exc), file=f"engine/lexicon/{lang}.yaml") from None
