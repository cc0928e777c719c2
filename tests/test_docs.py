"""The docs: the site builds with no broken link (``mkdocs build --strict``), the case schema in docs/
is what ``triage --schema`` prints, the shipped example cases are valid and triage cleanly, and every
relative link of the README points at a file that exists."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marketplace_returns.cli import app
from marketplace_returns.models.case import Case

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_the_schema_in_docs_is_what_triage_prints() -> None:
    result = runner.invoke(app, ["triage", "--schema"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == Case.model_json_schema()
    assert set(printed["required"]) == {"refund_id", "platform", "item_price", "reason"}
    shipped = json.loads((ROOT / "docs" / "case.schema.json").read_text(encoding="utf-8"))
    assert shipped == printed, "docs/case.schema.json is stale: marketplace-returns triage --schema > it"


def test_triage_without_a_file_says_what_to_give() -> None:
    result = runner.invoke(app, ["triage"])
    assert result.exit_code == 2 and "--schema" in result.output


def test_the_example_cases_are_valid_and_triage_cleanly() -> None:
    path = ROOT / "examples" / "cases.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 6 and {r["platform"] for r in rows} >= {"taobao", "shopify"}
    for row in rows:
        Case.model_validate(row)
    result = runner.invoke(app, ["triage", str(path)])
    assert result.exit_code == 0, result.output
    decisions = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["refund_id"] for d in decisions] == [r["refund_id"] for r in rows]
    assert all(d.get("error") is None and d["classification"]["family"] for d in decisions)


def _mkdocs(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d",
                           str(site)], capture_output=True, text=True, timeout=120, check=False)


def test_the_docs_site_builds_with_no_broken_link(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="mkdocs is in the docs extra (scripts/setup installs it)")
    built = _mkdocs(ROOT / "mkdocs.yml", tmp_path / "site")
    assert built.returncode == 0, built.stdout + built.stderr
    assert (tmp_path / "site" / "review-page" / "index.html").is_file()
    # The check can fail: the same docs with one broken link do not build.
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "docs", copy / "docs")
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    with (copy / "docs" / "index.md").open("a", encoding="utf-8") as f:
        f.write("\nSee [the missing page](no-such-page.md).\n")
    broken = _mkdocs(copy / "mkdocs.yml", tmp_path / "site2")
    assert broken.returncode != 0 and "no-such-page.md" in broken.stdout + broken.stderr


def test_readme_links_point_at_files_that_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = [t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", text)]
    local = [t for t in targets if t and not re.match(r"^[a-z]+:", t)]
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README links to missing files: {missing}"
