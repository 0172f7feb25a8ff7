"""Kayenta's CanaryConfig as pydantic models: Kayenta's own JSON reads unchanged.

Names are Kayenta's camelCase (``analysisConfigurations``, ``judgeConfigurations``); unknown
fields are kept, as Kayenta's mapper (``FAIL_ON_UNKNOWN_PROPERTIES`` off) tolerates them, so a
config written by Deck or Referee round-trips through a store. Types are strict where Kayenta's
judge would cast: a string where a boolean belongs is refused here, naming the field, instead of
failing the judgement later. A metric's ``query`` stays an opaque mapping (``type`` + fields):
only the fetching side reads it.

augur reads two settings Kayenta hard-codes: ``judge.judgeConfigurations.tolerance`` (0.25) and
``.confLevel`` (0.98), and two of its own per metric for augur-v1:
``analysisConfigurations.canary.dataType`` and ``.spread`` (docs/judge.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from app.judge.errors import JudgeConfigError, problems_of

__all__ = [
    "AUGUR_JUDGE",
    "JUDGES",
    "KAYENTA_JUDGE",
    "CanaryConfig",
    "CanarySettings",
    "MetricConfig",
    "parse_canary_config",
]

KAYENTA_JUDGE = "NetflixACAJudge-v1.0"
AUGUR_JUDGE = "augur-v1"
#: The judges augur has; a config naming no judge gets Kayenta's (its first judge bean).
JUDGES: tuple[str, ...] = (KAYENTA_JUDGE, AUGUR_JUDGE)


class _Kayenta(BaseModel):
    """camelCase on the wire, strict types, unknown fields kept."""

    model_config = ConfigDict(
        strict=True, extra="allow", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


class EffectSize(_Kayenta):
    """Practical-significance thresholds; unset ones default by measure (1.0, cles 0.5)."""

    measure: Literal["meanRatio", "cles"] = "meanRatio"
    allowed_increase: float | None = None
    allowed_decrease: float | None = None
    critical_increase: float | None = None
    critical_decrease: float | None = None

    def value(self, name: str) -> float:
        given: float | None = getattr(self, name)
        if given is not None:
            return given
        return 0.5 if self.measure == "cles" else 1.0


class Outliers(_Kayenta):
    strategy: Literal["remove", "keep", "none"] = "none"
    outlier_factor: float = 3.0

    @field_validator("outlier_factor")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not value > 0:
            raise ValueError(f"must be greater than 0, got {value}")
        return value


class CanarySettings(_Kayenta):
    """``analysisConfigurations.canary``: what both judges read for one metric. Kayenta reads
    an unknown ``direction`` as either and an unknown ``nanStrategy`` as remove; augur refuses
    them, since such a value is a typo whose effect nobody sees."""

    direction: Literal["increase", "decrease", "either"] = "either"
    nan_strategy: Literal["remove", "replace", "none"] = "none"
    critical: bool = False
    must_have_data: bool = False
    muted: bool = False
    effect_size: EffectSize = EffectSize()
    outliers: Outliers = Outliers()
    # augur-v1 only (NetflixACAJudge-v1.0 ignores them)
    data_type: Literal["auto", "continuous", "count", "rate"] = "auto"
    spread: bool = False


class AnalysisConfigurations(_Kayenta):
    canary: CanarySettings = CanarySettings()


class MetricConfig(_Kayenta):
    name: str
    query: dict[str, Any] | None = None
    groups: list[str] = Field(default_factory=list)
    scope_name: str | None = "default"
    analysis_configurations: AnalysisConfigurations = AnalysisConfigurations()

    @field_validator("query")
    @classmethod
    def _query_type(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and not isinstance(value.get("type"), str):
            raise ValueError('must name its metric source in "type" (a string)')
        return value

    @property
    def canary(self) -> CanarySettings:
        return self.analysis_configurations.canary


class JudgeConfigurations(_Kayenta):
    tolerance: float = 0.25
    conf_level: float = 0.98

    @field_validator("tolerance")
    @classmethod
    def _tolerance(cls, value: float) -> float:
        if not value >= 0:
            raise ValueError(f"must be 0 or more, got {value}")
        return value

    @field_validator("conf_level")
    @classmethod
    def _level(cls, value: float) -> float:
        if not 0 < value < 1:
            raise ValueError(f"must be between 0 and 1 (exclusive), got {value}")
        return value


class JudgeConfig(_Kayenta):
    name: str = KAYENTA_JUDGE
    judge_configurations: JudgeConfigurations = JudgeConfigurations()

    @field_validator("name")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in JUDGES:
            raise ValueError(f'unknown judge "{value}": one of {", ".join(JUDGES)}')
        return value


class Classifier(_Kayenta):
    group_weights: dict[str, float] = Field(default_factory=dict)
    score_thresholds: dict[str, float] | None = None  # legacy, ignored as Kayenta ignores it


class CanaryConfig(_Kayenta):
    id: str | None = None
    name: str | None = None
    description: str | None = None
    config_version: str | None = None
    applications: list[str] = Field(default_factory=list)
    judge: JudgeConfig = JudgeConfig()
    metrics: list[MetricConfig]
    templates: dict[str, str] = Field(default_factory=dict)
    classifier: Classifier = Classifier()

    @field_validator("metrics")
    @classmethod
    def _some(cls, value: list[MetricConfig]) -> list[MetricConfig]:
        if not value:
            raise ValueError("must list at least one metric")
        return value

    def metric(self, name: str) -> MetricConfig | None:
        """The first metric of that name, as Kayenta's judge looks it up."""
        return next((m for m in self.metrics if m.name == name), None)

    def to_json(self) -> dict[str, Any]:
        """Kayenta's JSON again: the fields that were given (camelCase, unknown ones too), no
        defaults added, nulls left out."""
        return self.model_dump(by_alias=True, exclude_unset=True, exclude_none=True, mode="json")


#: Kayenta writes null for a missing object; these read as the default.
_NULLABLE = ("judge", "classifier", "templates", "applications")


def _drop_nulls(data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if not (k in _NULLABLE and v is None)}
    for key in ("judge", "classifier"):
        inner = cleaned.get(key)
        if isinstance(inner, Mapping):
            cleaned[key] = {k: v for k, v in inner.items() if v is not None}
    return cleaned


def parse_canary_config(data: Mapping[str, Any]) -> CanaryConfig:
    """Read a CanaryConfig document; JudgeConfigError lists every problem with its path."""
    if not isinstance(data, Mapping):
        raise JudgeConfigError([("config", "must be a JSON object (a Kayenta CanaryConfig)")])
    try:
        return CanaryConfig.model_validate(_drop_nulls(data))
    except ValidationError as exc:
        raise JudgeConfigError(problems_of(exc)) from None
