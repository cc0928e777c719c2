"""The sandbox marketplace with the service's shops configured, for the e2e and kill-restart tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from marketplace_returns.connectors.registry import create_connector
from marketplace_returns.sandbox.config import build_state
from marketplace_returns.sandbox.server import SandboxServer
from marketplace_returns.service.context import ServiceContext, real_triage
from marketplace_returns.service.db import make_engine, session_scope
from marketplace_returns.service.demo import _entries
from marketplace_returns.service.shops import save_shops


@dataclass
class Running:
    server: SandboxServer
    state: Any

    @property
    def url(self) -> str:
        return self.server.url

    def actions(self) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.url}/_sandbox/actions", timeout=10).json())

    def traffic(self, count: int, seed: int, shops: tuple[str, ...] = ("demo-tb", "demo-tm")) -> None:
        res = httpx.post(f"{self.url}/_sandbox/traffic", timeout=30, json={
            "count": count, "spread_seconds": 60, "seed": seed, "shops": list(shops)})
        res.raise_for_status()
        httpx.post(f"{self.url}/_sandbox/advance", json={"seconds": 120}, timeout=10).raise_for_status()


@contextmanager
def sandbox(seed: int = 5) -> Iterator[Running]:
    state = build_state(seed=seed, speed=0)
    server = SandboxServer(state, tick_seconds=None).start()
    try:
        yield Running(server, state)
    finally:
        server.stop()


def service_context(db_url: str, running: Running, platforms: frozenset[str] = frozenset({"taobao", "tmall"}),
                    **kwargs: Any) -> ServiceContext:
    """A context over ``db_url`` with the sandbox's shops of ``platforms`` saved (env: references)."""
    engine = make_engine(db_url)
    shops = httpx.get(f"{running.url}/_sandbox/shops", timeout=10).json()
    clock = running.state.clock.now
    with session_scope(engine) as session:
        save_shops(session, entries=_entries(running.url, shops, set(platforms)), errors=[], now=clock())
    kwargs.setdefault("clock", clock)
    return ServiceContext(db=engine, triage=real_triage(), connector_factory=lambda p: create_connector(
        p, clock=clock, backfill_seconds=3600, max_attempts=3), **kwargs)
