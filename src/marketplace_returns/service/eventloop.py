"""Run a coroutine on uvloop where it is installed, else on asyncio's own loop.

Why: a worker's event loop drives hundreds of HTTP calls a second during a burst, and the loop's own
bookkeeping (callbacks, socket readiness, timers) is a share of that CPU that uvloop does in C.
Nothing in the package depends on which loop runs; uvloop is optional (it does not build on Windows).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or ``None`` (asyncio's default) when uvloop is not installed."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on the fastest loop available."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
