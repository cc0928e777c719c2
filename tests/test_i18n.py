"""Chinese or English: ``--lang zh|en``, else the locale, for the CLI's tables, cards, messages and the
report, with the platform's own metric names; machine output (--json) never changes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marketplace_returns import i18n
from marketplace_returns.cli import app
from test_cli_people import db  # noqa: F401  (the fixture: one suggestion with a long refund id)
from test_report_people import store


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    yield
    i18n.set_lang("en")  # the language is process state: leave it as other tests expect


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    base = {"COLUMNS": "80", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8", i18n.ENV: ""}
    result = CliRunner().invoke(app, list(args), env={**base, **(env or {})})
    return result.exit_code, result.output


def test_the_option_else_the_environment_else_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", i18n.ENV):
        monkeypatch.delenv(var, raising=False)
    assert i18n.detect() == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.detect() == "zh" and i18n.detect("en") == "en"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert i18n.detect() == "en"
    monkeypatch.setenv(i18n.ENV, "zh")
    assert i18n.detect() == "zh"


def test_queue_in_chinese(db: tuple[str, str]) -> None:  # noqa: F811
    url, decision_id = db
    code, out = cli("--lang", "zh", "queue", "list", "--db", url)
    assert code == 0, out
    assert "截止" in out and "质量缺陷" in out and "部分退款（补偿）" in out and "剩余" in out
    code, out = cli("--lang", "zh", "queue", "show", decision_id, "--db", url)
    assert "建议操作" in out and "买家留言" in out and "部分退款（补偿） 10.00 CNY" in out
    code, out = cli("--lang", "zh", "queue", "edit", decision_id, "--amount", "abc", "--db", url)
    assert code == 2 and '--amount："abc" 不是金额' in out
    code, out = cli("--lang", "zh", "queue", "accept", "12", "--db", url)
    assert code == 2 and 'ID："12" 是数字' in out
    code, zh_json = cli("--lang", "zh", "queue", "list", "--json", "--db", url)
    code, en_json = cli("--lang", "en", "queue", "list", "--json", "--db", url)
    assert json.loads(zh_json) == json.loads(en_json)  # machines read the same whatever the language
    code, out = cli("queue", "list", "--db", url, env={"LANG": "zh_CN.UTF-8"})
    assert "截止" in out  # the locale, without --lang
    code, out = cli("queue", "list", "--db", url)
    assert "due" in out and "截止" not in out
    code, out = cli("--lang", "fr", "queue", "list", "--db", url)
    assert code == 2 and '--lang: "fr" is not one of en, zh' in out


def test_report_in_chinese_with_the_platforms_metric_names(tmp_path: Path) -> None:
    url = store(tmp_path)
    period = ("--since", "2026-11-01", "--until", "2026-11-10")
    out_dir = str(tmp_path / "r")
    code, out = cli("--lang", "zh", "report", "--db", url, "--shop", "tb", *period, "--out", out_dir)
    assert code == 0, out
    for words in ("退款报告", "近 30 天考核指标", "退款率", "品质退款率", "纠纷退款率", "退款申请",
                  "已退 8,430.29 CNY"):
        assert words in out, words
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "<html lang='zh'>" in html and "考核指标" in html and "退款数与退款率走势" in html
    code, out = cli("--lang", "en", "report", "--db", url, "--shop", "tb", *period)
    assert "Refund report" in out and "退款率" in out and "退款报告" not in out  # Taobao's own names stay


def test_fixed_phrases_are_translated_whole_and_free_text_never_half() -> None:
    from marketplace_returns.service import followup

    made = "; ".join((followup.RATIONALE, *(r.format(agreed="return_and_refund", version=2, status="edited",
                                                     at="2026-11-12T03:00:00+00:00", amount="60.00 CNY",
                                                     deadline=followup.NO_DEADLINE)
                                           for r in followup.REASONS)))
    assert i18n.phrases(made, followup.PHRASES, language="zh") == (
        "货已退回：验货后退款；此前同意：退货退款（建议第 2 版，已修改）；"
        "退货到达：2026-11-12T03:00:00+00:00；申请金额：60.00 CNY；平台截止：平台未给出")
    assert i18n.phrases(made, followup.PHRASES, language="en") == made
    engine = "Minor defect; a partial refund below the return leg. Offer 5 instead of paying the 10 leg."
    assert i18n.phrases(engine, followup.PHRASES, language="zh") == engine
    half = "goods back: inspect and refund; the goods look worn"  # one part matches, one does not
    assert i18n.phrases(half, followup.PHRASES, language="zh") == half
