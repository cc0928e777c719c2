"""`marketplace-returns triage` and `playbook validate|test|schema`, end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marketplace_returns.cli import app

runner = CliRunner()
GOOD = {
    "refund_id": "c-1", "platform": "taobao", "category": "apparel", "currency": "CNY", "item_price": 119,
    "reason": "质量问题", "message": "领口有两个线头", "photos": 2, "goods_status": "received",
    "return_shipping_cost": 12, "forward_shipping_cost": 12,
}


def lines(result_stdout: str) -> list[dict[str, object]]:
    return [json.loads(x) for x in result_stdout.splitlines() if x.strip()]


def test_triage_a_file_writes_one_decision_per_line_in_order(tmp_path: Path, shared_dir: Path) -> None:
    result = runner.invoke(app, ["triage", str(shared_dir / "examples" / "cases.jsonl")])
    assert result.exit_code == 0, result.output
    out = lines(result.stdout)
    assert [d["refund_id"] for d in out] == [f"ex-{i}" for i in range(1, 16)]
    first = out[0]
    for key in ("classification", "penalising", "recommendation", "reply", "rule"):
        assert key in first
    assert "trace" not in first and "error" not in first


def test_a_broken_line_is_an_error_record_and_exit_3(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    bad_price = {**GOOD, "refund_id": "c-2", "item_price": "cheap"}
    no_reason = {k: v for k, v in GOOD.items() if k != "reason"} | {"refund_id": "c-4"}
    path.write_text("\n".join([json.dumps(GOOD), json.dumps(bad_price), "{not json", json.dumps(no_reason),
                               json.dumps({**GOOD, "refund_id": "c-5"})]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["triage", str(path)])
    assert result.exit_code == 3
    out = lines(result.stdout)
    assert len(out) == 5
    assert out[0]["rule"] == "minor-defect-partial" and out[4]["refund_id"] == "c-5"
    assert out[1] == {"refund_id": "c-2", "error": {"line": 2, "message": out[1]["error"]["message"],  # type: ignore[index]
                                                    "field": "item_price"}}
    assert out[2]["error"]["line"] == 3 and "JSON" in out[2]["error"]["message"]  # type: ignore[index]
    assert out[3]["error"] == {"line": 4, "message": "reason: Field required", "field": "reason"}
    assert "Traceback" not in result.output


def test_triage_reads_standard_input() -> None:
    result = runner.invoke(app, ["triage", "-", "--format", "jsonl"], input=json.dumps(GOOD) + "\n")
    assert result.exit_code == 0, result.output
    (decision,) = lines(result.stdout)
    assert decision["recommendation"]["action"] == "offer_partial_refund"  # type: ignore[index]
    assert decision["recommendation"]["amount"] == 10.0  # type: ignore[index]


def test_format_table_and_explain() -> None:
    table = runner.invoke(app, ["triage", "-", "--format", "table"], input=json.dumps(GOOD) + "\n")
    assert table.exit_code == 0 and "minor-defect-partial" in table.stdout and "c-1" in table.stdout
    explained = runner.invoke(app, ["triage", "-", "--explain"], input=json.dumps(GOOD) + "\n")
    (decision,) = lines(explained.stdout)
    steps = [s["step"] for s in decision["trace"]]  # type: ignore[union-attr, index]
    assert steps[0] == "words" and steps[-1] == "match"


def test_named_playbook_and_unknown_playbook() -> None:
    shoes = runner.invoke(app, ["triage", "-", "--playbook", "shoes"],
                          input=json.dumps({**GOOD, "message": "鞋跟掉了"}) + "\n")
    assert lines(shoes.stdout)[0]["rule"] == "repair-sole"
    missing = runner.invoke(app, ["triage", "-", "--playbook", "nope"], input="")
    assert missing.exit_code == 2 and "no playbook named 'nope'" in missing.output
    assert "Traceback" not in missing.output


def test_missing_input_file_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["triage", str(tmp_path / "absent.jsonl")])
    assert result.exit_code == 2 and "no such file" in result.output and "Traceback" not in result.output


def test_playbook_validate_test_and_schema(tmp_path: Path) -> None:
    validate = runner.invoke(app, ["playbook", "validate"])
    assert validate.exit_code == 0 and "ok   apparel" in validate.stdout and "ok   shoes" in validate.stdout
    tested = runner.invoke(app, ["playbook", "test", "apparel"])
    assert tested.exit_code == 0 and "pass apparel: wrong item sent" in tested.stdout
    out = tmp_path / "schema.json"
    schema = runner.invoke(app, ["playbook", "schema", "-o", str(out)])
    assert schema.exit_code == 0 and json.loads(out.read_text())["title"] == "Playbook"


@pytest.fixture
def broken_playbook(tmp_path: Path) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nrules:\n  - id: cheap\n    when:\n"
                    "      - {type: price_below, than: retrun_leg}\n    then: {type: refund_without_return}\n"
                    "  - id: rest\n    when: []\n    then: {type: escalate}\n", encoding="utf-8")
    return path


def test_broken_playbook_names_file_rule_and_field(broken_playbook: Path) -> None:
    for args in (["playbook", "validate", str(broken_playbook)],
                 ["triage", "-", "--playbook", str(broken_playbook)]):
        result = runner.invoke(app, args, input="")
        assert result.exit_code != 0
        assert str(broken_playbook) in result.output and ":5" in result.output
        assert "rule cheap" in result.output and "than" in result.output
        assert "did you mean 'return_leg'" in result.output
        assert "Traceback" not in result.output


def test_playbook_test_fails_on_a_wrong_expectation(tmp_path: Path) -> None:
    pb = tmp_path / "mini.yaml"
    pb.write_text("name: mini\nrules:\n  - id: rest\n    when: []\n    then: {type: escalate}\n",
                  encoding="utf-8")
    (tmp_path / "mini.cases.yaml").write_text(
        "playbook: mini\ndefaults: {platform: taobao, item_price: 10, reason: 其他}\ncases:\n"
        "  - name: expects a refund\n    expect: {rule: rest, action: refund_without_return}\n",
        encoding="utf-8")
    result = runner.invoke(app, ["playbook", "test", str(pb)])
    assert result.exit_code == 1
    assert "FAIL" in result.stdout and "action: expected refund_without_return, got escalate" in result.stdout
