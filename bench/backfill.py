"""Backfill N refunds from the sandbox marketplace through a connector, over loopback HTTP.

    .venv/bin/python bench/backfill.py --platform taobao --refunds 10000 [--faults 0.2] [--seed 7]

Prints API calls per refund, refunds per second, peak memory (RSS of this process, which also runs the
sandbox), and how many refunds were missed or yielded twice. With ``--faults F`` the sandbox injects
5xx, throttling, slow answers, duplicated and reordered pages, each with probability F per request.

Shared between platforms: ``--platform`` picks the path; each path is one function below.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


@dataclass
class Figures:
    platform: str
    refunds: int
    yielded: int
    missed: int
    duplicated: int
    mapping_issues: int
    api_calls: int
    calls_by_method: dict[str, int]
    seconds: float
    open_refunds: int = 0

    def show(self) -> None:
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"platform          {self.platform}")
        print(f"refunds in sandbox {self.refunds}  (open: {self.open_refunds})")
        print(f"yielded           {self.yielded}  missed {self.missed}  duplicated {self.duplicated}"
              f"  mapping issues {self.mapping_issues}")
        print(f"api calls         {self.api_calls}  ({self.api_calls / max(self.refunds, 1):.4f} per refund)")
        for method, n in sorted(self.calls_by_method.items()):
            print(f"  {method:32s} {n:7d}  ({n / max(self.refunds, 1):.4f} per refund)")
        rate = self.refunds / max(self.seconds, 1e-9)
        print(f"time              {self.seconds:.1f} s  ({rate:.0f} refunds/s)")
        print(f"peak RSS          {rss_mb:.0f} MB (connector and sandbox in one process)")


@asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """The ASGI app on 127.0.0.1 (a free port) inside this event loop."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off", access_log=False))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


class _FaultMix:
    """Request failures at one rate, page faults at another (the stand-in draws one rate per kind)."""

    def __init__(self, requests: Any, pages: Any) -> None:
        self.requests, self.pages, self.timeout_seconds = requests, pages, 1.0

    def draw(self, kind: str) -> bool:
        return bool((self.pages if kind.endswith("_page") else self.requests).draw(kind))


def _taobao_state(args: argparse.Namespace) -> tuple[Any, dict[str, str]]:
    """The sandbox state to serve, and the credentials of the shop to backfill."""
    if args.sandbox == "stand-in":
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from taobao_fake_state import FakeState, Faults

        # --faults F: a request fails (5xx, throttle or timeout) with probability F in all,
        # and a listing page is duplicated / reordered with probability F each.
        failing = ("5xx", "throttle", "timeout")
        per_kind = 1 - (1 - args.faults) ** (1 / len(failing))
        faults = _FaultMix(Faults(per_kind, failing if args.faults else (), seed=args.seed),
                           Faults(args.faults, ("duplicate_page", "reorder_page") if args.faults else (),
                                  seed=args.seed + 1))
        faults.timeout_seconds = args.timeout * 1.5
        now = datetime.now(UTC).replace(microsecond=0)
        state = FakeState(args.refunds, start=now - timedelta(days=20),
                          spacing=timedelta(days=20) / max(args.refunds, 1), faults=faults)
        shop = state.shops["s1"]
        return state, {"shop_id": shop.shop_id, "app_key": shop.app_key, "app_secret": shop.app_secret,
                       "session": shop.session}
    from marketplace_returns.sandbox.clock import SandboxClock
    from marketplace_returns.sandbox.config import default_shops
    from marketplace_returns.sandbox.faults import FaultPlan
    from marketplace_returns.sandbox.state import SandboxState
    from marketplace_returns.sandbox.traffic import TrafficGenerator

    failing = ("5xx", "throttle", "timeout")
    per_kind = 1 - (1 - args.faults) ** (1 / len(failing))
    rates = {**dict.fromkeys(failing, per_kind), "duplicate_page": args.faults, "reorder_page": args.faults}
    shops = default_shops(seed=args.seed)
    shop = next(s for s in shops if s.platform == "taobao")
    now = datetime.now(UTC).replace(microsecond=0)
    state = SandboxState(shops, clock=SandboxClock(now, speed=0), seed=args.seed,
                         faults=FaultPlan(rates, seed=args.seed, timeout_seconds=args.timeout * 1.5))
    days = timedelta(days=args.backfill_days - 1)
    traffic = TrafficGenerator(seed=args.seed)
    made = traffic.generate(args.refunds, [shop], start=now - days, spread=days)
    if not args.all_open:
        traffic.settle_past(made, now)  # history ends as sellers ended it; recent refunds stay open
    state.add_refunds(made)
    return state, {"shop_id": shop.shop_id, "app_key": shop.app_key, "app_secret": shop.app_secret,
                   "session": shop.session}


