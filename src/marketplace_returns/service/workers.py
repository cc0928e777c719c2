"""``run --workers N``: several worker processes over one PostgreSQL store.

Why processes and not threads: triage (jieba, the engine) and the SQL round trips are CPU-bound
Python, so one process cannot use a second core. Why no job library and no home-made consensus: the
two things workers must agree on already live in rows of our own tables, and PostgreSQL arbitrates
them —

* a shop's poll is leased with one conditional UPDATE on ``poll_cursors`` (owner, expiry, and
  ``polled_at`` so N workers read a shop about once per interval, not N times); a dead worker's lease
  simply expires and the next worker that asks takes it;
* outbox rows are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` and a lease, so two workers never
  hold the same row, and a ``sending`` row of a dead worker is re-checked on the platform before any
  re-send (pusher.py).

Each worker has its own scheduler (APScheduler drives only its own timing), its own connection pool
and worker id. The parent serves the HTTP API and is worker 0; the children only run the scheduler.
A child that dies is restarted after a short, growing pause: its leases expire, so nothing it held
is lost, and a dead worker costs throughput, not correctness. SQLite is the one-process store:
``--workers`` above 1 on SQLite is refused.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

from sqlalchemy.engine import make_url

from marketplace_returns.errors import ConfigError
from marketplace_returns.service import eventloop

log = logging.getLogger(__name__)

RESTART_PAUSE_S = (1.0, 30.0)
"""First and longest pause before a dead child is started again (it doubles per death in a row)."""


@dataclass(frozen=True)
class WorkerOptions:
    """What every worker process is started with (picklable: it crosses the spawn boundary)."""

    url: str
    poll_lease_s: float = 120.0
    push_lease_s: float = 60.0
    push_interval_s: float = 1.0
    poll_spacing: float = 0.5
    unknown_settle_s: float = 60.0
    platform_timeout_s: float | None = None


def check_workers(url: str, workers: int) -> None:
    """Refuse ``workers`` that the store cannot take (ConfigError naming the option)."""
    if workers < 1:
        raise ConfigError("--workers must be at least 1", path="workers")
    if workers > 1 and make_url(url).get_backend_name() == "sqlite":
        raise ConfigError("several workers need PostgreSQL; SQLite is the one-process store",
                          path="workers", hint="--db postgresql+psycopg://user@host/db, or --workers 1")


def make_context(options: WorkerOptions) -> Any:
    """A service context for one worker process."""
    from datetime import timedelta

    from marketplace_returns.service.context import ServiceContext, real_triage
    from marketplace_returns.service.db import make_engine

    return ServiceContext(db=make_engine(options.url), triage=real_triage(),
                          poll_lease=timedelta(seconds=options.poll_lease_s),
                          push_lease=timedelta(seconds=options.push_lease_s),
                          poll_spacing=options.poll_spacing,
                          unknown_settle=timedelta(seconds=options.unknown_settle_s),
                          platform_timeout_s=options.platform_timeout_s)


async def run_scheduler_only(ctx: Any, *, push_interval_s: float = 1.0,
                             parent_pid: int | None = None) -> None:
    """Run this worker's scheduler until SIGTERM/SIGINT (or until its parent is gone)."""
    from marketplace_returns.service.scheduler import ServiceScheduler

    scheduler = ServiceScheduler(ctx, push_interval_s=push_interval_s)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    scheduler.start()
    log.info("worker %s started (scheduler only)", ctx.worker)
    try:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            except TimeoutError:
                if parent_pid is not None and os.getppid() != parent_pid:
                    log.warning("worker %s: parent %d is gone; stopping", ctx.worker, parent_pid)
                    break
    finally:
        await scheduler.stop()
        await ctx.aclose()
        ctx.db.dispose()
        log.info("worker %s stopped", ctx.worker)


def _child_main(options: WorkerOptions, index: int, parent_pid: int) -> None:
    """Entry point of a spawned worker process."""
    from marketplace_returns.service.runner import configure_logging

    configure_logging()
    ctx = make_context(options)
    ctx.worker = f"{ctx.worker}:w{index}"
    eventloop.run(run_scheduler_only(ctx, push_interval_s=options.push_interval_s, parent_pid=parent_pid))


@dataclass
class Supervisor:
    """Starts worker processes 1..N-1 beside the parent, restarts the ones that die, stops them all."""

    options: WorkerOptions
    count: int
    _procs: dict[int, BaseProcess] = field(default_factory=dict)
    _deaths: dict[int, int] = field(default_factory=dict)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    restarts: int = 0

    def start(self) -> Supervisor:
        for index in range(1, self.count):
            self._spawn(index)
        self._thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)
        self._thread.start()
        return self

    def _spawn(self, index: int) -> None:
        proc = multiprocessing.get_context("spawn").Process(
            target=_child_main, args=(self.options, index, os.getpid()), name=f"marketplace-returns-w{index}")
        proc.start()
        self._procs[index] = proc
        log.info("worker %d started as pid %s", index, proc.pid)

    def _watch(self) -> None:
        next_start: dict[int, float] = {}
        while not self._stopping.wait(0.5):
            for index, proc in list(self._procs.items()):
                if proc.is_alive():
                    continue
                if index not in next_start:
                    deaths = self._deaths.get(index, 0) + 1
                    self._deaths[index] = deaths
                    low, high = RESTART_PAUSE_S
                    pause = min(high, low * 2 ** (deaths - 1))
                    log.error("worker %d (pid %s) died with exit code %s; restarting in %.0f s",
                              index, proc.pid, proc.exitcode, pause)
                    next_start[index] = time.monotonic() + pause
                elif time.monotonic() >= next_start[index] and not self._stopping.is_set():
                    del next_start[index]
                    self.restarts += 1
                    self._spawn(index)

    def pids(self) -> list[int]:
        return [p.pid for p in self._procs.values() if p.pid is not None and p.is_alive()]

    def stop(self, grace_s: float = 15.0) -> None:
        """SIGTERM every child, wait for them to finish their jobs, SIGKILL what is left."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for proc in self._procs.values():
            if proc.is_alive():
                proc.terminate()
        deadline = time.monotonic() + grace_s
        for proc in self._procs.values():
            proc.join(timeout=max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                log.warning("worker pid %s did not stop in %.0f s; killing it", proc.pid, grace_s)
                proc.kill()
                proc.join(timeout=5)
