"""The Go behaviour the Datadog provider's messages depend on, pinned case by case: ``%q``
(``strconv.Quote``), ``url.Parse``'s refusals, and ``encoding/json``'s syntax and type errors.
Each expected text is what Go prints for that input."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from providers.datadog.gojson import Node, parse
from providers.datadog.structs import decode_v1, decode_v2
from providers.golang import GoJSONError, GoJSONTooDeep, go_quote
from providers.gourl import parse_error


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        pytest.param('"oops"', '"\\"oops\\""', id="quotes"),
        pytest.param("a\nb\tc\\", '"a\\nb\\tc\\\\"', id="short-escapes"),
        pytest.param("\x00\x7f", '"\\x00\\x7f"', id="control"),
        pytest.param("é😀", '"é😀"', id="printable-unicode"),
        pytest.param("\u00a0\u2028", '"\\u00a0\\u2028"', id="unicode-spaces"),
        pytest.param("\U000e0001", '"\\U000e0001"', id="astral-unprintable"),
    ],
)
def test_go_quote(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted


@pytest.mark.parametrize(
    ("url", "error"),
    [
        pytest.param("https://api.datadoghq.eu", None, id="site"),
        pytest.param("http://user:pw@proxy:8080/dd/", None, id="userinfo-port-path"),
        pytest.param("api.datadoghq.com", None, id="no-scheme-is-a-path"),
        pytest.param("http://[::1]:8126", None, id="ipv6"),
        pytest.param("://wrong.schema", "missing protocol scheme", id="argo-vector"),
        pytest.param("1http://x", "first path segment in URL cannot contain colon", id="colon"),
        pytest.param("http://h:port", 'invalid port ":port" after host', id="port"),
        pytest.param("http://[::1", "missing ']' in host", id="bracket"),
        pytest.param("http://a b", 'invalid character " " in host name', id="host-char"),
        pytest.param("http://h/%zz", 'invalid URL escape "%zz"', id="escape"),
        pytest.param("http://h/\x7f", "net/url: invalid control character in URL", id="ctl"),
        pytest.param("http://u p@h", "net/url: invalid userinfo", id="userinfo"),
    ],
)
def test_url_parse(url: str, error: str | None) -> None:
    assert parse_error(url) == (None if error is None else f"parse {go_quote(url)}: {error}")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param("", "unexpected end of JSON input", id="empty"),
        pytest.param('{"a" 1}', "invalid character '1' after object key", id="colon"),
        pytest.param("[1 2]", "invalid character '2' after array element", id="comma"),
        pytest.param(
            '{"a":1 "b":2}', "invalid character '\"' after object key:value pair", id="pair"
        ),
        pytest.param("[1,]", "invalid character ']' looking for beginning of value", id="trail"),
        pytest.param(
            "{1:2}", "invalid character '1' looking for beginning of object key string", id="key"
        ),
        pytest.param("-x", "invalid character 'x' in numeric literal", id="minus"),
        pytest.param(
            "1.x", "invalid character 'x' after decimal point in numeric literal", id="decimal"
        ),
        pytest.param("01", "invalid character '1' after top-level value", id="leading-zero"),
        pytest.param("trux", "invalid character 'x' in literal true (expecting 'e')", id="true"),
        pytest.param('"a\nb"', "invalid character '\\n' in string literal", id="newline"),
        pytest.param('"\\q"', "invalid character 'q' in string escape code", id="escape"),
        pytest.param("NaN", "invalid character 'N' looking for beginning of value", id="nan"),
    ],
)
def test_json_syntax_errors(text: str, error: str) -> None:
    with pytest.raises(GoJSONError) as caught:
        parse(text)
    assert str(caught.value) == error


def test_json_nesting_is_bounded_without_recursion() -> None:
    with pytest.raises(GoJSONTooDeep):
        parse("[" * 100_000)


@pytest.mark.parametrize(
    ("decode", "text", "error"),
    [
        pytest.param(
            decode_v1,
            "[]",
            "json: cannot unmarshal array into Go value of type datadog.datadogResponseV1",
            id="top-level",
        ),
        pytest.param(
            decode_v1,
            '{"series":[1]}',
            "json: cannot unmarshal number into Go struct field datadogResponseV1.Series of "
            'type struct { Pointlist [][]float64 "json:\\"pointlist\\"" }',
            id="series-entry",
        ),
        pytest.param(
            decode_v1,
            '{"series":[{"pointlist":{}}]}',
            "json: cannot unmarshal object into Go struct field .Series.pointlist of type "
            "[][]float64",
            id="pointlist",
        ),
        pytest.param(
            decode_v1,
            '{"series":[{"pointlist":[[1,1e999]]}]}',
            "json: cannot unmarshal number 1e999 into Go struct field .Series.pointlist of type "
            "float64",
            id="overflow",
        ),
        pytest.param(
            decode_v2,
            '{"data":[]}',
            "json: cannot unmarshal array into Go struct field datadogResponseV2.Data of type "
            "struct { Attributes struct { Columns []datadog.datadogV2Column }; Errors string }",
            id="data",
        ),
        pytest.param(
            decode_v2,
            '{"data":{"attributes":{"columns":[{"name":1}]}}}',
            "json: cannot unmarshal number into Go struct field "
            "datadogV2Column.Data.Attributes.Columns.name of type string",
            id="column-name",
        ),
        pytest.param(
            decode_v2,
            '{"data":{"errors":["x"]}}',
            "json: cannot unmarshal array into Go struct field .Data.Errors of type string",
            id="errors-list",
        ),
    ],
)
def test_type_errors(decode: Callable[[Node], object], text: str, error: str) -> None:
    with pytest.raises(GoJSONError) as caught:
        decode(parse(text))
    assert str(caught.value) == error


def test_v2_data_objects_merge_and_keys_fold_case() -> None:
    answer = decode_v2(
        parse('{"Data":{"errors":"slow"},"DATA":{"Attributes":{"COLUMNS":[{"Values":[1]}]}}}')
    )
    assert answer.errors == "slow"
    assert [[v.raw for v in c.values or []] for c in answer.columns or []] == [["1"]]
