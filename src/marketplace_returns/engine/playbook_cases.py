"""A playbook's cases file: case facts → the rule and action the seller expects (``*.cases.yaml``).

Why: a playbook is policy a seller edits; its cases file is how they know an edit did what they
meant and nothing else (OPA keeps ``policy_test.rego`` beside ``policy.rego``). One parametrised test
and ``marketplace-returns playbook test`` both run these files through the real ``evaluate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from marketplace_returns.engine.evaluate import evaluate
from marketplace_returns.engine.playbook import load_playbook, playbook_path
from marketplace_returns.engine.playbook_models import Playbook
from marketplace_returns.errors import PlaybookError
from marketplace_returns.models.case import Case
from marketplace_returns.models.vocabulary import Action, Category, Family
from marketplace_returns.resources import data_dir
from marketplace_returns.yamlsource import dotted, load_yaml


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str
    action: Action
    amount: Decimal | None = None
    family: Family | None = None
    category: Category | None = None
    reason_change_to: str | None = None
    fallbacks: list[Action] | None = None
    money: dict[str, Decimal] | None = None
    """Entries of the decision's ``money`` to compare (e.g. ``{offer: 10, depreciation: 5}``)."""


class CaseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    case: dict[str, Any] = Field(default_factory=dict)
    expect: Expect


class CasesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    playbook: str
    defaults: dict[str, Any] = Field(default_factory=dict)
    cases: list[CaseSpec] = Field(min_length=1)


@dataclass(frozen=True)
class CaseOutcome:
    name: str
    ok: bool
    problems: tuple[str, ...]


def cases_path(name_or_path: str) -> Path | None:
    """The cases file beside a playbook (``x.yaml`` → ``x.cases.yaml``), or None when there is none."""
    file, _ = playbook_path(name_or_path)
    if Path(file).suffix in {".yaml", ".yml"} and Path(file).is_file() and not file.startswith("playbooks/"):
        path = Path(file)
        beside = path.with_name(path.name.rsplit(".", 1)[0] + ".cases.yaml")
        return beside if beside.is_file() else None
    shipped = data_dir("playbooks") / f"{name_or_path}.cases.yaml"
    return Path(str(shipped)) if shipped.is_file() else None


def load_cases(path: Path) -> CasesFile:
    source = load_yaml(path.read_text(encoding="utf-8"), file=str(path), error=PlaybookError)
    try:
        return CasesFile.model_validate(source.data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        raise PlaybookError(err["msg"], file=str(path), path=dotted(loc), line=source.line_of(loc)) from None


def run_case(spec: CaseSpec, defaults: dict[str, Any], playbook: Playbook) -> CaseOutcome:
    raw = {"refund_id": spec.name, **defaults, **spec.case}
    try:
        case = Case.model_validate(raw)
    except ValidationError as exc:
        return CaseOutcome(spec.name, False, (f"case does not validate: {exc.errors()[0]['msg']}",))
    decision = evaluate(case, playbook)
    rec, cls, want = decision.recommendation, decision.classification, spec.expect
    assert rec is not None and cls is not None  # evaluate always fills both
    got: list[tuple[str, object, object]] = [("rule", want.rule, decision.rule),
                                             ("action", want.action, rec.action)]
    if want.amount is not None:
        got.append(("amount", want.amount, rec.amount))
    if want.family is not None:
        got.append(("family", want.family, cls.family))
    if want.category is not None:
        got.append(("category", want.category, cls.category))
    if want.reason_change_to is not None:
        got.append(("reason_change_to", want.reason_change_to, rec.reason_change_to))
    if want.fallbacks is not None:
        got.append(("fallbacks", want.fallbacks, [f.action for f in rec.fallbacks]))
    for key, value in (want.money or {}).items():
        got.append((f"money.{key}", value, (decision.money or {}).get(key)))
    problems = tuple(f"{what}: expected {w}, got {g}" for what, w, g in got if w != g)
    return CaseOutcome(spec.name, not problems, problems)


def run_cases(name_or_path: str) -> tuple[str, list[CaseOutcome]]:
    """Run the cases file of a playbook; (cases file, outcomes). Raises PlaybookError when absent."""
    path = cases_path(name_or_path)
    if path is None:
        raise PlaybookError("no cases file beside the playbook (expected <name>.cases.yaml)",
                            file=name_or_path)
    cases = load_cases(path)
    playbook = load_playbook(name_or_path)
    return str(path), [run_case(spec, cases.defaults, playbook) for spec in cases.cases]
