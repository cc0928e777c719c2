"""Metric definitions as versioned per-platform data (``connectors/<platform>/metrics.yaml``).

Why data and not code: Taobao, Tmall and Shopify name and divide refunds differently, and their
published formulas change. Each file names a metric in the platform's own words and says which of our
*measures* (a closed vocabulary, each one fixed SQL over our columns in ``queries.py``) form its
numerator and denominator. Changing a platform's formula is a data edit with a version bump; a file
that names an unknown measure or key fails to load with file, key and line.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from marketplace_returns.errors import ConfigError
from marketplace_returns.resources import data_dir
from marketplace_returns.yamlsource import YamlSource, dotted, load_yaml

Measure = Literal[
    "requests",
    "refunds",
    "quality_refunds",
    "completed",
    "self_completed",
    "completion_hours",
    "disputes",
    "disputes_seller_fault",
    "paid_orders",
    "signed_orders",
]
"""Numbers the queries compute for any group; a definition divides one by another."""

MetricKey = Literal[
    "refund_rate",
    "quality_refund_rate",
    "dispute_refund_rate",
    "self_completion_rate",
    "completion_time",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Term(_Strict):
    measure: Measure
    columns: str = Field(min_length=1)
    """How the measure is computed, in terms of our tables and columns (for readers)."""


class MetricDefinition(_Strict):
    name: str = Field(min_length=1)
    meaning: str = Field(min_length=1)
    numerator: Term
    denominator: Term
    unit: Literal["ratio", "hours"] = "ratio"
    better: Literal["lower", "higher"]

    def value(self, measures: dict[str, float | int | Decimal | None]) -> float | None:
        """numerator ÷ denominator from a row of measures; None when the denominator is 0 or unknown."""
        num = measures.get(self.numerator.measure)
        den = measures.get(self.denominator.measure)
        if num is None or not den:
            return None
        return float(num) / float(den)


class MetricSet(_Strict):
    platform: str
    version: int = Field(ge=1)
    window_days: int = Field(gt=0, le=366)
    source: str = Field(min_length=1)
    metrics: dict[MetricKey, MetricDefinition]


def parse_definitions(source: YamlSource) -> MetricSet:
    """Validate a parsed metrics file; errors name file, key and line."""
    if not isinstance(source.data, dict):
        raise ConfigError("a metrics file is a mapping of keys", file=source.file, line=1)
    try:
        return MetricSet.model_validate(source.data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        raise ConfigError(
            err["msg"], file=source.file, path=dotted(loc) or None, line=source.line_of(loc)
        ) from None


def load_text(text: str, *, file: str) -> MetricSet:
    return parse_definitions(load_yaml(text, file=file))


@cache
def load_definitions(platform: str) -> MetricSet:
    """The metric definitions of ``platform`` (``sandbox`` reads Taobao's, as its profile does)."""
    name = platform.strip().lower()
    if name == "sandbox":
        name = "taobao"
    path = data_dir("connectors") / name / "metrics.yaml"
    file = f"connectors/{name}/metrics.yaml"
    if not path.is_file():
        raise ConfigError(f"no metric definitions for platform {platform!r}", file=file)
    metric_set = load_text(path.read_text(encoding="utf-8"), file=file)
    if metric_set.platform != name:
        raise ConfigError(
            f"file is for platform {metric_set.platform!r}, expected {name!r}",
            file=file,
            path="platform",
            line=1,
        )
    return metric_set


def definitions_for(platforms: list[str]) -> MetricSet:
    """The set to use for a group of rows: the platform's own when there is one, Taobao's otherwise.

    Taobao's formulas are the generic ones (refunds ÷ paid orders, ...); a mixed-platform total uses
    them and the report says so.
    """
    distinct = sorted({p for p in platforms if p})
    return load_definitions(distinct[0] if len(distinct) == 1 else "taobao")
