"""``marketplace-returns demo --json`` on a short run: one JSON object, cases triaged, nothing doubled."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.mark.timeout(120)
def test_demo_json_short_run() -> None:
    done = subprocess.run([sys.executable, "-m", "marketplace_returns", "demo", "--json", "--seconds", "4",
                           "--seed", "3"], capture_output=True, text=True, timeout=110, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    for key in ("cases", "by_family", "by_action", "actions_pushed", "actions_confirmed_by_marketplace",
                "actions_duplicated", "seconds"):
        assert key in summary
    assert summary["cases"] > 0
    assert summary["actions_duplicated"] == 0
    assert sum(summary["by_family"].values()) == summary["cases"]
    assert summary["actions_pushed"] > 0
    assert summary["actions_confirmed_by_marketplace"] == summary["actions_pushed"]
    assert summary["seconds"] < 60
    assert 0 < summary["goods_back_followups"] == summary["returns_refunded_by_marketplace"]
    # Refund -> first suggestion, in wall seconds: bounded by a poll or two, not by the days (marketplace
    # time) until a goods-back follow-up, which the measure once picked up (p95 ~5,900 s).
    assert summary["latency_refund_to_queue_s"]["max"] < 30
