"""augur's caps on a submitted spec (`app.core.limits`, checked by `app.spec.bounds` within the
submission audit): Argo's CRD for the integer fields (int32, and a string limit must be a whole
number), sane bounds on durations and sizes, each problem naming the field; and the audit of a
spec at the caps is linear in its size."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import pytest

from app.service.submit import Problems, check_run
from app.spec.audit import audit_run_spec, undeclared_args
from app.spec.errors import SpecIssue
from app.spec.merge import build_run_spec
from app.spec.models import AnalysisRun, AnalysisRunSpec, AnalysisTemplate, Argument, ObjectMeta

REPLAY = {"replay": {"results": [{"value": 1}]}}
INT32 = "Argo's IntOrString holds a 32-bit integer (-2147483648 to 2147483647)"
NUMBER = 'write a number such as 5, or a string such as "5"'


def spec(*metrics: dict[str, Any], **fields: Any) -> AnalysisRunSpec:
    made = [{"name": f"m{i}", "provider": REPLAY, **m} for i, m in enumerate(metrics)]
    return AnalysisRunSpec.model_validate(
        {"metrics": made or [{"name": "m", "provider": REPLAY}]} | fields
    )


def issues(run_spec: AnalysisRunSpec) -> list[tuple[str, str, str]]:
    return [(i.path, i.message, i.hint) for i in audit_run_spec(run_spec).issues]


PATH = "spec.metrics[0]"
METRICS = [
    (
        "count-string",
        {"count": "abc"},
        [(f"{PATH}.count", "count 'abc' is not a whole number (Argo would read it as 0)", NUMBER)],
    ),
    (
        "count-padded",
        {"count": " 3", "interval": "1m"},
        [(f"{PATH}.count", "count ' 3' is not a whole number (Argo would read it as 0)", NUMBER)],
    ),
    (
        "count-huge",
        {"count": 10**30, "interval": "1m"},
        [(f"{PATH}.count", f"count 100000000000... (31 digits) is out of range: {INT32}", "")],
    ),
    (
        "count-over-int32",
        {"count": 2**31, "interval": "1m"},
        [(f"{PATH}.count", f"count 2147483648 is out of range: {INT32}", "")],
    ),
    (
        "count-string-over-int32",
        {"count": "2147483648", "interval": "1m"},
        [(f"{PATH}.count", f"count 2147483648 is out of range: {INT32}", "")],
    ),
    (
        "count-negative",
        {"count": -1},
        [
            (
                f"{PATH}.count",
                "count must be >= 0",
                "0 or no count: one measurement, or with an interval, until a limit is reached",
            )
        ],
    ),
    (
        "failure-limit-string",
        {"failureLimit": "x"},
        [
            (
                f"{PATH}.failureLimit",
                "failureLimit 'x' is not a whole number (Argo would read it as 0)",
                NUMBER,
            )
        ],
    ),
    (
        "error-limit-huge",
        {"consecutiveErrorLimit": 2**31},
        [
            (
                f"{PATH}.consecutiveErrorLimit",
                f"consecutiveErrorLimit 2147483648 is out of range: {INT32}",
                "",
            )
        ],
    ),
    (
        "interval-zero",
        {"interval": "0s", "count": 2},
        [
            (
                f"{PATH}.interval",
                "interval '0s' is shorter than 1s",
                "augur measures a metric at most once a second",
            )
        ],
    ),
    (
        "interval-negative",
        {"interval": "-5m", "count": 2},
        [
            (
                f"{PATH}.interval",
                "interval '-5m' is shorter than 1s",
                "augur measures a metric at most once a second",
            )
        ],
    ),
    (
        "interval-long",
        {"interval": "24h1s", "count": 2},
        [(f"{PATH}.interval", "interval '24h1s' is longer than 24h", "at most 24h")],
    ),
    (
        "delay-negative",
        {"initialDelay": "-1s"},
        [
            (
                f"{PATH}.initialDelay",
                "initialDelay '-1s' is shorter than 0s",
                "a delay cannot be negative",
            )
        ],
    ),
    (
        "delay-long",
        {"initialDelay": "48h"},
        [(f"{PATH}.initialDelay", "initialDelay '48h' is longer than 24h", "at most 24h")],
    ),
    (
        "accepted-edges",
        {
            "count": 2147483647,
            "interval": "24h",
            "initialDelay": "24h",
            "failureLimit": -1,
            "consecutiveSuccessLimit": "+3",
        },
        [],
    ),
    ("accepted-strings", {"count": "5", "interval": "1s", "inconclusiveLimit": "0"}, []),
]


@pytest.mark.parametrize(
    ("fields", "expected"), [c[1:] for c in METRICS], ids=[c[0] for c in METRICS]
)
def test_metric_integers_and_durations_are_bounded(
    fields: dict[str, Any], expected: list[Any]
) -> None:
    assert issues(spec(fields)) == expected


def test_a_limit_from_an_arg_is_checked_once_resolved() -> None:
    run_spec = spec({"count": "{{args.n}}", "interval": "1m"}, args=[{"name": "n", "value": "ten"}])
    assert issues(run_spec) == [
        (f"{PATH}.count", "count 'ten' is not a whole number (Argo would read it as 0)", NUMBER)
    ]


def test_a_limit_from_a_secret_or_a_missing_arg_is_not_judged_on_its_stand_in() -> None:
    secret = {"name": "n", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
    assert issues(spec({"count": "{{args.n}}", "interval": "1m"}, args=[secret])) == []
    assert issues(spec({"count": "{{args.n}}", "interval": "1m"}, args=[{"name": "n"}])) == [
        ("spec.args", "args.n was not resolved", "declared without a value; supply one")
    ]


def _many(count: int, **fields: Any) -> list[dict[str, Any]]:
    return [{"name": f"x{i}", **fields} for i in range(count)]


SPECS = [
    ("args", {"args": _many(1001)}, [("spec.args", "1001 args; at most 1000 are allowed", "")]),
    (
        "metrics",
        {"metrics": _many(101, provider=REPLAY)},
        [("spec.metrics", "101 metrics; at most 100 are allowed", "")],
    ),
    (
        "dry-run",
        {"dryRun": [{"metricName": "m"}] * 101},
        [("spec.dryRun", "101 dryRun rules; at most 100 are allowed", "")],
    ),
    (
        "retention-rules",
        {"measurementRetention": [{"metricName": "m", "limit": 1}] * 101},
        [
            (
                "spec.measurementRetention",
                "101 measurementRetention rules; at most 100 are allowed",
                "",
            )
        ],
    ),
    (
        "retention-limit",
        {"measurementRetention": [{"metricName": "m", "limit": 1001}]},
        [
            (
                "spec.measurementRetention[0].limit",
                "limit 1001 is out of range: 0 (Argo's default, 10) to 1000 measurements",
                "",
            )
        ],
    ),
    (
        "retention-negative",
        {"measurementRetention": [{"metricName": "m", "limit": -1}]},
        [
            (
                "spec.measurementRetention[0].limit",
                "limit -1 is out of range: 0 (Argo's default, 10) to 1000 measurements",
                "",
            )
        ],
    ),
    (
        "metric-name",
        {"metrics": [{"name": "m" * 254, "provider": REPLAY}]},
        [("spec.metrics[0].name", "a name of 254 characters; at most 253 are allowed", "")],
    ),
    (
        "arg-name",
        {"args": [{"name": "a" * 254, "value": "1"}]},
        [("spec.args[0].name", "a name of 254 characters; at most 253 are allowed", "")],
    ),
    (
        "ttl",
        {"ttlStrategy": {"secondsAfterSuccess": 2**31}},
        [
            (
                "spec.ttlStrategy.secondsAfterSuccess",
                "2147483648 is out of range: 0 to 2147483647 seconds",
                "",
            )
        ],
    ),
]


@pytest.mark.parametrize(("fields", "expected"), [c[1:] for c in SPECS], ids=[c[0] for c in SPECS])
def test_spec_sizes_and_values_are_bounded(fields: dict[str, Any], expected: list[Any]) -> None:
    data = {"metrics": [{"name": "m", "provider": REPLAY}], **fields}
    assert issues(AnalysisRunSpec.model_validate(data)) == expected


META = [
    (
        "labels",
        {"labels": {f"k{i}": "v" for i in range(65)}},
        ("metadata.labels", "65 labels; at most 64 are allowed"),
    ),
    (
        "label-value",
        {"labels": {"k": "v" * 254}},
        (
            "metadata.labels",
            "a label value of 254 characters ('vvvvvvvvvvvvvvvv'...); at most 253 are allowed",
        ),
    ),
    (
        "label-key-empty",
        {"labels": {"": "v"}},
        ("metadata.labels", "a label key is empty (name the label)"),
    ),
    (
        "annotations",
        {"annotations": {f"k{i}": "v" for i in range(65)}},
        ("metadata.annotations", "65 annotations; at most 64 are allowed"),
    ),
    (
        "annotation-bytes",
        {"annotations": {"k": "v" * 262_144}},
        ("metadata.annotations", "262145 bytes of annotations; at most 262144 are allowed"),
    ),
]


@pytest.mark.parametrize(("meta", "expected"), [c[1:] for c in META], ids=[c[0] for c in META])
def test_labels_and_annotations_are_bounded(
    meta: dict[str, Any], expected: tuple[str, str]
) -> None:
    run = AnalysisRun(metadata=ObjectMeta(name="r", **meta), spec=spec())
    with pytest.raises(Problems) as caught:
        check_run(run)
    assert [(i.path, str(i).removeprefix(f"{i.path}: ")) for i in caught.value.issues] == [expected]


def test_too_many_given_args_is_one_issue_not_one_per_arg() -> None:
    given = [Argument(name=f"g{i}", value="x") for i in range(20_000)]
    assert undeclared_args(given, [Argument(name="a")]) == [
        SpecIssue("args", "20000 args; at most 1000 are allowed")
    ]


def test_unknown_args_list_twenty_declared_names_and_hint_the_first_ten() -> None:
    declared = [Argument(name=f"arg-{i}") for i in range(30)]
    found = undeclared_args([Argument(name=f"arg-{i}x", value="v") for i in range(12)], declared)
    assert len(found) == 12
    listed = ", ".join(f"arg-{i}" for i in range(20)) + " and 10 more"
    assert found[0].message == (
        f'unknown arg "arg-0x"; the templates declare {listed}; did you mean arg-0?'
    )
    assert found[11].message == f'unknown arg "arg-11x"; the templates declare {listed}'


def _lines_run(count: int) -> int:
    """Python lines executed to merge, check and audit a run of ``count`` args given by the
    caller for a template declaring as many, every arg used by the metric's condition."""
    names = [f"a{i}" for i in range(count)]
    condition = " && ".join(f'"{{{{args.{n}}}}}" == "v"' for n in names)
    template = AnalysisTemplate.model_validate(
        {
            "metadata": {"name": "t"},
            "spec": {
                "args": [{"name": n} for n in names],
                "metrics": [{"name": "m", "successCondition": condition, "provider": REPLAY}],
            },
        }
    )
    given = [Argument(name=n, value="v") for n in names]
    executed = 0

    def tracer(frame: FrameType, event: str, _arg: Any) -> Any:
        nonlocal executed
        if event == "line":
            executed += 1
        return tracer

    sys.settrace(tracer)
    try:
        run_spec = build_run_spec([template], args=given, require_values=False)
        undeclared_args(given, run_spec.args)
        audit = audit_run_spec(run_spec)
    finally:
        sys.settrace(None)
    assert audit.issues == []
    return executed


def test_handling_args_is_linear_in_their_number() -> None:
    """A quadratic step (a scan of every arg for each arg) makes four times the args cost
    sixteen times the lines; linear handling costs four times, give or take fixed costs."""
    small, large = _lines_run(250), _lines_run(1000)
    assert large / small < 5, (small, large)
