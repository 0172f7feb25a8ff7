"""Upstream answers augur does not control, nested as deep as the decoder reaches: decoding,
JSONPath's recursive descent, `json.Marshal` of the result and the messages that print a value
never raise RecursionError; JSON too deep to decode, or a path selecting too many values, is a
located error."""

from __future__ import annotations

import httpx
import pytest

from providers.errors import QueryError
from providers.golang import GoJSONTooDeep, decode_json, marshal
from providers.jsonpath import JSONPathError, compile_template
from providers.jsonpath.evaluator import MAX_VALUES
from providers.web.response import measured


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def deep(text: str) -> object:
    """Decoded past the depth augur accepts from upstreams (100): the code after the decoder
    must hold even so."""
    return decode_json(text, max_depth=10_000)


def test_recursive_descent_over_900_levels_selects_every_container() -> None:
    data = deep(nested(900))
    [found] = compile_template("{$..*}").find_results(data)
    assert len(found) == 900
    assert found[-1] == 1.0
    assert marshal(found[0]) == nested(899)


def test_marshal_writes_a_value_as_deep_as_the_decoder_reached() -> None:
    value: object = 1.0
    for _ in range(5000):
        value = [value, {"k": "v"}]
    text = marshal(value)
    assert text.startswith("[" * 5000 + "1,")
    assert text.endswith(',{"k":"v"}]')


def test_json_too_deep_to_decode_is_a_located_error() -> None:
    with pytest.raises(GoJSONTooDeep, match="^exceeded max depth"):
        decode_json(nested(50_000))


def test_a_web_answer_too_deep_to_decode_is_an_error_measurement() -> None:
    response = httpx.Response(200, content=nested(50_000).encode())
    with pytest.raises(QueryError) as caught:
        measured(response, compile_template("{$..*}"), latency=0.0)
    assert str(caught.value) == (
        "Could not parse JSON body: exceeded max depth: more than 100 nested arrays or objects"
    )


def test_a_path_selecting_too_many_values_is_an_error() -> None:
    data = deep(nested(900))
    with pytest.raises(JSONPathError, match=f"^the path selects more than {MAX_VALUES} values$"):
        compile_template("{$..*..*}").find_results(data)


def test_a_message_printing_a_deep_value_stops_at_a_depth() -> None:
    data = deep('{"x":' + nested(200) + "}")
    with pytest.raises(JSONPathError) as caught:
        compile_template("{$.x[?(@.a > 1)]}").find_results(data)
    message = str(caught.value)
    assert message.startswith("map[a:map[a:")
    assert "..." in message
    assert len(message) < 600


def test_lone_surrogates_in_a_deep_answer_become_replacement_characters() -> None:
    data = deep('{"a":' * 900 + '"\\ud800"' + "}" * 900)
    [found] = compile_template("{$..a}").find_results(data)
    assert found[-1] == "\ufffd"
