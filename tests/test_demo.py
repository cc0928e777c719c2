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
    # Every marketplace call is counted by kind, and the only action that takes two calls is a counter-offer
    # (negotiate, then its message), so the calls exceed the pushed actions by exactly the negotiations.
    by_kind = summary["marketplace_writes_by_action"]
    assert sum(by_kind.values()) == summary["marketplace_writes"]
    assert summary["marketplace_writes"] == summary["actions_pushed"] + by_kind.get("negotiate", 0)
    assert 0 < summary["goods_back_followups"] == summary["returns_refunded_by_marketplace"]
    # Refund -> first suggestion, in wall seconds: bounded by a poll or two, not by the days (marketplace
    # time) until a goods-back follow-up, which the measure once picked up (p95 ~5,900 s).
    assert summary["latency_refund_to_queue_s"]["max"] < 30


def test_accept_to_push_pairs_each_push_with_the_accept_before_it() -> None:
    from datetime import UTC, datetime, timedelta

    from marketplace_returns.service.demo import _accept_to_push
    from marketplace_returns.service.tables import AuditEvent

    t0 = datetime(2026, 11, 11, tzinfo=UTC)

    def event(name: str, case_id: int, seconds: float) -> AuditEvent:
        return AuditEvent(at=t0 + timedelta(seconds=seconds), case_id=case_id, actor="t", event=name)

    audit = [event("accepted", 1, 0), event("pushed", 1, 3),          # first decision of case 1
             event("edited", 2, 10), event("pushed", 2, 16),
             event("accepted", 1, 100), event("pushed", 1, 106),    # its goods-back follow-up
             event("pushed", 3, 200)]                               # pushed on its own (automatic)
    # In marketplace seconds ÷ 30; by case alone, case 1's first push would be timed from the second accept.
    assert _accept_to_push(audit, 30.0) == [0.1, 0.2, 0.2]
