"""Classify a refund request: quality or not, which category, how sure, and on what evidence.

Three readings are combined, in the order a good after-sales lead weighs them:
(a) the buyer's words (engine/words.py): what the buyer says is wrong;
(b) the reason the buyer chose on the platform: a *prior* only. Buyers pick a penalising reason for a
    non-quality problem because it gets them free return shipping, so the words and the facts
    override it; it decides only when neither says anything;
(c) the order's facts: shipped after ship_by, a measured size deviation beyond the platform's
    tolerance, goods not yet shipped. A measured fact outweighs a claim about the same thing;
(d) the learned reader (engine/reader.py): a calibrated probability that the family is quality, and a
    category, read from the n-grams of any message, including the many the cue lexicons do not cover.

The combination: measured facts decide what they measure (a size deviation decides size questions; a
shipment after ship_by makes a delay or a cancellation the seller's lateness; goods not yet shipped
cannot have a quality problem). A clear, non-negated cue is evidence and decides when the reader agrees
or is not sure (a defect beats a preference). The reader decides where the cues are absent or only
vague, and where they conflict with it: the cues point one family, the reader confidently the other,
or the cues point both ways. When the reader decides and its probability falls in its not-sure band,
``Signals.reader_unsure`` is set and the engine asks a rep to approve (engine/evaluate.py). An
explicit denial with no quality cue → non-quality; no words at all → the reason prior and the facts.

Every decision is transparent: ``evidence`` names the matched phrases and the facts, and the trace
records each reading. This is a pure function of the case and the platform profile.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from marketplace_returns.engine import reader
from marketplace_returns.engine.signals import ClassifierResult, Signals
from marketplace_returns.engine.text import buyer_lang, normalise
from marketplace_returns.engine.words import WordsReading, read_words
from marketplace_returns.models.case import Case, GoodsStatus
from marketplace_returns.models.decision import Classification, TraceStep, trusted
from marketplace_returns.models.vocabulary import FAMILY_OF, QUALITY_CATEGORIES, Category, Family
from marketplace_returns.profiles import PlatformProfile

_UNKNOWN_REASON_PRIOR = 0.1
_LATE_OR_QUIET = frozenset({Category.SHIPPING_DELAY, Category.NOT_RECEIVED, Category.CHANGED_MIND,
                            Category.OTHER})
_SIZE_TALK = frozenset({Category.SIZE_FIT, Category.NOT_AS_DESCRIBED, Category.STYLE_PREFERENCE})
_CLASSIFICATION_GIVEN = frozenset(Classification.model_fields)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _hours(delta_seconds: float) -> str:
    hours = abs(delta_seconds) / 3600
    return f"{hours:.0f} h" if hours >= 1 else f"{abs(delta_seconds) / 60:.0f} min"


class _Facts:
    """The order facts that bear on the category, each kept as a sentence for the rep."""

    __slots__ = ("category", "late", "lines", "size_beyond")

    def __init__(self, case: Case, profile: PlatformProfile) -> None:
        self.lines: list[str] = []
        self.category: Category | None = None
        self.late: bool | None = None
        self.size_beyond: bool | None = None
        status = case.goods_status
        ship_by = case.ship_by
        if ship_by is not None:
            if ship_by.tzinfo is None:  # (_aware, inline: this runs for every case)
                ship_by = ship_by.replace(tzinfo=UTC)
            shipped_at = case.shipped_at
            if shipped_at is not None:
                if shipped_at.tzinfo is None:  # (likewise)
                    shipped_at = shipped_at.replace(tzinfo=UTC)
                delta = (shipped_at - ship_by).total_seconds()
                self.late = delta > 0
                self.lines.append(f"shipped {_hours(delta)} {'after' if self.late else 'before'} ship_by")
            elif status is GoodsStatus.NOT_SHIPPED and case.requested_at is not None:
                delta = (_aware(case.requested_at) - ship_by).total_seconds()
                self.late = delta > 0
                if self.late:
                    self.lines.append(f"not shipped {_hours(delta)} after ship_by")
        if case.size_deviation_cm is not None:
            deviation = abs(case.size_deviation_cm)
            tolerance = profile.size_tolerance_cm
            self.size_beyond = deviation > tolerance
            where = "beyond" if self.size_beyond else "within"
            self.lines.append(
                f"measured size off by {deviation:g} cm, {where} the {tolerance:g} cm tolerance")
        if status is GoodsStatus.NOT_SHIPPED:
            self.lines.append("not shipped yet")
        elif status is GoodsStatus.IN_TRANSIT:
            self.lines.append("parcel still in transit")
        if case.photos:
            self.lines.append(f"{case.photos} photo{'s' if case.photos > 1 else ''} attached")
        if case.return_shipping_cost is not None and case.item_price < case.return_shipping_cost:
            self.lines.append(f"price {case.item_price:g} below the return leg {case.return_shipping_cost:g}")
        if self.size_beyond is not None:
            self.category = Category.NOT_AS_DESCRIBED if self.size_beyond else Category.SIZE_FIT
        elif self.late:
            self.category = Category.SHIPPING_DELAY


def _reader_decides(reading: reader.Reading, words: WordsReading, prior: Category | None,
                    how: str, broad: bool = False, category_at: float | None = None,
                    families: frozenset[Family] = frozenset(), decided_names: bool = False,
                    ) -> tuple[Category, float, str]:
    """The reader's family; within it, the category the cues named if any, else the buyer's chosen
    reason when it lies in that family (``少了一条腰带`` filed as 少件/漏发: buyers misfile across families
    for free shipping, seldom within one), else the reader's own category. A catch-all reason
    (``broad``: 质量问题, 七天无理由退换货) gives way to the reader's category, unless the reader reads
    nothing more specific than ``other`` (" #10" filed as 七天无理由退换货 stays changed_mind).
    ``decided_names`` (``DECIDED_NAMES``, measured and not shipped): the reader's own category, unless
    ``other``, before the one the cues named."""
    family = reading.family
    named = next((c for c in words.ranking if FAMILY_OF[c] is family), None)
    own = decided_names and reading.category is not Category.OTHER and FAMILY_OF[reading.category] is family
    if named is not None and (own or _reader_names_category(reading, named, category_at, families)):
        category = reading.category
    elif named is not None:
        category = named
    elif prior is not None and FAMILY_OF[prior] is family \
            and (not broad or reading.category is Category.OTHER):
        category = prior
    else:
        category = reading.category
    p = reading.quality_probability
    confidence = min(max(p, 1 - p), 0.95)
    if reading.unsure:
        how += f"; not sure (quality {p:.2f} in the band {reading.band[0]:.2f}-{reading.band[1]:.2f})"
    return category, confidence, how


def _reader_names_category(reading: reader.Reading, said: Category, category_at: float | None,
                           families: frozenset[Family]) -> bool:
    """The reader's category replaces the one the cues named, within the family they agree on: the cue
    reader names one category a message ("cracked" is a defect even when the parcel came crushed)."""
    if category_at is None or reading.unsure or reading.family is not FAMILY_OF[said] \
            or FAMILY_OF[said] not in families:
        return False
    category = reading.category
    return category is not said and category is not Category.OTHER \
        and reading.category_probability >= category_at


def _cues_conflict(words: WordsReading) -> bool:
    """Clear cues point to both families ("质量没问题但是开线了" reads both ways)."""
    families = {FAMILY_OF[c] for c in words.ranking}
    return len(families) > 1


def _combine(words: WordsReading, prior: Category, prior_weight: float, facts: _Facts,
             case: Case, reading: reader.Reading | None, override_at: float | None, broad: bool = False,
             category_at: float | None = None, families: frozenset[Family] = frozenset(),
             decided_names: bool = False) -> tuple[Category, float, str, bool, bool]:
    """The category, a confidence, a sentence saying what decided, whether the reader decided, and
    whether the reader named the category of a family the cues decided."""
    category, confidence, how = _combine_cues(words, prior, prior_weight, facts, case, reading, override_at,
                                              broad, category_at, families, decided_names)
    named = how.startswith(_NAMED)
    how = how.removeprefix(_NAMED)
    return category, confidence, how.removeprefix(_READER), how.startswith(_READER), named


_READER = "reader:"
_NAMED = "named:"


def _combine_cues(words: WordsReading, prior: Category, prior_weight: float, facts: _Facts,
                  case: Case, reading: reader.Reading | None, override_at: float | None,
                  broad: bool = False, category_at: float | None = None,
                  families: frozenset[Family] = frozenset(), decided_names: bool = False,
                  ) -> tuple[Category, float, str]:
    said = words.category
    # the buyer's chosen reason, when it names a category at all (no reason, "other": it does not; a
    # catch-all such as 质量问题 only where the reader has nothing more specific, _reader_decides)
    chosen = prior if prior is not Category.OTHER and prior_weight > _UNKNOWN_REASON_PRIOR else None
    quality_said = said in QUALITY_CATEGORIES and words.strong
    agree = 0.05 if said is not None and FAMILY_OF[said] is FAMILY_OF[prior] else 0.0
    if case.goods_status is GoodsStatus.NOT_SHIPPED:
        if said is not None and said not in QUALITY_CATEGORIES:
            return said, 0.85, "not shipped yet; the words say why"
        if facts.late:
            return Category.SHIPPING_DELAY, 0.9, "not shipped and past ship_by: the seller is late"
        mistake = prior is Category.ORDERED_BY_MISTAKE
        fallback = Category.ORDERED_BY_MISTAKE if mistake else Category.CHANGED_MIND
        return fallback, 0.8, "not shipped yet: nothing can be wrong with goods the buyer has not seen"
    if facts.size_beyond is not None and (said is None or said in _SIZE_TALK or not quality_said):
        measured = Category.NOT_AS_DESCRIBED if facts.size_beyond else Category.SIZE_FIT
        return measured, 0.9, "the measured size deviation decides"
    if said is Category.NOT_RECEIVED and case.goods_status is GoodsStatus.IN_TRANSIT and not facts.late \
            and len(words.ranking) > 1:
        # "还没收到，不要了" on a parcel still on its way: not arriving yet is no complaint, the rest is
        # (and the reader, which reads the words without the parcel's state, names no category then).
        said = words.ranking[1]
        category_at = None
    if said is not None and words.strong:
        if facts.late and said in _LATE_OR_QUIET:
            return Category.SHIPPING_DELAY, 0.9, "shipped after ship_by, and the words do not name a defect"
        # n-grams cannot read a negation: when the buyer denies a defect in so many words ("not
        # defective, just too small"), the cues' reading of it stands.
        if reading is not None and not words.quality_denied:
            p = reading.quality_probability
            if not reading.unsure and _cues_conflict(words):
                c, conf, how = _reader_decides(reading, words, chosen,
                                               "the cues point both ways: the reader decides", broad,
                                               category_at, families, decided_names)
                return c, conf, _READER + how
            # At 0.5 the reader overrules whenever it reads the other family, inside its not-sure band
            # too: then the case is marked not sure (a rep approves), never decided by the cue alone.
            if override_at is not None and reading.family is not FAMILY_OF[said] \
                    and max(p, 1 - p) >= override_at and (not reading.unsure or override_at <= 0.5):
                c, conf, how = _reader_decides(reading, words, chosen, "the reader overrules the cues", broad,
                                               category_at, families, decided_names)
                return c, conf, _READER + how
        base = 0.75 if quality_said else 0.7
        confidence = base + 0.05 * min(words.count - 1, 3) + agree
        if quality_said and case.photos:
            confidence += 0.05
        if not quality_said and words.quality_denied:
            confidence += 0.1
        how = "a quality cue in the words decides" if quality_said else "the words decide"
        if reading is not None and _reader_names_category(reading, said, category_at, families):
            return reading.category, min(confidence, 0.95), (
                f"{_NAMED}{how}; the reader names the category ({reading.category.value} at "
                f"{reading.category_probability:.2f}, the cues said {said.value})")
        return said, min(confidence, 0.95), how
    if facts.late:
        return Category.SHIPPING_DELAY, 0.9, "shipped after ship_by"
    if words.quality_denied and not words.any_quality_cue and (reading is None or reading.unsure
                                                               or reading.family is Family.NON_QUALITY):
        category = prior if prior not in QUALITY_CATEGORIES else Category.OTHER
        if said is not None and said not in QUALITY_CATEGORIES:
            category = said
        return category, 0.6, "the buyer says the goods are fine; the reason prior is set aside"
    if reading is not None:
        c, conf, how = _reader_decides(reading, words, chosen,
                                       "no clear cue in the words: the reader decides", broad, category_at,
                                       families, decided_names)
        return c, conf, _READER + how
    if said is not None:
        return said, 0.5 + agree, "only vague complaints in the words"
    if prior is Category.SHIPPING_DELAY and facts.late is False:
        return Category.OTHER, 0.5, "the reason says late shipment, the facts say on time"
    return prior, prior_weight, "nothing in the words: the reason prior decides"


OVERRIDE_AT: float | None = 0.5
"""How sure the reader must be to overrule a clear cue of the other family (None: never; 0.5: whenever
it reads the other family, and a case inside its not-sure band then goes to a rep). 0.5 since weights
2026.12.05.9 (thirty-four sources), chosen on the reader's out-of-source readings (bench/combine_policy.py:
family zh 0.838 -> 0.847, en 0.767 -> 0.778 against never overruling, category up too) and confirmed once on
three sources labelled after the weights (zh 0.755 -> 0.793, en 0.776 -> 0.793). Until then it was None: on
the six first sources a clear cue was right more often than a weaker reader that contradicted it. The cost:
where cue and reader disagree and the reader is not sure, the family is the reader's and a rep approves
("特色差不多，阳光灿烂的颜色，不想要了": changed_mind by the cues, 0.56 by the reader), so 2-5 points more
cases wait for a rep (out of source: zh 19.5 -> 21.5 %, en 28.3 -> 33.5 %). A negated fault ("not
defective, just too small") keeps the cues' reading."""

CATEGORY_AT: float | None = 0.7
"""How sure of its category the reader must be for it to name the category within the family the
cues and the reader agree on (None: the cues name it). Chosen on the written messages' outer folds
(bench/eval_triage.py --outer messages-zh_a --outer messages-en_a, docs/classifier.md): 0.5 scored a
little higher there but renames "Tote arrived with a torn strap." (the reader's damaged_in_transit at
0.52) against the contract's example, which reads it as a defect."""

CATEGORY_FAMILIES: frozenset[Family] = frozenset({Family.QUALITY})
"""The families within which the reader may name the category: the quality family only, where the cue
reader names one category a message (a crushed parcel's cracked mug is a defect to it) and the reader
tells damaged_in_transit, missing_parts and not_as_described apart. Within non-quality the cues and the
measured size decide (the reader read "Too roomy for me" as style_preference at 0.80)."""

DECIDED_NAMES = False
"""Where the reader decides the family, whether its own category (not ``other``) replaces one the cues named
within that family (True), or the cues' stands (False). False: True was measured under a rule written first
(docs/classifier.md, experiment K) and gained the English category 0.002 out of source where the rule asked
0.005 (Chinese 0.004, the written messages one message); a switch the benches flip."""

ReadFn = Callable[[str, str, WordsReading], "reader.Reading | None"]


def _words(message: str, tolerance_cm: float, default_lang: str) -> tuple[str, WordsReading, str]:
    """The normalised message, the cue reader's reading of it, and the language to answer in."""
    text = normalise(message) if message else ""
    words = read_words(text, tolerance_cm)
    return text, words, (buyer_lang(text, default_lang, words.mix) if words.mix else default_lang)


_MEMO_CHARS = 1000
"""Messages up to this long are memoised whole (as the cue reader memoises its readings)."""


@lru_cache(maxsize=16384)
def _read_message(message: str, tolerance_cm: float, default_lang: str, weights: reader.Reader,
                  ) -> tuple[str, WordsReading, str, reader.Reading | None]:
    """Everything the classifier reads from the message alone: ``_words`` and the reading of
    ``weights`` (the shipped reader). One memo for both readings of a message, keyed by what they
    depend on (the words by the message and the tolerance, the language by those and the default, the
    reader's reading by the message, the language, the words and the weights), so a new message costs
    one lookup instead of a lookup per reader, and no lookup hashes a whole ``WordsReading``."""
    text, words, lang = _words(message, tolerance_cm, default_lang)
    return text, words, lang, (weights.read(message, lang, words) if text else None)


def classify(case: Case, profile: PlatformProfile, *, explain: bool = True, read: ReadFn = reader.read,
             override_at: float | None = OVERRIDE_AT, category_at: float | None = CATEGORY_AT,
             category_families: frozenset[Family] = CATEGORY_FAMILIES,
             decided_names: bool = DECIDED_NAMES) -> ClassifierResult:
    """Classify ``case`` under ``profile``'s reasons and tolerances. Pure: reads, never acts.

    ``read``, ``override_at``, ``category_at``, ``category_families`` and ``decided_names`` are for
    bench/eval_triage.py and bench/combine_policy.py (a reader trained without the source it scores,
    another policy); the engine always runs with the shipped reader and the measured policy.

    ``explain=False`` leaves the trace empty (the evidence is always there): building the four trace
    steps costs about as much as the classification itself, and a bulk back-test rarely shows them.
    """
    message = case.message or ""
    default_lang = case.lang or profile.default_lang
    if read is reader.read and len(message) <= _MEMO_CHARS:
        text, words, lang, reading = _read_message(message, profile.size_tolerance_cm, default_lang,
                                                   reader.shipped())
    else:
        text, words, lang = _words(message, profile.size_tolerance_cm, default_lang)
        reading = read(message, lang, words) if text else None
    entry = profile.reason(case.reason)
    if entry is not None:
        prior, prior_weight = entry.category, entry.prior
        prior_line = f'reason "{case.reason}" → {prior.value} (prior {prior_weight:g})'
    else:
        prior, prior_weight = Category.OTHER, _UNKNOWN_REASON_PRIOR
        prior_line = f'reason "{case.reason}" is not one of {profile.platform}\'s: no prior'
    facts = _Facts(case, profile)
    category, confidence, how, by_reader, named = _combine(
        words, prior, prior_weight, facts, case, reading, override_at, entry is not None and entry.broad,
        category_at, category_families, decided_names)
    family = FAMILY_OF[category]
    evidence = [*words.cues, *words.ignored, *facts.lines, prior_line]
    if reading is not None:
        evidence.append(reading.evidence())
    unsure = by_reader and reading is not None and reading.unsure
    confidence = round(confidence, 2)
    # the cues' severity describes the flaw, whichever quality category the reader names it under
    severity = words.severity if family is Family.QUALITY and (category is words.category or named) else None
    if severity is None and family is Family.QUALITY and category is Category.NOT_AS_DESCRIBED \
            and facts.size_beyond:
        severity = "serious"
    signals = Signals(
        lang=lang,
        text_category=words.category,
        text_cues=words.cues,
        fact_category=facts.category,
        facts=tuple(facts.lines),
        severity=severity,
        quality_denied=words.quality_denied,
        any_quality_cue=words.any_quality_cue,
        shipped_late=facts.late,
        counterfeit_claim=words.counterfeit_claim,
        colour_severity=words.colour_severity,
        quality_probability=reading.quality_probability if reading is not None else None,
        reader_unsure=unsure,
        reader_decided=by_reader,
    )
    classification = trusted(Classification, {
        "family": family, "category": category, "confidence": confidence, "evidence": evidence,
    }, _CLASSIFICATION_GIVEN)
    if not explain:
        return ClassifierResult(classification, signals, [])
    trace = [
        TraceStep(step="words", detail=_words_detail(words, lang), facts={
            "lang": lang, "text_category": words.category, "cues": list(words.cues),
            "ignored": list(words.ignored), "quality_denied": words.quality_denied,
            "any_quality_cue": words.any_quality_cue}),
        TraceStep(step="reason_prior", detail=prior_line, facts={
            "reason": case.reason, "category": prior, "prior": prior_weight}),
        TraceStep(step="facts", detail="; ".join(facts.lines) or "no order facts bear on it",
                  facts={"fact_category": facts.category, "shipped_late": facts.late,
                         "size_beyond_tolerance": facts.size_beyond}),
        TraceStep(step="combine", detail=f"{family.value} / {category.value}: {how}; "
                  f"{_reader_detail(reading, by_reader, unsure)}", facts={
            "family": family, "category": category, "confidence": confidence,
            "decided_by_reader": by_reader, "reader_unsure": unsure, "reader": _reader_facts(reading)}),
    ]
    return ClassifierResult(classification=classification, signals=signals, trace=trace)


def _reader_detail(reading: reader.Reading | None, by_reader: bool, unsure: bool) -> str:
    if reading is None:
        return "no words for the learned reader"
    role = ("decides, not sure: a rep approves" if unsure else "decides") if by_reader else "evidence"
    return f"{reading.evidence()}, {role}"


def _reader_facts(reading: reader.Reading | None) -> dict[str, object] | None:
    if reading is None:
        return None
    return {"quality_probability": reading.quality_probability, "category": reading.category,
            "category_probability": reading.category_probability, "band": list(reading.band),
            "unsure": reading.unsure, "model": reading.model, "manifest_sha256": reading.manifest,
            "readers": {"words": reading.parts[0], "characters": reading.parts[1]} if reading.parts else None}


def warm_up() -> None:
    """Load both lexicons, jieba's dictionary and the reader's weights now rather than on the first case."""
    read_words(normalise("质量没问题 fine"), 3.0)
    reader.shipped()


def _words_detail(words: WordsReading, lang: str) -> str:
    if words.category is None:
        denial = "; the buyer denies a defect" if words.quality_denied else ""
        return f"[{lang}] no cue in the words{denial}"
    strength = "" if words.strong else " (vague)"
    return f"[{lang}] {words.category.value}{strength} from " + ", ".join(words.cues)
