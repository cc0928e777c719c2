"""A Double-11 burst through the real service: N worker processes drain refunds from 500 shops.

    .venv/bin/python bench/burst.py                       # 100,000 refunds, 500 shops, 1/2/4 PG + 1 SQLite
    .venv/bin/python bench/burst.py --refunds 5000 --shops 50 --runs pg:2   # a quick look

What runs: the sandbox marketplace in this process (real time, speed 1) with ``--shops`` shops
(40 % Taobao, 40 % Tmall, 20 % Shopify, each Shopify shop with Shopify's standard leaky bucket of 2,000
points at 100 a second), and ``--refunds`` refunds created over a ``--window``-second burst; then
``marketplace-returns run --no-api --workers N`` over a fresh store (a new PostgreSQL database per run,
dropped after, or a SQLite file). Drained = every refund the sandbox created is a case with a decision,
and the outbox is empty (what the shops' playbooks make automatic was pushed and the sandbox confirmed
it). Reported per run: time to drain (from the first refund's creation), cases/s, actions/s, API calls
per case (the sandbox's own request counters), p50/p99 from a refund's creation in the sandbox to its
decision row, peak RSS of each worker process, and the CPU seconds spent by the workers, the sandbox
(this process) and the PostgreSQL server processes.

This machine has 2 cores and the sandbox shares them with the workers: the CPU split is printed so the
figures can be read for what they are.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from marketplace_returns.sandbox.clock import SandboxClock
from marketplace_returns.sandbox.records import SandboxShop
from marketplace_returns.sandbox.server import SandboxServer
from marketplace_returns.sandbox.state import SandboxState
from marketplace_returns.sandbox.traffic import TrafficGenerator

CLI = [sys.executable, "-m", "marketplace_returns"]
PG_BASE = os.environ.get("MARKETPLACE_RETURNS_TEST_DATABASE_URL",
                         "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class Figures:
    run: str
    refunds: int
    drained_s: float
    cases: int
    decisions: int
    cases_per_s: float
    actions: int
    actions_per_s: float
    api_calls: int
    calls_per_case: float
    p50_s: float
    p99_s: float
    peak_rss_mb: list[float]
    sandbox_cpu_s: float
    workers_cpu_s: float
    db_cpu_s: float
    complete: bool


def make_shops(count: int, seed: int) -> list[SandboxShop]:
    rng = random.Random(seed)
    shops = []
    for i in range(count):
        share = i % 5
        if share < 2:
            shops.append(SandboxShop(f"tb-{i:04d}", "taobao", app_key=str(10_000_000 + i),
                                     app_secret=f"{rng.getrandbits(128):032x}", session=f"6100{i:036x}"))
        elif share < 4:
            shops.append(SandboxShop(f"tm-{i:04d}", "tmall", app_key=str(20_000_000 + i),
                                     app_secret=f"{rng.getrandbits(128):032x}", session=f"6200{i:036x}"))
        else:
            shops.append(SandboxShop(f"sh-{i:04d}", "shopify", shop_domain=f"sh-{i:04d}.myshopify.com",
                                     access_token=f"shpat_{rng.getrandbits(128):032x}"))
    return shops


def shops_file(path: Path, url: str, shops: list[SandboxShop], poll_s: int, env: dict[str, str]) -> None:
    entries = []
    for shop in shops:
        refs = {}
        for key, value in shop.as_dict().items():
            if key in ("shop_id", "platform", "shop_domain"):
                continue
            var = f"BURST_{shop.shop_id.upper().replace('-', '_')}_{key.upper()}"
            env[var] = value
            refs[key] = f"env:{var}"
        base = url if shop.platform == "shopify" else f"{url}/router/rest"
        entry: dict[str, Any] = {"shop_id": shop.shop_id, "platform": shop.platform, "base_url": base,
                                 "credentials": refs, "sign_method": "md5", "poll_interval_s": poll_s}
        entries.append(entry)
    path.write_text(yaml.safe_dump({"shops": entries}), encoding="utf-8")


def fresh_database(kind: str, tmp: Path) -> tuple[str, Any]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'burst.db'}", None
    name = "mr_burst_" + secrets.token_hex(5)
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(PG_BASE).set(database=name).render_as_string(hide_password=False), drop


def progress(url: str) -> tuple[int, int, int, int]:
    """cases, decided cases, open outbox rows, outbox rows done."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            cases = conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
            decided = conn.execute(text("SELECT count(DISTINCT case_id) FROM decisions")).scalar_one()
            open_ = conn.execute(text("SELECT count(*) FROM outbox WHERE status IN ('pending','sending')")
                                 ).scalar_one()
            done = conn.execute(text("SELECT count(*) FROM outbox WHERE status = 'done'")).scalar_one()
        return int(cases), int(decided), int(open_), int(done)
    except Exception:
        return 0, 0, 0, 0
    finally:
        engine.dispose()


