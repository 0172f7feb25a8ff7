"""New Relic, Argo's vectors: every case of ``newrelic_test.go`` that shows on the wire, run as
a run runs it against a NerdGraph that checks each request (tests/fakes/newrelic.py), reached
under its real names (``api.newrelic.com``, ``api.eu.newrelic.com``) over TLS with a test CA.

Not run, because nothing on the wire or in a run shows them: ``Type()`` (augur names a provider
by its template key), ``Resume``/``Terminate``/``GarbageCollect`` (augur's providers answer in
one call; the engine handles termination) and the two marshal errors of Go ``func`` values,
which no JSON answer can hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.newrelic import DOCUMENT
from tests.fakes.newrelic import FakeNerdGraph, errors_reply, results_reply
from tests.fakes.upstream import Recorded, Reply
from tests.providers.token_runs import (
    assert_message,
    credentials_in,
    run_metric,
    vectors,
    write_secret,
)
from tests.support.routed import routed_client
from tests.support.tls import self_signed

API_KEY = "NRAK-0123456789ABCDEFGHIJ"
ACCOUNT = 12345
VECTOR_KEY = "ABCDEFG01234"  # the key of the client-construction vectors
HOSTS = ("api.newrelic.com", "api.eu.newrelic.com")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"), *HOSTS)


@pytest.fixture(scope="module")
def server(certificate: tuple[Path, Path]) -> Iterator[FakeNerdGraph]:
    keys = {API_KEY: {ACCOUNT, 1234567}, VECTOR_KEY: {ACCOUNT}}
    with FakeNerdGraph(keys, tls=certificate) as fake:
        yield fake


@pytest.fixture
def nerdgraph(server: FakeNerdGraph) -> FakeNerdGraph:
    server.script(results_reply([{"count": 1}]))
    return server


@pytest.fixture
async def http(
    server: FakeNerdGraph, certificate: tuple[Path, Path]
) -> AsyncIterator[httpx.AsyncClient]:
    async with routed_client(dict.fromkeys(HOSTS, server.port), ca=certificate[0]) as client:
        yield client


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    write_secret(tmp_path, "newrelic", {"personal-api-key": API_KEY, "account-id": str(ACCOUNT)})
    return tmp_path


def reply_for(response: dict[str, Any]) -> Reply:
    """The vector's answer on the wire: its body, or its mocked error as NerdGraph's error."""
    if "error" in response:
        return errors_reply(response["error"])
    return Reply(status=response["status"], body=response["body"])


def assert_request(request: Recorded, expect: dict[str, Any], account: int) -> None:
    """The request as newrelic-client-go sends it: the vector's method, headers and body."""
    assert (request.method, request.path) == (expect["method"], "/graphql")
    assert expect["url"].startswith("https://api.newrelic.com/graphql")
    assert request.headers["host"] == "api.newrelic.com"
    headers = expect["headers"]
    assert request.headers["api-key"] == API_KEY
    assert request.headers["content-type"] == headers["Content-Type"]
    user_agent = re.escape(headers["User-Agent"]).replace(re.escape("<version>"), r"[^ ]+")
    assert re.fullmatch(user_agent, request.headers["user-agent"])
    assert request.headers["newrelic-requesting-services"] == "newrelic-client-go"
    assert request.headers["x-query-source-component-id"] == "newrelic-client-go"
    body = json.loads(request.body)
    assert body["query"] == expect["json_body"]["query"] == DOCUMENT
    assert body["variables"] == {**expect["json_body"]["variables"], "accountId": account}
    assert list(body) == ["query", "variables"]


@pytest.mark.parametrize("case", vectors("newrelic", "mock_api"))
async def test_argo_run_vectors(
    case: dict[str, Any], nerdgraph: FakeNerdGraph, http: httpx.AsyncClient, secrets: Path
) -> None:
    nerdgraph.script(reply_for(case["response"]))
    condition = case["condition"]
    outcome = await run_metric(
        {"newRelic": case["provider_config"]},
        http=http,
        credentials=credentials_in(secrets),
        success=condition["success"],
        failure=condition["failure"],
    )
    expected, measurement = case["expected"], outcome.measurement
    assert (measurement.phase.value, measurement.value) == (expected["phase"], expected["value"])
    assert_message(measurement, expected)
    assert outcome.metric_metadata == {"ResolvedNewRelicQuery": case["provider_config"]["query"]}
    assert nerdgraph.requests  # one per measurement (an Error is measured again)
    if case["request_expect"]:
        assert_request(nerdgraph.requests[0], case["request_expect"], ACCOUNT)


