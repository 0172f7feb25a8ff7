"""`augur validate` and `augur run` as a person types them (the real command, in a child
process): a misspelt arg is refused by name with the closest declared one, and every problem of
a template is reported in one go, each at its place with its fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = "examples/skywalking-apdex.yaml"
UNRESOLVED = "was not resolved (declared without a value; supply one)"

FIVE_PROBLEMS = """\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: five
spec:
  args:
    - name: a1
    - name: a2
    - name: a3
  metrics:
    - name: reachable
      failurLimit: 3
      successCondition: result == "{{args.a1}}"
      provider:
        web:
          url: "http://example.test/{{args.a2}}/{{args.a3}}"
    - name: fast
      successCondition: asFlaot(result) > 1
      provider:
        web:
          url: http://example.test/
"""


def augur(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *argv],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        pytest.param(
            ["oap-adress=http://x", "service-name=x"],
            'augur: args[0]: unknown arg "oap-adress"; the templates declare service-name, '
            "oap-address; did you mean oap-address?\n",
            id="misspelt",
        ),
        pytest.param(
            ["service=reviews"],
            'augur: args[0]: unknown arg "service"; the templates declare service-name, '
            "oap-address; did you mean service-name?\n"
            f"augur: spec.args: args.service-name {UNRESOLVED}\n",
            id="shortened-and-so-missing",
        ),
        pytest.param(
            ["service-name=x", "colour=blue"],
            'augur: args[1]: unknown arg "colour"; the templates declare service-name, '
            "oap-address\n",
            id="nothing-close",
        ),
    ],
)
def test_an_arg_no_template_declares_exits_64_naming_it(
    command: str, args: list[str], stderr: str
) -> None:
    argv = [command, "-f", SEED]
    for arg in args:
        argv += ["-a", arg]
    result = augur(*argv)
    assert (result.returncode, result.stdout, result.stderr) == (64, "", stderr)


def test_every_problem_at_once_each_located_with_its_hint(tmp_path: Path) -> None:
    path = tmp_path / "five.yaml"
    path.write_text(FIVE_PROBLEMS)
    result = augur("validate", "-f", str(path))
    assert result.returncode == 64
    assert result.stderr.splitlines() == [
        f"augur: {path}: spec.metrics[0].failurLimit: unknown field (did you mean failureLimit?)",
        f"augur: spec.args: args.a1 {UNRESOLVED}",
        f"augur: spec.args: args.a2 {UNRESOLVED}",
        f"augur: spec.args: args.a3 {UNRESOLVED}",
        "augur: spec.metrics[1].successCondition: unknown name asFlaot (1:1); "
        "did you mean asFloat?",
        " | asFlaot(result) > 1",
        " | ^ (an expr-lang expression over `result` that yields a bool)",
    ]


def test_the_seed_with_its_args_is_valid() -> None:
    result = augur("validate", "-f", SEED, "-a", "service-name=x", "-a", "oap-address=http://x")
    assert (result.returncode, result.stdout, result.stderr) == (0, "valid: apdex (1 metric)\n", "")


def test_a_file_with_a_rollout_beside_its_template_checks_the_template() -> None:
    result = augur(
        "validate",
        "-f",
        "examples/argo-rollout-web-gate.yaml",
        *("-a", "rollout=reviews", "-a", "revision=1", "-a", "namespace=bookinfo"),
        *("-a", "service-name=x"),
    )
    assert (result.returncode, result.stdout) == (0, "valid: augur-gate (1 metric)\n")


@pytest.mark.parametrize(
    ("text", "stderr"),
    [
        pytest.param(
            "kind: AnalysisTemplat\nspec: {metrics: []}\n",
            'augur: <stdin>: kind: unsupported kind "AnalysisTemplat" '
            "(did you mean AnalysisTemplate?)\n",
            id="misspelt-kind",
        ),
        pytest.param(
            "kind: Canary\n",
            "augur: no AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun found "
            "(only Canary)\n",
            id="nothing-to-check",
        ),
    ],
)
def test_documents_that_are_not_templates(text: str, stderr: str) -> None:
    result = augur("validate", "-f", "-", stdin=text)
    assert (result.returncode, result.stderr) == (64, stderr)
