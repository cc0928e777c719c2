"""Helper process for tests/test_body_limit_live.py (not a test): serve the API under uvicorn.

    python tests/serve_api.py DB_DIR PORT

Creates a migrated SQLite store in DB_DIR with one shop polled through the fake platform, prints a
token for that shop on the first line, then serves until killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import uvicorn
from sqlmodel import Session

from marketplace_returns.security.tokens import issue_token
from marketplace_returns.service.api import create_app
from marketplace_returns.service.poller import poll_shop
from service_db import migrated
from service_fakes import FakeClock, FakeConnector, make_context


def main() -> None:
    folder, port = Path(sys.argv[1]), int(sys.argv[2])
    with migrated("sqlite", folder, None) as url:
        platform = FakeConnector()
        platform.add("r1", reason="manual", price="80", message="Sorry about that.")
        ctx = make_context(url, platform, FakeClock())
        asyncio.run(poll_shop(ctx, "shop-a"))
        with Session(ctx.db) as session:
            token = issue_token(session, shop_id="shop-a")
            session.commit()
        print(token, flush=True)
        uvicorn.run(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
