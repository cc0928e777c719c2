"""Every shipped playbook's cases file, one test per case (the same runner as `playbook test`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from marketplace_returns.engine.playbook import load_playbook
from marketplace_returns.engine.playbook_cases import CaseSpec, load_cases, run_case
from marketplace_returns.resources import data_dir

_playbook = cache(load_playbook)
CASE_FILES = sorted(Path(str(p)) for p in data_dir("playbooks").iterdir() if p.name.endswith(".cases.yaml"))
PARAMS = [
    pytest.param(path, spec, id=f"{path.name.removesuffix('.cases.yaml')}: {spec.name}")
    for path in CASE_FILES for spec in load_cases(path).cases
]


def test_every_shipped_playbook_has_a_cases_file() -> None:
    names = {p.name.removesuffix(".cases.yaml") for p in CASE_FILES}
    assert names >= {"apparel", "shoes"}


@pytest.mark.parametrize(("path", "spec"), PARAMS)
def test_playbook_case(path: Path, spec: CaseSpec) -> None:
    cases = load_cases(path)
    outcome = run_case(spec, cases.defaults, _playbook(cases.playbook))
    assert outcome.ok, "; ".join(outcome.problems)


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.name)
def test_cases_cover_every_rule(path: Path) -> None:
    cases = load_cases(path)
    assert len(cases.cases) >= 15
    expected = {spec.expect.rule for spec in cases.cases}
    rules = {rule.id for rule in _playbook(cases.playbook).rules}
    assert rules - expected == set(), f"rules with no case: {sorted(rules - expected)}"