@pytest.mark.parametrize("case", vectors("newrelic", "client"))
async def test_argo_query_vectors(
    case: dict[str, Any], nerdgraph: FakeNerdGraph, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """``Query()``: the variables sent (account 1234567, timeout 5 unless given), and errors."""
    write_secret(
        tmp_path, "newrelic", {"personal-api-key": API_KEY, "account-id": str(case["account_id"])}
    )
    expected = case["expected"]
    if case["nerdgraph_error"]:
        nerdgraph.script(errors_reply(case["nerdgraph_error"]))
    elif expected["results"]:
        nerdgraph.script(results_reply(expected["results"]))
    config = {key: value for key, value in case["provider_config"].items() if value is not None}
    outcome = await run_metric(
        {"newRelic": config}, http=http, credentials=credentials_in(tmp_path)
    )
    if case["expected_variables"] is None:
        assert nerdgraph.requests == []  # refused before anything is sent
    else:
        request = nerdgraph.requests[0]
        assert json.loads(request.body)["variables"] == case["expected_variables"]
    if expected["error"]:
        assert (outcome.measurement.phase.value, outcome.measurement.message) == (
            "Error",
            expected["error"],
        )
    if expected["results"]:
        assert outcome.measurement.value == json.dumps(
            expected["results"][0], separators=(",", ":")
        )


@pytest.mark.parametrize("case", vectors("newrelic", "credentials"))
async def test_argo_client_construction_vectors(
    case: dict[str, Any], nerdgraph: FakeNerdGraph, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Argo builds its client for every measurement, so these show in the measurement: an
    error is its Error; a client built goes to the region's (or the Secret's) NerdGraph."""
    if case["secret_data"] is not None:
        write_secret(tmp_path, case["secret_name"], case["secret_data"])
    config = {"query": "FROM Transaction SELECT count(*)"}
    if case["profile"]:
        config["profile"] = case["profile"]
    outcome = await run_metric(
        {"newRelic": config}, http=http, credentials=credentials_in(tmp_path)
    )
    measurement, expected = outcome.measurement, case["expected"]
    if expected["error"]:
        assert measurement.phase.value == "Error"
        assert_message(measurement, expected)
        assert nerdgraph.requests == []
        return
    base_url = (case["secret_data"] or {}).get("base-url-nerdgraph")
    if base_url is not None:  # no scheme: built, then refused when sent, as Go's client does
        assert measurement.message == (
            f'POST {base_url} giving up after 1 attempt(s): Post "{base_url}": '
            'unsupported protocol scheme ""'
        )
        return
    assert (measurement.phase.value, measurement.value) == ("Successful", '{"count":1}')
    region = (case["secret_data"] or {}).get("region")
    host = "api.eu.newrelic.com" if region == "eu" else "api.newrelic.com"
    assert {r.headers["host"] for r in nerdgraph.requests} == {host}


async def test_a_run_never_stores_the_api_key(
    nerdgraph: FakeNerdGraph, http: httpx.AsyncClient, secrets: Path
) -> None:
    """NerdGraph echoing the key is redacted; the account id and region are not credentials,
    so a message holding them (or a word containing `us`) is kept as it is."""
    nerdgraph.script(errors_reply(f"key {API_KEY} of account {ACCOUNT} lacks NRQL status"))
    write_secret(secrets, "newrelic", {"region": "us"})
    outcome = await run_metric(
        {"newRelic": {"query": "SELECT 1"}}, http=http, credentials=credentials_in(secrets)
    )
    assert outcome.measurement.message == f"key ***** of account {ACCOUNT} lacks NRQL status"
    assert API_KEY not in outcome.document
