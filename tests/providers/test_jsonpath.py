"""Kubernetes JSONPath templates: what each form finds, and the errors Argo users would see."""

from __future__ import annotations

from typing import Any

import pytest

from providers.jsonpath import JSONPathError, JSONPathSyntaxError, compile_template

DOC: dict[str, Any] = {
    "kind": "List",
    "items": [
        {"name": "api", "port": 8080.0, "ready": True, "labels": {"app.kubernetes.io/name": "x"}},
        {"name": "web", "port": 80.0, "ready": False, "labels": {}},
        {"name": "db", "port": 5432.0, "ready": True},
    ],
    "nested": {"a": {"name": "deep", "b": [1.0, 2.0]}},
    "empty": [],
    "nothing": None,
    "text": "hi",
    "x-request-id": "r1",
}

FOUND = [
    pytest.param("{$}", [[DOC]], id="root"),
    pytest.param("{}", [[DOC]], id="empty-action-is-root"),
    pytest.param("{.}", [[DOC]], id="dot-is-root"),
    pytest.param("{.kind}", [["List"]], id="field"),
    pytest.param("{$.kind}", [["List"]], id="dollar-field"),
    pytest.param("{.x-request-id}", [["r1"]], id="dash-in-name"),
    pytest.param("{.items[0].name}", [["api"]], id="index"),
    pytest.param("{.items[-1].name}", [["db"]], id="negative-index"),
    pytest.param("{.items[0:2].name}", [["api", "web"]], id="slice"),
    pytest.param("{.items[1:].name}", [["web", "db"]], id="open-slice"),
    pytest.param("{.items[::2].name}", [["api", "db"]], id="step"),
    pytest.param("{.items[0:0]}", [[]], id="zero-length-slice"),
    pytest.param("{.items[0,2].name}", [["api", "db"]], id="index-union"),
    pytest.param("{.items[*].name}", [["api", "web", "db"]], id="wildcard"),
    pytest.param("{.nested.*}", [[DOC["nested"]["a"]]], id="dot-wildcard"),
    pytest.param("{.nested['a'].name}", [["deep"]], id="quoted-field"),
    pytest.param("{.nested['a','missing']}", "missing is not found", id="quoted-union-missing"),
    pytest.param(  # the package reads ['a.b'] as .a.b: escape the dots instead
        "{.items[0].labels['app.kubernetes.io/name']}", "app is not found", id="quoted-key-splits"
    ),
    pytest.param(r"{.items[0].labels.app\.kubernetes\.io/name}", [["x"]], id="escaped-dots"),
    pytest.param("{..name}", [["api", "web", "db", "deep"]], id="recursive"),
    pytest.param("{$..b[1]}", [[2.0]], id="recursive-then-index"),
    pytest.param('{.items[?(@.name == "web")].port}', [[80.0]], id="filter-eq-string"),
    pytest.param("{.items[?(@.name != 'web')].name}", [["api", "db"]], id="filter-ne"),
    pytest.param("{.items[?(@.port > 100)].name}", [["api", "db"]], id="filter-gt-int-literal"),
    pytest.param("{.items[?(@.port <= 80.0)].name}", [["web"]], id="filter-le-float"),
    pytest.param("{.items[?(@.ready == true)].name}", [["api", "db"]], id="filter-bool"),
    pytest.param("{.items[?(@.labels)].name}", [["api", "web"]], id="filter-exists"),
    pytest.param("{.items[?(@.port > 9999)].name}", "name is not found", id="filter-none"),
    pytest.param("{.nothing}", [[None]], id="null-value"),
    pytest.param("{.empty[*]}", [[]], id="wildcard-over-empty"),
    pytest.param("{.nothing[*]}", [[]], id="wildcard-over-null"),
    pytest.param("{.nothing[0]}", [[]], id="index-over-null-skipped"),
    pytest.param("kind: {.kind}!", [["kind: "], ["List"], ["!"]], id="text-around-actions"),
    pytest.param("$.kind", [["$.kind"]], id="braceless-is-text"),
    pytest.param("{.kind}{.text}", [["List"], ["hi"]], id="two-actions"),
    pytest.param('{"quoted"}', [["quoted"]], id="quoted-text-in-action"),
    pytest.param("{5}", [[5]], id="int-literal"),
    pytest.param("{true}", [[True]], id="bool-literal"),
    pytest.param("{.items[*] 7}", [[7, 7, 7]], id="number-literal-repeats-per-input"),
    pytest.param("{.items[?(@.port > 1000.5)].name}", [["api", "db"]], id="filter-float-literal"),
    pytest.param("{.text.*}", [[104.0, 105.0]], id="wildcard-over-string-bytes"),
]


