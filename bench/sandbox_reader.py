"""How the learned reader scores the sandbox's hand-written refund messages (refund-style, not reviews).

    .venv/bin/python bench/sandbox_reader.py [--weights PATH]

Why: the reader learned from product reviews; the sandbox's messages (sandbox/traffic_text.py) are
short refund requests, out of its domain. The honest-steering veto (engine/context.py) reads the
reader's quality probability (0.2 where the reader decided, 0.9 over a clear non-quality cue), so
how often the reader scores a plainly non-quality message at 0.2 or more decides how often an honest
reason change is refused. Each template is filled with the first product of its kind (apparel for
sized templates), no opener or closer; ``other`` is left out (it has no family to hold it to).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from marketplace_returns.engine import reader
from marketplace_returns.engine.classifier import classify
from marketplace_returns.models.case import Case
from marketplace_returns.models.vocabulary import FAMILY_OF, Category, Family
from marketplace_returns.profiles import load_profile
from marketplace_returns.sandbox.traffic_text import MESSAGES, PRODUCTS

KEY_CATEGORY = {"defect_apparel": "defect", "defect_shoes": "defect", "defect_electronics": "defect",
                "size_off": "not_as_described", "size_fit_small_dev": "size_fit",
                "shipping_slow": "shipping_delay"}


def messages() -> list[tuple[str, str, Category]]:
    zh_items, en_items, *_rest = PRODUCTS["apparel"]
    parts = {"zh": PRODUCTS["apparel"][5][0], "en": PRODUCTS["apparel"][6][0]}
    out: list[tuple[str, str, Category]] = []
    for key, by_lang in MESSAGES.items():
        category = Category(KEY_CATEGORY.get(key, key))
        if category is Category.OTHER:
            continue
        for lang, templates in by_lang.items():
            item = zh_items[0] if lang == "zh" else en_items[0]
            for template in templates:
                out.append((template.format(item=item, part=parts[lang], cm=4, days=9), lang, category))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, help="a reader.npz other than the shipped one")
    ap.add_argument("--show", action="store_true", help="list the non-quality messages at 0.2 or more")
    args = ap.parse_args()
    weights = reader.load(args.weights) if args.weights else reader.shipped()
    print(f"weights version {weights.header.get('version')}")
    counts = {Family.QUALITY: [0, 0, 0], Family.NON_QUALITY: [0, 0, 0]}
    for text, lang, category in messages():
        got = weights.read(text, lang)
        family = FAMILY_OF[category]
        p = got.quality_probability if got is not None else 0.0
        tally = counts[family]
        tally[0] += 1
        tally[1] += p >= 0.2 if family is Family.NON_QUALITY else p < 0.8
        platform = "taobao" if lang == "zh" else "shopify"
        case = Case.model_validate({"refund_id": "s", "platform": platform, "reason": "", "message": text,
                                    "item_price": 100, "goods_status": "received"})
        decided = classify(case, load_profile(platform), explain=False,
                           read=lambda m, lg, w: weights.read(m, lg, w)).classification.family
        tally[2] += decided is family
        if args.show and family is Family.NON_QUALITY and p >= 0.2:
            print(f"  {p:.2f} {lang} {category.value}: {text}")
    nq, q = counts[Family.NON_QUALITY], counts[Family.QUALITY]
    print(f"non-quality messages: {nq[0]}; reader quality probability >= 0.2 on {nq[1]}; "
          f"engine family right on {nq[2]}")
    print(f"quality messages: {q[0]}; reader quality probability < 0.8 on {q[1]}; "
          f"engine family right on {q[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
