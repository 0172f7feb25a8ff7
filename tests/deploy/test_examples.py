"""examples/ stays runnable: every AnalysisTemplate passes `augur validate` with the args its
callers give it, and the Argo Rollout and Flagger Canary that call augur are checked for shape and
for naming templates and args that exist. yamllint checks every example and the chart's values.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli
from tests.deploy.examples import (
    ARGO_DOC_ARGS,
    ARGO_DOCS,
    GATE_HOST,
    TEMPLATE_ARGS,
    documents,
    of_kind,
    resolve,
    templates,
)
from tests.deploy.tools import CHART, REPO, bin_tool

runner = CliRunner()


def augur_validate(template: dict[str, Any], args: dict[str, str]) -> tuple[int, str]:
    argv = ["validate", "-f", "-"]
    for name, value in args.items():
        argv += ["-a", f"{name}={value}"]
    result = runner.invoke(cli, argv, input=yaml.safe_dump(template, sort_keys=False))
    return result.exit_code, result.output


def required_args(template: dict[str, Any]) -> set[str]:
    return {a["name"] for a in template["spec"].get("args", []) if set(a) == {"name"}}


def declared_args(template: dict[str, Any]) -> set[str]:
    return {a["name"] for a in template["spec"].get("args", [])}


def test_examples_hold_only_known_kinds() -> None:
    kinds = sorted({(doc["apiVersion"], doc["kind"]) for _, doc in documents()})
    assert kinds == [
        ("argoproj.io/v1alpha1", "AnalysisTemplate"),
        ("argoproj.io/v1alpha1", "Rollout"),
        ("flagger.app/v1beta1", "Canary"),
    ]


def test_every_template_has_its_args_listed_here() -> None:
    assert sorted(templates()) == sorted(TEMPLATE_ARGS)


@pytest.mark.parametrize("name", sorted(TEMPLATE_ARGS))
def test_every_template_passes_augur_validate(name: str) -> None:
    template = templates()[name]
    count = len(template["spec"]["metrics"])
    noun = "metric" if count == 1 else "metrics"
    assert augur_validate(template, TEMPLATE_ARGS[name]) == (0, f"valid: {name} ({count} {noun})\n")


def test_every_argo_docs_example_is_listed_here() -> None:
    assert sorted(path.name for path in ARGO_DOCS.glob("*.yaml")) == sorted(ARGO_DOC_ARGS)


@pytest.mark.parametrize("name", sorted(ARGO_DOC_ARGS))
def test_argos_own_examples_pass_augur_validate(name: str) -> None:
    """Argo's docs' template for each provider, unchanged, is valid as Argo's docs give it."""
    (template,) = yaml.safe_load_all((ARGO_DOCS / name).read_text())
    title = f"{template['metadata']['name']} (1 metric)"
    assert augur_validate(template, ARGO_DOC_ARGS[name]) == (0, f"valid: {title}\n")


def test_augur_validate_still_catches_a_missing_arg() -> None:
    """The check above could pass vacuously if validate accepted anything."""
    code, output = augur_validate(templates()["apdex"], {})
    assert code == 64
    assert "args.service-name was not resolved" in output


def test_the_seed_is_the_apdex_template_it_always_was() -> None:
    (metric,) = templates()["apdex"]["spec"]["metrics"]
    assert metric["successCondition"] == (
        "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"
    )
    assert (metric["interval"], metric["count"], metric["failureLimit"]) == ("5m", 6, 3)


# -- Argo Rollouts: the web metric that asks augur --------------------------------------------


def test_the_gate_template_asks_augur_as_argo_expects() -> None:
    (metric,) = templates()["augur-gate"]["spec"]["metrics"]
    web = metric["provider"]["web"]
    assert web["url"] == f"{GATE_HOST}/api/v1/gates/argo/{{{{args.rollout}}}}-{{{{args.revision}}}}"
    assert web["method"] == "POST"
    assert web["jsonPath"] == "{$.phase}"
    assert metric["successCondition"] == 'result == "Successful"'
    assert metric["failureCondition"] == 'result in ["Failed", "Error"]'
    # polls while augur says Pending/Running (Inconclusive to Argo) end at the first verdict
    assert metric["consecutiveSuccessLimit"] == 1
    assert metric["inconclusiveLimit"] == metric["count"]
    headers = {h["key"]: h["value"] for h in web["headers"]}
    assert headers["Authorization"] == "Bearer {{args.augur-token}}"
    token = next(a for a in templates()["augur-gate"]["spec"]["args"] if a["name"] == "augur-token")
    assert set(token["valueFrom"]) == {"secretKeyRef"}


