"""Helper process for tests/test_kill_restart.py (not a test): drain the outbox once.

    python tests/kill_pusher.py DB_URL OFFSET_SECONDS [kill]

With ``kill`` the process SIGKILLs itself right after the first platform call returns, before the
answer is recorded: the worst moment for exactly-once. ``OFFSET_SECONDS`` shifts its clock (the rows
were written on the sandbox's clock; a later offset also lets a dead worker's claims expire).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from marketplace_returns.connectors.registry import create_connector
from marketplace_returns.service.context import ServiceContext, real_triage
from marketplace_returns.service.db import make_engine
from marketplace_returns.service.pusher import push_due


def main() -> None:
    db_url, offset = sys.argv[1], float(sys.argv[2])
    kill = len(sys.argv) > 3 and sys.argv[3] == "kill"

    def die(action: Any, result: Any) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    ctx = ServiceContext(db=make_engine(db_url), triage=real_triage(),
                         clock=lambda: datetime.now(UTC) + timedelta(seconds=offset),
                         after_apply=die if kill else None,
                         connector_factory=lambda p: create_connector(p, max_attempts=3))

    async def drain() -> None:
        while (await push_due(ctx)).claimed:
            pass
        await ctx.aclose()

    asyncio.run(drain())


if __name__ == "__main__":
    main()
