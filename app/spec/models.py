"""Argo Rollouts' analysis objects (``argoproj.io/v1alpha1``), field for field.

Templates arrive as Argo users write them, so every field keeps Argo's JSON name (camelCase alias;
snake_case also accepted). Structure and types are checked here; Argo's semantic rules, with
Argo's messages, are in :mod:`app.spec.validate`, because they run on the arg-resolved metrics.
Provider bodies stay generic dicts: each provider validates its own block.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator
from pydantic.alias_generators import to_camel

from app.spec.errors import SpecIssue
from app.spec.status import AnalysisRunStatus

__all__ = [
    "API_VERSION",
    "PROVIDER_KEYS",
    "AnalysisRun",
    "AnalysisRunSpec",
    "AnalysisTemplate",
    "AnalysisTemplateSpec",
    "Argument",
    "ClusterAnalysisTemplate",
    "DryRun",
    "FieldRef",
    "IntOrString",
    "MeasurementRetention",
    "Metric",
    "MetricProvider",
    "ObjectMeta",
    "SecretKeyRef",
    "TemplateRef",
    "TtlStrategy",
    "ValueFrom",
    "int_value",
]

API_VERSION = "argoproj.io/v1alpha1"

#: Provider keys Argo knows (``MetricProvider``), plus augur's ``replay`` and ``judge``;
#: ``plugin`` is a map.
PROVIDER_KEYS: tuple[str, ...] = (
    "prometheus",
    "kayenta",
    "web",
    "datadog",
    "wavefront",
    "newRelic",
    "job",
    "cloudWatch",
    "graphite",
    "influxdb",
    "skywalking",
    "plugin",
    "replay",
    "judge",
)

_ATOI = re.compile(r"[+-]?[0-9]+\Z")
_INT64 = 1 << 63


def _int_or_string(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError('must be an integer or a string such as "5" or "{{args.count}}"')
    return value


#: Kubernetes ``IntOrString``: an int, or a string (often an ``{{args.x}}`` placeholder).
IntOrString = Annotated[int | str, BeforeValidator(_int_or_string)]


def int_value(value: int | str | None, default: int = 0) -> int:
    """``IntOrString.IntValue()``: strings go through Go ``strconv.Atoi``; failures become 0."""
    if value is None:
        return default
    if isinstance(value, int):
        return value
    if not _ATOI.match(value):
        return 0
    number = int(value)
    return number if -_INT64 <= number < _INT64 else 0


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        serialize_by_alias=True,
    )


class ObjectMeta(_Model):
    """The metadata people write; server-set fields (uid, resourceVersion...) are kept as is."""

    model_config = ConfigDict(extra="allow")

    name: str = ""
    namespace: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class MetricProvider(_Model):
    """Exactly one key should be set (checked by :func:`app.spec.validate.validate_metrics`)."""

    prometheus: dict[str, Any] | None = None
    kayenta: dict[str, Any] | None = None
    web: dict[str, Any] | None = None
    datadog: dict[str, Any] | None = None
    wavefront: dict[str, Any] | None = None
    new_relic: dict[str, Any] | None = None
    job: dict[str, Any] | None = None
    cloud_watch: dict[str, Any] | None = None
    graphite: dict[str, Any] | None = None
    influxdb: dict[str, Any] | None = None
    skywalking: dict[str, Any] | None = None
    plugin: dict[str, Any] | None = None
    replay: dict[str, Any] | None = None
    judge: dict[str, Any] | None = None

    def names(self) -> list[str]:
        """Set provider keys in Argo's order; each plugin counts once (``plugin/<name>``)."""
        found: list[str] = []
        for key in PROVIDER_KEYS:
            body = getattr(self, _FIELD_OF[key])
            if key == "plugin":
                found.extend(f"plugin/{name}" for name in body or {})
            elif body is not None:
                found.append(key)
        return found

    def body(self) -> tuple[str, dict[str, Any]]:
        """The single provider's key and body (plugins as ``plugin/<name>``)."""
        names = self.names()
        if len(names) != 1:
            raise ValueError(f"expected exactly one provider, found {len(names)}")
        name = names[0]
        if name.startswith("plugin/"):
            config = (self.plugin or {})[name.removeprefix("plugin/")]
            return name, config if isinstance(config, dict) else {"value": config}
        body = getattr(self, _FIELD_OF[name])
        assert isinstance(body, dict)
        return name, body


_FIELD_OF = {
    key: name
    for name, field in MetricProvider.model_fields.items()
    for key in (field.alias or name,)
}


def _none_is_empty_provider(value: Any) -> Any:
    return {} if value is None else value