def latencies(url: str, created: dict[str, datetime]) -> list[float]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT c.refund_id, min(d.created_at) FROM cases c "
                                 "JOIN decisions d ON d.case_id = c.id GROUP BY c.refund_id")).all()
    engine.dispose()
    out = []
    for refund_id, at in rows:
        key = str(refund_id).removeprefix("gid://shopify/Return/")
        made = created.get(key)
        if made is None or at is None:
            continue
        at = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
        out.append((at - made).total_seconds())
    return out


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of each PostgreSQL server process on this machine (they share the 2 cores too)."""
    out: dict[int, float] = {}
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] in ("postgres", "postmaster"):
            with contextlib.suppress(psutil.Error):
                out[proc.pid] = sum(proc.cpu_times()[:2])
    return out


def one_run(kind: str, workers: int, args: argparse.Namespace) -> Figures:
    tmp = Path(tempfile.mkdtemp(prefix="mr-burst-"))
    shops = make_shops(args.shops, args.seed)
    clock = SandboxClock(datetime.now(UTC).replace(microsecond=0), speed=1.0)
    state = SandboxState(shops, clock=clock, seed=args.seed)
    generator = TrafficGenerator(args.seed)
    start = clock.now_s() + timedelta(seconds=args.lead)
    made = generator.generate(args.refunds, shops, start=start, spread=timedelta(seconds=args.window))
    created = {r.refund_id: r.created for r in made}
    state.add_refunds(made)
    server = SandboxServer(state, tick_seconds=0.05).start()
    me = psutil.Process()
    cpu0 = sum(me.cpu_times()[:2])
    env = dict(os.environ)
    shops_file(tmp / "shops.yaml", server.url, shops, args.poll, env)
    url, drop = fresh_database(kind, tmp)
    log = (tmp / "workers.log").open("w")
    command = [*CLI, "run", "--no-api", "--workers", str(workers), "--db", url,
               "--shops", str(tmp / "shops.yaml")]
    service = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    peak: dict[int, float] = {}
    wcpu: dict[int, float] = {}
    db0 = postgres_cpu()
    dbcpu: dict[int, float] = dict(db0)
    first = min(created.values())
    drained_at = None
    complete = False
    cases = decided = done = 0
    try:
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            time.sleep(2.0)
            try:
                procs = [psutil.Process(service.pid), *psutil.Process(service.pid).children()]
            except psutil.NoSuchProcess:
                raise SystemExit(f"the service stopped; see {tmp / 'workers.log'}") from None
            for p in procs:
                try:
                    peak[p.pid] = max(peak.get(p.pid, 0.0), p.memory_info().rss / 2**20)
                    wcpu[p.pid] = sum(p.cpu_times()[:2])
                except psutil.NoSuchProcess:
                    pass
            dbcpu.update(postgres_cpu())
            cases, decided, open_, done = progress(url)
            arrived = state.pending == 0
            if not args.quiet:
                print(f"  {kind}:{workers} t={time.monotonic() - (deadline - args.timeout):5.0f}s "
                      f"cases {cases}/{args.refunds} decided {decided} outbox open {open_} done {done}",
                      file=sys.stderr)
            if arrived and cases >= args.refunds and decided >= args.refunds and open_ == 0:
                drained_at = datetime.now(UTC)
                complete = True
                break
        drained_at = drained_at or datetime.now(UTC)
        lat = sorted(latencies(url, created))
    finally:
        service.terminate()
        try:
            service.wait(30)
        except subprocess.TimeoutExpired:
            service.kill()
        log.close()
        server.stop()
        if drop is not None:
            drop()
    calls = state.counters["top.requests"] + state.counters["shopify.requests"]
    elapsed = (drained_at - first).total_seconds()
    sandbox_cpu = sum(me.cpu_times()[:2]) - cpu0
    return Figures(
        run=f"{'PostgreSQL' if kind == 'pg' else 'SQLite'}, {workers} worker{'s' if workers > 1 else ''}",
        refunds=args.refunds, drained_s=round(elapsed, 1), cases=cases, decisions=decided,
        cases_per_s=round(cases / elapsed, 1), actions=done, actions_per_s=round(done / elapsed, 2),
        api_calls=calls, calls_per_case=round(calls / max(cases, 1), 3),
        p50_s=round(statistics.median(lat), 2) if lat else float("nan"),
        p99_s=round(lat[int(len(lat) * 0.99) - 1], 2) if lat else float("nan"),
        peak_rss_mb=sorted(round(v, 1) for v in peak.values()), sandbox_cpu_s=round(sandbox_cpu, 1),
        workers_cpu_s=round(sum(wcpu.values()), 1),
        db_cpu_s=round(sum(v - db0.get(pid, 0.0) for pid, v in dbcpu.items()), 1), complete=complete)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--refunds", type=int, default=100_000)
    parser.add_argument("--shops", type=int, default=500)
    parser.add_argument("--window", type=float, default=60.0, help="seconds over which the refunds arrive")
    parser.add_argument("--lead", type=float, default=5.0, help="seconds before the first refund")
    parser.add_argument("--poll", type=int, default=5, help="each shop's poll interval, seconds")
    parser.add_argument("--runs", default="pg:1,pg:2,pg:4,sqlite:1", help="kind:workers,...")
    parser.add_argument("--timeout", type=float, default=1800.0, help="give up a run after this many seconds")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    results = []
    for spec in args.runs.split(","):
        kind, _, n = spec.partition(":")
        figures = one_run(kind, int(n or 1), args)
        results.append(figures)
        if not args.quiet:
            print(json.dumps(asdict(figures)), file=sys.stderr)
    if args.json:
        print(json.dumps([asdict(f) for f in results]))
        return
    print(f"{args.refunds} refunds over {args.window:.0f} s across {args.shops} shops; poll {args.poll} s; "
          f"{os.cpu_count()} cores; load before {load[0]:.2f}")
    print("| run | drained in | cases/s | actions (auto) | actions/s | API calls/case | p50 / p99 refund → "
          "decision | peak RSS per worker | CPU s workers / sandbox / PostgreSQL |")
    print("|---|---|---|---|---|---|---|---|---|")
    for f in results:
        mark = "" if f.complete else " (NOT drained)"
        rss = ", ".join(f"{m:.0f}" for m in f.peak_rss_mb)
        print(f"| {f.run} | {f.drained_s:.0f} s{mark} | {f.cases_per_s:.0f} | {f.actions} | "
              f"{f.actions_per_s:.1f} | {f.calls_per_case:.2f} | {f.p50_s:.1f} s / {f.p99_s:.1f} s | "
              f"{rss} MB | {f.workers_cpu_s:.0f} / {f.sandbox_cpu_s:.0f} / "
              f"{f.db_cpu_s:.0f} |")


if __name__ == "__main__":
    main()
