"""Time the words reading on long messages and on typical ones (a benchmark, not a timed test).

    .venv/bin/python bench/long_message.py [--sizes 1000,10000,100000,400000] [--typical 2000]

Why: a buyer message is short, but a message field is whatever a platform sends; one pasted log or a
block of junk must not stall a triage worker. The reading must cost time linear in the message (and,
past the cap the reader applies, about constant). Each size is read in three alphabets: buyer-like
Chinese and English cue text repeated, random code points (binary junk, emoji, mixed scripts), and one
long run of Chinese cue characters without any break (one clause). Wall time, one reading each.

The typical figures are the words reading per case (the reader's own per-message memo bypassed) on
short constructed messages, all distinct, in CPU time, the best of 9 passes with every memo cleared
before each pass: "every clause new" puts a number in every clause, so that no per-clause memo answers;
"clauses from a small pool" repeats stock clauses after one new one, as a seller's stream does. The
first reading (lexicons and the segmenter's dictionary loaded) is timed once at the start.

It runs on earlier code too (``PYTHONPATH=<an older src>``), reading through ``read_words`` there, so
that before and after are measured alike. The messages are constructed here, never taken from the
labelled sets.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from marketplace_returns.engine import words as words_module
from marketplace_returns.engine.cues import lexicon
from marketplace_returns.engine.text import normalise

_ZH = ["衣服收到了，领口有线头，袖子开线了", "图片上是藏青色，收到的是亮蓝色，差别太大了", "尺码偏小穿不上",
       "物流太慢了，一个星期才到", "没有破损，就是不喜欢", "耳机蓝牙连不上，充不进电", "少了两颗扣子"]
_EN = ["The seam ripped after one wash.", "It runs small, not defective.", "Shipping was slow.",
       "The phone is slow and the battery drains fast.", "Missing the charger, no cable in the box."]


def _cue_text(n: int, rng: random.Random) -> str:
    parts: list[str] = []
    size = 0
    while size < n:
        piece = rng.choice(_ZH) if rng.random() < 0.6 else rng.choice(_EN)
        parts.append(piece)
        size += len(piece) + 1
    return " ".join(parts)[:n]


def _junk(n: int, rng: random.Random) -> str:
    ranges = [(0, 0x7F), (0x80, 0x2FF), (0x4E00, 0x9FFF), (0x1F300, 0x1FAFF), (0xD800 - 64, 0xD7FF),
              (0xE000, 0xF8FF), (0xFF00, 0xFFEF)]
    out = []
    for _ in range(n):
        lo, hi = rng.choice(ranges)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


def _one_run(n: int, rng: random.Random) -> str:
    # One clause: Chinese characters with cue words inside and no punctuation or space anywhere.
    base = "质量不好开线偏小物流慢大了坏了没有破损差别太大了"
    return "".join(rng.choice(base) for _ in range(n))


def _reader() -> Callable[[str, float], object]:
    """The reading without its memo (the earlier code memoised ``read_words`` itself)."""
    inner: Callable[[str, float], object] | None = getattr(words_module, "_read_text", None)
    if inner is None:
        inner = words_module.read_words.__wrapped__  # type: ignore[attr-defined]
    return inner


def _time(text: str) -> float:
    read = _reader()
    started = time.perf_counter()
    read(normalise(text), 3.0)
    return time.perf_counter() - started


def _typical_messages(count: int, rng: random.Random, *, fresh: bool) -> list[str]:
    """Short buyer-like messages, all distinct; ``fresh``: every clause is new too (a number in each),
    so that no memo of the reader answers; otherwise the clauses come from a small pool, as stock
    phrases recur in a seller's stream."""
    names = ["外套", "裤子", "鞋子", "耳机", "手机", "水果", "裙子", "包"]
    en_names = ["jacket", "dress", "phone", "charger", "headphones", "shoes"]
    out = []
    for i in range(count):
        tag_zh = f"第{i}次" if fresh else ""
        tag_en = f"{i} " if fresh else ""
        if i % 2:
            out.append(f"第{i}单的{rng.choice(names)}{rng.choice(_ZH)}，{tag_zh}{rng.choice(_ZH)}")
        else:
            out.append(f"Order {i}: the {rng.choice(en_names)} {rng.choice(_EN).lower()} "
                       f"{tag_en}{rng.choice(_EN)}")
    return out


def _per_case(messages: list[str], repeats: int = 9) -> float:
    """The best of ``repeats`` passes, in CPU µs per message (the machine is shared: CPU time, and the
    best pass, are the least disturbed by other processes)."""
    read = _reader()
    best = float("inf")
    for _ in range(repeats):
        _clear_memos()
        started = time.process_time()
        for m in messages:
            read(m, 3.0)
        best = min(best, (time.process_time() - started) / len(messages) * 1e6)
    return best


def _clear_memos() -> None:
    segmenter = getattr(words_module, "_segmenter", None)
    if segmenter is not None:
        segmenter().cut_clause.cache_clear()
    for lang in ("zh", "en"):
        memo = getattr(lexicon(lang), "_memo_clause", None)
        if memo is not None:
            memo.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,400000")
    parser.add_argument("--typical", type=int, default=2000, help="distinct typical messages to time")
    args = parser.parse_args()
    rng = random.Random(7)
    started = time.perf_counter()
    _reader()(normalise("质量没问题 fine"), 3.0)
    print(f"first reading (loads the lexicons and jieba): {time.perf_counter() - started:.3f} s")
    for fresh in (True, False):
        messages = [normalise(m) for m in _typical_messages(args.typical, rng, fresh=fresh)]
        mean = sum(map(len, messages)) / len(messages)
        for lang, group in (("zh", [m for m in messages if "第" in m]),
                            ("en", [m for m in messages if "第" not in m])):
            what = "every clause new" if fresh else "clauses from a small pool"
            print(f"typical {lang} messages ({what}, mean length {mean:.0f} characters): "
                  f"{_per_case(group):.1f} µs per reading (CPU, best of 9 passes over {len(group)})")
    for size in (int(s) for s in args.sizes.split(",")):
        figures = []
        for name, make in (("cue text", _cue_text), ("junk", _junk), ("one run", _one_run)):
            figures.append(f"{name} {_time(make(size, rng)):.4f} s")
        print(f"{size:>7} characters: " + ", ".join(figures))


if __name__ == "__main__":
    main()
