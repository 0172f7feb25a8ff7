"""From what a caller sends to a run augur can start, with every problem found at once.

The CLI (`augur run`, `augur validate`) and the API share this: documents (AnalysisTemplates,
ClusterAnalysisTemplates, or one AnalysisRun) plus args become an `AnalysisRun`, which is then
checked the way the first reconcile would check it — args resolved with secrets stood in for,
Argo's metric rules, conditions compiled, each provider's block built — so a mistake is reported
before the first measurement, never ten minutes into a rollout.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from app.engine.conditions import check_conditions
from app.spec.errors import ArgError, MergeError, SpecError, SpecIssue
from app.spec.load import parse_run, parse_template, prepare_run_spec
from app.spec.merge import build_run_spec
from app.spec.models import (
    AnalysisRun,
    AnalysisTemplate,
    Argument,
    ClusterAnalysisTemplate,
    ObjectMeta,
)
from providers.errors import ProviderError

__all__ = ["Problems", "Submission", "build_run", "check_run", "parse_args", "read_documents"]

#: Builds a provider from its block to check the block; raises ProviderError when it is wrong.
ProviderCheck = Callable[[Mapping[str, Any]], object]


class Problems(Exception):
    """Everything wrong with a submission; each issue names its place and what would be accepted."""

    def __init__(self, issues: Sequence[SpecIssue]) -> None:
        self.issues = list(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues))


@dataclass
class Submission:
    templates: list[AnalysisTemplate] = field(default_factory=list)
    cluster_templates: list[ClusterAnalysisTemplate] = field(default_factory=list)
    runs: list[AnalysisRun] = field(default_factory=list)


def parse_args(pairs: Sequence[str]) -> list[Argument]:
    """`name=value` pairs (the CLI's `-a`); the value may itself contain `=`."""
    args, issues = [], []
    for index, pair in enumerate(pairs):
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            issues.append(SpecIssue(f"args[{index}]", f"{pair!r} is not name=value"))
            continue
        args.append(Argument(name=name.strip(), value=value))
    if issues:
        raise Problems(issues)
    return args


def read_documents(sources: Sequence[tuple[str, str]]) -> Submission:
    """YAML or JSON texts (`---` separates documents), each named for messages (a file name)."""
    found, issues = Submission(), []
    for origin, text in sources:
        try:
            documents = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{origin}:{mark.line + 1}:{mark.column + 1}" if mark else origin
            issues.append(SpecIssue(where, f"invalid YAML: {getattr(exc, 'problem', exc)}"))
            continue
        for number, data in enumerate(documents):
            place = origin if len(documents) == 1 else f"{origin}[{number}]"
            try:
                _add(found, data)
            except SpecError as exc:
                issues += [
                    SpecIssue(f"{place}: {i.path}".rstrip(": "), i.message, i.hint)
                    for i in exc.issues
                ]
    if issues:
        raise Problems(issues)
    if not (found.templates or found.cluster_templates or found.runs):
        raise Problems(
            [SpecIssue("", "no AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun found")]
        )
    return found


def _add(found: Submission, data: Any) -> None:
    kind = data.get("kind") if isinstance(data, Mapping) else None
    if kind == "AnalysisRun":
        found.runs.append(parse_run(data))
        return
    template = parse_template(data)
    if isinstance(template, ClusterAnalysisTemplate):
        found.cluster_templates.append(template)
    else:
        found.templates.append(template)


def build_run(
    submission: Submission, *, args: Sequence[Argument] = (), namespace: str = ""
) -> AnalysisRun:
    """One AnalysisRun: the submitted run (args override its values) or one from the templates."""
    if submission.runs:
        if len(submission.runs) > 1 or submission.templates or submission.cluster_templates:
            raise Problems(
                [
                    SpecIssue(
                        "", "send either one AnalysisRun or templates, not both or several runs"
                    )
                ]
            )
        run = submission.runs[0]
        spec = run.spec.model_copy(update={"args": _override(run.spec.args, args)})
        return run.model_copy(update={"spec": spec, "status": None})
    try:
        spec = build_run_spec(submission.templates, submission.cluster_templates, args=args)
    except MergeError as exc:
        hint = "give every declared arg a value" if "not resolved" in exc.message else ""
        raise Problems([SpecIssue("spec.args", exc.message, hint)]) from None
    first = (submission.templates or submission.cluster_templates)[0]
    meta = ObjectMeta(
        name=first.metadata.name or "analysis",
        namespace=namespace or first.metadata.namespace or "default",
        labels=dict(first.metadata.labels),
    )
    return AnalysisRun(metadata=meta, spec=spec)


def _override(
    existing: Sequence[Argument] | None, args: Sequence[Argument]
) -> list[Argument] | None:
    if not args:
        return list(existing) if existing is not None else None
    given = {a.name: a for a in args}
    merged = [given.pop(a.name, a) for a in existing or ()]
    return merged + list(given.values())


def check_run(run: AnalysisRun, *, provider_check: ProviderCheck | None = None) -> None:
    """Raise `Problems` listing every mistake the first reconcile would meet."""
    issues: list[SpecIssue] = []
    try:
        prepared = prepare_run_spec(run.spec)
    except ArgError as exc:
        raise Problems([SpecIssue(exc.path or "spec.args", exc.message)]) from None
    except SpecError as exc:
        raise Problems(exc.issues) from None
    try:
        check_conditions(prepared.metrics)
    except SpecError as exc:
        issues += exc.issues
    if provider_check is not None:
        for index, metric in enumerate(prepared.metrics):
            block = metric.provider.model_dump(by_alias=True, exclude_none=True)
            try:
                provider_check(block)
            except ProviderError as exc:
                issues.append(SpecIssue(f"spec.metrics[{index}].provider", str(exc)))
    if issues:
        raise Problems(issues)
