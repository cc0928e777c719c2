"""What the buyer's words alone show: the first of the classifier's three readings.

Why apart from the classifier: the words are read the same way whatever the platform's reason or the
order's facts say, and the result (``WordsReading``) is what the honest-steering rule rests on: a
reason change is proposed only when the words themselves show the accurate reason.

The reading follows how a rep reads a message:
- a cue after a negator does not count ("没有破损", "not defective"); a negated defect word, or a
  sentence such as "质量没问题" / "nothing wrong with it", is the buyer denying a quality problem;
- a fear or a guess does not count ("怕洗了缩水", "it might shrink");
- a clear quality cue beats any preference ("本来就不喜欢，而且开线了" is a defect); vague quality
  complaints ("质量差", "poor quality") decide only when nothing clearer is said;
- among cues of one family, what follows a contrast carries more weight ("..., 就是不喜欢");
- a word read in another sense says so ("broke my heart" is no defect);
- only the first :data:`text.READ_LIMIT` characters are read, and the evidence says so when a message
  is longer: the cost of a reading is bounded whatever a platform sends.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import NamedTuple

from marketplace_returns.engine.cues import Hit, Lexicon, Measure, lexicon
from marketplace_returns.engine.signals import Severity
from marketplace_returns.engine.text import READ_LIMIT, ChineseSegmenter, cap, en_tokens, script_mix
from marketplace_returns.models.vocabulary import FAMILY_OF, QUALITY_CATEGORIES, Category, Family

_CONTRAST_WEIGHT = 1.5
_WEAK_WEIGHT = 0.4
# On equal weight, the more specific category is named.
_TIE_ORDER = {c: i for i, c in enumerate([
    Category.COUNTERFEIT, Category.WRONG_ITEM, Category.MISSING_PARTS, Category.DAMAGED_IN_TRANSIT,
    Category.NOT_AS_DESCRIBED, Category.DEFECT, Category.ORDERED_BY_MISTAKE, Category.SIZE_FIT,
    Category.PRICE, Category.NOT_RECEIVED, Category.SHIPPING_DELAY, Category.STYLE_PREFERENCE,
    Category.CHANGED_MIND, Category.OTHER])}
_SERIOUS_BY_NATURE = frozenset({Category.DAMAGED_IN_TRANSIT, Category.WRONG_ITEM, Category.COUNTERFEIT,
                                Category.NOT_AS_DESCRIBED, Category.MISSING_PARTS})


class WordsReading(NamedTuple):
    """What the words show. Immutable: one reading may be shared by every case with the same message.
    A named tuple rather than a frozen dataclass: made once per new message, and a frozen dataclass
    sets each of its fifteen fields through ``object.__setattr__`` (3.7 µs against 1.4)."""

    category: Category | None = None
    strong: bool = False
    """The category rests on a clear cue (not only on vague complaints)."""
    severity: Severity | None = None
    colour_severity: Severity | None = None
    quality_denied: bool = False
    any_quality_cue: bool = False
    counterfeit_claim: bool = False
    cues: tuple[str, ...] = ()
    """Counted cues, as shown to a rep: '"线头" (defect, minor)'."""
    ignored: tuple[str, ...] = ()
    """Cues seen but not counted (negated, hypothetical), and denials."""
    count: int = 0  # type: ignore[assignment]  # (the field, not tuple.count)
    mix: str = ""
    """The scripts of the message: ``zh``, ``en``, ``mixed`` or ``""``."""
    ranking: tuple[Category, ...] = ()
    """The categories the deciding cues point at, best first (``category`` is the first)."""
    read_chars: int = 0
    """How many characters of the message were read."""
    total_chars: int = 0
    """How long the message is (more than ``read_chars`` when it was cut at the read limit)."""


class _Tally:
    """What the cues found so far. A plain class: a dataclass's default factories cost a call each,
    and one tally is made per new message."""

    __slots__ = ("any_quality_cue", "colour_severity", "counterfeit_claim", "cues", "ignored",
                 "quality_denied", "scores", "severities", "weak")

    def __init__(self) -> None:
        self.scores: dict[Category, float] = {}
        self.weak: dict[Category, float] = {}
        self.severities: list[Severity | None] = []
        self.cues: list[str] = []
        self.ignored: list[str] = []
        self.quality_denied = False
        self.any_quality_cue = False
        self.counterfeit_claim = False
        self.colour_severity: Severity | None = None


@cache
def _segmenter() -> ChineseSegmenter:
    """The one Chinese segmenter of the process, knowing every cue word (jieba loads on first use)."""
    return ChineseSegmenter(lexicon("zh").first_words())


def _severity(hit: Hit) -> Severity | None:
    if hit.cue.severity == "minor" and hit.intensified:
        return "serious"
    return hit.cue.severity


def _label(hit: Hit, shown: str, severity: Severity | None) -> str:
    cue = hit.cue
    if cue.kind == "colour":
        return f'"{shown}" (colour difference, {severity})'
    tags = cue.tags if severity == cue.severity else cue.tags.replace(str(cue.severity), str(severity))
    return f'"{shown}" ({tags})'


def _measure_label(m: Measure, tolerance: float) -> tuple[Category, str]:
    if m.cm is not None and m.cm <= tolerance:
        return Category.SIZE_FIT, f'"{m.text}" ({m.cm:g} cm, within the {tolerance:g} cm tolerance)'
    return Category.NOT_AS_DESCRIBED, f'"{m.text}" (short of what the listing states)'


_MARKERS = frozenset({"listed", "ordered", "received"})
"""Cue kinds that only mark what the listing or the order says, or what came (see cues.mismatches)."""
_MEMO_CHARS = 1000
"""Messages up to this long are memoised; a longer one is rare and would crowd the memo."""


def read_words(text: str, tolerance_cm: float) -> WordsReading:
    """Read normalised ``text`` (see :func:`text.normalise`): its first ``READ_LIMIT`` characters.

    A pure function of its arguments, memoised (bounded) for messages of ordinary length: stock
    messages ("拍错了", "尺码偏小") recur across a seller's history, and reading them again would give
    the same answer. Any text, of any length and alphabet, is read in time linear in its length.
    """
    if len(text) <= _MEMO_CHARS:
        return _read_memo(text, tolerance_cm)
    return _read_text(text, tolerance_cm)


@lru_cache(maxsize=16384)
def _read_memo(text: str, tolerance_cm: float) -> WordsReading:
    return _read_text(text, tolerance_cm)


def _read_text(text: str, tolerance_cm: float) -> WordsReading:
    if not text:
        return WordsReading()
    total = len(text)
    text = cap(text, READ_LIMIT)
    mix = script_mix(text)
    tally = _Tally()
    if len(text) < total:
        tally.ignored.append(f"read the first {len(text):,} of {total:,} characters")
    if mix in ("zh", "mixed"):
        tokens, best_words = _segmenter().tokens(text)
        _read(lexicon("zh"), tokens, "", tolerance_cm, tally, text, best_words)
    if mix in ("en", "mixed"):
        _read(lexicon("en"), en_tokens(text), " ", tolerance_cm, tally, text)
    scores, weak = tally.scores, tally.weak
    quality = {c: s for c, s in scores.items() if c in QUALITY_CATEGORIES}
    strong = True
    if quality:
        pool = quality
    elif scores:
        pool = scores
    elif weak:
        pool, strong = weak, False
    else:
        pool = {}
    category: Category | None = None
    severity: Severity | None = None
    ranking: tuple[Category, ...] = ()
    if len(pool) == 1:  # most messages name one category: nothing to rank
        ranking = tuple(pool)
    elif pool:
        # Among vague cues only, a non-quality one wins a tie ("快递太差": the courier, not the goods).
        ranking = tuple(c for c, _ in sorted(pool.items(), reverse=True, key=lambda kv: (
            kv[1], pool is weak and FAMILY_OF[kv[0]] is Family.NON_QUALITY, -_TIE_ORDER[kv[0]])))
    if ranking:
        category = ranking[0]
        if category in QUALITY_CATEGORIES:
            if "serious" in tally.severities:
                severity = "serious"
            elif "minor" in tally.severities:
                severity = "minor"
            elif category in _SERIOUS_BY_NATURE:
                severity = "serious"
    # Positionally, in field order, through ``_make`` (``tuple.__new__``): by keyword, the named
    # tuple's generated ``__new__`` takes its fifteen fields through a dict, about 5,000 instructions
    # of a new message's 83,000 (callgrind); tests/test_cues_mechanism.py holds this order to the fields.
    return WordsReading._make((
        category, strong and category is not None, severity, tally.colour_severity, tally.quality_denied,
        tally.any_quality_cue, tally.counterfeit_claim, tuple(tally.cues), tuple(tally.ignored),
        len(tally.cues), mix, ranking, len(text), total))


def _read(lex: Lexicon, tokens: list[str], sep: str, tolerance: float, tally: _Tally,
          text: str, best_words: list[str] | None = None) -> None:
    hits = lex.match(tokens, best_words)
    marked = False
    for hit in hits:
        cue = hit.cue
        kind = cue.kind
        if kind in _MARKERS:
            marked = marked or kind != "received"
            continue
        shown = cue.text if cue.solid else sep.join(tokens[hit.start:hit.end])
        if kind == "neutral":
            if hit.sense:
                tally.ignored.append(f'"{shown}" ({hit.sense}: not counted)')
            continue
        if kind == "denial":
            if not hit.negated:
                tally.quality_denied = True
                tally.ignored.append(f'says the goods are fine: "{shown}"')
            continue
        category = cue.category
        if category is None:
            continue
        is_quality = category in QUALITY_CATEGORIES
        if hit.negated or hit.hypothetical:
            why = "negated" if hit.negated else "a fear or guess"
            tally.ignored.append(f'"{shown}" ({category.value}, {why}: not counted)')
            if hit.negated and is_quality and not cue.weak:
                tally.quality_denied = True
            continue
        weight = (_WEAK_WEIGHT if cue.weak else 1.0) * (_CONTRAST_WEIGHT if hit.after_contrast else 1.0)
        target = tally.weak if cue.weak else tally.scores
        target[category] = target.get(category, 0.0) + weight
        severity = _severity(hit)
        tally.cues.append(_label(hit, shown, severity))
        if is_quality:
            tally.any_quality_cue = True
            if not cue.weak:
                tally.severities.append(severity)
            if category is Category.COUNTERFEIT:
                tally.counterfeit_claim = True
        if kind == "colour" and tally.colour_severity != "serious":
            tally.colour_severity = severity
    for category, label in lex.mismatches(tokens, hits) if marked else ():  # (needs a listed or ordered)
        tally.scores[category] = tally.scores.get(category, 0.0) + 1.0
        tally.cues.append(label)
        tally.any_quality_cue = tally.any_quality_cue or category in QUALITY_CATEGORIES
    for m in lex.measures(tokens, text):
        category, label = _measure_label(m, tolerance)
        tally.scores[category] = tally.scores.get(category, 0.0) + 1.0
        tally.cues.append(label)
        if category in QUALITY_CATEGORIES:
            tally.any_quality_cue = True
            tally.severities.append("serious")
