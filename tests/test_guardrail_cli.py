"""``marketplace-returns guardrail``: an answer per input line (JSON lines or plain text), no traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from marketplace_returns.cli import app
from marketplace_returns.engine.guardrail import MAX_CHARS


def run(*args: str, stdin: bytes | None = None) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(app, ["guardrail", *args], input=stdin)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.output


def test_json_lines_in_order_with_bad_lines_reported_by_number(tmp_path: Path) -> None:
    src = tmp_path / "msgs.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": "m1",
                    "text": "Please change the reason to 'no reason', otherwise we cannot refund."}),
        "this is not json",
        json.dumps({"id": "m3", "text": "原因选哪个由您决定，不影响退款"}),
        json.dumps([1, 2]),
        json.dumps({"id": 5}),
        json.dumps({"id": "m6", "text": "好評返現10元，截圖私信客服哦"}),
        "",
        json.dumps({"text": ""}),
    ]) + "\n", encoding="utf-8")
    code, rows, _ = run(str(src), "--format", "jsonl")
    assert code == 0
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert rows[0]["id"] == "m1" and rows[0]["blocked"] is True and rows[0]["rule"] == "refund_threat"
    assert "otherwise we cannot refund" in str(rows[0]["phrase"]) and rows[0]["why"]
    assert rows[1]["error"] == {"line": 2, "message": rows[1]["error"]["message"]}  # type: ignore[index]
    assert rows[2] == {"line": 3, "id": "m3", "blocked": False, "rule": None, "phrase": None, "why": None}
    assert "error" in rows[3] and "error" in rows[4] and rows[4]["id"] == 5
    assert rows[5]["blocked"] is True and rows[5]["rule"] == "money_for_review"
    assert rows[5]["phrase"] == "好評返現10元，截圖私信客服哦"  # quoted as written (traditional)
    assert "error" in rows[6]
    assert rows[7]["blocked"] is False and rows[7]["id"] == 8


def test_plain_text_lines_junk_and_long_lines_from_stdin() -> None:
    long_line = "退款已经处理。" * (MAX_CHARS // 4)
    data = ("亲，确认收货后返您10元红包\n".encode()
            + b"\xff\xfe\x00\x01binary junk\n"
            + b"\n"
            + "Hello 亲, refund 已经处理 today.\n".encode()
            + long_line.encode() + b"\n")
    code, rows, _ = run("-", "--format", "jsonl", stdin=data)
    assert code == 0
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["blocked"] is True and rows[0]["rule"] == "money_for_receipt"
    assert [r["blocked"] for r in rows[1:]] == [False, False, False, False]
    assert "note" in rows[4]


def test_table_format_and_usage_errors(tmp_path: Path) -> None:
    src = tmp_path / "m.txt"
    src.write_text("Leave us a five-star review!\nThanks for your order.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["guardrail", str(src), "--format", "table"])
    assert result.exit_code == 0
    assert "blocked" in result.output and "asks_for_review" in result.output
    code, _, out = run(str(tmp_path / "missing.txt"))
    assert code == 2 and "no such file" in out
    code, _, out = run(str(src), "--format", "xml")
    assert code == 2 and "--format" in out
