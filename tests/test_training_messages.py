"""Our written refund-request messages as a training source: which files train, and bad lines named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marketplace_returns.training.data import TRAINING_MESSAGES, Heldout, assemble, message_examples, sha256

DATA = Path(__file__).parent / "data" / "messages"


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def test_only_the_listed_files_train_and_the_measured_ones_never_do(tmp_path: Path) -> None:
    row = {"id": "x-1", "lang": "zh", "text": "拉链坏了", "family": "quality", "category": "defect"}
    _write(tmp_path / "refund_zh_a.jsonl", [row])
    _write(tmp_path / "refund_zh_c.jsonl", [{**row, "id": "x-2", "text": "线头很多"}])
    got = message_examples(tmp_path)
    assert [(e.source, e.row, e.origin) for e in got] == [("messages-zh_a", "x-1", "messages")]
    assert not any(name.endswith("_c.jsonl") for name in TRAINING_MESSAGES)


def test_a_bad_line_is_named_by_file_and_line(tmp_path: Path) -> None:
    good = {"id": "x-1", "lang": "en", "text": "zip broke", "family": "quality", "category": "defect"}
    (tmp_path / "refund_en_a.jsonl").write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"refund_en_a\.jsonl line 2"):
        message_examples(tmp_path)
    _write(tmp_path / "refund_en_a.jsonl", [{**good, "family": "non_quality"}])
    with pytest.raises(ValueError, match=r"line 1: category 'defect' is not non_quality"):
        message_examples(tmp_path)
    _write(tmp_path / "refund_en_a.jsonl", [{**good, "category": "defekt"}])
    with pytest.raises(ValueError, match=r"refund_en_a\.jsonl line 1: unknown category 'defekt'"):
        message_examples(tmp_path)


def test_a_message_whose_hash_is_held_out_is_dropped(tmp_path: Path) -> None:
    rows = [{"id": "x-1", "lang": "en", "text": "wrong size", "family": "non_quality",
             "category": "size_fit"},
            {"id": "x-2", "lang": "en", "text": "lid cracked", "family": "quality", "category": "defect"}]
    _write(tmp_path / "refund_en_a.jsonl", rows)
    heldout = Heldout(frozenset(), frozenset({sha256("lid cracked")}))
    kept, dropped = assemble([message_examples(tmp_path)], heldout)
    assert [e.row for e in kept] == ["x-1"] and dropped["heldout"] == 1


def test_the_repository_s_training_messages_load_with_their_labels() -> None:
    got = message_examples(DATA)
    assert {e.source for e in got} >= {"messages-zh_a", "messages-en_a"}
    assert all(e.family in ("quality", "non_quality", "unclear") for e in got)
    assert not any(e.row.startswith(("rm-zh-c", "rm-en-c")) for e in got)
