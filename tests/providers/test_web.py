"""provider.web against a real loopback HTTP server, including every Argo web vector.

Phases are judged by the engine's own condition evaluation, as they would be in a run.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from app.engine.conditions import compile_conditions, evaluate_result
from providers.base import MeasureContext, Measured, Provider, ProviderFactory
from providers.errors import (
    ConfigError,
    NoDataError,
    ProviderError,
    QueryError,
    UnavailableError,
)
from providers.golang import decode_json, marshal
from providers.web import WebProvider
from tests.engine.vectors import cases, section, vectors
from tests.fakes.scripted import Reply, ScriptedServer
from tests.support.servers import free_port

PATH = "/metric"
BODY = '{"a": 1, "b": true, "c": [1, 2, 3, 4], "d": null}'


def context() -> MeasureContext:
    return MeasureContext(now=datetime(2026, 3, 1, tzinfo=UTC), metric_name="web")


async def measure(config: Mapping[str, Any], http: httpx.AsyncClient) -> Measured:
    provider = WebProvider(config, http=http)
    try:
        return await provider.measure(context())
    finally:
        await provider.aclose()


async def failure(config: Mapping[str, Any], http: httpx.AsyncClient) -> ProviderError:
    """The error Argo would record, whether it shows when building or when measuring."""
    with pytest.raises(ProviderError) as caught:
        await measure(config, http)
    return caught.value


def phase(result: Any, success: str = "", failure_: str = "") -> str:
    return str(evaluate_result(result, compile_conditions(success, failure_)).phase)


# ---- Argo's web vectors ------------------------------------------------------------------------

TOKEN = {"access_token": "MyAccessToken", "token_type": "bearer", "expires_in": 3600}


def argo_config(case: dict[str, Any], scripted: ScriptedServer) -> dict[str, Any]:
    config: dict[str, Any] = {"url": case.get("url") or scripted.url(PATH)}
    for ours, theirs in (
        ("method", "method"),
        ("headers", "headers"),
        ("body", "request_body"),
        ("jsonBody", "jsonBody"),
        ("jsonPath", "jsonPath"),
    ):
        if theirs in case:
            config[ours] = case[theirs]
    if "oauth2" in case:
        # The vector keeps only what the case is about; Argo refuses a tokenUrl without
        # client credentials when building, so the Go test must have set them.
        oauth2 = {"clientId": "myClientID", "clientSecret": "mySecret", **case["oauth2"]}
        oauth2["tokenUrl"] = oauth2["tokenUrl"].replace("<server>", scripted.base_url)
        config["authentication"] = {"oauth2": oauth2}
    return config


@pytest.mark.parametrize("case", cases(section("web", "cases")))
async def test_argo_web_vectors(
    scripted: ScriptedServer, http: httpx.AsyncClient, case: dict[str, Any]
) -> None:
    body = case["response_body"] or ""
    scripted.reply(PATH, Reply(status=case["http_status"] or 200, body=body))
    scripted.reply("/ok", Reply(body=json.dumps(TOKEN)))
    scripted.reply("/ko", Reply(status=401, body=body, content_type="text/plain"))
    config = argo_config(case, scripted)
    if case["expected_phase"] == "Error":
        error = await failure(config, http)
        if "message_from_code" in case:
            assert str(error) == case["message_from_code"]
        assert case.get("expected_message_contains", "") in str(error)
        return
    measured = await measure(config, http)
    assert measured.value == case["expected_value"]
    success, failure_ = case["successCondition"], case["failureCondition"]
    assert phase(measured.result, success, failure_) == case["expected_phase"]
    sent = scripted.last(PATH)
    assert sent.method == case.get("expected_request_method", sent.method)
    if "expected_request_body" in case:
        assert sent.body.decode() == case["expected_request_body"]
    if "jsonBody" in case:  # sent compact, as the controller's JSON round trip leaves it
        assert json.loads(sent.body) == case["jsonBody"]
        assert sent.body == json.dumps(case["jsonBody"], separators=(",", ":")).encode()
    if "expected_request_content_type" in case:
        assert sent.headers["content-type"] == case["expected_request_content_type"]
    if "expected_request_authorization" in case:
        assert sent.headers["authorization"] == case["expected_request_authorization"]
    for header in case.get("headers", []):
        assert sent.headers[header["key"].lower()] == header["value"]


@pytest.mark.parametrize("case", cases(section("web", "client_construction")))
async def test_argo_oauth2_construction(http: httpx.AsyncClient, case: dict[str, Any]) -> None:
    config = {"url": "http://127.0.0.1:1/", "authentication": {"oauth2": case["oauth2"]}}
    if case["expected_error"] is None:
        await WebProvider(config, http=http).aclose()
        return
    with pytest.raises(ConfigError) as caught:
        WebProvider(config, http=http)
    assert str(caught.value) == case["expected_error"]


FORMATTING = [c for c in vectors()["value_string_formatting"]["cases"]]


@pytest.mark.parametrize("case", [pytest.param(c, id=c["input"]) for c in FORMATTING])
async def test_value_is_go_json_marshal(
    scripted: ScriptedServer, http: httpx.AsyncClient, case: dict[str, Any]
) -> None:
    scripted.reply(PATH, Reply(body=case["input"]))
    measured = await measure({"url": scripted.url(PATH)}, http)
    if "json_unmarshal_error" in case:  # not JSON for Go: the raw body, as text
        assert (measured.result, measured.value) == (case["input"], case["input"])
    else:
        assert measured.value == case["go_value_string"]


# ---- jsonPath and results ----------------------------------------------------------------------

DOC = json.dumps(
    {
        "data": {"value": 0.25, "label": "a<b>", "big": 1e21},
        "services": [
            {"name": "api", "errors": 3, "tags": []},
            {"name": "web", "errors": 0, "tags": ["edge"]},
        ],
        "empty": [],
        "nothing": None,
    }
)
RESULTS = [
    pytest.param("", decode_json(DOC), marshal(decode_json(DOC)), id="default-whole-document"),
    pytest.param("{$.data.value}", 0.25, "0.25", id="dollar-path"),
    pytest.param("{.data.value}", 0.25, "0.25", id="dot-path"),
    pytest.param("{.data.big}", 1e21, "1e+21", id="go-number-form"),
    pytest.param("{.data.label}", "a<b>", '"a\\u003cb\\u003e"', id="string-quoted-html-escaped"),
    pytest.param("{.services[1].name}", "web", '"web"', id="index"),
    pytest.param("{.services[-1].errors}", 0.0, "0", id="negative-index"),
    pytest.param("{.services[*].errors}", 3.0, "3", id="wildcard-first-match"),
    pytest.param("{$..name}", "api", '"api"', id="recursive-first-match"),
    pytest.param('{.services[?(@.name == "web")].errors}', 0.0, "0", id="filter-string"),
    pytest.param("{.services[?(@.errors > 1)].name}", "api", '"api"', id="filter-number"),
    pytest.param("{.services[0].tags}", [], "[]", id="empty-list-value"),
    pytest.param("{.nothing}", None, "null", id="null-value"),
    pytest.param("{.empty[*]} {.data.value}", " ", '" "', id="first-non-empty-set-is-text"),
    pytest.param("{.empty[*]}{.data.value}", 0.25, "0.25", id="first-non-empty-set"),
    pytest.param("$.data.value", "$.data.value", '"$.data.value"', id="braceless-is-text"),
]


@pytest.mark.parametrize(("json_path", "result", "value"), RESULTS)
async def test_json_path_results(
    scripted: ScriptedServer, http: httpx.AsyncClient, json_path: str, result: Any, value: str
) -> None:
    scripted.reply(PATH, Reply(body=DOC))
    measured = await measure({"url": scripted.url(PATH), "jsonPath": json_path}, http)
    assert repr(measured.result) == repr(result)  # repr: 3.0 (a JSON number) differs from 3
    assert measured.value == value
    assert measured.metadata["statusCode"] == "200"


LOOKUP_ERRORS = [
    pytest.param(
        "{.data.missing}", QueryError, "Could not find JSONPath in body: missing is not found"
    ),
    pytest.param(
        "{.empty[0]}",
        QueryError,
        "Could not find JSONPath in body: array index out of bounds: index 0, length 0",
    ),
    pytest.param(
        "{.data[0]}",
        QueryError,
        "Could not find JSONPath in body: map[string]interface {} is not array or slice",
    ),
    pytest.param("{.nothing.x}", QueryError, "Could not find JSONPath in body: x is not found"),
    pytest.param("{.empty[*]}", NoDataError, "result of web metric produced no value"),
]


@pytest.mark.parametrize(("json_path", "kind", "message"), LOOKUP_ERRORS)
async def test_json_path_lookup_errors(
    scripted: ScriptedServer,
    http: httpx.AsyncClient,
    json_path: str,
    kind: type[ProviderError],
    message: str,
) -> None:
    scripted.reply(PATH, Reply(body=DOC))
    error = await failure({"url": scripted.url(PATH), "jsonPath": json_path}, http)
    assert (type(error), str(error)) == (kind, message)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param("<html>maintenance</html>", "text/html", id="html"),
        pytest.param('{"truncated": ', "application/json", id="truncated-json"),
        pytest.param("1E400", "application/json", id="number-out-of-float64-range"),
    ],
)
async def test_garbage_body_is_the_raw_text_and_json_path_is_ignored(
    scripted: ScriptedServer, http: httpx.AsyncClient, body: str, content_type: str
) -> None:
    scripted.reply(PATH, Reply(body=body, content_type=content_type))
    measured = await measure({"url": scripted.url(PATH), "jsonPath": "{.x}"}, http)
    assert (measured.result, measured.value) == (body, body)


# ---- HTTP --------------------------------------------------------------------------------------

STATUS_ERRORS = [
    pytest.param(500, UnavailableError, id="500-retryable"),
    pytest.param(503, UnavailableError, id="503-retryable"),
    pytest.param(404, QueryError, id="404"),
    pytest.param(301, QueryError, id="301"),
    pytest.param(300, QueryError, id="300"),
]


@pytest.mark.parametrize(("status", "kind"), STATUS_ERRORS)
async def test_non_2xx_is_an_error_whatever_the_body(
    scripted: ScriptedServer, http: httpx.AsyncClient, status: int, kind: type[ProviderError]
) -> None:
    scripted.reply(PATH, Reply(status=status, body='{"ok": true}'))
    error = await failure({"url": scripted.url(PATH)}, http)
    assert (type(error), str(error)) == (kind, f"received non 2xx response code: {status}")
    assert error.status == status
    assert error.upstream_message == '{"ok": true}'


@pytest.mark.parametrize("status", [200, 201, 204, 299])
async def test_any_2xx_is_a_result(
    scripted: ScriptedServer, http: httpx.AsyncClient, status: int
) -> None:
    scripted.reply(PATH, Reply(status=status, body="" if status == 204 else "7"))
    measured = await measure({"url": scripted.url(PATH)}, http)
    assert measured.value == ("" if status == 204 else "7")


async def test_redirects_are_followed_like_go(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    scripted.reply(PATH, Reply(status=302, headers=(("Location", "/moved"),)))
    scripted.reply("/moved", Reply(body='{"v": 1}'))
    measured = await measure({"url": scripted.url(PATH), "jsonPath": "{.v}"}, http)
    assert (measured.result, measured.value) == (1.0, "1")


async def test_timeout_is_retryable(scripted: ScriptedServer, http: httpx.AsyncClient) -> None:
    scripted.reply(PATH, Reply(body="1", delay=10))
    error = await failure({"url": scripted.url(PATH), "timeoutSeconds": 0.3}, http)
    assert type(error) is UnavailableError
    assert str(error) == (
        f'Get "{scripted.url(PATH)}": context deadline exceeded (timed out after 0.3s)'
    )


async def test_unreachable_is_retryable(http: httpx.AsyncClient) -> None:
    url = f"http://127.0.0.1:{free_port()}/metric"
    error = await failure({"url": url, "method": "POST", "body": "x"}, http)
    assert type(error) is UnavailableError
    assert str(error).startswith(f'Post "{url}": ConnectError')


SENT = [
    pytest.param({}, "GET", b"", {}, id="default-get"),
    pytest.param({"method": "POST", "body": "a=1"}, "POST", b"a=1", {}, id="post-body"),
    pytest.param({"method": "put", "body": "x"}, "PUT", b"x", {}, id="put-lowercase"),
    pytest.param(
        {"method": "POST", "jsonBody": {"q": "rate", "n": [1, 2]}},
        "POST",
        b'{"q":"rate","n":[1,2]}',
        {"content-type": "application/json"},
        id="json-body-sets-content-type",
    ),
    pytest.param(
        {
            "method": "PUT",
            "jsonBody": {"k": "é<"},
            "headers": [{"key": "Content-Type", "value": "text/plain"}],
        },
        "PUT",
        '{"k":"é\\u003c"}'.encode(),
        {"content-type": "application/json"},
        id="json-body-overrides-user-content-type",
    ),
    pytest.param(
        {"headers": [{"key": "X-Team", "value": "a"}, {"key": "x-team", "value": "b"}]},
        "GET",
        b"",
        {"x-team": "b"},
        id="later-header-replaces",
    ),
    pytest.param(
        {"headers": [{"key": "Authorization", "value": "Bearer abc"}]},
        "GET",
        b"",
        {"authorization": "Bearer abc"},
        id="authorization-header",
    ),
]


@pytest.mark.parametrize(("extra", "method", "body", "headers"), SENT)
async def test_request_as_configured(
    scripted: ScriptedServer,
    http: httpx.AsyncClient,
    extra: dict[str, Any],
    method: str,
    body: bytes,
    headers: dict[str, str],
) -> None:
    scripted.reply(PATH, Reply(body="1"))
    await measure({"url": scripted.url(PATH), **extra}, http)
    sent = scripted.last(PATH)
    assert (sent.method, sent.body) == (method, body)
    for key, value in headers.items():
        assert sent.headers[key] == value
        assert [k.lower() for k, _ in sent.header_list].count(key) == 1


async def test_secrets_stay_out_of_messages_and_metadata(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    secret = "s3cr3t-value"
    scripted.reply(PATH, Reply(status=502, body="bad gateway"))
    config = {"url": scripted.url(PATH), "headers": [{"key": "X-Api-Key", "value": secret}]}
    error = await failure(config, http)
    scripted.reply(PATH, Reply(body="{}"))
    measured = await measure(config, http)
    assert secret not in repr(error) + str(error) + json.dumps(dict(measured.metadata))
    url_error = await failure({"url": "ftp://user:s3cr3t-value@host/x"}, http)
    assert str(url_error) == 'Get "ftp://host/x": unsupported protocol scheme "ftp"'


async def test_check_sends_head_without_side_effects(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    scripted.reply(PATH, Reply(status=405))
    provider = WebProvider({"url": scripted.url(PATH), "method": "POST", "body": "x"}, http=http)
    await provider.check()
    assert [(r.method, r.body) for r in scripted.requests] == [("HEAD", b"")]
    unreachable = WebProvider({"url": f"http://127.0.0.1:{free_port()}/"}, http=http)
    with pytest.raises(UnavailableError):
        await unreachable.check()


async def test_is_a_provider_factory(http: httpx.AsyncClient) -> None:
    factory: ProviderFactory = WebProvider
    provider = factory({"url": "http://h/"}, http=http)
    assert isinstance(provider, Provider)
    assert provider.kind == "web"


async def test_insecure_owns_a_client_and_closes_it(http: httpx.AsyncClient) -> None:
    provider = WebProvider({"url": "https://example.invalid/", "insecure": True}, http=http)
    await provider.aclose()
    assert not http.is_closed


# ---- OAuth2 ------------------------------------------------------------------------------------


def oauth2_config(scripted: ScriptedServer, token_path: str) -> dict[str, Any]:
    return {
        "url": scripted.url(PATH),
        "authentication": {
            "oauth2": {
                "tokenUrl": scripted.url(token_path),
                "clientId": "my-client",
                "clientSecret": "s3cr3t",
                "scopes": ["read", "metrics"],
            }
        },
    }


async def test_oauth2_token_request_and_reuse(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    scripted.reply(PATH, Reply(body="1"))
    scripted.reply("/token", Reply(body=json.dumps(TOKEN)))
    provider = WebProvider(oauth2_config(scripted, "/token"), http=http)
    await provider.measure(context())
    await provider.measure(context())
    token_requests = [r for r in scripted.requests if r.path == "/token"]
    assert len(token_requests) == 1  # cached until shortly before expires_in
    sent = token_requests[0]
    assert parse_qs(sent.body.decode()) == {
        "grant_type": ["client_credentials"],
        "scope": ["read metrics"],
    }
    assert (
        sent.headers["authorization"] == "Basic " + base64.b64encode(b"my-client:s3cr3t").decode()
    )
    assert scripted.last(PATH).headers["authorization"] == "Bearer MyAccessToken"


async def test_oauth2_credentials_in_form_when_basic_is_refused(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    scripted.reply(PATH, Reply(body="1"))
    scripted.reply("/token", Reply(status=401, body='{"error":"invalid_client"}'))
    error = await failure(oauth2_config(scripted, "/token"), http)
    assert [r.path for r in scripted.requests] == ["/token", "/token"]
    second = parse_qs(scripted.requests[1].body.decode())
    assert (second["client_id"], second["client_secret"]) == (["my-client"], ["s3cr3t"])
    assert type(error) is QueryError
    assert str(error) == f'Get "{scripted.url(PATH)}": oauth2: "invalid_client"'


async def test_oauth2_without_expiry_is_fetched_every_time(
    scripted: ScriptedServer, http: httpx.AsyncClient
) -> None:
    scripted.reply(PATH, Reply(body="1"))
    scripted.reply("/token", Reply(body='{"access_token": "t1"}'))
    provider = WebProvider(oauth2_config(scripted, "/token"), http=http)
    await provider.measure(context())
    await provider.measure(context())
    assert [r.path for r in scripted.requests].count("/token") == 2


# ---- configuration -----------------------------------------------------------------------------

CONFIG_ERRORS = [
    pytest.param({}, "web: url is required", id="no-url"),
    pytest.param(
        {"url": "http://h/", "method": "DELETE"},
        "web: method must be one of GET, POST, PUT, got 'DELETE'",
        id="method",
    ),
    pytest.param(
        {"url": "bad://url.com"},
        'Get "bad://url.com": unsupported protocol scheme "bad"',
        id="scheme",
    ),
    pytest.param(
        {"url": "http://h/", "jsonPath": "{.a"},
        "web: jsonPath '{.a' does not parse: unclosed action",
        id="json-path-syntax",
    ),
    pytest.param(
        {"url": "http://h/", "body": "x"},
        "Body/JSONBody can only be used with POST or PUT WebMetric Method types",
        id="body-with-get",
    ),
    pytest.param(
        {"url": "http://h/", "method": "POST", "body": "x", "jsonBody": {}},
        "use either Body or JSONBody; both cannot exists for WebMetric payload",
        id="body-and-json-body",
    ),
    pytest.param(
        {"url": "http://h/", "headers": [{"key": "X", "value": 5}]},
        "web: every header needs a non-empty string key and a string value (bad key: 'X')",
        id="header-value-not-echoed",
    ),
    pytest.param(
        {"url": "http://h/", "timeoutSeconds": "soon"},
        "web: timeoutSeconds must be a number, got 'soon'",
        id="timeout",
    ),
    pytest.param(
        {"url": "http://h/", "insecure": "yes"},
        "web: insecure must be true or false, got 'yes'",
        id="insecure",
    ),
]


@pytest.mark.parametrize(("config", "message"), CONFIG_ERRORS)
async def test_config_errors(http: httpx.AsyncClient, config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        WebProvider(config, http=http)
    assert str(caught.value) == message
    assert caught.value.provider == "web"