async def taobao(args: argparse.Namespace) -> Figures:
    from pydantic import SecretStr
    from starlette.applications import Starlette

    from marketplace_returns.connectors.base import ShopConfig
    from marketplace_returns.connectors.taobao.connector import TaobaoConnector
    from marketplace_returns.connectors.taobao.mapping import OPEN_STATUSES
    from marketplace_returns.sandbox.taobao_api import routes

    state, creds = _taobao_state(args)
    async with serve(Starlette(routes=routes(state))) as url:
        shop = ShopConfig(shop_id=creds["shop_id"], platform="taobao", base_url=f"{url}/router/rest",
                          credentials={k: SecretStr(creds[k]) for k in ("app_key", "app_secret", "session")},
                          sign_method=args.sign_method)
        clock = state.clock.now if hasattr(state, "clock") else None  # the sandbox's time, not ours
        conn = TaobaoConnector(max_attempts=args.max_attempts, details=args.details,
                               window_seconds=args.window, timeout=args.timeout, sleep=_fast_sleep(args),
                               backfill_seconds=args.backfill_days * 86400, clock=clock)
        seen: Counter[str] = Counter()
        started = time.perf_counter()
        async for batch in conn.fetch_changed(shop, None):
            for fetched in batch.cases:
                seen[fetched.refund_id] += 1
        seconds = time.perf_counter() - started
        expected = {r.refund_id for r in state.refunds_changed("taobao", creds["shop_id"], None, None)}
        await conn.aclose()
    open_now = sum(1 for r in state.refunds_changed("taobao", creds["shop_id"], None, None)
                   if r.status in OPEN_STATUSES)
    return Figures("taobao", len(expected), sum(seen.values()), len(expected - set(seen)),
                   sum(n - 1 for n in seen.values() if n > 1), conn.mapping_issues,
                   conn.client.total_calls, dict(conn.client.calls), seconds, open_now)


