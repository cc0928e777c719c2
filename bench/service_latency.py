"""Service latencies through the real commands: refund appears → suggestion in the queue; rep accept →
the marketplace's confirmation.

    .venv/bin/python bench/service_latency.py [--refunds 10] [--poll-interval 5]

Starts the sandbox (real time, speed 1) in this process, writes a shops.yaml whose credentials are
``env:`` references, runs ``marketplace-returns run`` as a subprocess on a fresh SQLite file, creates an
API token with ``marketplace-returns token create``, then: adds refunds one at a time and times how
long until each is in ``GET /queue``; accepts each over ``POST /queue/{id}/accept`` and times how long
until ``GET /_sandbox/actions`` shows it applied.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

from marketplace_returns.sandbox.config import build_state
from marketplace_returns.sandbox.server import SandboxServer

CLI = [sys.executable, "-m", "marketplace_returns"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check, timeout: float, step: float = 0.02):  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        time.sleep(step)
    raise TimeoutError("condition not met in time")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refunds", type=int, default=10)
    parser.add_argument("--poll-interval", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mr-latency-"))
    db = f"sqlite:///{tmp / 'svc.db'}"
    server = SandboxServer(build_state(seed=21, speed=1.0), tick_seconds=0.05).start()
    shop = next(s for s in httpx.get(f"{server.url}/_sandbox/shops").json() if s["shop_id"] == "demo-tb")
    env = dict(os.environ)
    refs = {}
    for key in ("app_key", "app_secret", "session"):
        env[f"LAT_TB_{key.upper()}"] = shop[key]
        refs[key] = f"env:LAT_TB_{key.upper()}"
    (tmp / "shops.yaml").write_text(yaml.safe_dump({"shops": [{
        "shop_id": "demo-tb", "platform": "taobao", "base_url": f"{server.url}/router/rest",
        "credentials": refs, "sign_method": "md5", "poll_interval_s": args.poll_interval}]}))
    port = free_port()
    command = [*CLI, "run", "--db", db, "--shops", str(tmp / "shops.yaml"), "--port", str(port)]
    log = (tmp / "service.log").open("w")
    service = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
    api = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ok(f"{api}/health"), 30)
        token = subprocess.run([*CLI, "token", "create", "--shop", "demo-tb", "--db", db], env=env,
                               check=True, capture_output=True, text=True).stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        to_queue, to_platform = [], []
        rng = random.Random(5)
        for _ in range(args.refunds):
            time.sleep(rng.uniform(0, args.poll_interval))  # arrive anywhere in the poll cycle
            made = httpx.post(f"{server.url}/_sandbox/traffic", json={"count": 1, "spread_seconds": 0,
                                                                      "shops": ["demo-tb"]}).json()
            refund_id = made["first"]
            wait_for(lambda rid=refund_id: server.state.get(rid) is not None, 5, 0.005)
            appeared = time.monotonic()
            item = wait_for(lambda rid=refund_id: _suggestion(api, headers, rid), args.poll_interval * 3 + 5)
            to_queue.append(time.monotonic() - appeared)
            if item.get("status", "pending") != "pending" or item["action"] in ("exchange", "intercept",
                                                                                 "escalate"):
                continue  # went out automatically, or is a rep's manual job
            clicked = time.monotonic()
            res = httpx.post(f"{api}/queue/{item['id']}/accept", json={"rep": "bench"}, headers=headers)
            res.raise_for_status()
            wait_for(lambda rid=refund_id: [a for a in httpx.get(f"{server.url}/_sandbox/actions",
                                                                 params={"refund_id": rid}).json()
                                            if a["outcome"] == "applied"], 10, 0.01)
            to_platform.append(time.monotonic() - clicked)
        for name, values in (("refund → queue", to_queue), ("accept → platform", to_platform)):
            if values:
                print(f"{name}: n={len(values)} median {statistics.median(values):.3f} s, "
                      f"max {max(values):.3f} s")
        print(f"poll interval {args.poll_interval} s; target refund → queue < {args.poll_interval + 1} s, "
              "accept → platform < 1 s")
    finally:
        service.terminate()
        service.wait(10)
        log.close()
        server.stop()


def _suggestion(api: str, headers: dict[str, str], refund_id: str) -> dict[str, object] | None:
    """The queue item for the refund, or its decision if it went out automatically; None before."""
    item = next((q for q in httpx.get(f"{api}/queue", headers=headers).json() if q["refund_id"] == refund_id),
                None)
    if item is not None:
        return dict(item)
    case = next((c for c in httpx.get(f"{api}/cases", headers=headers, params={"limit": 500}).json()
                 if c["refund_id"] == refund_id), None)
    if case is None:
        return None
    decisions = httpx.get(f"{api}/cases/{case['id']}/decisions", headers=headers).json()
    return dict(decisions[-1]) if decisions else None


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    main()
