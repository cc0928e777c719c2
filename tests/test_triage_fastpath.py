"""The triage path's shortcuts give what the plain path gives.

The engine builds its decisions without validating them again (``models.decision.trusted``) and shares
per-message work between its readers; each shortcut is held here to the slow, plain way of doing the
same thing, over varied cases (the sandbox's buyer messages on three platforms, the examples, both
playbooks' cases, with and without ``--explain``). ``bench/decision_digest.py`` checks the same
byte for byte over larger sets.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from marketplace_returns.engine import evaluate, load_playbook
from marketplace_returns.engine.stream import _decided_line, dump, dump_model
from marketplace_returns.models.case import Case
from marketplace_returns.models.decision import Decision
from marketplace_returns.sandbox.records import SandboxShop
from marketplace_returns.sandbox.traffic import TrafficGenerator

ROOT = Path(__file__).resolve().parent.parent
_FIELDS = ("refund_id", "platform", "shop_id", "order_id", "sku", "title", "category", "currency",
           "item_price", "refund_amount", "reason", "message", "photos", "goods_status", "wants_return",
           "return_shipping_cost", "forward_shipping_cost", "ship_by", "shipped_at", "delivered_at",
           "size_deviation_cm")


def _cases() -> Iterator[Case]:
    shops = [SandboxShop("tb-1", "taobao"), SandboxShop("tm-1", "tmall"), SandboxShop("sh-1", "shopify")]
    refunds = TrafficGenerator(5).generate(240, shops, start=datetime(2026, 9, 1, 8, tzinfo=UTC),
                                           spread=timedelta(days=20))
    for r in refunds:
        yield Case.model_validate({k: getattr(r, k) for k in _FIELDS})
    for line in (ROOT / "examples" / "cases.jsonl").read_bytes().splitlines():
        if line.strip():
            yield Case.model_validate(orjson.loads(line))


CASES = list(_cases())


@pytest.mark.parametrize("playbook", ["apparel", "shoes"])
@pytest.mark.parametrize("explain", [False, True])
def test_trusted_decisions_validate_to_themselves(playbook: str, explain: bool) -> None:
    """A decision built without validation is the decision validation would build from its own fields:
    equal, with sub-models of the declared types, the same fields set, the same output line."""
    pb = load_playbook(playbook)
    kinds = set()
    for case in CASES:
        decision = evaluate(case, pb, explain=explain)
        again = Decision.model_validate(decision.model_dump())
        assert again == decision, case.refund_id
        assert dump(again) == dump(decision) == dump_model(decision), case.refund_id
        if not explain:  # the line written by orjson, as the serializer writes it
            assert _decided_line(decision.__dict__) == dump_model(decision), case.refund_id
        unset = {"error"} if explain else {"error", "trace"}
        assert decision.model_fields_set == again.model_fields_set - unset
        assert decision.recommendation is not None
        kinds.add(decision.recommendation.action)
        for offer in decision.recommendation.fallbacks:
            kinds.add(offer.action)
    assert len(kinds) >= 5  # the set reaches refunds, returns, exchanges, partial offers...


@pytest.mark.parametrize("message", [
    "买重复了", "买重复了\u2028\"引号\"\\反斜杠\t\x00\x1f\x7f", "ordered the wrong size 😀 \u0085\ufeff",
    "I changed my mind </script> \\u0041", "",
])
@pytest.mark.parametrize("price", ["0.01", "1e-7", "7", "19.999", "123456789.125", "1E+6"])
def test_the_orjson_line_is_the_serializers_line(message: str, price: str) -> None:
    """Awkward text (control characters, quotes, separators, emoji) and amounts (tiny, huge, exponent
    forms) come out byte for byte as the decision's serializer writes them."""
    pb = load_playbook("apparel")
    for platform, reason in (("taobao", "七天无理由退换货"), ("shopify", "UNWANTED"), ("tmall", "质量问题")):
        case = Case.model_validate({"refund_id": f"x-{price}", "platform": platform, "item_price": price,
                                    "reason": reason, "message": message, "return_shipping_cost": "12",
                                    "goods_status": "received"})
        decision = evaluate(case, pb)
        assert _decided_line(decision.__dict__) == dump_model(decision) == dump(decision)


def test_the_message_memo_reads_as_the_readers_do() -> None:
    """The classifier's one memo per message (cue reading, language, learned reading) gives what the
    two readers give when asked one by one, as an injected reader is (bench/eval_triage.py)."""
    from marketplace_returns.engine import reader
    from marketplace_returns.engine.classifier import classify
    from marketplace_returns.profiles import load_profile

    def direct(message: str, lang: str, words: object) -> reader.Reading | None:
        return reader.shipped().read(message, lang, words)  # type: ignore[arg-type]

    for case in CASES:
        profile = load_profile(case.platform)
        memo = classify(case, profile, explain=True)
        plain = classify(case, profile, explain=True, read=direct)
        assert memo.signals == plain.signals, case.refund_id
        assert memo.classification == plain.classification, case.refund_id
        assert memo.trace == plain.trace, case.refund_id
