"""An unknown name in a condition keeps expr-lang's text first and adds the closest builtin,
Argo helper, variable or environment name; the bare message stays exactly expr-lang's."""

from __future__ import annotations

import pytest

import app.expr as expr
from app.expr import ExprNameError


@pytest.mark.parametrize(
    ("source", "text"),
    [
        pytest.param(
            "asFlaot(result) > 1",
            "unknown name asFlaot (1:1); did you mean asFloat?\n | asFlaot(result) > 1\n | ^",
            id="argo-helper",
        ),
        pytest.param(
            "lenn(result) > 0",
            "unknown name lenn (1:1); did you mean len?\n | lenn(result) > 0\n | ^",
            id="builtin",
        ),
        pytest.param(
            "resutl > 1",
            "unknown name resutl (1:1); did you mean result?\n | resutl > 1\n | ^",
            id="environment",
        ),
        pytest.param(
            "let total = 1; totl > 0",
            "unknown name totl (1:16); did you mean total?\n | let total = 1; totl > 0\n"
            " |                ^",
            id="variable-in-scope",
        ),
        pytest.param(
            "$env.resul > 1",
            "unknown name resul (1:6); did you mean result?\n | $env.resul > 1\n |      ^",
            id="env-member",
        ),
        pytest.param(
            "zzzq > 1",
            "unknown name zzzq (1:1)\n | zzzq > 1\n | ^",
            id="nothing-close",
        ),
    ],
)
def test_unknown_names_suggest_the_closest(source: str, text: str) -> None:
    with pytest.raises(ExprNameError) as caught:
        expr.compile(source)
    assert str(caught.value) == text
    assert caught.value.message == text.split(" (", 1)[0]
