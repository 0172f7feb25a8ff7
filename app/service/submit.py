"""From what a caller sends to a run augur can start, with every problem found at once.

The CLI (`augur run`, `augur validate`) and the API share this: documents (AnalysisTemplates,
ClusterAnalysisTemplates, or one AnalysisRun) plus args become an `AnalysisRun`, which is then
checked the way the first reconcile would check it — args resolved with secrets stood in for,
Argo's metric rules, conditions compiled, each provider's block built — so a mistake is reported
before the first measurement, never ten minutes into a rollout.

Every problem is reported at once, wherever it was found: a document's misspelt field is left
out so the rest of the document is still checked, every arg without a value and every arg that
no template declares is named, and `check_run` reports what `build_run` found with its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from app.engine.conditions import check_conditions
from app.expr import Limits
from app.spec.audit import audit_run_spec, undeclared_args
from app.spec.bounds import meta_issues
from app.spec.errors import MergeError, SpecError, SpecIssue
from app.spec.hints import closest
from app.spec.load import salvage, template_model
from app.spec.merge import build_run_spec
from app.spec.models import (
    AnalysisRun,
    AnalysisTemplate,
    Argument,
    ClusterAnalysisTemplate,
    Metric,
    ObjectMeta,
)
from providers.errors import ProviderError

__all__ = [
    "KINDS",
    "Problems",
    "Submission",
    "add_documents",
    "build_run",
    "check_run",
    "parse_args",
    "read_documents",
]

#: Builds a provider from its block to check the block; raises ProviderError when it is wrong.
ProviderCheck = Callable[[Mapping[str, Any]], object]
KINDS = ("AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun")
_NOTHING = Metric(name="")  # stands in for a metric that could not be resolved


class Problems(Exception):
    """Everything wrong with a submission; each issue names its place and what would be accepted."""

    def __init__(self, issues: Sequence[SpecIssue]) -> None:
        self.issues = list(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues))


@dataclass
class Submission:
    """The documents read, and the problems found in them. A document with a wrong field is
    kept without that field (its other problems are still found); one that could not be read
    at all makes the submission `unreadable`, and nothing is built from it."""

    templates: list[AnalysisTemplate] = field(default_factory=list)
    cluster_templates: list[ClusterAnalysisTemplate] = field(default_factory=list)
    runs: list[AnalysisRun] = field(default_factory=list)
    issues: list[SpecIssue] = field(default_factory=list)
    unreadable: bool = False
    skipped: list[str] = field(default_factory=list)  # kinds of other objects (a Rollout)

    def usable(self) -> Submission:
        """Itself, or `Problems` when a document could not be read or none was found."""
        if self.unreadable:
            raise Problems(self.issues)
        if not (self.templates or self.cluster_templates or self.runs):
            message = "no AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun found"
            if self.skipped:
                message += f" (only {', '.join(self.skipped)})"
            raise Problems([*self.issues, SpecIssue("", message)])
        return self


def parse_args(pairs: Sequence[str], *, field: str = "args") -> list[Argument]:
    """`name=value` pairs (the CLI's `-a`, the API's `?arg=`); the value may contain `=`."""
    args, issues = [], []
    for index, pair in enumerate(pairs):
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            issues.append(SpecIssue(f"{field}[{index}]", f"{pair!r} is not name=value"))
            continue
        args.append(Argument(name=name.strip(), value=value))
    if issues:
        raise Problems(issues)
    return args


def read_documents(sources: Sequence[tuple[str, str]]) -> Submission:
    """YAML or JSON texts (`---` separates documents), each named for messages (a file name)."""
    found = Submission()
    for origin, text in sources:
        try:
            documents = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{origin}:{mark.line + 1}:{mark.column + 1}" if mark else origin
            found.issues.append(SpecIssue(where, f"invalid YAML: {getattr(exc, 'problem', exc)}"))
            found.unreadable = True
            continue
        add_documents(found, documents, origin=origin)
    return found.usable()


def add_documents(found: Submission, documents: Sequence[Any], *, origin: str = "") -> Submission:
    """Parse each document into `found`. Problems are placed in front of the field path: by the
    file they came from (`file: spec...`, `file[1]: spec...`), or, for a request's body
    (`origin=""`), by the document's index when there are several (`documents[1].spec...`).

    Other objects kept beside a template (the Rollout or Canary that calls it) are skipped; a
    kind that looks like a misspelt analysis kind is a problem.
    """
    for number, data in enumerate(documents):
        kind = data.get("kind") if isinstance(data, Mapping) else None
        if isinstance(kind, str) and kind not in KINDS and closest(kind, KINDS) is None:
            found.skipped.append(kind)
            continue
        parsed: AnalysisRun | AnalysisTemplate | ClusterAnalysisTemplate | None
        try:
            if kind == "AnalysisRun":
                parsed, issues = salvage(AnalysisRun, data)
            else:
                parsed, issues = salvage(template_model(data), data)
        except SpecError as exc:  # a kind that is neither
            parsed, issues = None, exc.issues
        found.issues += [_placed(issue, origin, number, len(documents)) for issue in issues]
        if isinstance(parsed, AnalysisRun):
            found.runs.append(parsed)
        elif isinstance(parsed, ClusterAnalysisTemplate):
            found.cluster_templates.append(parsed)
        elif isinstance(parsed, AnalysisTemplate):
            found.templates.append(parsed)
        else:
            found.unreadable = True
    return found


def _placed(issue: SpecIssue, origin: str, number: int, count: int) -> SpecIssue:
    if origin:
        place = origin if count == 1 else f"{origin}[{number}]"
        path = f"{place}: {issue.path}".rstrip(": ")
    elif count == 1:
        return issue
    else:
        path = f"documents[{number}]" + (f".{issue.path}" if issue.path else "")
    return SpecIssue(path, issue.message, issue.hint)


def build_run(
    submission: Submission,
    *,
    args: Sequence[Argument] = (),
    namespace: str = "",
    arg_field: str = "args",
) -> AnalysisRun:
    """One AnalysisRun: the submitted run (args override its values) or one from the templates.

    Problems that leave a run to check (the submission's, args nothing declares, declared args
    with no value) do not stop it: they travel with the run, and `check_run` reports them with
    its own. Always `check_run` a built run before using it.
    """
    found = list(submission.issues)
    if submission.runs:
        if len(submission.runs) > 1 or submission.templates or submission.cluster_templates:
            message = "send either one AnalysisRun or templates, not both or several runs"
            raise Problems([*found, SpecIssue("", message)])
        run = submission.runs[0]
        found += undeclared_args(args, run.spec.args, field=arg_field, owner="the run declares")
        spec = run.spec.model_copy(update={"args": _override(run.spec.args, args)})
        built = run.model_copy(update={"spec": spec, "status": None})
    else:
        try:
            spec = build_run_spec(
                submission.templates, submission.cluster_templates, args=args, require_values=False
            )
        except MergeError as exc:
            raise Problems([*found, SpecIssue("spec", exc.message)]) from None
        found += undeclared_args(args, spec.args, field=arg_field)
        first = (submission.templates or submission.cluster_templates)[0]
        meta = ObjectMeta(
            name=first.metadata.name or "analysis",
            namespace=namespace or first.metadata.namespace or "default",
            labels=dict(first.metadata.labels),
        )
        built = AnalysisRun(metadata=meta, spec=spec)
    built.note_problems(found)
    return built


def _override(
    existing: Sequence[Argument] | None, args: Sequence[Argument]
) -> list[Argument] | None:
    """The run's args with the given values; undeclared ones are refused, not added."""
    given = {a.name: a for a in args}
    return [given.get(a.name, a) for a in existing] if existing is not None else None


def check_run(
    run: AnalysisRun,
    *,
    provider_check: ProviderCheck | None = None,
    limits: Limits | None = None,
) -> None:
    """Raise `Problems` listing every mistake the first reconcile would meet, and those found
    while the run was built (`limits`: the budgets its conditions will get)."""
    audit = audit_run_spec(run.spec)
    issues = [*run.submission_problems, *meta_issues(run.metadata), *audit.issues]
    try:
        check_conditions([metric or _NOTHING for metric in audit.metrics], limits=limits)
    except SpecError as exc:
        issues += [issue for issue in exc.issues if audit.sees(issue.path)]
    if provider_check is not None:
        for index, metric in enumerate(audit.metrics):
            path = f"spec.metrics[{index}].provider"
            if (
                metric is None
                or not audit.sees(path)
                or any(i.path.startswith(path) for i in issues)
            ):
                continue  # unresolved, or its provider block is wrong in a way already named
            block = metric.provider.model_dump(by_alias=True, exclude_none=True)
            try:
                provider_check(block)
            except ProviderError as exc:
                issues.append(SpecIssue(path, str(exc)))
    if issues:
        raise Problems(issues)
