"""Argo Rollouts' AnalysisTemplate / ClusterAnalysisTemplate / AnalysisRun, field for field,
with Argo's validation rules, argument resolution and template merging.

Modules: ``models`` (pydantic models, camelCase aliases), ``validate`` (ValidateMetrics with
Argo's messages; dry-run/retention rule maps), ``args`` (``{{args.x}}`` substitution, secrets,
redaction), ``secrets`` (reading them from the run's namespace's folder), ``merge`` (building a
run spec from templates), ``load`` (parsing YAML/JSON into models, or salvaging what is right in
them; Argo's pre-flight checks), ``audit`` (every problem
of a run spec at once, for submission; args nothing declares), ``hints`` (did-you-mean), ``errors``
(located errors). Go durations are parsed by
``providers.goduration``, shared with the providers. ``status`` is Argo's AnalysisRun status
shape and ``document`` the run as Argo writes it.

May import: ``app.core``, ``app.expr`` and ``providers`` (Go durations and formatting).
"""

from app.spec.args import DirectorySecrets, MappingSecrets, SecretSource, redact, resolve_metrics
from app.spec.errors import ArgError, MergeError, SpecError, SpecIssue
from app.spec.load import PreparedSpec, parse_run, parse_template, parse_yaml, prepare_run_spec
from app.spec.merge import build_run_spec, collect_templates, flatten_templates, merge_args
from app.spec.models import (
    AnalysisRun,
    AnalysisRunSpec,
    AnalysisTemplate,
    AnalysisTemplateSpec,
    Argument,
    ClusterAnalysisTemplate,
    Metric,
    MetricProvider,
)
from app.spec.validate import validate_metrics
from providers.goduration import DurationError, parse_duration, parse_timedelta

__all__ = [
    "AnalysisRun",
    "AnalysisRunSpec",
    "AnalysisTemplate",
    "AnalysisTemplateSpec",
    "ArgError",
    "Argument",
    "ClusterAnalysisTemplate",
    "DirectorySecrets",
    "DurationError",
    "MappingSecrets",
    "MergeError",
    "Metric",
    "MetricProvider",
    "PreparedSpec",
    "SecretSource",
    "SpecError",
    "SpecIssue",
    "build_run_spec",
    "collect_templates",
    "flatten_templates",
    "merge_args",
    "parse_duration",
    "parse_run",
    "parse_template",
    "parse_timedelta",
    "parse_yaml",
    "prepare_run_spec",
    "redact",
    "resolve_metrics",
    "validate_metrics",
]
