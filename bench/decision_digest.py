"""A digest of every decision ``triage`` writes for fixed case sets: the check that a speed-up changed
no decision.

    .venv/bin/python bench/decision_digest.py [--out DIR] [--unique 20000]

Runs the command's own loop (``engine.stream.triage_lines``) over sets generated with fixed seeds and
prints, per set, the number of output lines and the sha256 of all of them in order; ``--out DIR``
also writes each set's lines (``DIR/<set>.jsonl``) so that two runs can be compared with ``diff``.
Compare the digests before and after a change: equal digests mean byte-identical output. No output
field depends on timing or on the machine, so nothing is left out of the digest.

The sets:
- ``unique``: ``bench/triage_throughput.py``'s generator with ``--distinct 0`` (every message unique,
  no memo can answer), seed 2, as the throughput target is measured;
- ``distinct``: the same generator with 3,000 distinct messages (the memos answer), seed 1;
- ``sandbox``: refunds from the sandbox's traffic generator (its hand-written buyer messages, three
  platforms, every category), seed 7;
- ``jumbled``: sandbox and bench messages joined at random separators, in full-width forms, mixed
  Chinese and English, and some past the memo and read limits (long, repeated text);
- ``examples``: ``examples/cases.jsonl`` (and ``shared-examples``: ``../shared/examples/cases.jsonl``
  when present); ``playbook-<name>``: each shipped playbook's cases file run
  with that playbook; ``errors``: lines that are not valid JSON or fail validation.
Every set but ``unique`` is run again with ``--explain`` (the trace is part of the output then).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from marketplace_returns.engine.playbook_cases import load_cases
from marketplace_returns.engine.stream import PlaybookChooser, prepare_bulk, triage_lines
from marketplace_returns.resources import data_dir
from marketplace_returns.sandbox.records import SandboxShop
from marketplace_returns.sandbox.traffic import TrafficGenerator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from triage_throughput import EN_FRAGMENTS, ZH_FRAGMENTS, generate

ROOT = Path(__file__).resolve().parent.parent
_CASE_FIELDS = ("refund_id", "platform", "shop_id", "order_id", "sku", "title", "category", "currency",
                "item_price", "refund_amount", "reason", "message", "photos", "goods_status",
                "wants_return", "return_shipping_cost", "forward_shipping_cost", "ship_by", "shipped_at",
                "delivered_at", "size_deviation_cm")


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal
        return float(str(value))
    return value


def sandbox_cases(n: int, seed: int) -> list[dict[str, object]]:
    shops = [SandboxShop("tb-1", "taobao"), SandboxShop("tm-1", "tmall"), SandboxShop("sh-1", "shopify")]
    start = datetime(2026, 9, 1, 8, tzinfo=UTC)
    refunds = TrafficGenerator(seed).generate(n, shops, start=start, spread=timedelta(days=20))
    out = []
    for r in refunds:
        case = {k: _jsonable(getattr(r, k)) for k in _CASE_FIELDS}
        out.append(case)
    return out


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


def jumbled_cases(pool: list[dict[str, object]], n: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    texts = [str(c["message"]) for c in pool if c["message"]] + ZH_FRAGMENTS + EN_FRAGMENTS
    seps = ["，", "。", " ", "! ", ", ", "\n", "；", "...", "~", ""]
    out = []
    for i in range(n):
        base = dict(rng.choice(pool))
        parts = [rng.choice(texts) for _ in range(rng.choice([1, 2, 2, 3, 4, 6]))]
        message = rng.choice(seps).join(parts)
        roll = rng.random()
        if roll < 0.1:
            message = _fullwidth(message)
        elif roll < 0.15:
            message = unicodedata.normalize("NFKD", message)
        elif roll < 0.2:
            message = (message + rng.choice(seps)) * rng.choice([30, 80, 200])  # past the memo / read limit
        elif roll < 0.25:
            message = message.upper()
        base.update(refund_id=f"j{i}", message=message)
        out.append(base)
    return out


def error_lines() -> list[bytes]:
    good = {"refund_id": "e", "platform": "taobao", "item_price": 10, "reason": "质量问题",
            "message": "开线了"}
    return [
        b"{not json", b"[1, 2]", b'{"refund_id": "e1"}',
        orjson.dumps({**good, "refund_id": "e2", "item_price": -1}),
        orjson.dumps({**good, "refund_id": "e3", "platform": "nowhere"}),
        orjson.dumps({**good, "refund_id": "e4", "photos": "many"}),
        orjson.dumps({**good, "refund_id": "e5", "ship_by": "yesterday"}),
        orjson.dumps({**good, "refund_id": "e6"}), b"   ", b"",
        orjson.dumps({**good, "refund_id": 7}),
    ]


def playbook_sets() -> Iterator[tuple[str, str, list[bytes]]]:
    root = Path(str(data_dir("playbooks")))
    for path in sorted(root.glob("*.cases.yaml")):
        spec = load_cases(path)
        lines = [orjson.dumps({"refund_id": c.name, **spec.defaults, **c.case}, default=str)
                 for c in spec.cases]
        yield f"playbook-{path.name.removesuffix('.cases.yaml')}", spec.playbook, lines


def run(name: str, lines: list[bytes], chooser: PlaybookChooser, explain: bool,
        out_dir: Path | None) -> None:
    digest = hashlib.sha256()
    count = 0
    sink = (out_dir / f"{name}.jsonl").open("wb") if out_dir is not None else None
    try:
        for _, line in triage_lines(lines, chooser, explain=explain):
            digest.update(line + b"\n")
            count += 1
            if sink is not None:
                sink.write(line + b"\n")
    finally:
        if sink is not None:
            sink.close()
    print(f"{name:<28} {count:>6} lines  sha256 {digest.hexdigest()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="write each set's output lines here")
    ap.add_argument("--unique", type=int, default=20_000, help="cases in the unique-message set")
    args = ap.parse_args()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    default = PlaybookChooser(None)
    prepare_bulk(default)
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp) / "unique.jsonl", args.unique, 0, seed=2)
        generate(Path(tmp) / "distinct.jsonl", 5000, 3000, seed=1)
        unique = (Path(tmp) / "unique.jsonl").read_bytes().splitlines()
        distinct = (Path(tmp) / "distinct.jsonl").read_bytes().splitlines()
    pool = sandbox_cases(3000, seed=7)
    sets: list[tuple[str, list[bytes], PlaybookChooser]] = [
        ("distinct", distinct, default),
        ("sandbox", [orjson.dumps(c) for c in pool], default),
        ("jumbled", [orjson.dumps(c) for c in jumbled_cases(pool, 3000, seed=11)], default),
        ("examples", (ROOT / "examples" / "cases.jsonl").read_bytes().splitlines(), default),
        ("errors", error_lines(), default),
    ]
    shared = ROOT.parent / "shared" / "examples" / "cases.jsonl"
    if shared.is_file():  # the contract's examples, where ../shared is beside the checkout
        sets.append(("shared-examples", shared.read_bytes().splitlines(), default))
    sets += [(name, lines, PlaybookChooser(playbook)) for name, playbook, lines in playbook_sets()]
    run("unique", unique, default, False, args.out)
    for name, lines, chooser in sets:
        run(name, lines, chooser, False, args.out)
    for name, lines, chooser in sets:
        run(f"{name}+explain", lines, chooser, True, args.out)


if __name__ == "__main__":
    main()
