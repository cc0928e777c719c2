"""CPU per TOP call on the client side: httpx's own transport against the connectors' aiohttp transport.

    .venv/bin/python bench/http_client.py                      # 3,000 calls per run, 4 and 32 at once
    .venv/bin/python bench/http_client.py --calls 10000 --rounds 3

What runs: the sandbox marketplace in a child process (so its CPU is not counted), and in this process
a ``TopClient`` signing and posting ``taobao.refunds.receive.get`` over loopback, through
``httpx.AsyncClient()`` with httpx's defaults ("httpcore") and through ``platform_http_client`` ("aiohttp",
what the connectors use). Printed per run: wall time, CPU seconds of this process, CPU microseconds per
call. Everything above the transport (signing, tenacity, parsing the answer) is in both figures.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from typing import Any

import httpx

from burst import make_shops  # bench/ is on the path when a script in it runs
from marketplace_returns.connectors.base import ShopConfig
from marketplace_returns.connectors.taobao.client import TopClient
from marketplace_returns.connectors.transport import platform_http_client
from marketplace_returns.service import eventloop

WARM_UP_CALLS = 200


def serve(queue: Any) -> None:
    from marketplace_returns.sandbox.server import SandboxServer
    from marketplace_returns.sandbox.state import SandboxState

    shops = make_shops(5, seed=1)
    server = SandboxServer(SandboxState(shops), tick_seconds=None).start()
    queue.put((server.url, shops[0].as_dict()))
    time.sleep(24 * 3600)


def new_client(kind: str) -> httpx.AsyncClient:
    if kind == "httpcore":
        return httpx.AsyncClient(timeout=10)
    return platform_http_client(timeout=10)


async def measure(kind: str, url: str, credentials: dict[str, str], calls: int, at_once: int) -> str:
    shop = ShopConfig(shop_id=credentials["shop_id"], platform="taobao", base_url=url + "/router/rest",
                      sign_method="md5",
                      credentials={k: v for k, v in credentials.items() if k in ("app_key", "app_secret",
                                                                                  "session")})
    async with new_client(kind) as http:
        top = TopClient(http, platform="taobao")
        gate = asyncio.Semaphore(at_once)

        async def one() -> None:
            async with gate:
                await top.call(shop, "taobao.refunds.receive.get", {
                    "fields": "refund_id,status,modified", "page_no": 1, "page_size": 100,
                    "start_modified": "2026-11-11 00:00:00", "end_modified": "2026-11-11 01:00:00"})

        await asyncio.gather(*(one() for _ in range(WARM_UP_CALLS)))
        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one() for _ in range(calls)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return (f"| {kind} | {at_once} | {calls} | {wall:.2f} s | {cpu:.2f} s | {1e6 * cpu / calls:.0f} µs |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2, help="each pair of runs is repeated this often")
    parser.add_argument("--at-once", default="4,32", help="requests in flight, comma-separated")
    args = parser.parse_args()
    queue: Any = multiprocessing.Queue()
    child = multiprocessing.Process(target=serve, args=(queue,), daemon=True)
    child.start()
    try:
        url, credentials = queue.get(timeout=30)
        print("| transport | in flight | calls | wall | CPU (client) | CPU per call |")
        print("|---|---|---|---|---|---|")
        for _ in range(args.rounds):
            for at_once in (int(n) for n in args.at_once.split(",")):
                for kind in ("httpcore", "aiohttp"):
                    print(eventloop.run(measure(kind, url, credentials, args.calls, at_once)), flush=True)
    finally:
        child.kill()


if __name__ == "__main__":
    main()
