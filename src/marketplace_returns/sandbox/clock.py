"""The sandbox's clock: real time sped up for the demo, or frozen and stepped by hand in tests.

Why not ``datetime.now``: deadlines are days long and returns take hours to come back, so the demo
runs simulated time at ``speed`` times real time, and tests freeze it (``speed=0``) and call
``advance`` so that a deadline passes in a line of code rather than in two days.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """Simulated UTC time: ``start + (elapsed real time) × speed + manual advances``."""

    def __init__(self, start: datetime | None = None, *, speed: float = 1.0) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        base = start or datetime.now(UTC)
        if base.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._lock = threading.Lock()
        self._base = base.astimezone(UTC)
        self._real = time.monotonic()
        self._speed = speed

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        with self._lock:
            return self._base + timedelta(seconds=(time.monotonic() - self._real) * self._speed)

    def now_s(self) -> datetime:
        """``now()`` to the whole second, as the platforms' timestamps are."""
        return self.now().replace(microsecond=0)

    def set_speed(self, speed: float) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        with self._lock:
            real = time.monotonic()
            self._base += timedelta(seconds=(real - self._real) * self._speed)
            self._real, self._speed = real, speed

    def advance(self, seconds: float) -> datetime:
        """Jump forward ``seconds`` of simulated time; returns the new now."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._base += timedelta(seconds=seconds)
        return self.now()
