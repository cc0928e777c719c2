"""The learned reader: a small linear model over character and word n-grams of the buyer's message.

Why a model beside the cue lexicons: on real buyer texts nobody tuned to, the hand-written cues get the
quality / non-quality family right only about three times in four; most misses are messages whose words
no lexicon lists ("穿了两次就起球", "the seam let go"). A linear model over n-grams reads those, says how
sure it is (calibrated on held-out folds), and stays transparent enough for a rep: one probability, the
model's version and the digest of the labelled corpus it was trained on.

Why this shape (measured, see bench/eval_triage.py and ``marketplace-returns model train``):
- features are the n-grams of the normalised text: characters 1-3 for Chinese; characters 2-5 inside
  word boundaries plus words and word pairs for English. A gram is looked up in the model's own
  vocabulary (a dict from the gram to its row), so a gram never collides with another, the result is
  the same in every process (no salted hash anywhere), and a gram the training texts never had is
  simply absent. The vector is binary and L2-normalised over *all* its distinct grams, seen or not;
- one matrix per language (stored in 16 bits since weights .10, held as float32), one row per gram, one
  column for the family logit and one per category: a case costs one gather-and-sum in numpy, then a
  Platt-scaled sigmoid (family) and a temperature-scaled softmax (category);
- in English (weights .11 on), a second reader of character grams (engine/char_reader.py) reads the
  family beside it, and the family probability is the Platt-scaled mean of the two logits: out of source
  the two are wrong on different texts. The rep sees each reader's probability in the evidence line;
- weights ship inside the package (``reader_data/reader.npz``), load lazily once per process, and a
  missing or corrupt file raises :class:`ReaderError` naming it. There is no fallback: a package whose
  reader cannot load must not silently decide as if it had one.

Prediction needs numpy only; training (``marketplace_returns.training``) needs the ``train`` extra.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise
from math import exp, sqrt
from operator import add
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from marketplace_returns.engine.char_reader import CharModel
from marketplace_returns.engine.text import normalise
from marketplace_returns.engine.words import WordsReading, read_words
from marketplace_returns.errors import ReaderError
from marketplace_returns.models.vocabulary import FAMILY_OF, Category, Family

WEIGHTS = "reader_data/reader.npz"
"""Where the shipped weights live, relative to the ``marketplace_returns.engine`` package."""
FORMAT = 2
READS = (1, 2)
"""Weights formats this package reads: 1 has the n-gram reader alone, 2 may add a character reader
stacked with it (engine/char_reader.py, weights .11 on). A format-1 package refuses a format-2 file rather
than read it without its second reader."""

# Full-width ASCII and the ideographic space to half-width, curly quotes to straight ones: the reader's
# own copy of the normalisation, so the shipped weights do not move when the cue reader's text rules do.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDTH.update({0x3000: 0x20, 0x2019: 0x27, 0x2018: 0x27, 0x201C: 0x22, 0x201D: 0x22})
_HALF = str.maketrans(_WIDTH)
_WIDE = re.compile("[" + "".join(sorted({re.escape(chr(c)) for c in _WIDTH})) + "]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_EN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")

Float32 = npt.NDArray[np.float32]


def reader_lang(text: str, lang: str) -> str:
    """The model that reads ``text``: ``zh`` when it has Chinese characters and ``lang`` says zh or
    there are no Latin words, else ``en``."""
    if lang == "zh" or lang == "en":
        return lang
    return "zh" if _CJK.search(text) else "en"


def prepare(text: str) -> str:
    """Half-width, lower case, whitespace runs as one space, trimmed: what the grams are cut from."""
    if not text.isascii() and _WIDE.search(text) is not None:  # (str.translate looks up every character)
        text = text.translate(_HALF)
    # split() and join, not a regex substitution (about 10,000 instructions a new message under
    # callgrind): the same text, as str.split, str.strip and re's \s all take Py_UNICODE_ISSPACE's
    # whitespace (checked over every code point)
    return " ".join(text.lower().split())


EN_CHARS = ("none", 0, 0)
"""The English character grams: ``wb`` (inside each word, padded with spaces), ``text`` (across the
text's words joined by single spaces), from and to these lengths, or ``none``. Measured with the
leave-one-source-out family accuracy of the reader alone on 1,910 English texts: none 0.698, text
3-5 0.691, wb 2-5 0.687, wb 3-4 0.685; words, word pairs and the cue features carry it, and the grams
cost 4.6 µs a message instead of 20."""
_LEGACY_EN_CHARS = ("wb", 2, 5)


def grams(text: str, lang: str, en_chars: tuple[str, int, int] = EN_CHARS) -> tuple[set[str], set[str]]:
    """The distinct (character grams, word grams) of ``prepare``d ``text``.

    Chinese: characters 1-3 over the whole text. English: character grams (``en_chars``), then words
    and adjacent word pairs.
    """
    if lang == "zh":
        # the 1-, 2- then 3-grams inserted in the order the set comprehension over text[i:i + k] inserted
        # them (so the set iterates alike and the family logit sums alike), joined in C, not sliced in
        # bytecode
        out = set(text)
        second = text[1:]
        out.update(map(add, text, second))
        out.update(map(add, map(add, text, second), text[2:]))
        return out, set()
    words = _EN_WORD.findall(text)
    how, lo, hi = en_chars
    ks = range(lo, hi + 1)
    if how == "none":
        chars: set[str] = set()
    elif how == "text":
        p = f" {' '.join(words)} "
        n = len(p)
        chars = {p[i:i + k] for k in ks for i in range(n - k + 1)}
    else:
        chars = set()
        for w in set(words):
            p = f" {w} "
            n = len(p)
            chars.update([p[i:i + k] for k in ks for i in range(n - k + 1)])
    out = set(words)
    out.update([f"{a} {b}" for a, b in pairwise(words)])
    return chars, out


TRAINING_PLATFORM = {"zh": "taobao", "en": "shopify"}
"""Whose size tolerance the cue reader applies to a text read without a case (training, bench)."""


def cue_reading(message: str, lang: str) -> WordsReading:
    """The cue reader's reading of ``message`` as training saw it."""
    from marketplace_returns.profiles import load_profile

    tolerance = load_profile(TRAINING_PLATFORM.get(lang, "taobao")).size_tolerance_cm
    return read_words(normalise(message), tolerance)


def cue_grams(words: WordsReading | None) -> list[str]:
    """What the cue reader found, as extra word grams (``~`` never starts a word gram of the text).

    The model weighs these beside the n-grams: the cue reader reads negations and fears ("没有破损",
    "might shrink"), which n-grams cannot, and the n-grams read what no lexicon lists.
    """
    if words is None:
        return []
    named = words.category.value if words.category else "none"
    out = [f"~cat:{named}:{'strong' if words.strong else 'weak'}"]
    out += [f"~rank:{c.value}" for c in words.ranking]
    if words.quality_denied:
        out.append("~denied")
    if words.any_quality_cue:
        out.append("~anyq")
    if words.ignored:
        out.append("~ignored")
    if words.severity:
        out.append(f"~sev:{words.severity}")
    return out


class Reading:
    """What the reader makes of one message. The category is worked out only when asked for: most
    messages carry a clear cue, and then the family probability is all the classifier needs."""

    __slots__ = ("_category", "_distinct", "_model", "_rows", "parts", "quality_probability", "unsure")

    def __init__(self, model: LangModel, rows: list[int], distinct: int, p: float,
                 parts: tuple[float, float] | None = None) -> None:
        self._model = model
        self._rows = rows
        """The matrix rows of the message's known grams, kept so that the category, asked for on most
        messages with a clear quality cue, needs no second pass over the grams. A list (references to
        the vocabulary's own ints, 8 bytes each) rather than an ``array('i')`` (4): building the array
        item by item cost about 10,600 instructions a message, numpy's take of the list about 3,600
        more than of the array."""
        self._distinct = distinct
        self._category: tuple[Category, float] | None = None
        self.quality_probability = round(p, 4)
        """Calibrated probability that the problem is on the seller's side (quality family)."""
        lo, hi = model.band
        self.unsure = lo <= p <= hi
        """``quality_probability`` falls inside the model's not-sure band (a rep decides)."""
        self.parts = parts
        """Where two readers are stacked: the n-gram reader's calibrated probability and the character
        reader's, each alone (None: one reader), so a rep sees when they disagree."""

    @property
    def family(self) -> Family:
        return Family.QUALITY if self.quality_probability >= 0.5 else Family.NON_QUALITY

    @property
    def category(self) -> Category:
        """The most probable category within the more probable family."""
        return self._categorised()[0]

    @property
    def category_probability(self) -> float:
        return self._categorised()[1]

    def _categorised(self) -> tuple[Category, float]:
        if self._category is None:
            self._category = self._model.categorise(self._rows, self._distinct, self.family)
        return self._category

    @property
    def lang(self) -> str:
        return self._model.lang

    @property
    def model(self) -> str:
        """``zh-2026.12.05``: language and version of the weights."""
        return self._model.name

    @property
    def manifest(self) -> str:
        """sha256 of the training manifest the weights were trained from (hex)."""
        return self._model.manifest

    @property
    def band(self) -> tuple[float, float]:
        return self._model.band

    def evidence(self) -> str:
        """The line a rep sees, e.g. ``reader 0.91 quality (model zh-2026.12.05, manifest 3f2a1b0c…)``."""
        p = self.quality_probability
        said = f"not sure (band {self._model.band_text})" if self.unsure else self.family.value
        both = f"words {self.parts[0]:.2f}, characters {self.parts[1]:.2f}; " if self.parts else ""
        model = self._model
        return f"reader {p:.2f} quality → {said} ({both}model {model.name}, manifest {model.short}…)"


class LangModel:
    """One language's weights: the gram vocabularies, the matrix and its calibration."""

    __slots__ = (
        "allowed",
        "band",
        "band_text",
        "bias",
        "bias0",
        "categories",
        "category_bias",
        "category_matrix",
        "char_vocab",
        "cues",
        "en_chars",
        "family_column",
        "lang",
        "manifest",
        "matrix",
        "name",
        "platt",
        "quality_flags",
        "second",
        "short",
        "stack",
        "temperature",
        "version",
        "word_vocab",
    )

    def __init__(self, lang: str, header: dict[str, Any], matrix: Float32, bias: Float32,
                 char_vocab: dict[str, int], word_vocab: dict[str, int], second: CharModel | None = None,
                 ) -> None:
        self.lang = lang
        self.version = str(header["version"])
        self.name = f"{lang}-{self.version}"
        self.manifest = str(header["manifest_sha256"])
        self.short = self.manifest[:8]
        self.categories = tuple(Category(c) for c in header["categories"])
        self.platt = (float(header["platt"][0]), float(header["platt"][1]))
        self.temperature = float(header["temperature"])
        lo, hi = header["band"]
        self.band = (float(lo), float(hi))
        self.band_text = f"{self.band[0]:.2f}-{self.band[1]:.2f}"
        self.cues = bool(header.get("cue_features", False))
        how, lo, hi = header.get("en_chars", _LEGACY_EN_CHARS)
        self.en_chars = (str(how), int(lo), int(hi))
        self.matrix = matrix
        self.bias = bias
        self.bias0 = float(bias[0])
        self.char_vocab = char_vocab
        self.word_vocab = word_vocab
        self.quality_flags = tuple(FAMILY_OF[c] is Family.QUALITY for c in self.categories)
        # the categories of each family (keyed by "is quality"), all of them where a family has none:
        # worked out once here rather than on every categorise
        self.allowed = {quality: tuple(i for i, q in enumerate(self.quality_flags) if q is quality)
                        or tuple(range(len(self.categories))) for quality in (True, False)}
        self.category_matrix = np.ascontiguousarray(matrix[:, 1:])
        self.category_bias = bias[1:].astype(np.float64).tolist()
        if matrix.shape != (len(char_vocab) + len(word_vocab), 1 + len(self.categories)) \
                or bias.shape != (1 + len(self.categories),):
            raise ValueError(f"{lang}: matrix {matrix.shape} / bias {bias.shape} do not fit the header")
        # The family column as Python floats indexed by row: the family logit is a plain sum over the
        # message's rows, no numpy call.
        self.family_column = matrix[:, 0].astype(np.float64).tolist()
        self.second = second
        """The character reader stacked with this one (engine/char_reader.py), or None."""
        stack = header.get("stack")
        if (second is None) != (stack is None):
            raise ValueError(f"{lang}: a stack needs both the character reader and its calibration")
        self.stack = (float(stack[0]), float(stack[1])) if stack is not None else None
        """Platt scaling of the mean of the two readers' logits (fitted out of source)."""

    def read(self, text: str, words_read: WordsReading | None = None) -> Reading | None:
        """The reading of a ``prepare``d ``text`` (None: no grams at all)."""
        chars, words = grams(text, self.lang, self.en_chars)
        if not chars and not words:
            return None
        if self.cues:
            words.update(cue_grams(words_read))
        distinct = len(chars) + len(words)
        scale = 1.0 / sqrt(distinct)
        # the rows once, the family logit summed over them in the grams' order (as the family column
        # keyed by gram gave it: an unknown gram adds nothing)
        family = self.family_column
        rows = [r for r in map(self.char_vocab.get, chars) if r is not None]
        z = sum(map(family.__getitem__, rows), 0.0)
        if words:
            word_rows = [r for r in map(self.word_vocab.get, words) if r is not None]
            z += sum(map(family.__getitem__, word_rows), 0.0)
            rows += word_rows
        a, b = self.platt
        t = a * (z * scale + self.bias0) + b
        if self.second is None:
            return Reading(self, rows, distinct, _sigmoid(t))
        zc = self.second.logit(text)
        sa, sb = self.stack or (1.0, 0.0)
        p = _sigmoid(sa * (t + zc) / 2 + sb)
        return Reading(self, rows, distinct, p, (round(_sigmoid(t), 4), round(_sigmoid(zc), 4)))

    def categorise(self, rows: Sequence[int], distinct: int, family: Family) -> tuple[Category, float]:
        """The most probable category of ``family`` (temperature-scaled softmax over all categories),
        from the message's matrix rows (``read`` finds them) and its number of distinct grams.

        One numpy gather-and-sum; the softmax over a dozen numbers is cheaper in plain Python.
        """
        if rows:
            summed = self.category_matrix.take(rows, axis=0).sum(axis=0, dtype=np.float64).tolist()
            scale = 1.0 / sqrt(distinct)
            temperature = self.temperature
            z = [(s * scale + b) / temperature for s, b in zip(summed, self.category_bias, strict=True)]
        else:
            z = [b / self.temperature for b in self.category_bias]
        top = max(z)
        e = [exp(v - top) for v in z]
        total = sum(e)
        best = max(self.allowed[family is Family.QUALITY], key=e.__getitem__)
        return self.categories[best], round(e[best] / total, 4)


class Reader:
    """Both languages' models, as loaded from one weights file."""

    def __init__(self, models: dict[str, LangModel], header: dict[str, Any]) -> None:
        self.models = models
        self.header = header

    def read(self, message: str, lang: str, words: WordsReading | None = None) -> Reading | None:
        """The reading of the buyer's ``message`` in ``lang`` (None: no words to read); ``words`` is the
        cue reader's reading of the same message (the classifier has it already), read here when not
        given and the weights were trained with cue features."""
        text = prepare(message)
        model = self.models.get(reader_lang(text, lang))
        if model is None:
            return None
        if words is None and model.cues:
            words = cue_reading(message, model.lang)
        return model.read(text, words)


def _sigmoid(t: float) -> float:
    return 1.0 / (1.0 + exp(-t)) if t > -500 else 0.0


def second_reader(lang: str, meta: dict[str, Any], arrays: Any) -> CharModel | None:
    """The character reader a language's header names, from the file's arrays (None: it names none)."""
    spec = meta.get("char_reader")
    if spec is None:
        return None
    grams = list(_vocab(np.asarray(arrays[f"{lang}_cr_grams"])))  # in row order
    lo, hi = spec["range"]
    return CharModel(grams, np.asarray(arrays[f"{lang}_cr_idf"], dtype=np.float32),
                     np.asarray(arrays[f"{lang}_cr_coef"], dtype=np.float32), float(spec["intercept"]),
                     (int(lo), int(hi)))


def _vocab(blob: npt.NDArray[np.uint8], offset: int = 0) -> dict[str, int]:
    text = blob.tobytes().decode("utf-8")
    if not text:
        return {}
    return {g: i + offset for i, g in enumerate(text.split("\n"))}


def load(path: Path | Any, *, name: str | None = None) -> Reader:
    """Read a weights file written by :func:`save`. Raises ReaderError naming the file."""
    shown = name or str(path)
    try:
        with path.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
            header = json.loads(npz["header"].tobytes().decode("utf-8"))
            if header.get("format") not in READS:
                raise ReaderError(f"weights format {header.get('format')!r}, this package reads "
                                  f"{' or '.join(map(str, READS))}", file=shown)
            models = {}
            for lang, meta in header["langs"].items():
                chars = _vocab(npz[f"{lang}_chars"])
                words = _vocab(npz[f"{lang}_words"], len(chars))
                matrix = np.ascontiguousarray(npz[f"{lang}_matrix"], dtype=np.float32)
                bias = np.asarray(npz[f"{lang}_bias"], dtype=np.float32)
                models[lang] = LangModel(lang, meta, matrix, bias, chars, words,
                                         second_reader(lang, meta, npz))
    except ReaderError:
        raise
    except FileNotFoundError:
        raise ReaderError("the learned reader's weights file is missing (reinstall the package, or "
                          "`marketplace-returns model train`)", file=shown) from None
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise ReaderError(f"the learned reader's weights file is corrupt: {type(exc).__name__}: {exc}",
                          file=shown) from None
    if not models:
        raise ReaderError("the weights file holds no language model", file=shown)
    return Reader(models, header)


def save(path: Path, header: dict[str, Any], arrays: dict[str, npt.NDArray[Any]]) -> None:
    """Write a weights file: ``header`` as JSON bytes beside the arrays, compressed."""
    blob = np.frombuffer(json.dumps({**header, "format": FORMAT}, ensure_ascii=False, sort_keys=True)
                         .encode("utf-8"), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write: Any = np.savez_compressed  # numpy's stub types **kwds as its allow_pickle flag
        write(fh, header=blob, **arrays)


def vocab_blob(grams_in_order: list[str]) -> npt.NDArray[np.uint8]:
    """A vocabulary as stored: the grams joined by newlines (no gram holds one: whitespace is a space)."""
    return np.frombuffer("\n".join(grams_in_order).encode("utf-8"), dtype=np.uint8)


@cache
def shipped() -> Reader:
    """The weights shipped in the package, loaded on first use and kept for the process."""
    source = resources.files("marketplace_returns.engine").joinpath(*WEIGHTS.split("/"))
    return load(source, name=f"marketplace_returns/engine/{WEIGHTS}")


@lru_cache(maxsize=16384)
def read(message: str, lang: str, words: WordsReading | None = None) -> Reading | None:
    """The shipped reader's reading of ``message``; memoised like the cue reading (a pure function)."""
    return shipped().read(message, lang, words)
