"""Run the sandbox app on 127.0.0.1 in a background thread, with a ticker that moves its time along.

Why a thread and not a subprocess: tests, the demo and the benchmarks want the state object itself
at hand (to seed it, to read ``actions`` after a run) while the connector talks to it over real
loopback HTTP. The ticker calls ``state.advance()`` so that traffic appears, buyers act and
deadlines pass while the clock runs (at ``speed`` for the demo).
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

import uvicorn

from marketplace_returns.sandbox.app import build_app
from marketplace_returns.sandbox.config import build_state
from marketplace_returns.sandbox.state import SandboxState
from marketplace_returns.service import eventloop

START_TIMEOUT_SECONDS = 10.0


class SandboxServer:
    """``with SandboxServer(state) as sb: httpx.get(sb.url + "/_sandbox/state")``."""

    def __init__(self, state: SandboxState | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 tick_seconds: float | None = 0.2, log_level: str = "warning") -> None:
        self.state = state if state is not None else build_state()
        self.host, self.port = host, port
        self.tick_seconds = tick_seconds
        self._config = uvicorn.Config(build_app(self.state), host=host, port=port, log_level=log_level,
                                      lifespan="off", access_log=False,
                                      date_header=False)  # the app states the sandbox's own time
        self._server = uvicorn.Server(self._config)
        self._thread: threading.Thread | None = None
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        if not self._server.started:
            raise RuntimeError("the sandbox server is not running")
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self._run, name="sandbox-http", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"the sandbox server did not start: {self._error!r}")
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start in time")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        if self.tick_seconds:
            self._ticker = threading.Thread(target=self._tick, name="sandbox-ticker", daemon=True)
            self._ticker.start()
        return self

    def _run(self) -> None:
        try:
            eventloop.run(self._server.serve())
        except BaseException as exc:  # reported by start()
            self._error = exc

    def _tick(self) -> None:
        assert self.tick_seconds
        while not self._stop.wait(self.tick_seconds):
            self.state.advance()

    def stop(self) -> None:
        self._stop.set()
        self._server.should_exit = True
        for thread in (self._ticker, self._thread):
            if thread is not None:
                thread.join(timeout=START_TIMEOUT_SECONDS)

    def serve_forever(self) -> None:
        """Block until interrupted (Ctrl-C), then stop."""
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
