"""Every problem of a template at once: misspelt fields left out and named with the closest
field, every arg without a value, placeholders and args that nothing declares, and the checks
that a missing value makes meaningless kept quiet."""

from __future__ import annotations

from typing import Any

import pytest

from app.spec.audit import audit_run_spec, undeclared_args
from app.spec.errors import SpecIssue
from app.spec.hints import did_you_mean, field_names, unknown_name_hint
from app.spec.load import salvage
from app.spec.models import AnalysisRunSpec, AnalysisTemplate, Argument, Metric, MetricProvider

WEB = {"web": {"url": "http://example.test/"}}


def metric(**fields: Any) -> dict[str, Any]:
    return {"name": "m", "provider": WEB, **fields}


def template(*metrics: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "t"},
        "spec": {"metrics": list(metrics), **spec},
    }


@pytest.mark.parametrize(
    ("document", "issues", "kept"),
    [
        pytest.param(
            template(metric(failurLimit=3, failureLimit=1)),
            [
                SpecIssue(
                    "spec.metrics[0].failurLimit", "unknown field", "did you mean failureLimit?"
                )
            ],
            {"failure_limit": 1},
            id="misspelt-field-left-out",
        ),
        pytest.param(
            template(metric(provider={"skywalkng": {}})),
            [
                SpecIssue(
                    "spec.metrics[0].provider.skywalkng",
                    "unknown field",
                    "did you mean skywalking?",
                )
            ],
            {"provider": MetricProvider()},
            id="provider-key",
        ),
        pytest.param(
            template(metric(zzz=1)),
            [
                SpecIssue(
                    "spec.metrics[0].zzz",
                    "unknown field",
                    "known fields: name, interval, initialDelay, count, successCondition, "
                    "failureCondition, failureLimit, inconclusiveLimit, consecutiveErrorLimit, "
                    "provider, consecutiveSuccessLimit",
                )
            ],
            {},
            id="nothing-close-lists-the-fields",
        ),
        pytest.param(
            template(metric(count=[1], interval=5)),
            [
                SpecIssue("spec.metrics[0].interval", "Input should be a valid string", ""),
                SpecIssue(
                    "spec.metrics[0].count",
                    'must be an integer or a string such as "5" or "{{args.count}}"',
                    "",
                ),
            ],
            {"count": None, "interval": ""},
            id="wrong-types-left-out",
        ),
    ],
)
def test_salvage_names_every_problem_and_keeps_the_rest(
    document: dict[str, Any], issues: list[SpecIssue], kept: dict[str, Any]
) -> None:
    parsed, found = salvage(AnalysisTemplate, document)
    assert sorted(found, key=str) == sorted(issues, key=str)
    assert parsed is not None
    left = parsed.spec.metrics[0]
    for name, value in kept.items():
        assert getattr(left, name) == value


@pytest.mark.parametrize(
    ("document", "issues"),
    [
        pytest.param(
            template({"provider": WEB}),
            [SpecIssue("spec.metrics[0].name", "required field is missing")],
            id="required-field-missing",
        ),
        pytest.param(
            template("not a metric"),
            [
                SpecIssue(
                    "spec.metrics[0]",
                    "Input should be a valid dictionary or instance of Metric",
                )
            ],
            id="list-item-not-an-object",
        ),
        pytest.param([], [SpecIssue("", "expected a mapping (an object)")], id="not-an-object"),
    ],
)
def test_salvage_gives_up_when_leaving_fields_out_cannot_help(
    document: Any, issues: list[SpecIssue]
) -> None:
    assert salvage(AnalysisTemplate, document) == (None, issues)


def test_salvage_never_changes_the_document_it_is_given() -> None:
    document = template(metric(failurLimit=3))
    salvage(AnalysisTemplate, document)
    assert document["spec"]["metrics"][0]["failurLimit"] == 3


def spec(*metrics: dict[str, Any], args: list[dict[str, Any]] | None = None) -> AnalysisRunSpec:
    return AnalysisRunSpec.model_validate({"metrics": list(metrics), "args": args})


URL = {"web": {"url": "http://{{args.host}}/"}}


