"""``args`` vectors plus Argo's secret-reference cases (``loop.reconcile``) and redaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.spec.args import (
    TEMP_FOR_SECRET,
    DirectorySecrets,
    MappingSecrets,
    redact,
    resolve_arg_values,
    resolve_metric,
    resolve_metrics,
    substitute,
)
from app.spec.errors import ArgError
from app.spec.models import Argument, Metric
from tests.engine.vectors import cases, section

WEB = {"web": {"url": "http://example.test"}}


def args_of(raw: list[dict[str, Any]] | None) -> list[Argument] | None:
    return None if raw is None else [Argument.model_validate(a) for a in raw]


def lookup(data: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        data = data[part]
    return data


@pytest.mark.parametrize("case", cases(section("args")))
def test_args_vector(case: dict[str, Any]) -> None:
    args = args_of(case["args"])
    if "metric" in case:
        metric = Metric.model_validate({"name": "m", "provider": WEB, **case["metric"]})
        resolved = resolve_metric(metric, args)
        if "expected_successCondition" in case:
            assert resolved.success_condition == case["expected_successCondition"]
        for path, value in case.get("expected", {}).items():
            assert lookup(resolved.model_dump(by_alias=True), path) == value
        return
    quoted = case.get("fn", "").startswith("ResolveQuotedArgs")
    if "expected_error" in case:
        with pytest.raises(ArgError) as caught:
            substitute(case["template"], args, quoted=quoted)
        assert caught.value.message == case["expected_error"]
    else:
        assert substitute(case["template"], args, quoted=quoted) == case["expected"]


def by_source(name: str) -> dict[str, Any]:
    (case,) = [c for c in section("loop", "reconcile") if c["source"].endswith(":" + name)]
    return case


def write_secret(root: Path, name: str, key: str, value: str) -> DirectorySecrets:
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / key).write_text(value)
    return DirectorySecrets(root)


def test_secret_not_found(tmp_path: Path) -> None:
    case = by_source("TestSecretNotFound")
    with pytest.raises(ArgError) as caught:
        resolve_arg_values(args_of(case["args"]), secrets=DirectorySecrets(tmp_path))
    assert caught.value.message == case["expected"]["resolveArgs_error"]


def test_key_not_in_secret(tmp_path: Path) -> None:
    case = by_source("TestKeyNotInSecret")
    secrets = write_secret(tmp_path, "secret-name", "other-key", "x")
    with pytest.raises(ArgError) as caught:
        resolve_arg_values(args_of(case["args"]), secrets=secrets)
    assert caught.value.message == case["expected"]["resolveArgs_error"]


def test_secret_resolution(tmp_path: Path) -> None:
    case = by_source("TestSecretResolution")
    secrets = write_secret(tmp_path, "web-metric-secret", "apikey", case["secret_value"])
    metric = Metric.model_validate({"name": "m", "provider": WEB, **case["metric"]})
    args = [
        Argument.model_validate(
            {
                "name": "secret",
                "valueFrom": {"secretKeyRef": {"name": "web-metric-secret", "key": "apikey"}},
            }
        )
    ]
    resolved = resolve_metrics([metric], args, secrets=secrets)
    assert resolved.metrics[0].success_condition == case["expected"]["resolved_successCondition"]
    assert resolved.secrets == case["expected"]["secrets_for_redaction"]
    # Without a secret source (validation pass) Argo substitutes a placeholder.
    dry = resolve_metrics([metric], args)
    assert dry.metrics[0].success_condition == TEMP_FOR_SECRET
    assert dry.secrets == []


def test_secret_wins_over_value() -> None:
    arg = Argument.model_validate(
        {"name": "k", "value": "plain", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
    )
    resolved = resolve_arg_values([arg], secrets=MappingSecrets({"s": {"k": "hidden"}}))
    assert resolved.args is not None
    assert resolved.args[0].value == "hidden"


def test_redaction() -> None:
    case = by_source("TestSecretContentReferenceProviderError")
    message = redact(case["provider_message"], [case["secret_value"]])
    assert message == case["expected"]["measurement_message"]
    assert redact("nothing to hide", ["", "zzz"]) == "nothing to hide"


def test_directory_secrets_refuse_paths_outside_the_root(tmp_path: Path) -> None:
    (tmp_path / "outside").write_text("x")
    secrets = DirectorySecrets(tmp_path / "root")
    with pytest.raises(ArgError, match='secrets "\\.\\." not found'):
        secrets.read("..", "outside")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        pytest.param("{{args.a}} {{args.b}}", "failed to resolve {{args.b}}", id="last-wins"),
        pytest.param("{{ args.zz }}", "failed to resolve {{ args.zz }}", id="as-written"),
        pytest.param("{{templates.x}}", "failed to resolve {{templates.x}}", id="other-namespace"),
    ],
)
def test_unresolved_placeholders(template: str, message: str) -> None:
    with pytest.raises(ArgError) as caught:
        substitute(template, [])
    assert caught.value.message == message


def test_every_listed_arg_needs_a_value_even_if_unused() -> None:
    with pytest.raises(ArgError) as caught:
        substitute("no placeholders", [Argument(name="a", value="1"), Argument(name="unused")])
    assert caught.value.message == 'argument "unused" was not supplied'


def test_field_ref_is_never_resolved_by_the_run() -> None:
    arg = Argument.model_validate(
        {"name": "ns", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}
    )
    metric = Metric.model_validate({"name": "m", "provider": WEB})
    with pytest.raises(ArgError, match='argument "ns" was not supplied'):
        resolve_metrics([metric], [arg])


def test_substitution_reaches_every_string_field() -> None:
    metric = Metric.model_validate(
        {
            "name": "{{args.name}}",
            "interval": "{{args.interval}}",
            "count": "{{args.count}}",
            "provider": {
                "web": {
                    "url": "http://{{args.host}}/x",
                    "headers": [{"key": "a", "value": "{{args.name}}"}],
                }
            },
        }
    )
    args = [
        Argument(name="name", value="rate"),
        Argument(name="interval", value="1m"),
        Argument(name="count", value="5"),
        Argument(name="host", value="svc"),
    ]
    resolved = resolve_metric(metric, args)
    assert resolved.name == "rate"
    assert resolved.interval == "1m"
    assert resolved.effective_count() == 5
    assert resolved.provider.web == {
        "url": "http://svc/x",
        "headers": [{"key": "a", "value": "rate"}],
    }


def test_control_characters_break_the_json_round_trip_as_in_go() -> None:
    metric = Metric.model_validate({"name": "m", "successCondition": "{{args.x}}", "provider": WEB})
    with pytest.raises(ArgError) as caught:
        resolve_metric(metric, [Argument(name="x", value="a\x01b")])
    assert caught.value.message == "invalid character 'x' in string escape code"


def test_unicode_and_quotes_round_trip() -> None:
    metric = Metric.model_validate({"name": "m", "successCondition": "{{args.x}}", "provider": WEB})
    value = 'é "q" \\ <tag> & \t\n'
    assert resolve_metric(metric, [Argument(name="x", value=value)]).success_condition == value


def test_unclosed_placeholder_in_a_metric_runs_into_the_json_braces() -> None:
    # As in Go: the metric's JSON text always ends in "}}", which closes the tag.
    metric = Metric.model_validate({"name": "m", "successCondition": "x {{args.a", "provider": WEB})
    with pytest.raises(ArgError) as caught:
        resolve_metric(metric, [])
    assert caught.value.message == (
        'failed to resolve {{args.a","provider":{"web":{"url":"http://example.test"}}'
    )
