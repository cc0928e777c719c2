"""The labelled corpus is rebuilt from fetched corpora exactly as listed, or not at all.

A tiny corpus is made for real: a git repository in tmp_path holding a zip with a CSV, another
holding a Blitzer-style review file, each fetched-style (a bare ``repo/.git``) or as a work tree.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marketplace_returns.cli import app
from marketplace_returns.errors import CorpusError
from marketplace_returns.training.corpus import (
    MANIFEST_COLUMNS,
    ManifestRow,
    load_heldout,
    load_manifest,
    load_sources,
    rebuild,
    write_manifest,
)

CSV_ROWS = [("cat", "label", "review"), ("衣服", "0", "衣服有个洞"), ("水果", "0", "  苹果烂了一半 "),
            ("手机", "1", "很好")]
REVIEWS = """<review>
<title>
broke
</title>
<review_text>
The handle snapped on day two.
</review_text>
</review>
<review>
<title>
</title>
<review_text>
Too small for me.
</review_text>
</review>
"""


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def make_repo(root: Path, files: dict[str, bytes]) -> str:
    root.mkdir(parents=True)
    git(root, "init", "-q")
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "data")
    return git(root, "rev-parse", "HEAD")


def zipped_csv() -> bytes:
    text = "\n".join(",".join(row) for row in CSV_ROWS) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("shop.csv", text.encode("utf-8"))
    return buffer.getvalue()


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    corpora = tmp_path / "corpora"
    shop_commit = make_repo(corpora / "acme+shop-reviews" / "repo", {"data/shop.zip": zipped_csv()})
    # The work tree is then emptied: the text must come from the commit, through git.
    (corpora / "acme+shop-reviews" / "repo" / "data" / "shop.zip").unlink()
    amazon_commit = make_repo(corpora / "blitz+mds" / "repo", {"kitchen/negative.review":
                                                                REVIEWS.encode("utf-8")})
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "sources.yaml").write_text(f"""
sources:
  - id: shop
    lang: zh
    licence: none stated
    heldout_corpus: acme/shop-reviews
    files:
      - repo: acme/shop-reviews
        commit: {shop_commit}
        path: data/shop.zip
        member: shop.csv
        format: csv
        row_convention: 0-based data row
        text_fields: [review]
        product_kind_field: cat
        product_kinds: {{衣服: apparel, 水果: food}}
        heldout_file: shop.csv, 0-based data row
  - id: mds
    lang: en
    licence: research use
    files:
      - repo: blitz/mds
        commit: {amazon_commit}
        path: kitchen/negative.review
        format: blitzer_review
        row_convention: 0-based review index
        text_fields: [review_text]
        title_field: title
        product_kind: home
