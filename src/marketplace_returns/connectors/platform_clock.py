"""The platform's "now", as its own answers tell it, for capping a poll's window.

Why: cursor discipline caps each poll's window at the run's start, so nothing stamped later can be
skipped. That start must be on the *platform's* clock: a record is stamped by the platform, and a poll
that caps at our clock misses whatever the platform stamped ahead of it until our clock catches up.
Real platforms run at real time, a few seconds off ours at most; the sandbox runs ``--speed`` times
faster than real time, so after 15 minutes at 30× its stamps were hours ahead and ``run`` read only
the refunds whose stamps had come due on the real clock (24 of 35).

Every answer of an owned HTTP client passes :meth:`PlatformClock.observe`: the standard ``Date`` header
(a second's resolution) or the sandbox's ``X-Sandbox-Now`` and ``X-Sandbox-Speed``. ``now(base_url)``
is the last observed platform time of that origin plus the real time since, times the speed (1 unless
the platform says otherwise). Before a process's first poll of an origin, :meth:`learn` asks it once
(a ``HEAD``); if that fails too, our own clock caps the window, as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

NOW_HEADER = "x-sandbox-now"
SPEED_HEADER = "x-sandbox-speed"
MAX_SPEED = 100_000.0


@dataclass(frozen=True, slots=True)
class Observation:
    platform_now: datetime
    monotonic: float
    speed: float


def _origin(url: str | httpx.URL) -> str:
    u = httpx.URL(str(url))
    return f"{u.scheme}://{u.host}:{u.port or ''}"


def read_headers(headers: httpx.Headers) -> tuple[datetime, float] | None:
    """The platform's time and clock speed an answer states, or ``None``."""
    precise = headers.get(NOW_HEADER)
    moment: datetime | None = None
    if precise:
        try:
            moment = datetime.fromisoformat(precise)
        except ValueError:
            moment = None
    if moment is None and headers.get("date"):
        try:
            moment = parsedate_to_datetime(headers["date"])
        except (TypeError, ValueError):
            return None
    if moment is None or moment.tzinfo is None:
        return None
    try:
        speed = float(headers.get(SPEED_HEADER, "1"))
    except ValueError:
        speed = 1.0
    return moment.astimezone(UTC), min(max(speed, 0.0), MAX_SPEED)


class PlatformClock:
    """Per platform origin, the last time it stated; shared by a connector's calls (thread-safe)."""

    def __init__(self, local: Callable[[], datetime] | None = None) -> None:
        self._local = local or (lambda: datetime.now(UTC))
        self._seen: dict[str, Observation] = {}
        self._lock = threading.Lock()

    def observe(self, url: str | httpx.URL, headers: httpx.Headers) -> None:
        stated = read_headers(headers)
        if stated is None:
            return
        moment, speed = stated
        with self._lock:
            self._seen[_origin(url)] = Observation(moment, time.monotonic(), speed)

    async def hook(self, response: httpx.Response) -> None:
        """An ``httpx`` response event hook."""
        self.observe(response.request.url, response.headers)

    async def learn(self, http: httpx.AsyncClient, base_url: str) -> None:
        """Ask the platform for its time once per origin (a ``HEAD`` of its origin: any answer states it),
        so even a process's first poll caps on the platform's clock. A failure leaves our own clock."""
        origin = _origin(base_url)
        with self._lock:
            if origin in self._seen:
                return
        url = httpx.URL(base_url).copy_with(path="/", query=None, fragment=None)
        try:
            response = await http.head(url, timeout=5.0)
        except Exception:  # a probe: whatever goes wrong, the poll goes on with our own clock
            return
        self.observe(url, response.headers)

    def now(self, base_url: str) -> datetime:
        """The platform's time now at ``base_url``'s origin (our clock when it never said)."""
        with self._lock:
            seen = self._seen.get(_origin(base_url))
        if seen is None:
            return self._local()
        return seen.platform_now + timedelta(seconds=(time.monotonic() - seen.monotonic) * seen.speed)


__all__ = ["NOW_HEADER", "SPEED_HEADER", "PlatformClock", "read_headers"]