def test_the_gate_body_names_a_template_and_args_augur_accepts() -> None:
    gate = templates()["augur-gate"]
    defaults = {a["name"]: a["value"] for a in gate["spec"]["args"] if "value" in a}
    args = {**defaults, **TEMPLATE_ARGS["augur-gate"]}
    body = yaml.safe_load(
        resolve(yaml.safe_dump(gate["spec"]["metrics"][0]["provider"]["web"]), args)
    )
    request = body["jsonBody"]
    assert set(request) == {"namespace", "templates", "args"}
    assert request["namespace"] == "bookinfo"
    (reference,) = request["templates"]
    named = templates()[reference["templateName"]]
    given = {a["name"]: a["value"] for a in request["args"]}
    assert required_args(named) <= set(given) <= declared_args(named)
    assert augur_validate(named, given)[0] == 0
    key = urlsplit(body["url"]).path.rsplit("/", 1)[1]
    assert key == "reviews-6d4f8b9c7"


def test_the_rollout_gives_the_gate_template_every_arg_it_needs() -> None:
    (rollout,) = of_kind("Rollout")
    spec = rollout["spec"]
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    steps = spec["strategy"]["canary"]["steps"]
    analyses = [step["analysis"] for step in steps if "analysis" in step]
    assert len(analyses) == 1
    (analysis,) = analyses
    (reference,) = analysis["templates"]
    gate = templates()[reference["templateName"]]
    given = {a["name"]: a for a in analysis["args"]}
    assert required_args(gate) <= set(given) <= declared_args(gate)
    assert given["revision"]["valueFrom"] == {"podTemplateHashValue": "Latest"}
    assert given["rollout"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert set(given) == set(TEMPLATE_ARGS["augur-gate"])
    for step in steps:
        (kind,) = step
        assert kind in {"setWeight", "pause", "analysis"}


# -- Flagger: webhooks that ask augur ------------------------------------------------------------


def test_the_canary_calls_augurs_flagger_gate_for_each_hook() -> None:
    from app.api.flagger import FLAGGER_HOOKS

    (canary,) = of_kind("Canary")
    assert canary["spec"]["targetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "reviews",
    }
    hooks = canary["spec"]["analysis"]["webhooks"]
    assert [h["type"] for h in hooks] == [
        "pre-rollout",
        "rollout",
        "confirm-promotion",
        "rollback",
        "post-rollout",
    ]
    for hook in hooks:
        assert set(hook) <= {"name", "type", "url", "timeout", "metadata"}
        url = urlsplit(hook["url"])
        assert f"{url.scheme}://{url.netloc}" == GATE_HOST
        assert url.path == f"/api/v1/gates/flagger/{hook['type']}"
        assert hook["type"] in FLAGGER_HOOKS
        assert list(parse_qs(url.query)) == ["token"]
        assert all(isinstance(v, str) for v in hook.get("metadata", {}).values())


@pytest.mark.parametrize(
    "hook", ["pre-rollout", "rollout", "confirm-promotion"], ids=lambda hook: hook
)
def test_each_starting_hook_describes_an_analysis_augur_accepts(hook: str) -> None:
    (canary,) = of_kind("Canary")
    (webhook,) = [h for h in canary["spec"]["analysis"]["webhooks"] if h["type"] == hook]
    metadata = dict(webhook["metadata"])
    named = templates()[metadata.pop("template")]
    given = {key.removeprefix("args."): value for key, value in metadata.items()}
    assert all(key.startswith("args.") for key in metadata)
    assert required_args(named) <= set(given) <= declared_args(named)
    assert augur_validate(named, given)[0] == 0


# -- yamllint ----------------------------------------------------------------------------------

LINTED = sorted(
    [
        *(REPO / "examples").glob("*.yaml"),
        CHART / "Chart.yaml",
        CHART / "values.yaml",
        *(CHART / "ci").glob("*.yaml"),
    ]
)


@pytest.mark.parametrize("path", LINTED, ids=lambda path: path.relative_to(REPO).as_posix())
def test_yamllint_is_clean(path: Path) -> None:
    yamllint = bin_tool("yamllint", "yamllint")
    done = subprocess.run(
        [str(yamllint), "--strict", "--format", "parsable", str(path.relative_to(REPO))],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "")


def test_yamllint_uses_the_projects_config() -> None:
    """A rule of .yamllint (line length) fires on a line over it, so the config is in force."""
    yamllint = bin_tool("yamllint", "yamllint")
    done = subprocess.run(
        [str(yamllint), "--format", "parsable", "-"],
        input="key: " + "word " * 28 + "end\n",
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "line too long (148 > 130 characters)" in done.stdout
