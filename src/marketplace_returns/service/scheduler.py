"""Timing: APScheduler 3.x drives a poll job per shop, the push job and the deadline job.

Why jobs are re-derived from the database and kept in APScheduler's memory store: our tables are the
truth (which shops exist, their intervals, what is due in the outbox, which deadlines near), so a
restart loses nothing by rebuilding jobs from them; APScheduler's SQLAlchemy job store would pickle
callables and arguments into a second, opaque copy of that truth that drifts from it and breaks on
any code change. A ``sync`` job re-reads the shops every few seconds, so a shop added with
``marketplace-returns shops add`` is picked up without a restart.

Every job is ``max_instances=1`` and ``coalesce=True``: a slow poll is never doubled by its own next
tick, and missed ticks collapse into one. Across processes the ``poll_cursors`` lease holds the same
line (see poller.py); APScheduler only drives this worker's own timing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext, utcnow
from marketplace_returns.service.db import session_scope
from marketplace_returns.service.deadlines import run_deadlines
from marketplace_returns.service.poll_log import log_poll
from marketplace_returns.service.poller import poll_shop
from marketplace_returns.service.pusher import push_due

log = logging.getLogger(__name__)


def poll_job_id(shop_id: str) -> str:
    return f"poll:{shop_id}"


class ServiceScheduler:
    """The scheduler of one worker. ``start()`` must run inside the event loop that will serve jobs."""

    def __init__(self, ctx: ServiceContext, *, push_interval_s: float = 1.0,
                 deadline_interval_s: float = 60.0, sync_interval_s: float = 10.0,
                 poll_jitter_fraction: float = 0.05, interval_scale: float = 1.0) -> None:
        self.ctx = ctx
        self.push_interval_s = push_interval_s
        self.deadline_interval_s = deadline_interval_s
        self.sync_interval_s = sync_interval_s
        self.poll_jitter_fraction = poll_jitter_fraction
        self.interval_scale = interval_scale
        """Multiplies every shop's poll interval (the demo compresses minutes into seconds)."""
        self.scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={"max_instances": 1, "coalesce": True,
                                                                        "misfire_grace_time": None})
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pushing = False
        self._again = False
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def _enter(self) -> None:
        self._running += 1
        self._idle.clear()

    def _leave(self) -> None:
        self._running -= 1
        if self._running == 0:
            self._idle.set()

    # -- jobs --------------------------------------------------------------------------------------

    async def _poll(self, shop_id: str) -> None:
        self._enter()
        try:
            report = await poll_shop(self.ctx, shop_id)
        finally:
            self._leave()
        if report.decisions:
            self.kick_push()
        if report.error:
            log.warning("poll %s: %s", shop_id, report.error)
        await log_poll(self.ctx, report)  # one INFO line per poll, one per case decided

    async def _push(self) -> None:
        self._pushing = True
        self._enter()
        try:
            while True:
                self._again = False
                report = await push_due(self.ctx)
                if report.claimed < self.ctx.push_batch and not self._again:
                    return
        finally:
            self._pushing = False
            self._leave()

    async def _deadlines(self) -> None:
        self._enter()
        try:
            enqueued = await run_deadlines(self.ctx)
        finally:
            self._leave()
        if enqueued:
            self.kick_push()

    async def _sync(self) -> None:
        self.sync_shops()

    # -- derivation from the database --------------------------------------------------------------

    def desired_polls(self) -> dict[str, float]:
        """shop_id → poll interval in seconds, for every active shop without a configuration error."""
        with session_scope(self.ctx.db) as session:
            return {s.shop_id: max(0.05, s.poll_interval_s * self.interval_scale)
                    for s in repo.list_shops(session, active_only=True) if not s.config_error}

    def sync_shops(self) -> None:
        wanted = self.desired_polls()
        for job in self.scheduler.get_jobs():
            if job.id.startswith("poll:") and job.id[5:] not in wanted:
                job.remove()
        for shop_id, interval in wanted.items():
            job = self.scheduler.get_job(poll_job_id(shop_id))
            jitter = min(2.0, interval * self.poll_jitter_fraction)  # spreads many shops' polls apart
            if job is not None and getattr(job.trigger, "interval", None) == timedelta(seconds=interval):
                continue
            trigger = IntervalTrigger(seconds=interval, jitter=jitter or None, timezone="UTC")
            self.scheduler.add_job(self._poll, trigger, args=[shop_id], id=poll_job_id(shop_id),
                                   replace_existing=True, next_run_time=utcnow(), name=f"poll {shop_id}")

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.ctx.kick_push = self.kick_push
        self.scheduler.add_job(self._push, IntervalTrigger(seconds=self.push_interval_s), id="push",
                               name="push outbox", next_run_time=utcnow())
        self.scheduler.add_job(self._deadlines, IntervalTrigger(seconds=self.deadline_interval_s),
                               id="deadline", name="deadlines", next_run_time=utcnow())
        self.scheduler.add_job(self._sync, IntervalTrigger(seconds=self.sync_interval_s), id="sync",
                               name="sync shops")
        self.sync_shops()
        self.scheduler.start()

    def poll_now(self, shop_id: str) -> None:
        """Run the shop's poll job now (a webhook's hint); thread-safe like :meth:`kick_push`."""
        self._soon(lambda: self._run_now(poll_job_id(shop_id)))

    def _run_now(self, job_id: str) -> None:
        job = self.scheduler.get_job(job_id)
        if job is not None:
            job.modify(next_run_time=utcnow())

    def _soon(self, fn: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            fn()
        else:
            loop.call_soon_threadsafe(fn)

    def kick_push(self) -> None:
        """Run the push job now (thread-safe: the API calls this from its worker threads)."""

        def wake() -> None:
            if self._pushing:  # the running round takes another turn instead of a skipped instance
                self._again = True
                return
            self._run_now("push")

        self._soon(wake)

    def jobs(self) -> list[dict[str, Any]]:
        out = []
        for job in self.scheduler.get_jobs():
            nxt: datetime | None = job.next_run_time
            out.append({"id": job.id, "next_run_time": nxt.isoformat() if nxt else None,
                        "max_instances": job.max_instances, "coalesce": job.coalesce})
        return out

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop starting jobs, let the running ones finish (a poll commits its batch), then shut down."""
        if self.scheduler.running:
            self.scheduler.pause()
        try:
            async with asyncio.timeout(grace_s):
                await self._idle.wait()
        except TimeoutError:
            log.warning("jobs still running after %.0f s; stopping anyway", grace_s)
        self.shutdown()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.ctx.kick_push = None
