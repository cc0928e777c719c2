"""CPU of one poll attempt that finds the shop leased by another worker (what extra workers pay for).

    .venv/bin/python bench/lease_attempts.py                 # 2,000 attempts on a fresh PostgreSQL database
    .venv/bin/python bench/lease_attempts.py --attempts 5000

Every worker ticks every shop's poll, so with N workers about N-1 attempts in N find the shop leased or
just polled (bench/burst.py's 4-worker runs). What runs: a worker's own ``_prepare`` step (shop row,
its configuration, the lease UPDATE, commit), over a fresh database in which another worker holds the
lease. Printed: CPU per failed attempt in this process and in the PostgreSQL server processes, and wall
time per attempt.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from pathlib import Path

import psutil
from sqlmodel import Session

from burst import PG_BASE, fresh_database  # bench/ is on the path when a script in it runs
from marketplace_returns.service import poller
from marketplace_returns.service import repository as repo
from marketplace_returns.service.db import session_scope, upgrade_database
from marketplace_returns.service.tables import Shop
from marketplace_returns.service.workers import WorkerOptions, make_context


def postgres_cpu() -> float:
    total = 0.0
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] and "postgres" in proc.info["name"]:
            try:
                times = proc.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=2000)
    args = parser.parse_args()
    url, drop = fresh_database("pg", Path("."))
    try:
        upgrade_database(url)
        ctx = make_context(WorkerOptions(url=url))
        with Session(ctx.db) as session:
            session.add(Shop(shop_id="tb-0001", platform="taobao", base_url="http://127.0.0.1:1/router/rest",
                             credentials_ref={}, poll_interval_s=20))
            session.commit()
        with session_scope(ctx.db) as session:  # another worker polls this shop right now
            assert repo.acquire_poll_lease(session, shop_id="tb-0001", owner="another-worker",
                                           now=ctx.now(), ttl=timedelta(seconds=120))
        for _ in range(200):  # warm the pool, the playbook cache and SQLAlchemy's statement cache
            poller._prepare(ctx, "tb-0001")
        cpu, server, wall = time.process_time(), postgres_cpu(), time.perf_counter()
        for _ in range(args.attempts):
            outcome = poller._prepare(ctx, "tb-0001")
        cpu, server = time.process_time() - cpu, postgres_cpu() - server
        wall = time.perf_counter() - wall
        assert outcome == "leased by another worker", outcome
        each = 1e3 / args.attempts
        print(f"{args.attempts} failed attempts: worker {cpu * each:.2f} ms CPU, PostgreSQL "
              f"{server * each:.2f} ms CPU, wall {wall * each:.2f} ms each (on {PG_BASE.rsplit('@', 1)[-1]})")
        ctx.db.dispose()
    finally:
        if drop is not None:
            drop()


if __name__ == "__main__":
    main()