""", encoding="utf-8")
    write_manifest(corpus_dir / "manifest.tsv", [
        ManifestRow(source="shop", file="data/shop.zip", row="1", lang="zh", product_kind="food",
                    sha256=sha("苹果烂了一半"), family="quality", category="defect", licence="none"),
        ManifestRow(source="shop", file="data/shop.zip", row="0", lang="zh", product_kind="apparel",
                    sha256=sha("衣服有个洞"), family="quality", category="defect", licence="none"),
        ManifestRow(source="mds", file="kitchen/negative.review", row="0", lang="en",
                    product_kind="home", sha256=sha("broke. The handle snapped on day two."),
                    family="quality", category="defect", licence="research use"),
        ManifestRow(source="mds", file="kitchen/negative.review", row="1", lang="en",
                    product_kind="home", sha256=sha("Too small for me."), family="non_quality",
                    category="size_fit", licence="research use"),
    ])
    return {"corpora": corpora, "corpus": corpus_dir, "tmp": tmp_path}


def test_rebuild_yields_each_listed_text_with_its_labels(world: dict[str, Path]) -> None:
    texts = {(t.source, t.row): t for t in rebuild(world["corpora"], corpus_dir=world["corpus"])}
    assert set(texts) == {("shop", "0"), ("shop", "1"), ("mds", "0"), ("mds", "1")}
    assert texts["shop", "1"].text == "苹果烂了一半"  # surrounding spaces stripped, as hashed
    assert texts["shop", "1"].product_kind == "food"
    assert texts["mds", "0"].text == "broke. The handle snapped on day two."
    assert texts["mds", "1"].text == "Too small for me."  # empty title: body alone
    assert (texts["mds", "1"].family, texts["mds", "1"].category) == ("non_quality", "size_fit")


def test_rebuild_reads_an_ordinary_work_tree_too(world: dict[str, Path]) -> None:
    repo = world["corpora"] / "blitz+mds" / "repo"
    (repo / ".git").rename(world["tmp"] / "moved-git")
    texts = [t for t in rebuild(world["corpora"], corpus_dir=world["corpus"]) if t.source == "mds"]
    assert [t.row for t in texts] == ["0", "1"]


def test_a_changed_text_is_an_error_naming_source_and_row(world: dict[str, Path]) -> None:
    manifest = load_manifest(world["corpus"] / "manifest.tsv")
    changed = [row.model_copy(update={"sha256": sha("something else")}) if row.row == "1"
               and row.source == "shop" else row for row in manifest]
    write_manifest(world["corpus"] / "manifest.tsv", changed)
    with pytest.raises(CorpusError) as caught:
        list(rebuild(world["corpora"], corpus_dir=world["corpus"]))
    assert (caught.value.source, caught.value.row) == ("shop", "1")
    assert "hashes to" in str(caught.value)


def test_a_row_missing_from_the_file_is_an_error(world: dict[str, Path]) -> None:
    manifest = load_manifest(world["corpus"] / "manifest.tsv")
    extra = next(row for row in manifest if row.source == "shop").model_copy(update={"row": "9"})
    write_manifest(world["corpus"] / "manifest.tsv", [*manifest, extra])
    with pytest.raises(CorpusError) as caught:
        list(rebuild(world["corpora"], corpus_dir=world["corpus"]))
    assert (caught.value.source, caught.value.row) == ("shop", "9")


def test_rebuild_of_only_some_sources_needs_only_their_corpora(world: dict[str, Path]) -> None:
    (world["corpora"] / "blitz+mds").rename(world["tmp"] / "elsewhere")
    texts = list(rebuild(world["corpora"], corpus_dir=world["corpus"], only={"shop"}))
    assert sorted((t.source, t.row) for t in texts) == [("shop", "0"), ("shop", "1")]


def test_a_missing_source_is_an_error_naming_it(world: dict[str, Path]) -> None:
    (world["corpora"] / "blitz+mds").rename(world["tmp"] / "elsewhere")
    with pytest.raises(CorpusError) as caught:
        list(rebuild(world["corpora"], corpus_dir=world["corpus"]))
    assert caught.value.source == "mds"
    assert "blitz/mds" in str(caught.value)


@pytest.mark.parametrize("how", ["row", "hash"])
def test_heldout_rows_are_refused(world: dict[str, Path], how: str) -> None:
    heldout = world["tmp"] / "heldout.tsv"
    line = (f"acme/shop-reviews\tshop.csv, 0-based data row\t0\t{sha('x')}" if how == "row"
            else f"other/corpus\tx.csv\t7\t{sha('broke. The handle snapped on day two.')}")
    heldout.write_text("# held out\ncorpus\tfile_and_row_kind\trow\tsha256\n" + line + "\n",
                       encoding="utf-8")
    assert len(list(rebuild(world["corpora"], corpus_dir=world["corpus"]))) == 4  # without it
    with pytest.raises(CorpusError) as caught:
        list(rebuild(world["corpora"], heldout=heldout, corpus_dir=world["corpus"]))
    expected = ("shop", "0") if how == "row" else ("mds", "0")
    assert (caught.value.source, caught.value.row) == expected


def test_cli_writes_the_rebuilt_corpus(world: dict[str, Path]) -> None:
    out = world["tmp"] / "corpus.jsonl"
    result = CliRunner().invoke(app, ["model", "corpus", "--corpora", str(world["corpora"]),
                                      "--out", str(out), "--corpus-dir", str(world["corpus"])])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {(r["source"], r["row"], r["category"]) for r in rows} == {
        ("shop", "0", "defect"), ("shop", "1", "defect"), ("mds", "0", "defect"),
        ("mds", "1", "size_fit")}


def test_cli_fails_cleanly_and_writes_nothing_on_a_bad_hash(world: dict[str, Path]) -> None:
    manifest = load_manifest(world["corpus"] / "manifest.tsv")
    write_manifest(world["corpus"] / "manifest.tsv",
                   [row.model_copy(update={"sha256": "0" * 64}) for row in manifest])
    out = world["tmp"] / "corpus.jsonl"
    result = CliRunner().invoke(app, ["model", "corpus", "--corpora", str(world["corpora"]),
                                      "--out", str(out), "--corpus-dir", str(world["corpus"])])
    assert result.exit_code == 2
    assert not out.exists()


REPO_CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def test_the_committed_manifest_holds_no_heldout_row(shared_dir: Path) -> None:
    heldout_path = shared_dir / "data" / "heldout.tsv"
    if not heldout_path.is_file():
        pytest.skip(f"{heldout_path} is absent: nothing to check the manifest against")
    manifest_path = REPO_CORPUS / "manifest.tsv"
    if not manifest_path.is_file():
        pytest.skip("corpus/manifest.tsv is not built yet")
    heldout = load_heldout(heldout_path)
    sources = load_sources(REPO_CORPUS / "sources.yaml")
    for row in load_manifest(manifest_path):
        source = sources.source(row.source)
        assert not heldout.holds(source, source.file(row.file), row.row), (row.source, row.row)
        assert row.sha256 not in heldout.hashes, (row.source, row.row)


def test_manifest_columns_are_the_agreed_ones() -> None:
    assert MANIFEST_COLUMNS == ("source", "file", "row", "lang", "product_kind", "sha256", "family",
                                "category", "licence")


def test_cohen_kappa_matches_a_hand_computed_value() -> None:
    from marketplace_returns.training.agreement import cohen_kappa

    # observed 3/4; expected (2*1 + 2*3)/16 = 1/2; kappa = (0.75 - 0.5) / 0.5
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "b", "b"]) == pytest.approx(0.5)
    assert cohen_kappa(["a", "b"], ["b", "a"]) == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        cohen_kappa(["a"], [])


def test_agreement_uses_the_first_pass_label_not_the_adjudicated_one(world: dict[str, Path]) -> None:
    from marketplace_returns.training.agreement import agreement

    corpus = world["corpus"]
    # Texts: shop:1 both passes defect; mds:1 first size_fit, second style_preference, final size_fit
    # (manifest); mds:0 first defect, second not_as_described, adjudicated to not_as_described (the
    # manifest shows the final label, adjudication.tsv the first); a text both passes skipped.
    manifest = load_manifest(corpus / "manifest.tsv")
    write_manifest(corpus / "manifest.tsv", [
        row.model_copy(update={"category": "not_as_described"}) if (row.source, row.row) == ("mds", "0")
        else row for row in manifest])
    (corpus / "second_pass.tsv").write_text(
        "key\tlang\tfamily\tcategory\n"
        "shop:data/shop.zip:1\tzh\tquality\tdefect\n"
        "mds:kitchen/negative.review:1\ten\tnon_quality\tstyle_preference\n"
        "mds:kitchen/negative.review:0\ten\tquality\tnot_as_described\n"
        "mds:kitchen/negative.review:7\ten\tskip\tskip\n", encoding="utf-8")
    (corpus / "adjudication.tsv").write_text(
        "key\tlang\tfirst_family\tfirst_category\tsecond_family\tsecond_category\tfinal_family\t"
        "final_category\twhy\n"
        "mds:kitchen/negative.review:0\ten\tquality\tdefect\tquality\tnot_as_described\tquality\t"
        "not_as_described\tunlike the listing\n", encoding="utf-8")
    rows = {(r.lang, r.field, r.scope): r for r in agreement(corpus)}
    en = rows["en", "category", "all"]
    assert (en.items, en.agreed) == (3, 1)  # only the double skip agrees
    assert rows["en", "family", "all"].agreed == 3  # categories differ, families do not
    assert rows["en", "category", "both kept"].items == 2
    assert rows["zh", "category", "all"].kappa == 1.0


def test_text_lines_rows_are_0_based_lines_with_the_text_stripped(tmp_path: Path) -> None:
    from marketplace_returns.training.sources import FileSpec, SourceSpec, iter_rows

    data = "\ufeff热水器漏水\n  安装费太贵了 \n\n不加热\\n\\n退货\n".encode()
    corpora = tmp_path / "corpora"
    commit = make_repo(corpora / "acme+heaters" / "repo", {"neg.txt": data})
    spec = FileSpec(repo="acme/heaters", commit=commit, path="neg.txt", format="text_lines",
                    row_convention="0-based line", text_fields=["text"], product_kind="home")
    source = SourceSpec(id="heaters", lang="zh", licence="none stated", files=[spec])
    rows = list(iter_rows(corpora, source, spec))
    assert [(r.row, r.text) for r in rows] == [
        ("0", "热水器漏水"), ("1", "安装费太贵了"), ("2", ""), ("3", "不加热\\n\\n退货")]
    assert {r.product_kind for r in rows} == {"home"}
    assert rows[1].raw_forms == ("  安装费太贵了 ",)
def test_tsv_files_are_read_by_tab_with_data_rows_counted_from_zero(tmp_path: Path) -> None:
    """A tab-separated file (Flipkart-style): commas inside a text stay in it, rows are 0-based."""
    from marketplace_returns.training.sources import SourceSpec, iter_rows

    data = (b"product_name\tRate\tReview\tSummary\n"
            b"Air Cooler (White, Teal)\t1\tterrible\tfan stopped, after 2 days\n"
            b"Cricket Bat\t5\tgreat\tgood bat\n")
    commit = make_repo(tmp_path / "corpora" / "shop+flip" / "repo", {"data/reviews.csv": data})
    source = SourceSpec.model_validate({
        "id": "flip", "lang": "en", "licence": "research use",
        "files": [{"repo": "shop/flip", "commit": commit, "path": "data/reviews.csv",
                   "format": "tsv", "row_convention": "0-based data row",
                   "text_fields": ["Summary"], "product_kind_field": "product_name",
                   "product_kinds": {"Air Cooler (White, Teal)": "home"}}]})
    rows = list(iter_rows(tmp_path / "corpora", source, source.files[0]))
    assert [(r.row, r.text, r.product_kind, r.fields["Rate"]) for r in rows] == [
        ("0", "fan stopped, after 2 days", "home", "1"), ("1", "good bat", "other", "5")]


def test_headerless_csv_rows_take_the_named_columns_and_the_id_column(tmp_path: Path) -> None:
    """A CSV without a header (MARC as UniPrompt wrote it): every line is data, rows are the id."""
    from marketplace_returns.training.sources import SourceSpec, iter_rows

    data = "0,买的鞋子，穿了一次就开胶了,1\n7,\"尺码偏小,换货麻烦\",2\n9,很好,5\n".encode()
    commit = make_repo(tmp_path / "corpora" / "lab+marc" / "repo", {"zh/test.csv": data})
    source = SourceSpec.model_validate({
        "id": "marc", "lang": "zh", "licence": "research use",
        "files": [{"repo": "lab/marc", "commit": commit, "path": "zh/test.csv", "format": "csv",
                   "columns": ["id", "review_body", "stars"], "row_convention": "id column",
                   "row_column": "id", "text_fields": ["review_body"], "product_kind": "other",
                   "negative": {"field": "stars", "at_most": 2}}]})
    spec = source.files[0]
    rows = list(iter_rows(tmp_path / "corpora", source, spec))
    assert [(r.row, r.text, r.fields["stars"]) for r in rows] == [
        ("0", "买的鞋子，穿了一次就开胶了", "1"), ("7", "尺码偏小,换货麻烦", "2"), ("9", "很好", "5")]
    assert spec.negative is not None
    assert [r.row for r in rows if spec.negative.matches(r.fields)] == ["0", "7"]


def test_spaced_characters_are_joined_and_the_id_column_names_the_row(tmp_path: Path) -> None:
    """JD21-style: headerless TSV with CRLF lines, one character a token; the spaces go."""
    from marketplace_returns.training.sources import SourceSpec, iter_rows

    data = "4964\t海鲜\tNEG\t1\t虾 变 小 了 口 感 也 不 对 \r\n14\t海鲜\tPOS\t5\t很 好 \r\n".encode()
    commit = make_repo(tmp_path / "corpora" / "lab+jd21" / "repo", {"JD21/train/海鲜.txt": data})
    source = SourceSpec.model_validate({
        "id": "jd21", "lang": "zh", "licence": "Apache-2.0",
        "files": [{"repo": "lab/jd21", "commit": commit, "path": "JD21/train/海鲜.txt",
                   "format": "tsv", "columns": ["id", "domain", "label", "score", "text"],
                   "row_convention": "id column", "row_column": "id", "text_fields": ["text"],
                   "spaced_characters": True, "product_kind": "food",
                   "negative": {"field": "label", "values": ["NEG"]}}]})
    spec = source.files[0]
    rows = list(iter_rows(tmp_path / "corpora", source, spec))
    assert [(r.row, r.text, r.fields["label"]) for r in rows] == [
        ("4964", "虾变小了口感也不对", "NEG"), ("14", "很好", "POS")]
    assert spec.negative is not None
    assert [r.row for r in rows if spec.negative.matches(r.fields)] == ["4964"]
def test_json_lines_rows_are_named_by_the_row_field_when_one_is_given(tmp_path: Path) -> None:
    """JSON lines whose records carry their own id under another name (``comment_id``): that field
    is the row; without ``row_column`` the row stays ``<file stem>/<id>``."""
    from marketplace_returns.training.sources import SourceSpec, iter_rows

    lines = [{"comment_id": 325, "comment_variety": "花生", "user_star": "2",
              "comment_text": "有好多发霉的"},
             {"comment_id": 371, "comment_variety": "棉花", "user_star": "5", "comment_text": "很好"}]
    data = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
    commit = make_repo(tmp_path / "corpora" / "farm+jd" / "repo", {"data/comments.json": data})
    source = SourceSpec.model_validate({
        "id": "farm", "lang": "zh", "licence": "none stated",
        "files": [{"repo": "farm/jd", "commit": commit, "path": "data/comments.json",
                   "format": "jsonl", "row_convention": "comment_id field",
                   "row_column": "comment_id", "text_fields": ["comment_text"],
                   "product_kind_field": "comment_variety", "product_kinds": {"花生": "food"},
                   "negative": {"field": "user_star", "at_most": 2}}]})
    spec = source.files[0]
    rows = list(iter_rows(tmp_path / "corpora", source, spec))
    assert [(r.row, r.text, r.product_kind) for r in rows] == [
        ("325", "有好多发霉的", "food"), ("371", "很好", "other")]
    assert spec.negative is not None
    assert [r.row for r in rows if spec.negative.matches(r.fields)] == ["325"]


def test_a_negative_rule_by_label_value_and_its_validation() -> None:
    from pydantic import ValidationError

    from marketplace_returns.training.sources import NegativeRule

    by_label = NegativeRule(field="label", values=["0", "Negative"])
    assert by_label.matches({"label": " 0 "})
    assert by_label.matches({"label": "Negative"})
    assert not by_label.matches({"label": "1"})
    assert not by_label.matches({})
    by_rating = NegativeRule(field="rating", at_most=2)
    assert by_rating.matches({"rating": "2.0"})
    assert not by_rating.matches({"rating": "3"})
    assert not by_rating.matches({"rating": "n/a"})
    with pytest.raises(ValidationError):
        NegativeRule(field="rating")
    with pytest.raises(ValidationError):
        NegativeRule(field="rating", at_most=2, values=["1"])


def test_a_negative_rule_with_a_second_rule_keeps_rows_that_pass_both() -> None:
    """The Fake Reviews Dataset mixes generated rows (CG) with original reviews (OR): only original
    reviews rated 1-2 are kept."""
    from marketplace_returns.training.sources import NegativeRule

    rule = NegativeRule.model_validate(
        {"field": "rating", "at_most": 2, "also": {"field": "label", "values": ["OR"]}})
    assert rule.matches({"rating": "1", "label": "OR"})
    assert rule.matches({"rating": "2.0", "label": " OR "})
    assert not rule.matches({"rating": "1", "label": "CG"})
    assert not rule.matches({"rating": "4", "label": "OR"})
    assert not rule.matches({"rating": "1"})


def test_a_labelled_category_implies_its_contract_family() -> None:
    from marketplace_returns.training.data import label_family

    assert label_family("defect") == "quality" and label_family("wrong_item") == "quality"
    assert label_family("other") == "non_quality" and label_family("size_fit") == "non_quality"
    assert label_family("unclear") == "unclear" and label_family("skip") == "skip"
    with pytest.raises(ValueError, match="defekt"):
        label_family("defekt")


def test_a_gbk_json_lines_member_of_a_tar_xz_is_read_with_its_id_field(tmp_path: Path) -> None:
    """A crawl published as a .tar.xz holding GBK JSON lines (MarginC's JD crawl): the member is
    unpacked, decoded as the spec says, and each row is named by its ``id`` field."""
    import tarfile

    from marketplace_returns.training.sources import SourceSpec, iter_rows

    lines = [{"id": 101, "content": "洗衣机甩干声音太大", "score": 1},
             {"id": 205, "content": "很好，安装师傅给力", "score": 5}]
    member = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode("gbk")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as archive:
        info = tarfile.TarInfo("1773994")
        info.size = len(member)
        archive.addfile(info, io.BytesIO(member))
    commit = make_repo(tmp_path / "corpora" / "crawl+jd" / "repo", {"1773994.tar.xz": buffer.getvalue()})
    source = SourceSpec.model_validate({
        "id": "jd-washer", "lang": "zh", "licence": "none stated",
        "files": [{"repo": "crawl/jd", "commit": commit, "path": "1773994.tar.xz",
                   "member": "1773994", "encoding": "gbk", "format": "jsonl",
                   "row_convention": "id field", "row_column": "id", "text_fields": ["content"],
                   "product_kind": "home", "negative": {"field": "score", "at_most": 2}}]})
    spec = source.files[0]
    rows = list(iter_rows(tmp_path / "corpora", source, spec))
    assert [(r.row, r.text, r.fields["score"]) for r in rows] == [
        ("101", "洗衣机甩干声音太大", "1"), ("205", "很好，安装师傅给力", "5")]
    assert spec.negative is not None
    assert [r.row for r in rows if spec.negative.matches(r.fields)] == ["101"]
    wrong = source.model_copy(update={"files": [spec.model_copy(update={"member": "nope"})]})
    with pytest.raises(CorpusError, match="cannot read archive member 'nope'"):
        list(iter_rows(tmp_path / "corpora", wrong, wrong.files[0]))


def test_each_text_field_is_a_text_of_its_own_named_by_row_and_field(tmp_path: Path) -> None:
    """A crawl keeping up to five negative reviews of a product on its line (JD power banks): each
    review column is one text, its row ``<data row>/<column>``; empty columns are rows too."""
    from marketplace_returns.training.sources import SourceSpec, iter_rows

    data = ("SKU,product_name,negative_review_1,negative_review_2\n"
            "1001,充电宝A,充一次就没电了,\"线是坏的,不能充\"\n"
            "1002,充电宝B,,刚买就降价\n").encode()
    commit = make_repo(tmp_path / "corpora" / "pb+jd" / "repo", {"data/all.csv": data})
    source = SourceSpec.model_validate({
        "id": "pb", "lang": "zh", "licence": "none stated",
        "files": [{"repo": "pb/jd", "commit": commit, "path": "data/all.csv", "format": "csv",
                   "row_convention": "<0-based data row>/<column>", "each_text_field": True,
                   "text_fields": ["negative_review_1", "negative_review_2"],
                   "product_kind": "electronics"}]})
    rows = list(iter_rows(tmp_path / "corpora", source, source.files[0]))
    assert [(r.row, r.text) for r in rows] == [
        ("0/negative_review_1", "充一次就没电了"), ("0/negative_review_2", "线是坏的,不能充"),
        ("1/negative_review_1", ""), ("1/negative_review_2", "刚买就降价")]
    assert rows[1].raw_forms == ("线是坏的,不能充",)
    assert {r.fields["SKU"] for r in rows} == {"1001", "1002"}