async def shopify(args: argparse.Namespace) -> Figures:
    """Shopify: orders with returns over GraphQL, paced by the sandbox's leaky bucket (real time)."""
    from pydantic import SecretStr
    from starlette.applications import Starlette

    from marketplace_returns.connectors.base import ShopConfig
    from marketplace_returns.connectors.shopify.connector import ShopifyConnector
    from marketplace_returns.sandbox.clock import SandboxClock
    from marketplace_returns.sandbox.config import default_shops
    from marketplace_returns.sandbox.faults import FaultPlan
    from marketplace_returns.sandbox.shopify_api import routes
    from marketplace_returns.sandbox.state import SandboxState
    from marketplace_returns.sandbox.traffic import TrafficGenerator

    failing = ("5xx", "throttle", "timeout")
    per_kind = 1 - (1 - args.faults) ** (1 / len(failing))
    rates = {**dict.fromkeys(failing, per_kind), "duplicate_page": args.faults, "reorder_page": args.faults}
    shops = default_shops(seed=args.seed)
    sandbox_shop = next(s for s in shops if s.platform == "shopify")
    now = datetime.now(UTC).replace(microsecond=0)
    state = SandboxState(shops, clock=SandboxClock(now, speed=0), seed=args.seed,
                         faults=FaultPlan(rates, seed=args.seed, timeout_seconds=args.timeout * 1.5))
    days = timedelta(days=args.backfill_days - 1)
    traffic = TrafficGenerator(seed=args.seed).generate(args.refunds, [sandbox_shop], start=now - days,
                                                        spread=days)
    state.add_refunds(traffic)
    app = Starlette(routes=routes(state, maximum=args.bucket, restore_rate=args.restore_rate))
    async with serve(app) as url:
        shop = ShopConfig(shop_id=sandbox_shop.shop_id, platform="shopify", base_url=url,
                          credentials={"access_token": SecretStr(sandbox_shop.access_token)})
        # Waits are real time here: the bucket refills on the sandbox's real clock.
        conn = ShopifyConnector(max_attempts=args.max_attempts, timeout=args.timeout, clock=state.clock.now,
                                backfill_seconds=args.backfill_days * 86400)
        seen: Counter[str] = Counter()
        started = time.perf_counter()
        async for batch in conn.fetch_changed(shop, None):
            for fetched in batch.cases:
                seen[fetched.refund_id] += 1
        seconds = time.perf_counter() - started
        expected = {f"gid://shopify/Return/{r.refund_id}"
                    for r in state.refunds_changed("shopify", sandbox_shop.shop_id, None, None)}
        await conn.aclose()
    client = conn.client
    print(f"query cost        requested {client.cost_requested:.0f}  actual {client.cost_actual:.0f}"
          f"  ({client.cost_actual / max(len(expected), 1):.1f} per refund);"
          f" waited {client.waited_s:.1f} s in {client.wait_count} waits;"
          f" throttled by the sandbox {state.counters['shopify.throttled']}"
          f" (+{state.counters['shopify.fault.throttle']} injected)")
    return Figures("shopify", len(expected), sum(seen.values()), len(expected - set(seen)),
                   sum(n - 1 for n in seen.values() if n > 1), conn.mapping_issues,
                   client.total_calls, dict(client.calls), seconds)


def _fast_sleep(args: argparse.Namespace) -> Callable[[float], Awaitable[None]]:
    """Honour the server's wait, but scaled by --wait-scale (1 = real time) to keep the bench short."""

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds * args.wait_scale)

    return sleep


PATHS: dict[str, Callable[[argparse.Namespace], Awaitable[Figures]]] = {"taobao": taobao, "shopify": shopify}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platform", choices=["taobao", "shopify"], default="taobao")
    parser.add_argument("--refunds", type=int, default=10_000)
    parser.add_argument("--faults", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--details", choices=["open", "all", "none"], default="open")
    parser.add_argument("--window", type=int, default=3600, help="initial window, seconds")
    parser.add_argument("--sign-method", default="hmac-sha256")
    parser.add_argument("--backfill-days", type=int, default=30)
    parser.add_argument("--all-open", action="store_true",
                        help="leave every generated refund open (worst case for detail reads)")
    parser.add_argument("--sandbox", choices=["real", "stand-in"], default="real",
                        help="taobao: the full sandbox state, or the tests' small stand-in state")
    parser.add_argument("--max-attempts", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--wait-scale", type=float, default=0.05,
                        help="multiply every retry wait by this (1 = real time)")
    parser.add_argument("--bucket", type=float, default=2000.0,
                        help="shopify: points in each shop's bucket (Shopify standard: 2000)")
    parser.add_argument("--restore-rate", type=float, default=100.0,
                        help="shopify: points restored per second (standard 100; Plus 1000)")
    args = parser.parse_args(argv)
    path = PATHS.get(args.platform)
    if path is None:
        print(f"no backfill path for {args.platform} yet", file=sys.stderr)
        return 2
    figures: Any = asyncio.run(path(args))
    figures.show()
    return 0 if figures.missed == 0 and figures.duplicated == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
