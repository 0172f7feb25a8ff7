"""Every problem of a run spec at once, for submission.

At reconcile, Argo stops at the first problem (:func:`app.spec.load.prepare_run_spec`), and its
message becomes the run's. A person checking a template wants all of them, so this goes on where
a reconcile stops:

- every declared arg without a value is named (``args.x was not resolved``), and so is every
  ``{{args.x}}`` placeholder that no arg declares, with the closest declared name;
- those args get a stand-in value and each metric is resolved on its own, so one metric's
  broken placeholder does not hide another metric's mistakes;
- Argo's rules run on every metric (the first failing rule of each);
- a problem inside a field that holds a stand-in is not reported: that field's real value is
  unknown, and the arg it needs is named already.

Also here: :func:`undeclared_args`. Argo drops an arg that no template declares without a word,
so a misspelt ``-a oap-adress=...`` would run against the template's default address; augur
refuses it by name instead, with the closest declared name.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.limits import MAX_ARGS
from app.spec.args import arg_values, placeholders, resolve_arg_values, resolve_metric
from app.spec.bounds import count_issue, metric_bounds, size_issues, value_issues
from app.spec.errors import ArgError, SpecError, SpecIssue
from app.spec.hints import did_you_mean, unknown_name_hint
from app.spec.models import AnalysisRunSpec, Argument, Metric
from app.spec.validate import dry_run_metrics, metric_issues, retention_limits

__all__ = ["STAND_IN", "Audit", "audit_run_spec", "undeclared_args"]

#: The value an arg without one gets while the rest of the spec is checked.
STAND_IN = "augur-stand-in"
#: Unknown names given a did-you-mean hint; each hint compares with every declared name.
_HINTS = 10
#: Declared names listed in one message.
_LISTED = 20
_GIVE_IT_A_VALUE = "declared without a value; supply one"


@dataclass(frozen=True, slots=True)
class Audit:
    """The arg-resolved metrics (``None`` where a metric could not be resolved), every problem
    found, and the fields that hold a stand-in (checks there say nothing)."""

    metrics: list[Metric | None]
    issues: list[SpecIssue]
    unseen: frozenset[str]

    def sees(self, path: str) -> bool:
        """Whether a problem at ``path`` is real: not inside a field that holds a stand-in."""
        return _sees(self.unseen, path)


def _sees(unseen: set[str] | frozenset[str], path: str) -> bool:
    return not any(path == field or path.startswith((field + ".", field + "[")) for field in unseen)


def audit_run_spec(spec: AnalysisRunSpec, *, prefix: str = "spec") -> Audit:
    """Every problem of ``spec`` that does not need a provider or a condition compiler.

    A spec over augur's caps (`app.spec.bounds`) is answered with those alone: its size is the
    mistake, and checking each of its parts would cost what the caps are there to bound. The
    work is otherwise linear in the spec: names are looked up in sets and the args' values are
    tabled once for every metric.
    """
    oversized = size_issues(spec, prefix=prefix)
    if oversized:
        return Audit([None] * len(spec.metrics), oversized, frozenset())
    args = list(spec.args or ())
    declared_list = [arg.name for arg in args]
    declared = set(declared_list)
    missing = {arg.name for arg in args if arg.value is None and arg.value_from is None}
    issues = [
        SpecIssue(f"{prefix}.args", f"args.{name} was not resolved", _GIVE_IT_A_VALUE)
        for name in declared_list
        if name in missing
    ]
    unknown: dict[str, None] = {}  # insertion-ordered set
    unseen: set[str] = set()
    for index, metric in enumerate(spec.metrics):
        here = f"{prefix}.metrics[{index}]"
        for path, tag in _tags(metric.model_dump(mode="json", by_alias=True), here):
            name = tag.strip()
            if not name.startswith("args."):
                continue  # not an arg: resolution says what is wrong with it
            name = name.removeprefix("args.")
            if name not in declared:
                hint = "declare it in args"
                if len(unknown) < _HINTS:  # a hint costs a comparison with every declared name
                    hint = unknown_name_hint(name, declared_list, "declared args") or hint
                issues.append(SpecIssue(path, f"failed to resolve {{{{{tag}}}}}", hint))
                unknown[name] = None
            elif name not in missing:
                continue
            unseen.add(here + "." + path.removeprefix(here + ".").split(".")[0].split("[")[0])
    stand_ins = [
        *(
            arg.model_copy(update={"value": STAND_IN}) if arg.name in missing else arg
            for arg in args
        ),
        *(Argument(name=name, value=STAND_IN) for name in unknown),
    ]
    values = resolve_arg_values(
        stand_ins if stand_ins or spec.args is not None else None, secrets=None
    ).args
    try:
        table: dict[str, str] | ArgError = arg_values(values)  # once, for every metric
    except ArgError as exc:
        table = exc  # an arg with no value at all (a fieldRef): every metric fails on it
    named_once = set(issues)
    resolved: list[Metric | None] = []
    for index, metric in enumerate(spec.metrics):
        try:
            if isinstance(table, ArgError):
                raise table
            resolved.append(resolve_metric(metric, table))
        except ArgError as exc:
            resolved.append(None)
            # An arg's own problem (`argument "x" was not supplied`) is named once, at the args.
            where = f"{prefix}.args" if exc.message.startswith("argument ") else ""
            issue = SpecIssue(exc.path or where or f"{prefix}.metrics[{index}]", exc.message)
            if issue not in named_once:
                named_once.add(issue)
                issues.append(issue)
    found = [*value_issues(spec, prefix=prefix), *metric_issues(resolved, prefix=prefix)]
    for index, done in enumerate(resolved):
        if done is not None:
            found += metric_bounds(done, index=index, prefix=prefix)
    named = [m if m is not None else spec.metrics[i] for i, m in enumerate(resolved)]
    try:
        dry_run_metrics(spec.dry_run, named, prefix=prefix)
    except SpecError as exc:
        found += exc.issues
    try:
        retention_limits(spec.measurement_retention, named, prefix=prefix)
    except SpecError as exc:
        found += exc.issues
    issues += [issue for issue in found if _sees(unseen, issue.path)]
    return Audit(resolved, issues, frozenset(unseen))


def _tags(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """``(field path, tag)`` for every ``{{tag}}`` in the strings of a dumped metric."""
    if isinstance(value, str):
        for tag in placeholders(value):
            yield path, tag
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _tags(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _tags(item, f"{path}[{index}]")


def undeclared_args(
    given: Sequence[Argument],
    declared: Sequence[Argument] | None,
    *,
    field: str = "args",
    owner: str = "the templates declare",
) -> list[SpecIssue]:
    """One issue per given arg that is not declared: ``unknown arg "service"; the templates
    declare service-name, oap-address; did you mean service-name?``, at ``field[index]``.

    More than ``MAX_ARGS`` given args is one issue naming the cap. The first few unknown args
    get a did-you-mean hint (each costs a comparison with every declared name), and a message
    lists at most twenty declared names, so the work and the answer stay small.
    """
    too_many = count_issue(field, given, MAX_ARGS, "args")
    if too_many is not None:
        return [too_many]
    names = [arg.name for arg in declared or ()]
    known = set(names)
    listed = ", ".join(names[:_LISTED]) or "no args"
    if len(names) > _LISTED:
        listed += f" and {len(names) - _LISTED} more"
    issues: list[SpecIssue] = []
    for index, arg in enumerate(given):
        if arg.name in known:
            continue
        message = f'unknown arg "{arg.name}"; {owner} {listed}'
        hint = did_you_mean(arg.name, names) if len(issues) < _HINTS else ""
        issues.append(SpecIssue(f"{field}[{index}]", f"{message}; {hint}" if hint else message))
    return issues
