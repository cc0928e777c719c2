"""Faults the sandbox injects on request, drawn from one seeded generator so a failing run replays.

Why here and not in each router: the test or the demo sets the rates once (``POST /_sandbox/faults``)
and both routers draw from the same plan; each renders the fault in its own wire format (TOP's code 7
or an isp.* error_response, Shopify's THROTTLED or a 502). ``stale`` is applied by the state itself:
it bumps a refund's version just before a write lands, as a buyer editing the request would.
``slow_write`` stalls a write alone (a TOP write method, a Shopify mutation) for ``timeout_seconds`` and
then applies it: the write lands after a client with a shorter timeout gave up, while reads stay quick.
"""

from __future__ import annotations

import random
import threading
from typing import Any

KINDS = ("5xx", "timeout", "throttle", "duplicate_page", "reorder_page", "stale", "slow_write")


class FaultPlan:
    """Per-kind probabilities in [0, 1] and a seeded ``random.Random`` to draw them with."""

    def __init__(self, rates: dict[str, float] | None = None, *, seed: int = 0,
                 timeout_seconds: float = 2.0) -> None:
        self._lock = threading.Lock()
        self.seed = seed
        self.rng = random.Random(seed)
        self.rates: dict[str, float] = dict.fromkeys(KINDS, 0.0)
        self.timeout_seconds = timeout_seconds
        self.drawn: dict[str, int] = dict.fromkeys(KINDS, 0)
        self.update(rates or {})

    def update(self, rates: dict[str, float], *, seed: int | None = None,
               timeout_seconds: float | None = None) -> None:
        """Change rates (unknown kinds and rates outside [0, 1] are refused with ValueError)."""
        for kind, rate in rates.items():
            if kind not in self.rates:
                raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
            if not 0.0 <= float(rate) <= 1.0:
                raise ValueError(f"rate of {kind} must be within [0, 1], got {rate}")
        if timeout_seconds is not None and not 0 <= timeout_seconds <= 30:
            raise ValueError("timeout_seconds must be within [0, 30]")
        with self._lock:
            for kind, rate in rates.items():
                self.rates[kind] = float(rate)
            if seed is not None:
                self.seed, self.rng = seed, random.Random(seed)
            if timeout_seconds is not None:
                self.timeout_seconds = timeout_seconds

    def draw(self, kind: str) -> bool:
        """True when a fault of ``kind`` should happen now (a zero rate never consumes randomness)."""
        with self._lock:
            rate = self.rates[kind]
            if rate <= 0.0:
                return False
            hit = self.rng.random() < rate
            if hit:
                self.drawn[kind] += 1
            return hit

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {"rates": dict(self.rates), "seed": self.seed, "timeout_seconds": self.timeout_seconds,
                    "drawn": dict(self.drawn)}
