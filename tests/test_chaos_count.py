"""bench/chaos.py's count: each definition of its docstring, on hand-made rows and sandbox writes."""

from __future__ import annotations

from typing import Any

from bench_module import load_bench
from marketplace_returns.service.tables import DecisionRecord, OutboxAction

chaos: Any = load_bench("chaos.py", "chaos_bench")


def _row(i: int, refund: str, action: str, status: str, outcome: str | None, *, reply: str | None = None,
         case: int | None = None, decision: int | None = None) -> OutboxAction:
    return OutboxAction(id=i, case_id=case or i, decision_id=decision or i, shop_id="s", refund_id=refund,
                        action=action, status=status, outcome=outcome, reply_text=reply,
                        idempotency_key=f"k{i}")


def _write(refund: str, action: str, outcome: str = "applied", content: str | None = None) -> dict[str, Any]:
    return {"refund_id": refund, "action": action, "outcome": outcome,
            "params": {"content": content} if content is not None else {}}


def test_each_definition_is_counted() -> None:
    rows = [
        _row(1, "r1", "refund_without_return", "done", "applied"),             # applied (agree_refund)
        _row(2, "r2", "request_evidence", "done", "applied", reply="Photos?"),  # applied, then posted twice
        _row(3, "r3", "refuse", "done", "applied"),                             # lost: no write anywhere
        _row(4, "r4", "return_and_refund", "done", "stale", case=4, decision=4),   # retriaged (v2 exists)
        _row(5, "r5", "return_and_refund", "done", "stale", case=5, decision=5),   # lost: stale, dropped
        _row(6, "r6", "refund_without_return", "done", "already_done"),         # platform auto-granted
        _row(7, "r7", "refund_without_return", "sending", None),                # stuck
        _row(8, "r8", "refuse", "dead", "rejected"),                            # dead
        _row(9, "r9", "refuse", "cancelled", None),                             # not intended
    ]
    decisions = [DecisionRecord(id=4, case_id=4, version=1), DecisionRecord(id=40, case_id=4, version=2),
                 DecisionRecord(id=5, case_id=5, version=1)]
    writes = [_write("r1", "agree_refund"), _write("r2", "message", content="Photos?"),
              _write("r2", "message", content="Photos?"), _write("r3", "refuse", outcome="stale"),
              _write("r8", "refuse", outcome="rejected")]
    out = chaos.Outcome()
    extra = chaos.count(out, rows=rows, platforms={}, decisions=decisions, retriaged=set(), writes=writes,
                        status={"r6": "SUCCESS"})
    assert (out.intended, out.applied, out.duplicated, out.lost, out.stuck, out.dead, out.retriaged) == (
        8, 3, 1, 2, 1, 1, 1)
    assert out.intended == out.applied + out.lost + out.stuck + out.dead + out.retriaged
    assert {r["refund"] for r in extra["lost_rows"]} == {"r3", "r5"}
    assert extra["duplicated_keys"] == ["r2/message:Photos?"]


def test_a_follow_up_payment_and_the_first_agreement_are_different_kinds() -> None:
    rows = [_row(1, "r1", "return_and_refund", "done", "applied", case=1, decision=1),
            _row(2, "r1", "return_and_refund", "done", "applied", case=1, decision=2)]
    decisions = [DecisionRecord(id=1, case_id=1, version=1, rule="quality.defect"),
                 DecisionRecord(id=2, case_id=1, version=2, rule=chaos.FOLLOWUP_RULE)]
    writes = [_write("r1", "agree_return"), _write("r1", "confirm_goods")]
    out = chaos.Outcome()
    chaos.count(out, rows=rows, platforms={1: "taobao"}, decisions=decisions, retriaged=set(), writes=writes,
                status={})
    assert (out.applied, out.duplicated, out.lost) == (2, 0, 0)
