"""`augur eval`: the value and its type, or the located error."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app.cli import cli

runner = CliRunner()
APDEX = '{"service_apdex":{"values":{"values":[{"value":9950},{"value":9910}]}}}'


@pytest.mark.parametrize(
    ("expression", "result", "printed"),
    [
        pytest.param(
            "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})",
            APDEX,
            "true (bool)",
            id="seed",
        ),
        pytest.param("7 / 2", "null", "3.5 (float)", id="division-is-float"),
        pytest.param("result.count", '{"count": 100}', "100.0 (float)", id="json-numbers-float"),
        pytest.param("len(result)", "[1, 2]", "2 (int)", id="int"),
        pytest.param("0/0", "null", '"NaN" (float)', id="nan"),
        pytest.param("result?.missing", "{}", "null (nil)", id="nil"),
        pytest.param("cel: result[0] >= 0.95", "[0.97]", "true (bool)", id="cel"),
    ],
)
def test_values(expression: str, result: str, printed: str) -> None:
    outcome = runner.invoke(cli, ["eval", expression, "--result", result])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout == printed + "\n"


def test_a_syntax_error_is_located_with_a_caret() -> None:
    outcome = runner.invoke(cli, ["eval", "result.x +"])
    assert outcome.exit_code == 1
    assert outcome.stderr == "unexpected token EOF (1:11)\n | result.x +\n |           ^\n"


def test_a_runtime_error_is_reported() -> None:
    outcome = runner.invoke(cli, ["eval", "result.a.b", "--result", '{"a": null}'])
    assert outcome.exit_code == 1
    assert "cannot fetch b from <nil>" in outcome.stderr


def test_bad_result_json_is_invalid_input() -> None:
    outcome = runner.invoke(cli, ["eval", "true", "--result", "{nope"])
    assert outcome.exit_code == 64
    assert outcome.stderr.startswith("augur: --result is not JSON: ")
