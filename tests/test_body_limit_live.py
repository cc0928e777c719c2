"""A 200 MB body sent to the API served by uvicorn over a socket, chunked or with a Content-Length,
with or without a token: an early 413, and the server's resident memory grows by less than 20 MB."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

pytestmark = pytest.mark.slow
HELPER = Path(__file__).with_name("serve_api.py")
HUGE = 200 * 1024 * 1024
CHUNK = 256 * 1024


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str, psutil.Process]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    path = os.pathsep.join([str(HELPER.parent), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    proc = subprocess.Popen([sys.executable, str(HELPER), str(tmp_path), str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert proc.stdout is not None
        token = proc.stdout.readline().strip()
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base, token, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def _body(counter: list[int]) -> Iterator[bytes]:
    block = b"x" * CHUNK
    while counter[0] < HUGE:
        counter[0] += CHUNK
        yield block


@pytest.mark.timeout(120)
@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "content-length"])
@pytest.mark.parametrize("with_token", [False, True], ids=["no-token", "token"])
def test_a_200_mb_body_gets_an_early_413_and_no_memory(server: tuple[str, str, psutil.Process],
                                                       declared: bool, with_token: bool) -> None:
    base, token, process = server
    decision = httpx.get(f"{base}/queue", headers={"Authorization": f"Bearer {token}"}).json()[0]["id"]
    before = process.memory_info().rss
    sent = [0]
    headers = {"Content-Type": "application/json"}
    if with_token:
        headers["Authorization"] = f"Bearer {token}"
    if declared:
        headers["Content-Length"] = str(HUGE)
    started = time.monotonic()
    try:
        status = httpx.post(f"{base}/queue/{decision}/accept", content=_body(sent), headers=headers,
                            timeout=60).status_code
    except httpx.HTTPError:  # the server may close the socket after its 413 while we still write
        status = 413
    elapsed = time.monotonic() - started
    grown = process.memory_info().rss - before
    assert status == 413
    assert grown < 20 * 1024 * 1024, f"RSS grew {grown / 1e6:.1f} MB"
    assert elapsed < 30
    assert httpx.get(f"{base}/health", timeout=5).json() == {"status": "ok"}  # still serving
