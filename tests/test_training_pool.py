"""The reader's weak rows: drawn from the fetched corpora without held-out or labelled texts, labelled
only by a clear cue, and never used to train a fold that scores their own source."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sklearn", reason="training needs the 'train' extra")

from marketplace_returns.training import train as train_mod
from marketplace_returns.training.data import Example
from marketplace_returns.training.train import Recipe, out_of_fold, weak_rows
from marketplace_returns.training.unlabelled import PoolText, unlabelled_pool
from test_corpus import make_repo, sha

ROWS = [("cat", "label", "review"),
        ("衣服", "0", "衣服有个洞，才穿一次就破了"),      # 0: kept
        ("水果", "0", "苹果烂了一半，太差了吧"),          # 1: held out by row
        ("手机", "0", "屏幕有坏点，换了一次还有"),        # 2: held out by hash
        ("衣服", "0", "尺码偏小，穿不上，要换大一号"),    # 3: labelled already
        ("衣服", "0", "很好"),                            # 4: too short
        ("衣服", "0", "衣服有个洞，才穿一次就破了")]      # 5: a repeat of row 0


def _world(tmp_path: Path) -> dict[str, Path]:
    text = "\n".join(",".join(row) for row in ROWS) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("shop.csv", text.encode("utf-8"))
    commit = make_repo(tmp_path / "corpora" / "acme+shop" / "repo", {"data/shop.zip": buffer.getvalue()})
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "sources.yaml").write_text(f"""
sources:
  - id: shop
    lang: zh
    licence: none stated
    heldout_corpus: acme/shop
    files:
      - repo: acme/shop
        commit: {commit}
        path: data/shop.zip
        member: shop.csv
        format: csv
        row_convention: 0-based data row
        text_fields: [review]
        heldout_file: shop.csv, 0-based data row
""", encoding="utf-8")
    heldout = tmp_path / "heldout.tsv"
    heldout.write_text("corpus\tfile_and_row_kind\trow\tsha256\n"
                       f"acme/shop\tshop.csv, 0-based data row\t1\t{sha('whatever')}\n"
                       f"other/corpus\tx\t9\t{sha(ROWS[3][2])}\n", encoding="utf-8")
    return {"corpora": tmp_path / "corpora", "corpus": corpus, "heldout": heldout}


def test_the_pool_holds_no_heldout_labelled_short_or_repeated_text(tmp_path: Path) -> None:
    world = _world(tmp_path)
    pool = unlabelled_pool(world["corpora"], heldout=world["heldout"], labelled=[ROWS[4][2]],
                           corpus_dir=world["corpus"])
    assert [p.text for p in pool] == [ROWS[1][2]]
    assert pool[0].source == "shop" and pool[0].lang == "zh"


def test_weak_labels_come_only_from_one_clear_unnegated_cue_family() -> None:
    pool = [PoolText("a", "zh", "拉链坏了，才穿一次"), PoolText("a", "zh", "没有破损，就是颜色不喜欢"),
            PoolText("a", "zh", "尺码偏小，穿不上"), PoolText("a", "en", "The zipper broke after one day."),
            PoolText("a", "zh", "说不上来哪里不好")]
    got = {w.text: (w.quality, w.category.value) for w in weak_rows(pool, "zh")}
    assert got == {"拉链坏了，才穿一次": (True, "defect"), "尺码偏小，穿不上": (False, "size_fit")}


def test_a_fold_never_trains_on_the_pool_of_the_source_it_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    examples = [Example("a", f"a{i}", "zh", t, f, "defect" if f == "quality" else "size_fit")
                for i, (t, f) in enumerate([("拉链坏了", "quality"), ("尺码偏小", "non_quality"),
                                            ("开线了", "quality"), ("太大了", "non_quality")])]
    examples += [Example("b", f"b{i}", "zh", t, f, "defect" if f == "quality" else "size_fit")
                 for i, (t, f) in enumerate([("屏幕碎了", "quality"), ("不喜欢颜色", "non_quality"),
                                             ("掉色严重", "quality"), ("买大了", "non_quality")])]
    weak = weak_rows([PoolText("a", "zh", "拉链坏了，才穿一次"), PoolText("b", "zh", "尺码偏小，穿不上"),
                      PoolText("c", "zh", "鞋底开胶了")], "zh")
    seen: list[tuple[set[str], set[str]]] = []
    real_fit = train_mod.fit

    def spy(train: list[Example], lang: str, **kw: Any) -> Any:
        seen.append(({e.source for e in train}, {w.source for w in kw["weak"]}))
        return real_fit(train, lang, **kw)

    monkeypatch.setattr(train_mod, "fit", spy)
    design = train_mod.Design(1.0, 1.0, 1.0, 0.0)
    out_of_fold(examples, "zh", c=1.0, seed=13, recipe=Recipe(), weak=weak, design=design)
    assert sorted(seen, key=str) == sorted([({"a"}, {"a", "c"}), ({"b"}, {"b", "c"})], key=str)
