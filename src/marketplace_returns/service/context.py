"""What every job of the service shares: the database, the engine port, connectors, the clock.

Why a context object and not module globals: tests run several services side by side (two "workers"
over one database, a fake clock, a fake engine), and the kill-and-restart test needs a hook right after
the platform call. Everything a job needs comes in through here; nothing is cached at module level.

The engine port (:class:`Triage`) is the four functions the service uses from
``marketplace_returns.engine`` — ``evaluate``, ``load_playbook``, ``default_playbook_for``,
``check_outgoing`` — so unit tests can pass a small fake and the real engine is imported only when
the service runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any

from sqlalchemy.engine import Engine

from marketplace_returns.connectors.base import ActionResult, Capabilities, Connector
from marketplace_returns.models.case import Case
from marketplace_returns.models.decision import Decision
from marketplace_returns.service.tables import OutboxAction, Shop


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Triage:
    """The engine as the service sees it."""

    evaluate: Callable[[Case, Any], Decision]
    load_playbook: Callable[..., Any]
    default_playbook_for: Callable[[Case], Any]
    check_outgoing: Callable[[str], Any]


def real_triage() -> Triage:
    """The package's engine (imported here, at service start, not at import of this module)."""
    engine: Any = import_module("marketplace_returns.engine")
    return Triage(evaluate=engine.evaluate, load_playbook=engine.load_playbook,
                  default_playbook_for=engine.default_playbook_for, check_outgoing=engine.check_outgoing)


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class ServiceContext:
    db: Engine
    triage: Triage
    clock: Callable[[], datetime] = utcnow
    worker: str = field(default_factory=_worker_id)
    connector_factory: Callable[[str], Connector] | None = None
    poll_lease: timedelta = timedelta(seconds=120)
    push_lease: timedelta = timedelta(seconds=60)
    unknown_settle: timedelta = timedelta(seconds=60)
    """How long a write whose outcome is unknown (it timed out) is left alone before the platform is asked
    whether it landed: longer than the platform may go on working on a request the client gave up on."""
    platform_timeout_s: float | None = None
    """Seconds a platform call may take before the client gives up (None: the connector's default)."""
    poll_spacing: float = 0.0
    """Fraction of a shop's interval that must pass after its last poll before any worker polls it
    again (0: off). ``run`` sets it so N workers read a shop about once per interval, not N times."""
    push_batch: int = 20
    max_attempts: int = 8
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    after_apply: Callable[[OutboxAction, ActionResult], None] | None = None
    """Test hook: runs right after the platform answered, before the answer is recorded."""
    kick_push: Callable[[], None] | None = None
    """Set by the scheduler: run the push job now (a rep's accept should not wait for the next tick)."""
    poll_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    max_concurrent_polls: int = 16
    """Shops this process polls at once. Why a cap: with hundreds of shops every tick would start
    hundreds of polls, each with its detail reads, and exhaust the HTTP pool (PoolTimeout) and the
    platform's patience; the others wait for a slot (their next ticks coalesce meanwhile)."""
    _poll_slots: asyncio.Semaphore | None = None
    """One lock per shop in this process (the database lease covers other processes)."""
    _connectors: dict[str, Connector] = field(default_factory=dict)
    _playbooks: dict[tuple[str, str], Any] = field(default_factory=dict)
    _profiles: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    def poll_slots(self) -> asyncio.Semaphore:
        """The semaphore that caps this process's concurrent polls (made in the running loop)."""
        if self._poll_slots is None:
            self._poll_slots = asyncio.Semaphore(max(1, self.max_concurrent_polls))
        return self._poll_slots

    def connector(self, platform: str) -> Connector:
        found = self._connectors.get(platform)
        if found is None:
            if self.connector_factory is not None:
                found = self.connector_factory(platform)
            else:
                from marketplace_returns.connectors.registry import create_connector

                extra = {"timeout": self.platform_timeout_s} if self.platform_timeout_s else {}
                found = create_connector(platform, **extra)
            self._connectors[platform] = found
        return found

    def penalises(self, platform: str, reason: str | None) -> str | None:
        """The platform metric a buyer's reason counts against (profile table), None if none or unknown."""
        if platform not in self._profiles:
            from marketplace_returns.errors import ProfileError
            from marketplace_returns.profiles import load_profile

            try:
                self._profiles[platform] = load_profile(platform)
            except ProfileError:
                self._profiles[platform] = None
        profile = self._profiles[platform]
        return profile.penalises(reason) if profile is not None else None

    def capabilities(self, platform: str) -> Capabilities:
        return self.connector(platform).capabilities()

    def playbook_for(self, shop: Shop, case: Case | None) -> tuple[str, Any]:
        """The playbook for a case of ``shop`` (the shop's own, else the engine's default for the case),
        with the shop's overrides, loaded once per name and overrides. PlaybookError when it does not load.
        """
        if shop.playbook:
            name = shop.playbook
        elif case is not None:
            name = str(self.triage.default_playbook_for(case))
        else:
            return "", None
        key = (name, json.dumps(shop.overrides or {}, sort_keys=True, default=str))
        if key not in self._playbooks:
            self._playbooks[key] = self.triage.load_playbook(name, overrides=shop.overrides or None)
        return name, self._playbooks[key]

    def backoff(self, attempts: int, retry_after: float | None = None) -> timedelta:
        """Exponential backoff with jitter (the upper half of the step), at least the platform's hint."""
        step = min(self.backoff_cap_s, self.backoff_base_s * (2 ** max(0, attempts - 1)))
        delay = step / 2 + self.rng.random() * step / 2
        if retry_after is not None:
            delay = max(delay, retry_after)
        return timedelta(seconds=delay)

    async def aclose(self) -> None:
        for connector in self._connectors.values():
            await connector.aclose()
        self._connectors.clear()
