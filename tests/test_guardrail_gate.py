"""The fast forms of the guardrail's gates and concept regexes answer exactly as their plain forms."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

from marketplace_returns.engine.guardrail import normalise

gates = importlib.import_module("marketplace_returns.engine.guardrail.gates")
concept = importlib.import_module("marketplace_returns.engine.guardrail.concept")

DATA = Path(__file__).resolve().parent / "data" / "guardrail"


def _tune_texts() -> list[str]:
    return [normalise(str(json.loads(line)["text"]))
            for p in sorted(DATA.glob("tune*.jsonl"))
            for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_fast_english_gate_answers_as_the_reference_regex() -> None:
    texts = _tune_texts()
    for w in gates._GATE_EN:  # every word alone, inside a sentence, after a letter, and cut short
        texts += [w, f"so {w} then.", f"x{w}y", w[:-1], f"hello {w[1:]} there"]
    texts += ["exchange it please", "we change it for you", "nothing to see here"]
    hits = 0
    for t in texts:
        want = gates._RX_GATE_EN.search(t) is not None
        assert gates._gate_en(t) is want, t
        hits += want
    assert 0 < hits < len(texts)


def test_alternatives_grouped_by_first_character_find_the_same_matches() -> None:
    alts = ["mark(?<![a-z]mark) it", "reason(?<![a-z]reason)", "rather", "m[ae]ss", "\\\"x\\\"", '"y',
            "re"]
    flat = re.compile("|".join(alts))
    grouped = re.compile(concept._by_first_char(alts))
    assert grouped.pattern != flat.pattern
    for text in ("remark it, mark it", "reason rather reasons", "mess mass", '"x" "y"', "re", "ore"):
        assert [m.span() for m in grouped.finditer(text)] == [m.span() for m in flat.finditer(text)]
    # an alternative that opens with a class, a group or a quantified character leaves the pattern flat
    for odd in ("[ab]c", "(?:a)b", "a?b", "\\bword"):
        assert concept._by_first_char(["abc", odd]) == "abc|" + odd


def test_the_chat_abbreviation_test_answers_as_its_substring_definition() -> None:
    norm = importlib.import_module("marketplace_returns.engine.guardrail.normalise")
    words = (" u ", " u!", " u,", " u.", " ur ", "pls", "plz", "thx", "b4", " 4 ")
    texts = [t.lower() for t in _tune_texts()] + ["u", "u!", "ur", "4 a", "see u.", "hi ur x", "thank u,",
                                                   "b4", "4", "menu", "four", "you are", "ur", "our "]
    hits = 0
    for t in texts:
        want = any(w in f" {t} " for w in words)
        assert norm._chat_worth(t) is want, t
        hits += want
    assert 0 < hits < len(texts)


def test_the_english_trigger_set_is_found_as_by_its_substring_definition() -> None:
    rules_en = importlib.import_module("marketplace_returns.engine.guardrail.rules_en")
    # the shared rare-character regex adds a no-letter-before check for these gate words: none is a trigger
    assert not set(rules_en._TRIGGERS) & set(gates._NO_LETTER_BEFORE)
    texts = _tune_texts()
    for w in rules_en._TRIGGERS:  # every word alone, at the text's edges, twice overlapping, and cut short
        texts += [w, f"so {w} then.", f"x{w}y", w + w, w[:-1], f"hello {w[1:]} there"]
    texts += ['"reviews" reviewed review', "write-up writeup write up", "feedback back"]
    found = 0
    for t in texts:
        want = rules_en._present_slow(t)
        assert rules_en._present(t) == want, t
        found += bool(want)
    assert 0 < found < len(texts)


def test_spaced_hint_by_shape_answers_as_the_regex() -> None:
    """Second speed pass of round 18: the spaced-letters hint looked for by the text's shape first."""
    import random

    norm_mod = importlib.import_module("marketplace_returns.engine.guardrail.normalise")
    rng = random.Random(18)
    texts = ["".join(rng.choice("ab .-*_xZ1\t") for _ in range(rng.randint(0, 12))) for _ in range(20000)]
    texts += ["r e f u n d", "r.e.v.i.e.w", "a b", "x-y-z", "i.e. x", "a  b  c", "give a 5", "好 a b c"]
    texts += [t.lower() for t in _tune_texts()[:3000]]
    for t in texts:
        assert norm_mod._spaced_hint(t) == (norm_mod._SPACED_HINT.search(" " + t) is not None), t


