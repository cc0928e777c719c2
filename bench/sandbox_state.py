"""Measure the sandbox state at scale: build 100,000 refunds, window reads, in-process writes.

Why: the sandbox must hold the benchmarks' 100,000 refunds in reasonable memory and answer an
incremental window without scanning them all. Run: ``.venv/bin/python bench/sandbox_state.py``.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import timedelta

from marketplace_returns.sandbox.config import build_state


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refunds", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=5_000)
    args = parser.parse_args()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    state = build_state(seed=1, refunds=args.refunds, speed=0)
    build = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    now, found = state.clock.now(), 0
    started = time.perf_counter()
    for i in range(1000):
        start = now - timedelta(days=7) + timedelta(minutes=10 * i)
        found += len(state.refunds_changed("taobao", "demo-tb", start, start + timedelta(minutes=10)))
    window = (time.perf_counter() - started) / 1000
    waiting = [r for r in state.refunds.values() if r.status == "WAIT_SELLER_AGREE"][: args.writes]
    started = time.perf_counter()
    for r in waiting:
        state.transition(r.refund_id, action="message", api_method="bench", shop_id=r.shop_id,
                         params={"content": "ok"})
        state.transition(r.refund_id, action="refuse", api_method="bench", shop_id=r.shop_id, params={},
                         expected_version=r.version)
    writes = 2 * len(waiting) / (time.perf_counter() - started)
    print(f"{args.refunds} refunds built in {build:.1f} s, peak RSS +{(rss - base) / 1024:.0f} MB; "
          f"10-minute window {window * 1e6:.0f} us ({found / 1000:.1f} refunds); {writes:.0f} writes/s")


if __name__ == "__main__":
    main()
