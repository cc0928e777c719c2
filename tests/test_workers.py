"""``run --workers``: refused on SQLite; on PostgreSQL the supervisor keeps N-1 children alive."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marketplace_returns.cli import app
from marketplace_returns.service.workers import Supervisor, WorkerOptions
from service_db import migrated


def test_several_workers_on_sqlite_are_refused_naming_the_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", "--workers", "2", "--db", f"sqlite:///{tmp_path / 's.db'}"])
    assert result.exit_code == 2
    assert "several workers need PostgreSQL" in result.output
    assert "workers" in result.output


def _wait(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_supervisor_restarts_a_killed_worker_and_stops_them_all(postgres_url: str, tmp_path: Path) -> None:
    with migrated("postgres", tmp_path, postgres_url) as url:
        supervisor = Supervisor(WorkerOptions(url=url), 3).start()
        try:
            assert _wait(lambda: len(supervisor.pids()) == 2, 30), supervisor.pids()
            first = supervisor.pids()
            os.kill(first[0], signal.SIGKILL)
            assert _wait(lambda: supervisor.restarts == 1 and len(supervisor.pids()) == 2, 30)
            assert first[0] not in supervisor.pids() and first[1] in supervisor.pids()
            survivors = supervisor.pids()
        finally:
            supervisor.stop(grace_s=20)
        assert supervisor.pids() == []
        for pid in survivors:  # stopped by SIGTERM, reaped: no such process any more
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