def test_a_plain_chinese_text_is_left_as_the_folds_and_steps_would_leave_it() -> None:
    """Fourth speed pass: ``normalise`` skips the character folds and the steps on a plain Chinese text."""
    norm_mod = importlib.import_module("marketplace_returns.engine.guardrail.normalise")
    plain = [chr(c) for c in range(0x110000) if norm_mod._PLAIN_ZH.fullmatch(chr(c))]
    assert len(plain) == 0x9fff - 0x4e00 + 1 - sum(0x4e00 <= c <= 0x9fff for c in norm_mod._T2S) + 10 + 8
    for c in plain:
        assert ord(c) not in norm_mod._T2S and norm_mod._COMPAT.search(c) is None, c
        assert ord(c) not in norm_mod._SYMBOLS and c.lower() == c, c
        assert norm_mod._CONFUSABLE_CHARS.search(c) is None and norm_mod._LETTER.search(c) is None, c
        assert norm_mod._SEP_CHAR.search(c) is None, c
    texts = [str(json.loads(line)["text"]) for p in sorted(DATA.glob("tune*.jsonl"))
             for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += ["您好，收到您的售后申请。", "这个订单，我们48小时内处理！", "好评返现10元（限今天）：谢谢；",
              "，。", "這個訂單"]
    checked = 0
    for t in texts:
        if not t.isascii() and norm_mod._PLAIN_ZH.fullmatch(t) is not None:
            assert norm_mod._folded_and_stepped(t) == t, t
            checked += 1
    assert checked >= 4


def test_a_decimal_point_after_a_digit_keeps_a_chinese_text_plain() -> None:
    """Speed pass of 2026-12-06/07: an amount ("12.50元") keeps a reply plain; a "." anywhere else (after a
    Chinese character, where ``_SPACED_CJK`` joins across it, or opening the text) does not."""
    norm_mod = importlib.import_module("marketplace_returns.engine.guardrail.normalise")
    plain = ["我们会退款12.50元。", "退款0.5元，运费3.00元。", "1.5", "共1.2.3元", "12.元"]
    for t in plain:
        assert norm_mod._PLAIN_ZH.fullmatch(t) is not None, t
        assert norm_mod._folded_and_stepped(t) == t, t
        assert norm_mod.normalise(t) == norm_mod._blank_examples(norm_mod._folded_and_stepped(t)), t
    for t in ["好.评返现", ".5元", "退款.5元", "好评..5元", "退款12..5元"]:
        assert norm_mod._PLAIN_ZH.fullmatch(t) is None, t


def test_the_leet_worth_test_answers_as_its_regex_definition() -> None:
    """Fourth speed pass: the leet step is worth trying exactly where a letter stands before @ 0 3 $ !, which
    every ``_LEET`` match needs."""
    import random

    norm_mod = importlib.import_module("marketplace_returns.engine.guardrail.normalise")
    rng = random.Random(4)
    texts = ["".join(rng.choice("ab@03$!1 é好Z") for _ in range(rng.randint(0, 8))) for _ in range(20000)]
    texts += [t.lower() for t in _tune_texts()[:3000]] + ["f33dback", "d!spute", "$10.00", "r3fund", "é0"]
    before = re.compile(r"[a-z][@03$!]")
    for t in texts:
        want = before.search(t) is not None
        assert norm_mod._leet_worth(t) is want, t
        assert want or norm_mod._LEET.search(t) is None, t


def test_lookbehinds_written_after_their_words_find_the_same_matches() -> None:
    """Fourth speed pass: ``(?<!b)(?:w1|w2)`` as ``(?:w1(?<!bw1)|w2(?<!bw2))`` (concepts_zh._unless_after)."""
    import random

    concepts_zh = importlib.import_module("marketplace_returns.engine.guardrail.concepts_zh")
    before, words = ("会", "将", "自动", "已", "已经"), ("撤", "取消", "关闭", "关", "撤回")
    plain = re.compile("投诉.{0,6}?" + "".join(f"(?<!{b})" for b in before) + "(?:" + "|".join(words) + ")")
    fast = re.compile("投诉.{0,6}?" + concepts_zh._unless_after(before, words))
    rng = random.Random(4)
    pieces = ["投诉", "会", "将", "自动", "已", "已经", "撤", "取消", "关闭", "关", "回", "了", "。", "x"]
    for _ in range(20000):
        t = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 9)))
        assert [m.span() for m in fast.finditer(t)] == [m.span() for m in plain.finditer(t)], t


def test_the_grouped_staff_header_answers_as_the_flat_one() -> None:
    """Fourth speed pass: the English staff-note header's alternatives grouped by first character."""
    norm_mod = importlib.import_module("marketplace_returns.engine.guardrail.normalise")
    texts = [*_tune_texts(), "hello, thank you", "hi team, ...", "team: no more", "- qa note: x",
             "right lads, ok", "okay team, new rule", "support policy update", "policy note",
             "everyone packing:", "note for whoever's minding the inbox", "weekly huddle notes:",
             "huddle notes"]
    hits = 0
    for t in texts:
        want = norm_mod._STAFF_EN_PLAIN.match(t) is not None
        assert (norm_mod._STAFF_EN.match(t) is not None) is want, t
        hits += want
    assert 100 < hits < len(texts)
    concept = importlib.import_module("marketplace_returns.engine.guardrail.concept")
    choices = concept._lead_choices("(?:a |b )?c(?:d|e)|(?:g|h)i")
    assert choices == ["a c(?:d|e)", "b c(?:d|e)", "c(?:d|e)", "gi", "hi"]


def test_the_chinese_word_gates_answer_as_their_substring_definitions() -> None:
    """Fourth speed pass: ``gates._any_of`` builds a trie; whether a word is found is all that is read."""
    rules_zh = importlib.import_module("marketplace_returns.engine.guardrail.rules_zh")
    texts = [t for t in _tune_texts() if not t.isascii()]
    texts += ["无理由", "五颗星", "撤销申请", "了结", "12315", "x"]
    for words in (gates._GATE_ZH, gates._G_Z_REVIEW, gates._G_Z_REASON, rules_zh._Z_REFUSALS):
        rx = gates._any_of(words)
        hits = 0
        for t in texts:
            want = any(w in t for w in words)
            assert (rx.search(t) is not None) is want, t
            hits += want
        assert 0 < hits < len(texts)


def test_the_chinese_gate_words_are_found_as_by_their_substring_definition() -> None:
    """Fourth speed pass: ``gates._zh_words`` finds every gate word a text holds, overlapping ones too, and
    answers again for the same text object without a scan."""
    texts = [t for t in _tune_texts() if not t.isascii()]
    texts += ["撤销申请", "无理由退货", "五颗星好评", "确认收货了结", "12315", "x"]
    found = 0
    for t in texts:
        want = frozenset(w for w in gates._GATE_ZH if w in t)
        assert gates._zh_words(t) == want, t
        assert gates._zh_words(t) is gates._zh_words(t)
        found += bool(want)
    assert 0 < found < len(texts)
