"""``bench/learning_curve.py`` and ``bench/neural_probe.py``: their figures are out of source only if no
source is ever read by a reader trained on it, and the written messages are trained on, never scored.

The learning curve is checked with made-up features, as ``tests/test_teacher_probe.py`` checks the
teacher: one source's labels lie along a dimension no other source uses, which a reader that saw it would
read and one that did not cannot. The neural probe's folds are checked without torch (its network is
only trained by the bench itself).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from bench_module import load_bench
from marketplace_returns.training.data import Example


def _bench(script: str) -> ModuleType:
    pytest.importorskip("sklearn", reason=f"bench/{script} needs the 'train' extra")
    return load_bench(script, script.removesuffix(".py") + "_under_test")


def _rows(sources: tuple[str, ...], n: int = 40) -> list[Example]:
    return [Example(source, str(i), "en", f"{source} text {i}", "quality" if i % 2 == 0 else "non_quality",
                    "defect" if i % 2 == 0 else "size_fit",
                    "messages" if source.startswith("messages") else "corpus")
            for source in sources for i in range(n)]


def test_the_learning_curve_never_reads_a_source_with_a_reader_that_saw_it() -> None:
    bench = _bench("learning_curve.py")
    rows = _rows(("a", "b", "c", "d", "odd", "messages-x"))
    rng = np.random.default_rng(7)
    x = rng.normal(0, 0.1, (len(rows), 4))
    y = np.array([e.family == "quality" for e in rows])
    for i, e in enumerate(rows):
        label, other = (1.0 if y[i] else -1.0), (1.0 if (i // 2) % 2 == 0 else -1.0)
        if e.source == "odd":
            x[i, 0] += other
            x[i, 1] += 2 * label
        else:
            x[i, 0] += label
    source = np.array([e.source for e in rows])
    messages = np.array([e.origin == "messages" for e in rows])
    points = bench.curve(x, y, source, messages, draws=2, seed=3)
    assert [p.k for p in points] == [1, 2, 4]
    real = int((~messages).sum())
    assert [p.scored for p in points] == [2 * real, 2 * real, real], "every real text, once a draw"
    everything = points[-1]
    # the four sources like each other are read right; the odd one near chance, as it would not be by a
    # reader that had its rows (dimension 1 gives them away)
    assert 0.75 <= everything.right / everything.scored <= 0.9
    assert sorted(everything.per_draw)[0] <= 0.6


def test_the_neural_probe_reads_each_group_with_a_network_trained_without_it() -> None:
    bench = _bench("neural_probe.py")
    sizes = {"big": 90, "mid": 50, "mid2": 45, "small": 20, "tiny": 10, "messages-x": 30}
    rows = [e for s, n in sizes.items() for e in _rows((s,), n)]
    group_of = bench.groups(rows, 3)
    assert set(group_of) == {"big", "mid", "mid2", "small", "tiny"}, "the written messages are in no group"
    load = [sum(sizes[s] for s, g in group_of.items() if g == k) for k in range(3)]
    assert max(load) - min(load) <= max(sizes.values())
    read = np.zeros(len(rows), dtype=int)
    for test, train in bench.folds(rows, 3):
        held = {rows[i].source for i in test}
        assert held and not held & {e.source for e in train}
        assert any(e.origin == "messages" for e in train)
        read[test] += 1
    messages = np.array([e.origin == "messages" for e in rows])
    assert (read[~messages] == 1).all() and (read[messages] == 0).all()


def test_the_neural_probe_reads_text_as_it_was_trained_to() -> None:
    bench = _bench("neural_probe.py")
    assert bench.clean("ＡＢＣ Broken") == "abc broken", "full-width folded, lower-cased"
    assert len(bench.clean("坏" * 1000)) == bench.CHARS
    assert bench.encode(["ab", ""], {"a": 2}) == [[2, 1], [1]], "unseen characters one id; never empty"
