"""How the cue reader reads, mechanism by mechanism, on constructed messages.

Every example here is written for the mechanism it shows (the three from the issue are quoted as the
issue gives them); none comes from the labelled sets under ../shared/data. The first group builds a
small lexicon of its own, so that a mechanism is tested apart from the shipped vocabulary; the rest
read through the shipped lexicons, as the classifier does.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace_returns.engine.classifier import classify
from marketplace_returns.engine.cues import Lexicon
from marketplace_returns.engine.text import (
    _EN_SPELLING,
    _EN_TOKEN,
    CLAUSE,
    READ_LIMIT,
    cap,
    en_tokens,
    normalise,
)
from marketplace_returns.engine.words import WordsReading, read_words
from marketplace_returns.models.case import Case
from marketplace_returns.models.vocabulary import Category, Family
from marketplace_returns.profiles import load_profile


def words(message: str) -> WordsReading:
    return read_words(normalise(message), 3.0)


def family(message: str, platform: str = "taobao") -> tuple[Family, Category]:
    case = Case.model_validate({"refund_id": "r-1", "platform": platform, "reason": "", "message": message,
                                "item_price": 120, "goods_status": "received"})
    result = classify(case, load_profile(platform)).classification
    return result.family, result.category


def small(data: dict[str, Any], *, concat: bool = True, gap: int = 2) -> Lexicon:
    return Lexicon("zh" if concat else "en", data, gap=gap, window=3, concat=concat)


# -- word boundaries ------------------------------------------------------------------------------

def test_a_chinese_cue_matches_a_run_of_tokens_ending_on_boundaries() -> None:
    lex = small({"categories": {"defect": {"serious": ["开线", "色差"]}}})
    # jieba may cut a cue word in pieces: 开/线 is still 开线.
    hits = lex.match(["袖子", "开", "线", "了", CLAUSE])
    assert [(h.cue.text, h.start, h.end) for h in hits] == [("开线", 1, 3)]
    # 色差 straddles the boundary between 特色 and 差不多: no cue.
    assert lex.match(["特色", "差不多", CLAUSE]) == []


def test_an_english_cue_matches_whole_words_only() -> None:
    lex = small({"categories": {"defect": {"serious": ["torn"]}}}, concat=False, gap=0)
    assert lex.match(["torn"]) and not lex.match(["to", "rn"])


def test_no_cue_crosses_a_clause_break() -> None:
    lex = small({"categories": {"missing_parts": {"minor": ["少 扣子"]}}})
    assert lex.match(["少", "了", CLAUSE, "扣子"]) == []


@pytest.mark.parametrize("message", ["特色差不多，阳光灿烂", "这个颜色很特别，阳光灿烂"])
def test_cue_characters_inside_other_words_are_no_cue(message: str) -> None:
    reading = words(message)
    assert reading.cues == () and reading.colour_severity is None


def test_scope_words_are_jiebas_best_words_even_where_a_cue_may_cut_finer() -> None:
    # 就是 may be cut 就/是 for matching, but as a contrast it is one word: what follows weighs more.
    assert words("有点偏大就是不喜欢").category is Category.STYLE_PREFERENCE
    assert words("有点偏大").category is Category.SIZE_FIT


def test_a_cue_is_found_across_jiebas_own_split() -> None:
    # jieba cuts 还没收到 as 还/没收/到 ("confiscate" + "arrive"); the cue 没收到 still ends on a boundary.
    assert words("还没收到货").category is Category.NOT_RECEIVED


# -- the three messages of the issue ---------------------------------------------------------------

def test_a_big_difference_is_no_size_complaint() -> None:
    reading = words("差别太大了")
    assert reading.category is not Category.SIZE_FIT
    assert reading.category is Category.NOT_AS_DESCRIBED
    assert any("difference" in c for c in reading.cues)


def test_a_nail_sticking_out_inside_the_shoe_is_a_defect() -> None:
    assert family("鞋跟磨脚，里面有个钉子凸出来") == (Family.QUALITY, Category.DEFECT)


def test_a_colour_far_from_the_photo_is_not_as_described() -> None:
    assert family("图片上是藏青色，收到的是亮蓝色，差别太大了") == (Family.QUALITY,
                                                                Category.NOT_AS_DESCRIBED)


# -- what the listing or the order says against what came ---------------------------------------

@pytest.mark.parametrize(("message", "category"), [
    ("图片上是藏青色，收到的是亮蓝色", Category.NOT_AS_DESCRIBED),
    ("详情页写的是纯棉，到手的是涤纶", Category.NOT_AS_DESCRIBED),
    ("我买的是黑色的，发来的是白色的", Category.WRONG_ITEM),
])
def test_what_was_listed_or_ordered_against_what_came(message: str, category: Category) -> None:
    reading = words(message)
    assert reading.category is category and reading.strong
    assert any("differ" in c for c in reading.cues)


def test_the_same_thing_listed_and_received_is_no_mismatch() -> None:
    reading = words("我买的是M码，收到的是M码，太小了")
    assert reading.category is Category.SIZE_FIT
    assert not any("differ" in c for c in reading.cues)


@pytest.mark.parametrize("message", [
    "I ordered a large and received a small.",
    "Ordered navy, what came was black.",
    "I ordered a size 9 but they sent me a size 7.",
    "Bought the medium, got an XL instead.",
])
def test_an_english_order_against_the_parcel_is_a_wrong_item(message: str) -> None:
    reading = words(message)
    assert reading.category is Category.WRONG_ITEM and reading.strong, reading
    assert any("the order and the parcel differ" in c for c in reading.cues)


@pytest.mark.parametrize("message", [
    "I ordered this dress and received it torn.",   # no value named on either side
    "I ordered a large and received a large, it is too tight.",  # the same value
    "I ordered a large because I wanted it roomy; got it yesterday.",  # a value on one side only
    "I ordered black but received it two weeks late.",
])
def test_an_english_order_and_parcel_naming_no_two_values_is_no_mismatch(message: str) -> None:
    assert not any("differ" in c for c in words(message).cues)


# -- numbers and short gaps inside a cue ----------------------------------------------------------

def test_numbers_inside_a_cue_do_not_count_against_the_gap() -> None:
    lex = small({"categories": {"missing_parts": {"minor": ["少 扣子"]}}}, gap=0)
    assert lex.match(["少", "两颗", "扣子"])
    assert not lex.match(["少", "衣服", "扣子"])  # a word that is no number does count


@pytest.mark.parametrize(("message", "category", "severity"), [
    ("少了两颗扣子", Category.MISSING_PARTS, "minor"),
    ("掉了一个扣子", Category.DEFECT, "minor"),
    ("袖口少了3颗扣子", Category.MISSING_PARTS, "minor"),
])
def test_a_count_inside_a_cue(message: str, category: Category, severity: str) -> None:
    reading = words(message)
    assert (reading.category, reading.severity) == (category, severity)


def test_a_measured_shortfall_against_the_tolerance() -> None:
    assert words("差了3厘米").category is Category.SIZE_FIT
    assert words("差了5厘米").category is Category.NOT_AS_DESCRIBED


def test_a_number_inside_an_english_cue() -> None:
    assert words("The coat arrived missing 2 buttons").category is Category.MISSING_PARTS


# -- negation scope ----------------------------------------------------------------------------------

@pytest.mark.parametrize("message", ["没有破损", "衣服没有任何破损", "not defective",
                                     "there is no problem with the quality"])
def test_a_denial_is_read_as_one(message: str) -> None:
    reading = words(message)
    assert reading.quality_denied and not reading.any_quality_cue and reading.category is None


def test_a_contrast_ends_a_negation() -> None:
    reading = words("没有色差但是开线了")  # one clause: 开线 is three words after 没有, past 但是
    assert reading.category is Category.DEFECT
    assert any("色差" in i and "negated" in i for i in reading.ignored)
    assert words("not stained but broken").category is Category.DEFECT


def test_a_negator_inside_a_cue_negates_nothing_after_it() -> None:
    # 穿不上 holds 不; the 太小 right after it is not "not too small".
    reading = words("穿不上太小了")
    assert reading.category is Category.SIZE_FIT
    assert not any("negated" in i for i in reading.ignored)


@pytest.mark.parametrize("message", ["质量不差", "质量也不差", "质量并不差"])
def test_a_gap_inside_a_cue_never_hides_a_negator(message: str) -> None:
    assert not words(message).any_quality_cue


def test_a_negator_reaches_only_a_few_words() -> None:
    lex = small({"categories": {"defect": {"serious": ["开线"]}}, "negators": ["没有"]})
    near = lex.match(["没有", "发现", "开线"])
    far = lex.match(["没有", "看", "说明", "就", "发现", "开线"])
    assert near[0].negated and not far[0].negated


# -- comparison scope ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("message", "category"), [
    ("质量没有描述的那么好", Category.NOT_AS_DESCRIBED),
    ("面料没有详情页说的厚", Category.NOT_AS_DESCRIBED),
    ("没有图片上好看", Category.STYLE_PREFERENCE),
    ("not as good as the picture", Category.NOT_AS_DESCRIBED),
    ("The fabric is not nearly as thick as the photos", Category.NOT_AS_DESCRIBED),
    ("not as soft as i expected", Category.STYLE_PREFERENCE),
])
def test_a_comparison_is_not_a_denial(message: str, category: Category) -> None:
    reading = words(message)
    assert not reading.quality_denied
    assert reading.category is category
    assert not any("negated" in i for i in reading.ignored)


def test_a_negator_without_a_reference_is_no_comparison() -> None:
    # "没有那么大" names no listing and no expectation: a plain negation of a size word.
    reading = words("没有那么大")
    assert reading.category is None


# -- hypotheticals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("message", ["怕会缩水", "担心洗了会掉色", "I'm worried the seam will rip",
                                     "it might shrink", "it might fall apart"])
def test_a_fear_or_guess_is_not_counted(message: str) -> None:
    reading = words(message)
    assert not reading.any_quality_cue
    assert any("fear or guess" in i for i in reading.ignored)


def test_a_contrast_ends_a_fear() -> None:
    assert words("I was afraid of the colour but it ripped").any_quality_cue


# -- other senses ---------------------------------------------------------------------------------

def test_a_broken_heart_is_no_broken_item() -> None:
    reading = words("It broke my heart to send it back, I changed my mind")
    assert not reading.any_quality_cue
    assert reading.category is Category.CHANGED_MIND
    assert any("broke" in i and "heart" in i for i in reading.ignored)


@pytest.mark.parametrize(("message", "category"), [
    ("The phone is slow", Category.DEFECT),
    ("the app is really slow and laggy", Category.DEFECT),
    ("Delivery was slow", Category.SHIPPING_DELAY),
    ("slow shipping", Category.SHIPPING_DELAY),
    ("手机反应很慢", Category.DEFECT),
    ("充电速度慢", Category.DEFECT),
    ("物流很慢", Category.SHIPPING_DELAY),
])
def test_slow_is_read_by_what_is_slow(message: str, category: Category) -> None:
    assert words(message).category is category


@pytest.mark.parametrize("message", ["It smells great", "stain resistant fabric, runs small",
                                     "the seller split the order"])
def test_other_senses_in_english(message: str) -> None:
    assert not words(message).any_quality_cue


def test_a_sense_table_naming_an_unknown_cue_is_refused() -> None:
    data = {"categories": {"defect": {"serious": ["torn"]}},
            "senses": [{"cues": ["ripped"], "after": ["jeans"], "as": "none"}]}
    with pytest.raises(ValueError, match="ripped"):
        small(data, concat=False)


# -- fault vocabularies from the trade ------------------------------------------------------------

@pytest.mark.parametrize(("message", "category"), [
    ("耳机蓝牙配对不上", Category.DEFECT),
    ("音箱老是自动断开", Category.DEFECT),
    ("电池鼓包了", Category.DEFECT),
    ("充不满电，续航很短", Category.DEFECT),
    ("音量太小，一边没声音", Category.DEFECT),
    ("橙子有几个发霉了，还有的软烂", Category.DEFECT),
    ("肉干胀袋了", Category.DEFECT),
    ("赠品没有收到", Category.MISSING_PARTS),
    ("盒子里没有充电器", Category.MISSING_PARTS),
    ("The earbuds won't pair with my phone", Category.DEFECT),
    ("short battery life and the charging port is loose", Category.DEFECT),
    ("the left earbud is not working", Category.DEFECT),
    ("half the apples went bad", Category.DEFECT),
    ("the free gift was missing", Category.MISSING_PARTS),
    ("it came without the charger", Category.MISSING_PARTS),
])
def test_fault_vocabularies(message: str, category: Category) -> None:
    reading = words(message)
    assert reading.category is category, reading.cues


# -- length and alphabet ---------------------------------------------------------------------------

def test_cap_ends_on_a_clause_break_and_never_exceeds_the_limit() -> None:
    text = "袖子开线了，" * 2000
    head = cap(text, 100)
    assert len(head) <= 100 and head.endswith("了")
    assert cap("短", 100) == "短"
    assert len(cap("x" * 500, 100)) == 100  # no break at all: cut at the limit


def test_a_long_message_is_read_up_to_the_limit_and_says_so() -> None:
    message = "领口有线头，" + "的" * 100_000
    case = Case.model_validate({"refund_id": "r-1", "platform": "taobao", "reason": "", "message": message,
                                "item_price": 120, "goods_status": "received"})
    result = classify(case, load_profile("taobao"))
    line = f"read the first {READ_LIMIT:,} of {len(message):,} characters"
    assert line in result.classification.evidence
    assert line in result.trace[0].facts["ignored"]
    assert result.classification.category is Category.DEFECT
    reading = words(message)
    assert (reading.read_chars, reading.total_chars) == (READ_LIMIT, len(message))


def test_a_short_message_says_nothing_of_a_limit() -> None:
    reading = words("领口有线头")
    assert (reading.read_chars, reading.total_chars) == (5, 5)
    assert not any(i.startswith("read the first") for i in reading.ignored)


def test_a_reading_is_made_in_field_order() -> None:
    # words._read_text makes a reading positionally (WordsReading._make): its fields in this order.
    assert WordsReading._fields == (
        "category", "strong", "severity", "colour_severity", "quality_denied", "any_quality_cue",
        "counterfeit_claim", "cues", "ignored", "count", "mix", "ranking", "read_chars", "total_chars")
    reading = words("质量没问题，就是颜色差太多了 color")
    assert (reading.mix, reading.count, reading.read_chars) == ("mixed", len(reading.cues), 20)
    assert reading.quality_denied and reading.strong and reading.category is reading.ranking[0]


def test_a_cue_past_the_limit_is_not_read() -> None:
    message = "的" * (READ_LIMIT + 10) + "，开线了"
    assert words(message).category is None


@pytest.mark.parametrize("message", [
    "\x00\x01\x02\ud800\udfff\ufeff\u202e",
    "😀😡💔🔥" * 5000,
    "".join(chr(c) for c in range(0, 0x3000, 7)) * 3,
    "质量 quality 品質 качество جودة " * 3000,
    "a" * 400_000,
    "开" * 400_000,
])
def test_any_message_is_read_without_exception(message: str) -> None:
    reading = words(message)
    assert reading.read_chars <= READ_LIMIT


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()),
               max_size=300))
def test_any_text_is_read(text: str) -> None:
    reading = words(text)
    assert reading.count == len(reading.cues)
    assert words(text) == reading


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="az09'.!?;,:()# \t\n\u3000\u2028é中", max_size=120))
def test_english_tokens_are_the_expressions(text: str) -> None:
    # en_tokens cuts at whitespace and memoises each piece's tokens: the same as the expression's.
    get = _EN_SPELLING.get
    assert en_tokens(text) == [get(t, t) for t in _EN_TOKEN.findall(text)]


# -- the segmenter's dictionary ----------------------------------------------------------------------

def test_the_cached_dictionary_cuts_as_jiebas_own(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from marketplace_returns.engine import text as text_module

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    path = text_module._cache_path()
    assert path is not None and path.parent == tmp_path
    path.write_bytes(b"not a dictionary")  # a damaged cache is built again, never trusted
    cached = text_module.ChineseSegmenter(["的"], lazy=True)
    whole = text_module.ChineseSegmenter(["的"], lazy=False)
    clauses = ["还没收到货", "特色差不多", "图片上是藏青色", "鞋跟磨脚", "质量没有描述的那么好",
               "耳机蓝牙配对不上", "少了两颗扣子", "腰围比详情页小了2.5cm", "阳光灿烂"]
    assert [cached.cut_clause(c) for c in clauses] == [whole.cut_clause(c) for c in clauses]
    assert path.read_bytes().startswith(text_module._CACHE_MAGIC)
    again = text_module.ChineseSegmenter(["的"], lazy=True)
    assert [again.cut_clause(c) for c in clauses] == [whole.cut_clause(c) for c in clauses]
    # The words of the best cut are jieba's own cut (but for "2.5cm", kept whole here: jieba cuts
    # 2/./5cm).
    import jieba

    tokenizer = jieba.Tokenizer()
    assert cached.cut_clause("腰围比详情页小了2.5cm")[0][-1] == "2.5cm"
    for c in (c for c in clauses if "." not in c):
        assert [w for w in cached.cut_clause(c)[1] if w] == list(tokenizer.cut(c, HMM=False))