@pytest.mark.parametrize(("template", "expected"), FOUND)
def test_find_results(template: str, expected: list[list[Any]] | str) -> None:
    compiled = compile_template(template)
    if isinstance(expected, str):
        with pytest.raises(JSONPathError) as caught:
            compiled.find_results(DOC)
        assert str(caught.value) == expected
    else:
        assert compiled.find_results(DOC) == expected


LOOKUP_ERRORS = [
    pytest.param("{.missing}", "missing is not found", id="missing-key"),
    pytest.param("{.items.name}", "name is not found", id="field-of-list"),
    pytest.param("{.nothing.x}", "x is not found", id="field-of-null"),
    pytest.param("{.items[3]}", "array index out of bounds: index 3, length 3", id="past-end"),
    pytest.param("{.items[-4]}", "array index out of bounds: index -1, length 3", id="before-0"),
    pytest.param("{.empty[0]}", "array index out of bounds: index 0, length 0", id="empty"),
    pytest.param("{.items[0:5]}", "array index out of bounds: index 4, length 3", id="slice-end"),
    pytest.param("{.items[2:1]}", "starting index 2 is greater than ending index 1", id="reversed"),
    pytest.param("{.items[0:2:0]}", "step must be > 0", id="zero-step"),
    pytest.param("{.kind[0]}", "string is not array or slice", id="index-string"),
    pytest.param("{.kind[*]}", "string is not array or slice", id="star-is-a-slice"),
    pytest.param(
        "{.nested[*]}", "map[string]interface {} is not array or slice", id="star-over-object"
    ),
    pytest.param("{.nested[0]}", "map[string]interface {} is not array or slice", id="index-map"),
    pytest.param(
        "{.nested[?(@.a)]}",
        "map[a:map[b:[1 2] name:deep]] is not array or slice and cannot be filtered",
        id="filter-map",
    ),
    pytest.param(
        "{.nothing[?(@.a)]}", "<nil> is not array or slice and cannot be filtered", id="filter-null"
    ),
    pytest.param(
        '{.items[?(@.port == "80")]}', "incompatible types for comparison", id="number-vs-string"
    ),
    pytest.param("{.items[?(@.ready > true)]}", "invalid type for comparison", id="bool-order"),
    pytest.param("{.items[?(@.missing == 1)]}", "missing is not found", id="filter-missing-key"),
    pytest.param(
        "{.items[?(@.labels == 1)]}", "invalid type for comparison", id="compare-an-object"
    ),
]


@pytest.mark.parametrize(("template", "message"), LOOKUP_ERRORS)
def test_lookup_errors(template: str, message: str) -> None:
    with pytest.raises(JSONPathError) as caught:
        compile_template(template).find_results(DOC)
    assert not isinstance(caught.value, JSONPathSyntaxError)
    assert str(caught.value) == message


SYNTAX_ERRORS = [
    pytest.param("{.a", "unclosed action", id="unclosed"),
    pytest.param("{.a[0}", "unterminated array", id="unterminated-array"),
    pytest.param("{.a[x]}", "invalid array index x", id="bad-index"),
    pytest.param("{.a[1:2:3:4]}", "invalid array index 1:2:3:4", id="too-many-colons"),
    pytest.param("{.a#b}", None, id="hash-is-part-of-a-name"),
    pytest.param("{.a[?(@.x = 1)]}", "unrecognized filter operator =", id="single-eq"),
    pytest.param("{.a[?(@.x =~ 'y')]}", "unrecognized filter operator =", id="re"),
    pytest.param("{.a[?@.x]}", "invalid filter [?@.x]", id="filter-without-parens"),
    pytest.param("{range .items[*]}{.name}{end}", "{range} is not supported by augur", id="range"),
    pytest.param("{foo}", "unrecognized identifier foo", id="identifier"),
    pytest.param('{.a["b"]}', 'invalid array index "b"', id="double-quoted-key"),
    pytest.param("{.a[?(@.x > 1e3)]}", "unrecognized identifier e3", id="no-exponent-literals"),
    pytest.param("{.a[?(@.x > 1.2.3)]}", "cannot parse number 1.2.3", id="bad-number"),
    pytest.param("{.a['b}", "unclosed action", id="unterminated-quote"),
    pytest.param("{ % }", "unrecognized character in action: U+0025 '%'", id="bad-char"),
]


@pytest.mark.parametrize(("template", "message"), SYNTAX_ERRORS)
def test_syntax_errors(template: str, message: str | None) -> None:
    if message is None:
        compile_template(template)
        return
    with pytest.raises(JSONPathSyntaxError) as caught:
        compile_template(template)
    assert str(caught.value) == message


def test_a_template_is_reusable() -> None:
    compiled = compile_template("{.v}")
    assert [compiled.find_results({"v": float(i)}) for i in range(3)] == [[[0.0]], [[1.0]], [[2.0]]]
