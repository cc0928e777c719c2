"""schemathesis ``st run --checks all`` against the API served by uvicorn over real HTTP: any finding
fails the test (and CI with it).

The in-process test (tests/test_api_fuzz.py) also checks that a refused request wrote nothing; this one
runs schemathesis' own command line, as CI or a reviewer would, with every check it has — status codes
and bodies against the published schema, schema-valid data accepted, schema-invalid data refused,
authentication honoured, headers, methods, stateful links — plus its coverage and stateful phases.
The only adjustment is in tests/schemathesis.toml (422 allowed for a few cross-field rules OpenAPI
cannot state; each is named there). Real ids of the store (a decision, a case, an open manual task) are
supplied so the id routes are exercised beyond their 404s.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlmodel import Session

from marketplace_returns.security.tokens import issue_token
from marketplace_returns.service import repository as repo
from marketplace_returns.service import tasks
from marketplace_returns.service.api import create_app
from marketplace_returns.service.poller import poll_shop
from service_db import migrated
from service_fakes import FakeClock, FakeConnector, make_context

pytestmark = pytest.mark.slow
CONFIG = Path(__file__).with_name("schemathesis.toml")
ST = Path(sys.executable).with_name("st")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, str, str, str]]:
    platform = FakeConnector()
    for rid, reason, price in (("r1", "manual", "80"), ("r2", "steer", "50"), ("r3", "manual", "20"),
                               ("r4", "manual", "35")):
        platform.add(rid, reason=reason, price=price, message="Sorry about that.")
    with migrated("sqlite", tmp_path, None) as url:
        ctx = make_context(url, platform, FakeClock(), shops=("shop-a", "shop-b"))
        asyncio.run(poll_shop(ctx, "shop-a"))
        with Session(ctx.db) as session:
            token = issue_token(session, shop_id="shop-a")
            session.commit()
            pending = repo.list_queue(session, shop_id="shop-a")
            decision, case = pending[-1]
            decision_ref, case_ref = str(decision.public_id), str(case.public_id)
            # an open manual task on another case (what an accepted exchange on TOP leaves a rep)
            other, other_case = pending[0]
            task = tasks.open_task(session, case=other_case, decision=other, action="exchange",
                                   how="arrange it with the buyer", amount=None, reply_text=None, rep="ann",
                                   now=ctx.now())
            session.commit()
            task_ref = task.public_id
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_app(ctx), log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        try:
            yield base, token, decision_ref, case_ref, task_ref
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()
            ctx.db.dispose()


@pytest.mark.timeout(600)
def test_schemathesis_checks_all_finds_nothing(served: tuple[str, str, str, str, str],
                                               tmp_path: Path) -> None:
    base, token, decision, case, task = served
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.read_text() + f'''
[parameters]
"path.decision_id" = "{decision}"
"path.case_id" = "{case}"
"path.task_id" = "{task}"
''')
    run = subprocess.run(
        [str(ST), "--config-file", str(config), "--no-color", "run", f"{base}/openapi.json",
         "--checks", "all", "-H", f"Authorization: Bearer {token}", "--max-examples", "40", "--seed", "14",
         "--generation-database", "none", "--workers", "1"],
        capture_output=True, text=True, timeout=540, check=False, cwd=tmp_path)
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    assert "passed" in run.stdout and "failures" not in run.stdout.split("SUMMARY")[-1], report
