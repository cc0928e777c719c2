"""Turn texts into the reader's sparse vectors, exactly as engine/reader.py reads them at run time.

Why the run-time code is reused rather than rewritten: the shipped model is only right if training saw
the very same grams, the same normalisation and the same scaling (binary, divided by the square root of
the number of distinct grams, known or not). ``vectorise`` therefore calls ``reader.grams`` and
``reader.prepare`` and nothing else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import sqrt

import numpy as np
from scipy import sparse

from marketplace_returns.engine.reader import EN_CHARS, cue_grams, cue_reading, grams, prepare


@lru_cache(maxsize=200_000)
def gram_sets(text: str, lang: str, cues: bool = False, en_chars: tuple[str, int, int] = EN_CHARS,
              ) -> tuple[frozenset[str], frozenset[str]]:
    """The distinct (character, word) grams of a raw text: cut once, reused by every fold. With
    ``cues``, the cue reader's findings join the word grams, as engine/reader.py adds them."""
    c, w = grams(prepare(text), lang, en_chars)
    if cues:
        w.update(cue_grams(cue_reading(text, lang)))
    return frozenset(c), frozenset(w)


@dataclass(frozen=True)
class Vocabulary:
    """The grams a model knows, in row order: character grams first, then word grams."""

    chars: list[str]
    words: list[str]

    @property
    def size(self) -> int:
        return len(self.chars) + len(self.words)

    def index(self) -> tuple[dict[str, int], dict[str, int]]:
        return ({g: i for i, g in enumerate(self.chars)},
                {g: i + len(self.chars) for i, g in enumerate(self.words)})


def build_vocabulary(texts: Sequence[str], lang: str, *, min_df: int = 1, cues: bool = False,
                     en_chars: tuple[str, int, int] = EN_CHARS, extra: Sequence[str] = (),
                     extra_min_df: int = 2) -> Vocabulary:
    """Every gram found in at least ``min_df`` of ``texts``, and every gram of the ``extra`` texts
    (weak rows, read without cue features) found in at least ``extra_min_df`` of them; sorted (the
    order is part of the weights). A gram one unlabelled text has is weight the model cannot learn."""
    def frequent(rows: Sequence[str], with_cues: bool, at_least: int) -> tuple[set[str], set[str]]:
        chars: Counter[str] = Counter()
        words: Counter[str] = Counter()
        for text in rows:
            c, w = gram_sets(text, lang, with_cues, en_chars)
            chars.update(c)
            words.update(w)
        return ({g for g, n in chars.items() if n >= at_least},
                {g for g, n in words.items() if n >= at_least})

    keep_c, keep_w = frequent(texts, cues, min_df)
    if extra:
        extra_c, extra_w = frequent(extra, False, extra_min_df)
        keep_c |= extra_c
        keep_w |= extra_w
    return Vocabulary(sorted(keep_c), sorted(keep_w))


def vectorise(texts: Sequence[str], lang: str, vocab: Vocabulary, *, cues: bool = False,
              en_chars: tuple[str, int, int] = EN_CHARS) -> sparse.csr_matrix:
    """One row per text: 1/sqrt(distinct grams) on each known gram."""
    char_index, word_index = vocab.index()
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for text in texts:
        cset, wset = gram_sets(text, lang, cues, en_chars)
        distinct = len(cset) + len(wset)
        rows = sorted({char_index[g] for g in cset if g in char_index}
                      | {word_index[g] for g in wset if g in word_index})
        value = 1.0 / sqrt(distinct) if distinct else 0.0
        indices.extend(rows)
        data.extend([value] * len(rows))
        indptr.append(len(indices))
    return sparse.csr_matrix((np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64),
                              np.asarray(indptr, dtype=np.int64)), shape=(len(texts), vocab.size))
