"""The whole service on loopback over the sandbox marketplace, with shop tokens: what the review page's
browser test and ``scripts/screenshots.py`` look at.

Why here and not in a test helper: the screenshots script and the test must show the same thing, the
real ``run`` app (scheduler, API and review page in one process, ``runner.build_app``) over a SQLite
file, fed by the sandbox's seeded traffic, so a picture in the docs is of the code that ships. The
sandbox clock stands still (speed 0): deadlines on screen do not move while a browser looks.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, select

from marketplace_returns.security.tokens import issue_token
from marketplace_returns.service import queue
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext, real_triage
from marketplace_returns.service.db import make_engine, session_scope, upgrade_database
from marketplace_returns.service.demo import _connector_factory, _entries
from marketplace_returns.service.shops import save_shops
from marketplace_returns.service.tables import CaseRecord

SHOPS = ("demo-tb", "demo-tm")
"""The sandbox's Taobao and Tmall shops: their replies and reasons are Chinese."""


def system_chromium() -> str | None:
    """Debian's Chromium, which Playwright drives here (its own browser download is not reachable)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")



@dataclass
class Preview:
    url: str
    """The service's base URL (the review page is ``url + "/ui"``)."""
    sandbox_url: str
    ctx: ServiceContext
    tokens: dict[str, str] = field(default_factory=dict)
    """shop_id → a fresh API token, as ``marketplace-returns token create --shop`` prints it."""

    def pending(self, shop_id: str) -> list[tuple[queue.QueueItem, str]]:
        """This shop's queue as the page lists it: each item with the opaque id its URL carries."""
        with Session(self.ctx.db) as session:
            return [(queue.item(d, c), d.public_id or "")
                    for d, c in repo.list_queue(session, shop_id=shop_id, limit=500)]

    def sandbox_actions(self) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.sandbox_url}/_sandbox/actions", timeout=10).json())


def _serve(app: Any) -> tuple[Any, threading.Thread, str]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, name="preview-service", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the preview service did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


@contextmanager
def preview(directory: Path, *, seed: int = 5, refunds: int = 40,
            timeout_s: float = 60.0) -> Iterator[Preview]:
    """Sandbox + service on loopback; yields once the service has read every refund of the traffic."""
    from marketplace_returns.sandbox.config import build_state
    from marketplace_returns.sandbox.server import SandboxServer
    from marketplace_returns.service.runner import build_app

    state = build_state(seed=seed, speed=0)
    sandbox = SandboxServer(state, tick_seconds=None).start()
    url = f"sqlite:///{directory / 'preview.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    server: Any = None
    thread: threading.Thread | None = None
    try:
        clock = state.clock.now
        shops = httpx.get(f"{sandbox.url}/_sandbox/shops", timeout=10).json()
        with session_scope(engine) as session:
            save_shops(session, entries=_entries(sandbox.url, shops, {"taobao", "tmall"}), errors=[],
                       now=clock())
            tokens = {shop: issue_token(session, shop_id=shop, name="preview") for shop in SHOPS}
        httpx.post(f"{sandbox.url}/_sandbox/traffic", timeout=30, json={
            "count": refunds, "spread_seconds": 60, "seed": seed, "shops": list(SHOPS)}).raise_for_status()
        httpx.post(f"{sandbox.url}/_sandbox/advance", json={"seconds": 120}, timeout=10).raise_for_status()
        ctx = ServiceContext(db=engine, triage=real_triage(), clock=clock,
                             connector_factory=_connector_factory(clock))
        app, _ = build_app(ctx, push_interval_s=0.5)
        server, thread, base = _serve(app)
        end = time.monotonic() + timeout_s
        while True:
            with Session(engine) as session:
                read = len(session.exec(select(CaseRecord.id)).all())
            if read >= refunds:
                break
            if time.monotonic() > end:
                raise RuntimeError(f"the service read {read} of {refunds} refunds in {timeout_s} s")
            time.sleep(0.2)
        yield Preview(url=base, sandbox_url=sandbox.url, ctx=ctx, tokens=tokens)
    finally:
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(15)
        sandbox.stop()
        engine.dispose()
