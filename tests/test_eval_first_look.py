"""``bench/eval_triage.py --first-look``: the shipped weights scored on a source labelled after them.

The figure is only honest if the weights never saw the source, so the bench proves it from the weights'
manifest digest (every labelled row but the source's) and refuses otherwise. Here a stand-in for the
shipped reader carries the digest of an "old" corpus; a source added later is scored, a source it was
trained on is refused.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest

from bench_module import load_bench
from marketplace_returns.engine import reader
from marketplace_returns.training.data import Example


def _bench() -> ModuleType:
    pytest.importorskip("sklearn", reason="bench/eval_triage.py needs the 'train' extra")
    return load_bench("eval_triage.py", "eval_triage_under_test")


def _reader(digest: str, quality_logit: float) -> reader.Reader:
    """Every message gets the same family logit; its header names the corpus it was 'trained' on."""
    band = [0.35, 0.65]
    models, langs = {}, {}
    for lang in ("zh", "en"):
        header = {"version": "old", "manifest_sha256": digest, "categories": ["defect", "other"],
                  "platt": [1.0, 0.0], "temperature": 1.0, "band": band}
        matrix = np.zeros((1, 3), dtype=np.float32)
        bias = np.array([quality_logit, 4.0, 0.0], dtype=np.float32)
        models[lang] = reader.LangModel(lang, header, matrix, bias, {"x": 0}, {})
        langs[lang] = header
    return reader.Reader(models, {"version": "old", "manifest_sha256": digest, "langs": langs})


def _rows(source: str, texts: list[tuple[str, str, str]]) -> list[Example]:
    return [Example(source, f"{source}-{i}", "zh", t, f, c) for i, (t, f, c) in enumerate(texts)]


OLD = _rows("old-source", [("拉链坏了", "quality", "defect"), ("尺码偏小", "non_quality", "size_fit")])
NEW = _rows("new-source", [("鞋底开胶了，穿了一天", "quality", "defect"),
                           ("用了两天就不亮了", "quality", "defect"),
                           ("颜色不喜欢", "non_quality", "style_preference")])


def test_a_source_labelled_after_the_weights_is_scored(monkeypatch: Any, capsys: Any) -> None:
    bench = _bench()
    monkeypatch.setattr(bench.reader_mod, "shipped", lambda: _reader(bench.manifest_digest(OLD), 3.0))
    assert bench.first_look(OLD + NEW, ["new-source"], misses=5) is True
    out = capsys.readouterr().out
    assert "never trained on new-source" in out
    assert "new-source (3 rows)" in out
    # the stand-in says "quality" for every text at p ~ 0.95: two of the three families right
    reader_line = next(line for line in out.splitlines() if "reader alone" in line)
    assert "family 0.667" in reader_line and "n=3" in reader_line


def test_a_source_the_weights_were_trained_on_is_refused(monkeypatch: Any, capsys: Any) -> None:
    bench = _bench()
    trained_on_both = bench.manifest_digest(OLD + NEW)
    monkeypatch.setattr(bench.reader_mod, "shipped", lambda: _reader(trained_on_both, 3.0))
    assert bench.first_look(OLD + NEW, ["new-source"], misses=5) is False
    assert "may have seen them" in capsys.readouterr().err
    monkeypatch.setattr(bench.reader_mod, "shipped", lambda: _reader(bench.manifest_digest(OLD), 3.0))
    assert bench.first_look(OLD + NEW, ["old-source"], misses=5) is False
    assert bench.first_look(OLD + NEW, ["no-such-source"], misses=5) is False
    assert "no labelled rows for no-such-source" in capsys.readouterr().err


def _manifest(rows: list[Example]) -> list[Any]:
    from marketplace_returns.training.corpus import ManifestRow, sha256

    return [ManifestRow(source=e.source, file="f.csv", row=e.row, lang=e.lang, product_kind="apparel",
                        sha256=sha256(e.text), family=e.family, category=e.category, licence="none")
            for e in rows]


def test_the_proof_takes_sources_not_rebuilt_from_the_manifest_hashes(monkeypatch: Any, capsys: Any) -> None:
    """Only the looked-at source is rebuilt (its corpus the only one fetched); the old source's rows enter
    the proof by the manifest's sha256 column, and a manifest that differs from the weights' is refused."""
    bench = _bench()
    monkeypatch.setattr(bench.reader_mod, "shipped", lambda: _reader(bench.manifest_digest(OLD), 3.0))
    manifest = _manifest(OLD + NEW)
    assert bench.first_look(NEW, ["new-source"], misses=5, manifest=manifest) is True
    assert "new-source (3 rows)" in capsys.readouterr().out
    relabelled = [m.model_copy(update={"family": "non_quality", "category": "style_preference"})
                  if m.source == "old-source" and m.row == "old-source-0" else m for m in manifest]
    assert bench.first_look(NEW, ["new-source"], misses=5, manifest=relabelled) is False
    assert "may have seen them" in capsys.readouterr().err
    assert bench.first_look(NEW, ["new-source"], misses=5) is False  # no manifest: the old rows are unproved