class Metric(_Model):
    """Fields in Go's declaration order: args are substituted in Go's JSON of this object."""

    name: str
    interval: str = ""
    initial_delay: str = ""
    count: IntOrString | None = None
    success_condition: str = ""
    failure_condition: str = ""
    failure_limit: IntOrString | None = None
    inconclusive_limit: IntOrString | None = None
    consecutive_error_limit: IntOrString | None = None
    provider: Annotated[MetricProvider, BeforeValidator(_none_is_empty_provider)] = Field(
        default_factory=MetricProvider
    )
    consecutive_success_limit: IntOrString | None = None

    def effective_count(self) -> int | None:
        """``Metric.EffectiveCount``: count 0/absent means 1 without interval, unbounded with."""
        if self.count is None or int_value(self.count) == 0:
            return 1 if self.interval == "" else None
        return int_value(self.count)

    @property
    def failure_limit_value(self) -> int:
        return int_value(self.failure_limit, 0)

    @property
    def inconclusive_limit_value(self) -> int:
        return int_value(self.inconclusive_limit, 0)

    @property
    def consecutive_error_limit_value(self) -> int:
        return int_value(self.consecutive_error_limit, DEFAULT_CONSECUTIVE_ERROR_LIMIT)

    @property
    def consecutive_success_limit_value(self) -> int:
        return int_value(self.consecutive_success_limit, 0)


DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4


_SECRET_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]{1,253}")


class SecretKeyRef(_Model):
    """Names as Kubernetes allows them, so a reference can never walk out of the secrets folder
    (`../`) or name a file no Secret could hold."""

    name: str
    key: str = ""

    @field_validator("name")
    @classmethod
    def _secret_name(cls, value: str) -> str:
        if not _SECRET_NAME.fullmatch(value):
            raise ValueError("must be a Secret name: lower-case letters, digits, '-' and '.'")
        return value

    @field_validator("key")
    @classmethod
    def _secret_key(cls, value: str) -> str:
        if not _SECRET_KEY.fullmatch(value) or value in (".", ".."):
            raise ValueError("must be a Secret key: letters, digits, '-', '_' and '.'")
        return value


class FieldRef(_Model):
    field_path: str


class ValueFrom(_Model):
    secret_key_ref: SecretKeyRef | None = None
    field_ref: FieldRef | None = None


def _argument_value(value: Any) -> Any:
    if value is not None and not isinstance(value, str):
        raise ValueError(f'must be a string; quote it, e.g. value: "{value}"')
    return value


class Argument(_Model):
    """``value is None`` (absent) differs from ``""`` (an empty value that was supplied)."""

    name: str
    value: Annotated[str | None, BeforeValidator(_argument_value)] = None
    value_from: ValueFrom | None = None


class DryRun(_Model):
    metric_name: str


class MeasurementRetention(_Model):
    metric_name: str
    limit: int = 0


class TemplateRef(_Model):
    template_name: str
    cluster_scope: bool = False


class TtlStrategy(_Model):
    seconds_after_completion: int | None = None
    seconds_after_failure: int | None = None
    seconds_after_success: int | None = None


class AnalysisTemplateSpec(_Model):
    metrics: list[Metric] = Field(default_factory=list)
    args: list[Argument] | None = None
    dry_run: list[DryRun] | None = None
    measurement_retention: list[MeasurementRetention] | None = None
    templates: list[TemplateRef] | None = None


class AnalysisRunSpec(_Model):
    metrics: list[Metric] = Field(default_factory=list)
    args: list[Argument] | None = None
    terminate: bool = False
    dry_run: list[DryRun] | None = None
    measurement_retention: list[MeasurementRetention] | None = None
    ttl_strategy: TtlStrategy | None = None


class _Object(_Model):
    api_version: str = API_VERSION
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)

    @field_validator("api_version")
    @classmethod
    def _api_version(cls, value: str) -> str:
        if value != API_VERSION:
            raise ValueError(f'must be "{API_VERSION}"')
        return value


class AnalysisTemplate(_Object):
    kind: Literal["AnalysisTemplate"] = "AnalysisTemplate"
    spec: AnalysisTemplateSpec


class ClusterAnalysisTemplate(_Object):
    kind: Literal["ClusterAnalysisTemplate"] = "ClusterAnalysisTemplate"
    spec: AnalysisTemplateSpec


class AnalysisRun(_Object):
    kind: Literal["AnalysisRun"] = "AnalysisRun"
    spec: AnalysisRunSpec
    status: AnalysisRunStatus | None = None

    # Problems met while this run was built from what was submitted that the run itself cannot
    # show (a misspelt field dropped from a template, an arg that no template declares), kept
    # for the submission check to report with its own. Never serialised, never stored.
    _submission_problems: list[SpecIssue] = PrivateAttr(default_factory=list)

    def note_problems(self, issues: list[SpecIssue]) -> None:
        """Keep problems found while building this run for ``check_run`` to report."""
        self._submission_problems = [*self._submission_problems, *issues]

    @property
    def submission_problems(self) -> list[SpecIssue]:
        return list(self._submission_problems)
