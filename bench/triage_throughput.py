"""Throughput of ``triage``: cases per second, the ratio to plain JSON parse-and-dump, and memory.

    .venv/bin/python bench/triage_throughput.py [--cases 100000] [--small 10000] [--distinct 3000]

Generates varied cases (Taobao/Tmall in Chinese, Shopify in English; apparel, shoes, home,
electronics; prices from 5 to 900; all goods statuses; a mix of reasons, photos, size deviations and
ship dates) into a temporary JSON-lines file, then runs the same loop as the command
(``engine.stream.triage_lines``: parse, classify, playbook, reply, guardrail, dump) with the output
going to a null sink. The JSON floor is the same file through ``json.loads`` + ``json.dumps`` per line,
and through ``orjson``. Memory: the process's peak RSS after a small run and after the full run (it
streams, so the peak should not grow with the input).

Messages are drawn from ``--distinct`` texts built from fragments: the classifier memoises its reading
per distinct message (bounded), so the figure depends on how often buyers repeat themselves; a new
Chinese message costs jieba ~4 µs per character on first sight. ``--distinct 0`` makes every message
unique (the worst case).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from marketplace_returns.engine.classifier import warm_up
from marketplace_returns.engine.stream import PlaybookChooser, StreamStats, prepare_bulk, triage_lines

ZH_REASONS = [
    "质量问题", "七天无理由退换货", "多拍/拍错/不想要", "未按约定时间发货", "大小/尺寸与商品描述不符",
    "包装/商品破损/污渍", "少件/漏发", "卖家发错货", "颜色/图案/款式与商品描述不符", "其他",
    "不喜欢/效果不好",
]
EN_REASONS = ["DEFECTIVE", "SIZE_TOO_LARGE", "SIZE_TOO_SMALL", "COLOR", "STYLE", "UNWANTED", "WRONG_ITEM",
              "NOT_AS_DESCRIBED", "OTHER"]
ZH_FRAGMENTS = [
    "领口有两个线头", "扣子掉了一颗", "衣服有一块油渍", "尺码偏小穿不上", "质量没问题，就是不喜欢",
    "颜色和图片差太多", "发错货了", "少了一条腰带", "还没收到，不要了", "拍重复了", "鞋跟掉了",
    "穿了一周就开胶了", "洗了一次就掉色", "腰围比详情页小了5厘米", "面料很舒服但是太大了",
    "这是假货", "承诺24小时发货，三天后才发", "本来就不喜欢，而且开线了", "", "杯子裂了一条缝",
]
EN_FRAGMENTS = [
    "Zipper broke the second time I used it.", "Too roomy for me, want a size down.",
    "Nothing wrong with it, I just don't love the color.", "Photos show a lined jacket, this has none.",
    "Tote arrived with a torn strap.", "Wrong item in the box.", "A button is missing.",
    "Not defective, just too small.", "The sole came off after a week.", "", "Changed my mind.",
    "Colour is a bit lighter than the photos.",
]
CATEGORIES = ["apparel", "apparel", "apparel", "shoes", "home", "electronics"]


def _messages(rng: random.Random, fragments: list[str], distinct: int) -> list[str]:
    pool = []
    for _ in range(max(distinct, 1)):
        parts = rng.sample(fragments, k=rng.choice([1, 1, 2]))
        sep = "，" if fragments is ZH_FRAGMENTS else " "
        pool.append(sep.join(p for p in parts if p))
    return pool


def generate(path: Path, n: int, distinct: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    zh_pool = _messages(rng, ZH_FRAGMENTS, distinct // 2)
    en_pool = _messages(rng, EN_FRAGMENTS, distinct // 2)
    with path.open("wb") as out:
        for i in range(n):
            zh = rng.random() < 0.6
            price = round(rng.choice([rng.uniform(5, 30), rng.uniform(30, 300), rng.uniform(300, 900)]), 2)
            status = rng.choices(["received", "in_transit", "not_shipped"], [0.75, 0.15, 0.1])[0]
            late = rng.random() < 0.2
            if distinct:
                message = rng.choice(zh_pool if zh else en_pool)
            else:
                message = (rng.choice(ZH_FRAGMENTS) if zh else rng.choice(EN_FRAGMENTS)) + f" #{i}"
            case = {
                "refund_id": f"r{i}", "platform": rng.choice(["taobao", "tmall"]) if zh else "shopify",
                "category": rng.choice(CATEGORIES), "currency": "CNY" if zh else "USD",
                "item_price": price, "reason": rng.choice(ZH_REASONS if zh else EN_REASONS),
                "message": message, "photos": rng.choice([0, 0, 1, 2, 3]), "goods_status": status,
                "wants_return": rng.random() < 0.8, "return_shipping_cost": rng.choice([8, 10, 12, 15, 25]),
                "forward_shipping_cost": rng.choice([6.5, 10, 12, 25]),
                "ship_by": "2026-09-01T23:59:59+08:00",
                "shipped_at": None if status == "not_shipped" else
                ("2026-09-03T10:00:00+08:00" if late else "2026-09-01T10:00:00+08:00"),
                "delivered_at": "2026-09-04T14:00:00+08:00" if status == "received" else None,
                "requested_at": rng.choice(["2026-09-06T09:00:00+08:00", "2026-10-20T09:00:00+08:00"]),
                "size_deviation_cm": rng.choice([None, None, None, 1.5, 5.0]),
            }
            out.write(orjson.dumps(case) + b"\n")


def _timed(fn: Callable[[], int]) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def run_triage(path: Path) -> tuple[float, float, StreamStats]:
    """(wall seconds, CPU seconds, stats): CPU time is the steadier figure on a shared machine."""
    stats = StreamStats()
    choose = PlaybookChooser(None)
    prepare_bulk(choose)  # as the command does: playbooks, jieba, gc.freeze (kept out of the timing)
    with path.open("rb") as src, open(os.devnull, "wb") as sink:
        start, cpu = time.perf_counter(), time.process_time()
        for _, line in triage_lines(src, choose, stats=stats):
            sink.write(line + b"\n")
        return time.perf_counter() - start, time.process_time() - cpu, stats


def json_floor(path: Path, loads: Callable[[bytes], object],
               dumps: Callable[[object], object]) -> tuple[float, float]:
    def go() -> int:
        n = 0
        with path.open("rb") as src, open(os.devnull, "wb") as sink:
            for line in src:
                out = dumps(loads(line))
                sink.write(out if isinstance(out, bytes) else str(out).encode())
                n += 1
        return n
    return _timed(go)


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--distinct", type=int, default=3000, help="distinct messages (0: all unique)")
    args = ap.parse_args()
    warm_up()
    with tempfile.TemporaryDirectory() as tmp:
        small, big = Path(tmp) / "small.jsonl", Path(tmp) / "big.jsonl"
        generate(small, args.small, args.distinct, seed=1)
        generate(big, args.cases, args.distinct, seed=2)
        size_mb = big.stat().st_size / 1e6
        t_small, _, _ = run_triage(small)
        rss_small = peak_rss_mb()
        t_big, c_big, s_big = run_triage(big)
        rss_big = peak_rss_mb()
        t_json, c_json = json_floor(big, json.loads, lambda v: json.dumps(v, ensure_ascii=False).encode())
        t_orjson, c_orjson = json_floor(big, orjson.loads, orjson.dumps)
    n = args.cases
    rate, cpu_rate = n / t_big, n / c_big
    print(f"input: {n} cases, {size_mb:.1f} MB, distinct messages: {args.distinct or 'all'}")
    print("                 wall s   cases/s (wall)   CPU s   cases/s (CPU)   ratio (CPU)")
    print(f"triage        {t_big:8.2f} {rate:14,.0f} {c_big:9.2f} {cpu_rate:13,.0f}          1.0x   "
          f"({s_big.errors} errors)")
    for name, t, c in (("json floor", t_json, c_json), ("orjson floor", t_orjson, c_orjson)):
        print(f"{name:<13} {t:8.2f} {n / t:14,.0f} {c:9.2f} {n / c:13,.0f} {c_big / c:12.1f}x")
    print(f"peak RSS: {rss_small:.0f} MB after {args.small} cases ({args.small / t_small:,.0f} cases/s), "
          f"{rss_big:.0f} MB after {n} more")
    actions = sorted(s_big.by_action.items(), key=lambda kv: -kv[1])
    print("actions: " + ", ".join(f"{k} {v}" for k, v in actions))
    target = "meets" if cpu_rate >= 20_000 and c_big / c_json <= 5 else "misses"
    print(f"target (>= 20,000 cases/s and within 5x of the json floor, CPU time): {target}")


if __name__ == "__main__":
    main()
