"""The owner's thresholds, and where each rate stands against them.

A thresholds file is a small YAML mapping of metric key → limit, e.g.::

    refund_rate: 0.08            # 退款率 at most 8 %
    quality_refund_rate: 0.015
    self_completion_rate: 0.95   # a "higher is better" metric: at least 95 %
    first_response_hours: 12

The direction comes from the metric (the platform's definition says ``better: lower|higher``), so the
owner writes numbers only. ``--threshold key=value`` on the command line does the same for one key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from marketplace_returns.errors import ConfigError
from marketplace_returns.metrics.definitions import MetricSet
from marketplace_returns.yamlsource import load_yaml

OURS: dict[str, Literal["lower", "higher"]] = {
    "dispute_share": "lower",
    "penalising_share_after": "lower",
    "first_response_hours": "lower",
    "responded_within_ack_share": "higher",
    "deadline_missed_share": "lower",
}
"""Our own metrics a threshold may name, with the direction that is better."""


class Standing(BaseModel):
    key: str
    name: str
    value: float | None
    projected: float | None = None
    threshold: float | None = None
    better: Literal["lower", "higher"]
    status: Literal["ok", "breached", "no threshold", "no data"]
    projected_status: Literal["ok", "breached", "no threshold", "no data"] | None = None


def _known(defs: MetricSet) -> dict[str, Literal["lower", "higher"]]:
    return {**{k: d.better for k, d in defs.metrics.items()}, **OURS}


def load_thresholds(path: Path, defs: MetricSet) -> dict[str, float]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read thresholds: {exc.strerror}", file=file) from None
    source = load_yaml(text, file=file)
    data = source.data or {}
    if not isinstance(data, dict):
        raise ConfigError("a thresholds file is a mapping of metric → limit", file=file, line=1)
    known = _known(defs)
    out: dict[str, float] = {}
    for key, value in data.items():
        line = source.line_of((key,))
        if key not in known:
            raise ConfigError(
                f"unknown metric {key!r}",
                file=file,
                path=str(key),
                line=line,
                hint="one of " + ", ".join(sorted(known)),
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError("a threshold is a number", file=file, path=str(key), line=line)
        out[str(key)] = float(value)
    return out


def parse_option(items: list[str], defs: MetricSet) -> dict[str, float]:
    """``["refund_rate=0.08", ...]`` → thresholds; errors name the option."""
    known = _known(defs)
    out: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key.strip() not in known:
            raise ConfigError(
                f"--threshold {item!r}: expected KEY=NUMBER with KEY one of " + ", ".join(sorted(known))
            )
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise ConfigError(f"--threshold {item!r}: {value!r} is not a number") from None
    return out


def _status(
    value: float | None, limit: float | None, better: str
) -> Literal["ok", "breached", "no threshold", "no data"]:
    if value is None:
        return "no data"
    if limit is None:
        return "no threshold"
    ok = value <= limit if better == "lower" else value >= limit
    return "ok" if ok else "breached"


def stand(
    key: str,
    name: str,
    value: float | None,
    *,
    better: Literal["lower", "higher"],
    thresholds: dict[str, float],
    projected: float | None = None,
    with_projection: bool = False,
) -> Standing:
    limit = thresholds.get(key)
    return Standing(
        key=key,
        name=name,
        value=value,
        projected=projected,
        threshold=limit,
        better=better,
        status=_status(value, limit, better),
        projected_status=_status(projected, limit, better) if with_projection else None,
    )