@pytest.mark.parametrize(
    ("run_spec", "issues"),
    [
        pytest.param(
            spec(metric(), args=[{"name": "a1"}, {"name": "a2", "value": "x"}, {"name": "a3"}]),
            [
                SpecIssue(
                    "spec.args", "args.a1 was not resolved", "declared without a value; supply one"
                ),
                SpecIssue(
                    "spec.args", "args.a3 was not resolved", "declared without a value; supply one"
                ),
            ],
            id="every-arg-without-a-value",
        ),
        pytest.param(
            spec(
                metric(provider={"web": {"url": "http://x/{{args.servce-name}}"}}),
                args=[{"name": "service-name", "value": "s"}],
            ),
            [
                SpecIssue(
                    "spec.metrics[0].provider.web.url",
                    "failed to resolve {{args.servce-name}}",
                    "did you mean service-name?",
                )
            ],
            id="placeholder-nothing-declares",
        ),
        pytest.param(
            spec(metric(successCondition="result > {{args.limit}}")),
            [
                SpecIssue(
                    "spec.metrics[0].successCondition",
                    "failed to resolve {{args.limit}}",
                    "declare it in args",
                )
            ],
            id="no-args-declared",
        ),
        pytest.param(
            spec(
                metric(interval="{{args.every}}", count=3, provider=URL),
                args=[{"name": "every"}, {"name": "host"}],
            ),
            [
                SpecIssue(
                    "spec.args",
                    "args.every was not resolved",
                    "declared without a value; supply one",
                ),
                SpecIssue(
                    "spec.args",
                    "args.host was not resolved",
                    "declared without a value; supply one",
                ),
            ],
            id="fields-holding-a-stand-in-are-not-judged",
        ),
        pytest.param(
            spec(metric(interval="5 m", count=3), metric(name="n", failureLimit=-2), metric()),
            [
                SpecIssue(
                    "spec.metrics[0].interval",
                    'metrics[0]: invalid interval string: time: unknown unit " m" in '
                    'duration "5 m"',
                    'a Go duration such as "30s", "5m" or "1h30m"',
                ),
                SpecIssue(
                    "spec.metrics[1].failureLimit",
                    "metrics[1]: failureLimit must be >= 0, or -1 to be disabled",
                ),
                SpecIssue(
                    "spec.metrics[2].name",
                    "metrics[2]: duplicate name 'm'",
                    "metric names must be unique",
                ),
            ],
            id="argo-rules-for-every-metric",
        ),
        pytest.param(
            spec(
                metric(provider=URL),
                metric(name="n"),
                args=[{"name": "host", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
            ),
            [SpecIssue("spec.args", 'argument "host" was not supplied')],
            id="an-args-own-problem-named-once",
        ),
    ],
)
def test_audit_names_every_problem(run_spec: AnalysisRunSpec, issues: list[SpecIssue]) -> None:
    assert audit_run_spec(run_spec).issues == issues


def test_audit_still_resolves_the_metrics_it_can() -> None:
    audit = audit_run_spec(
        spec(
            metric(provider={"web": {"url": "http://{{args.host}}/{{args.path}}"}}),
            args=[{"name": "host"}, {"name": "path", "value": "p"}],
        )
    )
    (resolved,) = audit.metrics
    assert isinstance(resolved, Metric)
    assert resolved.provider.web == {"url": "http://augur-stand-in/p"}
    assert not audit.sees("spec.metrics[0].provider")
    assert audit.sees("spec.metrics[0].successCondition")


GIVEN = [Argument(name=n, value="x") for n in ("service", "service-name", "zzz")]
DECLARED = [Argument(name="service-name"), Argument(name="oap-address", value="http://oap")]


@pytest.mark.parametrize(
    ("declared", "owner", "messages"),
    [
        pytest.param(
            DECLARED,
            "the templates declare",
            [
                'args[0]: unknown arg "service"; the templates declare service-name, oap-address;'
                " did you mean service-name?",
                'args[2]: unknown arg "zzz"; the templates declare service-name, oap-address',
            ],
            id="templates",
        ),
        pytest.param(
            None,
            "the run declares",
            [
                'args[0]: unknown arg "service"; the run declares no args',
                'args[1]: unknown arg "service-name"; the run declares no args',
                'args[2]: unknown arg "zzz"; the run declares no args',
            ],
            id="nothing-declared",
        ),
    ],
)
def test_undeclared_args_are_named(
    declared: list[Argument] | None, owner: str, messages: list[str]
) -> None:
    found = undeclared_args(GIVEN, declared, owner=owner)
    assert [str(issue) for issue in found] == messages


@pytest.mark.parametrize(
    ("name", "known", "hint"),
    [
        pytest.param(
            "oap-adress",
            ["service-name", "oap-address"],
            "did you mean oap-address?",
            id="dropped-letter",
        ),
        pytest.param(
            "service", ["service-name", "oap-address"], "did you mean service-name?", id="shortened"
        ),
        pytest.param(
            "failurLimit", ["failureLimit", "count"], "did you mean failureLimit?", id="field"
        ),
        pytest.param("zzz", ["failureLimit", "count"], "", id="nothing-close"),
    ],
)
def test_did_you_mean(name: str, known: list[str], hint: str) -> None:
    assert did_you_mean(name, known) == hint


def test_hints_fall_back_to_the_known_names() -> None:
    assert unknown_name_hint("zzz", ["a", "b"]) == "known fields: a, b"
    assert unknown_name_hint("zzz", []) == ""
    assert field_names(AnalysisTemplate, ("spec", "metrics", 0, "provider", "web", "x")) == []
    assert field_names(AnalysisTemplate, ("spec", "args", 0, "valu")) == [
        "name",
        "value",
        "valueFrom",
    ]
