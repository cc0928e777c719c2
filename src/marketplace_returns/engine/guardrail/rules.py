"""The rules over a normalised text: Chinese, English, then the mixed views."""

from __future__ import annotations

from marketplace_returns.engine.guardrail.gates import _gates
from marketplace_returns.engine.guardrail.mixed import (
    _CJK_CHAR,
    _RX_EN_TO_ZH,
    _RX_ZH_TO_EN,
    _RX_ZH_WORDS,
    _to_en,
    _to_zh,
    _view,
)
from marketplace_returns.engine.guardrail.rules_en import _classify_en, reads_past_gate
from marketplace_returns.engine.guardrail.rules_zh import _classify_zh
from marketplace_returns.engine.guardrail.ties import _Doc, _Hit


def _mixed(norm: str) -> _Hit | None:
    """The rules over the two views of a text in both scripts (the hit's span mapped back to ``norm``)."""
    views = ((_RX_EN_TO_ZH, _RX_EN_TO_ZH, _to_zh, _classify_zh),
             (_RX_ZH_WORDS, _RX_ZH_TO_EN, _to_en, _classify_en))
    for words, pattern, repl, classify in views:
        view = _view(pattern, repl, norm) if words.search(norm) is not None else None
        if view is None:
            continue
        text, src = view
        hit = classify(_Doc(text))
        if hit is not None:
            end = src[max(min(hit.end, len(src)) - 1, 0)] + 1
            return _Hit(hit.rule, src[min(hit.start, len(src) - 1)], end)
    return None


def _classify(norm: str, gates: tuple[bool, bool, bool] | None = None) -> _Hit | None:
    """The first rule the normalised text breaks, with the span (in ``norm``) of its sentences."""
    has_zh, has_en, mixed = gates if gates is not None else _gates(norm)
    # seventeenth stop: the English acts read by words outside the gate - on a text with a Latin word (a
    # text with Chinese in it and no Latin word is not ``mixed``: ``_gates``), the test for Chinese asked
    # first, as it answers at the first character of a Chinese reply
    if not has_en and (mixed or norm.isascii() or _CJK_CHAR.search(norm) is None) and reads_past_gate(norm):
        has_en = True
    if not (has_zh or has_en or mixed):
        return None
    doc = _Doc(norm)
    if has_zh:
        hit = _classify_zh(doc)
        if hit is not None:
            return hit
    if has_en:
        hit = _classify_en(doc)
        if hit is not None:
            return hit
    return _mixed(norm) if mixed else None
