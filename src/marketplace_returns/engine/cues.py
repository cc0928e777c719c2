"""The cue lexicons (engine/lexicon/{zh,en}.yaml) compiled for matching, and the matcher itself.

Why a lexicon as data: the words that show a defect or a size choice are what a seller knows best and
edits most; they belong in a file a seller can read, not in code. This module turns the file into a
lookup keyed by a cue's first word, so that matching costs one dictionary probe per token, and marks
each hit with what surrounds it in its clause: a negator before it ("没有破损", "not defective"), a
fear or guess ("might shrink"), a contrast before it ("..., 就是不喜欢"), an intensifier ("色差严重").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, NamedTuple

import yaml

from marketplace_returns.engine.signals import Severity
from marketplace_returns.engine.text import CLAUSE
from marketplace_returns.errors import ConfigError
from marketplace_returns.models.vocabulary import QUALITY_CATEGORIES, Category

Kind = Literal["cue", "colour", "denial", "neutral"]
NUMBER = "#"
_BRACES = re.compile(r"\{([^{}]*)\}")
_NUM = re.compile(r"^\d+(?:\.\d+)?$")
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


class _Node:
    """A trie node: the words that may follow, and the cue that ends here (if any)."""

    __slots__ = ("children", "cue")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.cue: Cue | None = None


class Lexicon:
    """One language's cues, compiled. ``gap`` is how many words may sit between a sequence's parts."""

    def __init__(self, lang: str, data: dict[str, Any], *, gap: int, window: int) -> None:
        self.lang = lang
        self.gap = gap
        self.window = window
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
        self.cues = tuple(cues)
        self._root = _Node()
        for cue in cues:
            node = self._root
            for word in cue.words:
                node = node.children.setdefault(word, _Node())
            if node.cue is None:  # the first listing of a phrase wins
                node.cue = cue
        self.negators = frozenset(data.get("negators") or ())
        self.irrealis = frozenset(data.get("irrealis") or ())
        self.simile = frozenset(data.get("simile") or ())
        self.contrast = frozenset(data.get("contrast") or ())
        self.intensifiers = frozenset(data.get("intensifiers") or ())
        self.spec_units = frozenset(data.get("spec_units") or ())
        units = data.get("length_units") or {}
        self.length_units: dict[str, float] = {str(k): float(v) for k, v in units.items()}
        self.spec_claims = frozenset(data.get("spec_claims") or ())

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

    def words(self) -> set[str]:
        """Every word a cue is made of (for the segmenter's dictionary), numbers excepted."""
        words = {w for c in self.cues for w in c.words if w != NUMBER}
        return words | self.negators | self.irrealis | self.contrast | self.intensifiers | self.spec_claims

    def first_words(self) -> set[str]:
        """What a clause must contain for any cue to match in it (the segmenter's prefilter)."""
        return {c.words[0] for c in self.cues if c.words[0] != NUMBER} | self.contrast | self.spec_claims

    def _longest(self, tokens: list[str], node: _Node, pos: int) -> tuple[int, int, Cue | None]:
        """The longest cue continuing from ``node`` at ``tokens[pos]``: (its words, its end, the cue).

        Up to ``gap`` other words may sit between two words of a cue, never a clause break.
        """
        cue = node.cue
        best: tuple[int, int, Cue | None] = (len(cue.words), pos, cue) if cue else (0, -1, None)
        children = node.children
        if not children:
            return best
        limit = min(len(tokens), pos + self.gap + 1)
        for j in range(pos, limit):
            tok = tokens[j]
            if tok == CLAUSE:
                break
            child = children.get(tok)
            if child is None and NUMBER in children and _is_number(tok):
                child = children[NUMBER]
            if child is not None:
                found = self._longest(tokens, child, j + 1)
                if found[0] > best[0]:
                    best = found
        return best

    def match(self, tokens: list[str]) -> list[Hit]:
        """Every cue in ``tokens``, longest first; words inside a longer cue already found are not reused.

        Cost: one dictionary probe per token, plus a short walk where a cue's first word appears.
        """
        hits: list[Hit] = []
        roots = self._root.children
        number_root = roots.get(NUMBER)
        contrast = self.contrast
        clause_start = 0
        last_contrast = -1
        covered_until = -1
        for i, tok in enumerate(tokens):
            if tok == CLAUSE:
                clause_start = i + 1
                continue
            if tok in contrast:
                last_contrast = i
            node = roots.get(tok)
            if node is None:
                if number_root is None or not _is_number(tok):
                    continue
                node = number_root
            _, end, cue = self._longest(tokens, node, i + 1)
            if cue is None or (end <= covered_until and cue.kind != "denial"):
                continue
            hits.append(self._hit(tokens, cue, i, end, clause_start, last_contrast))
            covered_until = max(covered_until, end)
        return hits

    def _hit(self, tokens: list[str], cue: Cue, start: int, end: int, clause_start: int,
             last_contrast: int) -> Hit:
        negated = not self.negators.isdisjoint(tokens[max(clause_start, start - self.window):start])
        # A fear, a guess or a comparison earlier in the clause ("怕洗了缩水", "it might shrink",
        # "looked like a stretched-out tank") is not a fact about the goods. A suspicion of a fake is a
        # claim all the same.
        hypothetical = False
        if start > clause_start and cue.category is not Category.COUNTERFEIT:
            earlier = tokens[clause_start:start]
            hypothetical = not self.irrealis.isdisjoint(earlier) or (
                cue.category in QUALITY_CATEGORIES and not self.simile.isdisjoint(earlier))
        after = tokens[end:end + 3]
        if CLAUSE in after:
            after = after[:after.index(CLAUSE)]
        intensified = not (self.intensifiers.isdisjoint(tokens[max(clause_start, start - 3):start])
                           and self.intensifiers.isdisjoint(after))
        return Hit(cue, start, end, negated, hypothetical, 0 <= last_contrast < start, intensified)

    def measures(self, tokens: list[str]) -> list[Measure]:
        """Figures with a unit in clauses claiming a shortfall ("不到75mm", "23 inch inseam not 26")."""
        out: list[Measure] = []
        if not any(t[:1].isdigit() for t in tokens):
            return out
        clause: list[str] = []
        for tok in [*tokens, CLAUSE]:
            if tok != CLAUSE:
                clause.append(tok)
                continue
            if clause and any(t in self.spec_claims for t in clause):
                out.extend(self._clause_measures(clause))
            clause = []
        return out

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
            return Lexicon("zh", _read("zh"), gap=2, window=2)
        return Lexicon("en", _read("en"), gap=0, window=3)
    except ValueError as exc:  # an unknown category name
        raise ConfigError(str(exc), file=f"engine/lexicon/{lang}.yaml") from None
