"""Platform profiles: what we know of a platform's after-sales rules, loaded from data.

A profile lives in ``connectors/<platform>/profile.yaml`` (shipped inside the wheel). It carries the
reason vocabulary with each reason's prior category and the metric it penalises, the accurate reason
to propose per category, the late-shipment compensation rule, default deadlines and limits. A profile
may ``extends:`` another; keys it sets replace the parent's at the top level.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from marketplace_returns.errors import ProfileError
from marketplace_returns.models.vocabulary import FAMILY_OF, Category, Family
from marketplace_returns.resources import data_dir
from marketplace_returns.yamlsource import YamlSource, dotted, load_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricDefinition(_Strict):
    name: str
    meaning: str


class ReasonEntry(_Strict):
    """One reason as the buyer picks it on the platform."""

    text: str
    category: Category
    prior: float = Field(ge=0, le=1)
    penalises: str | None = None
    broad: bool = False
    """A catch-all reason (质量问题, 七天无理由退换货): its category stands for a whole family, so when
    the learned reader decides a case, the category the reader reads is kept rather than replaced by
    this placeholder (unless the reader reads only ``other``). A specific reason (少件/漏发, 卖家发错货)
    still names the category within its family."""

    @property
    def family(self) -> Family:
        return FAMILY_OF[self.category]


class Compensation(_Strict):
    rate: Decimal = Field(gt=0, lt=1)
    minimum: Decimal = Field(ge=0)
    maximum: Decimal = Field(ge=0)

    def amount(self, base: Decimal) -> Decimal:
        """The compensation owed on ``base``: rate × base clamped to [minimum, maximum]."""
        raw = (base * self.rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return min(max(raw, self.minimum), self.maximum)


class Deadlines(_Strict):
    acknowledge_hours: int = Field(gt=0)
    decide_hours: int = Field(gt=0)
    seller_response_hours: dict[str, int] = Field(default_factory=dict)


class PlatformProfile(_Strict):
    platform: str
    display_name: str
    default_lang: str
    currency: str
    timezone: str
    size_tolerance_cm: float = Field(gt=0)
    seven_day_no_reason: bool
    metrics: dict[str, MetricDefinition] = Field(default_factory=dict)
    reasons: list[ReasonEntry]
    accurate_reason: dict[Category, str] = Field(default_factory=dict)
    late_shipment_compensation: Compensation | None = None
    deadlines: Deadlines
    limits: dict[str, int | float] = Field(default_factory=dict)

    @field_validator("reasons")
    @classmethod
    def _unique_reasons(cls, v: list[ReasonEntry]) -> list[ReasonEntry]:
        seen: set[str] = set()
        for r in v:
            if r.text in seen:
                raise ValueError(f"reason {r.text!r} is listed twice")
            seen.add(r.text)
        return v

    def model_post_init(self, __context: Any) -> None:
        index = {r.text: r for r in self.reasons}
        object.__setattr__(self, "_index", index)
        for reason in self.reasons:
            if reason.penalises and reason.penalises not in self.metrics:
                raise ValueError(f"reason {reason.text!r} penalises unknown metric {reason.penalises!r}")
        for category, text in self.accurate_reason.items():
            entry = index.get(text)
            if entry is None:
                raise ValueError(f"accurate_reason.{category.value}: {text!r} is not a listed reason")
            if entry.penalises:
                raise ValueError(f"accurate_reason.{category.value}: {text!r} itself penalises the seller")

    def reason(self, text: str | None) -> ReasonEntry | None:
        """The profile's entry for a reason text as the buyer chose it (None if unknown)."""
        index: dict[str, ReasonEntry] = self._index  # type: ignore[attr-defined]
        return index.get((text or "").strip())

    def penalises(self, text: str | None) -> str | None:
        """The metric the reason counts toward, or None."""
        entry = self.reason(text)
        return entry.penalises if entry else None


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = dict(parent)
    merged.update({k: v for k, v in child.items() if k != "extends"})
    return merged


def _read(platform: str) -> YamlSource:
    path = data_dir("connectors") / platform / "profile.yaml"
    file = f"connectors/{platform}/profile.yaml"
    if not path.is_file():
        raise ProfileError(f"no profile for platform {platform!r}", file=file)
    return load_yaml(path.read_text(encoding="utf-8"), file=file, error=ProfileError)


def parse_profile(source: YamlSource, parent: dict[str, Any] | None = None) -> PlatformProfile:
    """Validate a parsed profile; errors name file, key and line."""
    if not isinstance(source.data, dict):
        raise ProfileError("a profile is a mapping of keys", file=source.file, line=1)
    data = _merge(parent, source.data) if parent else source.data
    try:
        return PlatformProfile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        raise ProfileError(err["msg"], file=source.file, path=dotted(loc) or None,
                           line=source.line_of(loc)) from None


def _raw(platform: str, seen: tuple[str, ...] = ()) -> tuple[YamlSource, dict[str, Any] | None]:
    source = _read(platform)
    parent_name = source.data.get("extends") if isinstance(source.data, dict) else None
    if not parent_name:
        return source, None
    if parent_name in seen:
        raise ProfileError(f"profile extends itself through {parent_name!r}", file=source.file,
                           path="extends", line=source.line_of(("extends",)))
    parent_source, grand = _raw(str(parent_name), (*seen, platform))
    parent_data = _merge(grand, parent_source.data) if grand else parent_source.data
    return source, parent_data


@cache
def load_profile(platform: str) -> PlatformProfile:
    """The profile of ``platform`` (``taobao``, ``tmall``, ``shopify``; ``sandbox`` aliases taobao).

    Profiles are immutable and read once per process.
    """
    name = platform.strip().lower()
    if name == "sandbox":
        name = "taobao"
    source, parent = _raw(name)
    return parse_profile(source, parent)


def available_platforms() -> list[str]:
    root = data_dir("connectors")
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "profile.yaml").is_file())
