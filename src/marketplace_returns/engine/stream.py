"""Triage a stream of JSON lines: one case in, one decision (or error record) out, in order.

Why here and not in the CLI: ``marketplace-returns triage`` and ``bench/triage_throughput.py`` run the
very same loop, so the figure the bench reports is the command's. The loop holds one line at a time
(memory stays flat in the size of the input); a bad line becomes an error record naming the line and
the field, and the stream goes on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError

from marketplace_returns.engine.classifier import warm_up
from marketplace_returns.engine.evaluate import default_playbook_for, evaluate
from marketplace_returns.engine.playbook import load_playbook
from marketplace_returns.engine.playbook_models import Playbook
from marketplace_returns.errors import InputError
from marketplace_returns.models.case import Case
from marketplace_returns.models.decision import Decision, DecisionError

_NO_TRACE = {"error": True, "trace": True}
_NO_ERROR = {"error": True}
_ERROR_ONLY = {"refund_id": True, "error": True}
# The decision's serializer called directly with filters built once: ``model_dump_json`` converts its
# arguments on every call and returns text to encode again (measured: 11.8 µs → 6.9 µs a line).
_TO_JSON = Decision.__pydantic_serializer__.to_json
# The case's validator called directly: ``Case.model_validate_json`` is a Python wrapper that looks up
# the validator and passes its defaults on every line; the same validation, the same errors.
_PARSE = Case.__pydantic_validator__.validate_json


@dataclass
class StreamStats:
    cases: int = 0
    errors: int = 0
    by_action: dict[str, int] = field(default_factory=dict)


class PlaybookChooser:
    """The named playbook for every case, or the default one per case (shoes / apparel), loaded once."""

    def __init__(self, name_or_path: str | None) -> None:
        self.fixed = load_playbook(name_or_path) if name_or_path else None
        self._loaded: dict[str, Playbook] = {}

    def preload(self, names: tuple[str, ...] = ("apparel", "shoes")) -> None:
        """Load the per-case defaults now rather than on the first case that needs each."""
        if self.fixed is None:
            for name in names:
                self._loaded.setdefault(name, load_playbook(name))

    def __call__(self, case: Case) -> Playbook:
        if self.fixed is not None:
            return self.fixed
        name = default_playbook_for(case)
        pb = self._loaded.get(name)
        if pb is None:
            pb = self._loaded[name] = load_playbook(name)
        return pb


def prepare_bulk(choose: PlaybookChooser) -> None:
    """Get a process ready for a long stream: playbooks and jieba's dictionary loaded, then frozen.

    ``gc.freeze()`` moves everything alive now (jieba's ~350k-word dictionary, the lexicons, the
    compiled playbooks) out of the cyclic collector's view, so the collections that a stream of small
    decisions triggers no longer walk it (measured: a few per cent more cases per second).
    """
    choose.preload()
    warm_up()
    gc.collect()
    gc.freeze()
    # The cyclic collector runs when container objects outnumber those freed by 700: in a stream that
    # is the memos filling up, and each collection walks what they hold (4-6 µs a case of collections
    # over the first 20,000 new messages, none once the memos are full). A case makes no reference
    # cycle (20,000 new cases with the collector off left nothing unreachable), so collecting every
    # 50,000 net new containers frees the same memory, later and in far fewer walks.
    gc.set_threshold(50_000, *gc.get_threshold()[1:])


def _field(loc: tuple[int | str, ...]) -> str | None:
    return ".".join(str(p) for p in loc) or None


def _refund_id(raw: bytes) -> str | None:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    rid = value.get("refund_id") if isinstance(value, dict) else None
    return str(rid) if isinstance(rid, str | int) else None


def error_record(line_no: int, raw: bytes, message: str, field_name: str | None) -> Decision:
    return Decision(refund_id=_refund_id(raw),
                    error=DecisionError(line=line_no, message=message, field=field_name))


def decide_line(line_no: int, raw: bytes, choose: PlaybookChooser, *, explain: bool = False) -> Decision:
    """The decision for one input line, or its error record."""
    try:
        case: Case = _PARSE(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        if err["type"] == "json_invalid":
            return error_record(line_no, raw, f"not valid JSON: {err['msg'].removeprefix('Invalid JSON: ')}",
                                None)
        loc = tuple(err["loc"])
        return error_record(line_no, raw, f"{_field(loc) or 'case'}: {err['msg']}", _field(loc))
    try:
        return evaluate(case, choose(case), explain=explain)
    except InputError as exc:
        return error_record(line_no, raw, exc.message, exc.field)


def dump(decision: Decision) -> bytes:
    """One output line (without the newline): the contract's fields, additions, no empty extras."""
    values = decision.__dict__
    if values["error"] is None and values["trace"] is None and values["classification"] is not None \
            and values["recommendation"] is not None and values["reply"] is not None:
        try:
            return _decided_line(values)
        except orjson.JSONEncodeError:  # (a string no JSON can hold, say): the model's serializer says
            pass
    return dump_model(decision)


def dump_model(decision: Decision) -> bytes:
    """``dump`` by the decision's own serializer: what ``_decided_line`` must equal byte for byte."""
    if decision.error is not None:
        return _TO_JSON(decision, include=_ERROR_ONLY, exclude_none=True)
    return _TO_JSON(decision, exclude=_NO_ERROR if decision.trace is not None else _NO_TRACE)


def _decided_line(d: dict[str, Any]) -> bytes:
    """The line of a decision without error or trace, written by orjson from its fields as they are.

    The same bytes as the decision's serializer (tests/test_triage_fastpath.py, bench/decision_digest.py):
    the fields in their declared order, the error and trace left out, money as JSON numbers (``Money``
    is written as ``float(amount)``; orjson and pydantic-core write every finite float alike), the
    vocabulary's string enums as their values, text unescaped UTF-8. About a quarter of the
    serializer's cost, which calls back into Python for every amount and every enum's value.

    The amounts (``Decimal``, the one type here orjson does not write itself) go to orjson as they are
    and come back through ``default=float``: no dict or list is copied to convert them (measured:
    38,100 -> 34,800 instructions a line). Anything else orjson cannot write still raises, and
    ``dump`` falls back to the serializer.
    """
    c = d["classification"].__dict__
    r = d["recommendation"].__dict__
    reply = d["reply"].__dict__
    return orjson.dumps({
        "refund_id": d["refund_id"],
        "classification": {"family": c["family"], "category": c["category"], "confidence": c["confidence"],
                           "evidence": c["evidence"]},
        "penalising": d["penalising"],
        "recommendation": {
            "action": r["action"], "amount": r["amount"],
            "fallbacks": [{"action": o.action, "amount": o.amount} for o in r["fallbacks"]],
            "reason_change_to": r["reason_change_to"], "rationale": r["rationale"],
            "reason_change_grounds": r["reason_change_grounds"]},
        "reply": {"lang": reply["lang"], "text": reply["text"]},
        "rule": d["rule"],
        "playbook": d["playbook"],
        "auto": d["auto"],
        "needs_approval": d["needs_approval"],
        "penalising_metric": d["penalising_metric"],
        "money": d["money"],
    }, default=float)


def triage_lines(lines: Iterable[bytes], choose: PlaybookChooser, *, explain: bool = False,
                 stats: StreamStats | None = None) -> Iterator[tuple[Decision, bytes]]:
    """Decide every non-blank line in order; yields (decision, output line)."""
    for line_no, raw in enumerate(lines, 1):
        if not raw or raw.isspace():  # blank (as ``not raw.strip()``, without copying every line)
            continue
        decision = decide_line(line_no, raw, choose, explain=explain)
        if stats is not None:
            if decision.error is not None:
                stats.errors += 1
            else:
                stats.cases += 1
                action = decision.recommendation.action.value if decision.recommendation else "-"
                stats.by_action[action] = stats.by_action.get(action, 0) + 1
        yield decision, dump(decision)
