"""provider.datadog beyond Argo's own cases: the block as Kubernetes stores it, where the keys
come from, the request on the wire, Go's reading of odd answers, and the engine around it (a
block Argo errors on at every measurement, keys that must never be stored)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.engine.runner import Runner, VirtualClock, provider_cache
from app.service.submit import build_run, read_documents
from app.spec.status import Phase
from providers import registry
from providers.base import MeasureContext
from providers.datadog import DatadogProvider, parse_config
from providers.datadog.config import SecretRef
from providers.datadog.credentials import find_keys
from providers.datadog.response import read_v1, read_v2
from providers.errors import ConfigError, UnavailableError
from tests.fakes.datadog import API_KEY, APP_KEY, V1, V2, FakeDatadog, write_secret
from tests.fakes.scripted import Reply
from tests.providers.datadog_cases import HOME, credentials_in, keys, take, write_keys

V2_BLOCK = {"query": "q", "apiVersion": "v2"}


@pytest.fixture
def secrets(tmp_path: Path, datadog: FakeDatadog) -> Path:
    """The `datadog` Secret of augur's namespace, pointing at the fake."""
    write_keys(tmp_path, HOME, "datadog", datadog.base_url)
    return tmp_path


# ---- the block ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        pytest.param({"query": "q"}, ("v1", 300, 10.0), id="crd-defaults"),
        pytest.param(
            {"query": "q", "apiVersion": "v2", "interval": "90.9s", "requestTimeout": ""},
            ("v2", 90, 10.0),
            id="seconds-truncated-empty-timeout-is-argos-10s",
        ),
        pytest.param(
            {"query": "q", "interval": "-1m", "requestTimeout": "1m30s"},
            ("v1", -60, 90.0),
            id="negative-window-as-go-computes-it",
        ),
    ],
)
def test_the_block_as_kubernetes_stores_it(
    block: dict[str, Any], expected: tuple[str, int, float]
) -> None:
    config = parse_config(block)
    assert (config.api_version, config.interval_seconds, config.timeout_seconds) == expected


@pytest.mark.parametrize(
    ("block", "message"),
    [
        pytest.param(
            {"query": "q", "apiVersion": ""},
            'datadog: apiVersion: Unsupported value: "": supported values: "v1", "v2"',
            id="empty-api-version-is-not-in-the-crd-enum",
        ),
        pytest.param(
            {"query": "q", "interval": ""},
            'time: invalid duration ""',
            id="empty-interval-as-argo-parses-it",
        ),
        pytest.param(
            {"query": "q", "address": "http://dd"},
            "datadog: unknown field(s) address; known: aggregator, apiVersion, formula, "
            "interval, queries, query, requestTimeout, secretRef",
            id="no-address-field",
        ),
        pytest.param(
            {"queries": {"a": 1}, "apiVersion": "v2"},
            "datadog: queries.a must be a string, got int",
            id="query-not-text",
        ),
        pytest.param(
            {"query": "q", "secretRef": {"name": "dd", "namespaced": "yes"}},
            "datadog: secretRef.namespaced must be true or false, got 'yes'",
            id="namespaced-not-a-bool",
        ),
        pytest.param(
            {"query": "q", "apiVersion": "v2", "aggregator": "median"},
            'datadog: aggregator: Unsupported value: "median": supported values: "avg", "min", '
            '"max", "sum", "last", "percentile", "mean", "l2norm", "area"',
            id="aggregator-enum",
        ),
    ],
)
def test_blocks_kubernetes_or_argo_refuse(block: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(block)
    assert str(caught.value) == message


def test_the_registry_builds_it(http: httpx.AsyncClient) -> None:
    provider = registry.build({"datadog": {"query": "q"}}, http=http)
    assert isinstance(provider, DatadogProvider)
    assert "datadog" not in registry.ARGO_ONLY


# ---- where the keys come from ------------------------------------------------------------------

ENV = {"DD_API_KEY": "env-api", "DD_APP_KEY": "env-app", "DD_ADDRESS": "https://env"}


@pytest.mark.parametrize(
    ("ref", "environ", "address"),
    [
        pytest.param(SecretRef(), ENV, "https://env", id="environment-first"),
        pytest.param(SecretRef(), {**ENV, "DD_ADDRESS": ""}, "", id="empty-dd-address-counts"),
        pytest.param(
            SecretRef(),
            {k: v for k, v in ENV.items() if k != "DD_ADDRESS"},
            "https://home",
            id="two-variables-are-not-enough",
        ),
        pytest.param(
            SecretRef(), {**ENV, "DD_APP_KEY": ""}, "https://home", id="empty-app-key-in-env"
        ),
        pytest.param(SecretRef(name="team"), ENV, "https://team-home", id="named-no-env"),
        pytest.param(
            SecretRef(name="team", namespaced=True), ENV, "https://team-run", id="namespaced"
        ),
    ],
)
def test_keys_are_found_where_argo_looks(
    tmp_path: Path, ref: SecretRef, environ: dict[str, str], address: str
) -> None:
    write_secret(tmp_path, HOME, "datadog", keys("https://home"))
    write_secret(tmp_path, HOME, "team", keys("https://team-home"))
    write_secret(tmp_path, "run-ns", "team", keys("https://team-run"))
    found = find_keys(ref, credentials_in(tmp_path, environ), "run-ns")
    assert found.address == address
    assert "env-api" not in repr(found)  # a traceback or a log line never shows a key


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        pytest.param(
            SecretRef(name="team", namespaced=True),
            "failed to find the credentials for datadog metrics provider: Secret 'team' in "
            "namespace 'run-ns' has no non-empty api-key and app-key (or does not exist)",
            id="namespaced-has-no-fallback",
        ),
        pytest.param(
            SecretRef(name="team"),
            "failed to find the credentials for datadog metrics provider: Secret 'team' in "
            "the namespace augur runs in has no non-empty api-key and app-key (or does not "
            "exist)",
            id="named-has-no-fallback",
        ),
    ],
)
def test_a_named_secret_has_no_fallback(tmp_path: Path, ref: SecretRef, message: str) -> None:
    write_secret(tmp_path, HOME, "datadog", keys("https://home"))
    write_secret(tmp_path, HOME, "team", {"api-key": "only-one"})
    with pytest.raises(ConfigError) as caught:
        find_keys(ref, credentials_in(tmp_path, ENV), "run-ns")
    assert str(caught.value) == message


def test_a_secret_linking_out_of_its_folder_is_refused(tmp_path: Path) -> None:
    write_secret(tmp_path, "elsewhere", "datadog", keys("https://x"))
    (tmp_path / HOME).mkdir()
    (tmp_path / HOME / "datadog").symlink_to(tmp_path / "elsewhere" / "datadog")
    with pytest.raises(ConfigError, match="is a link out of the secrets folder; refused"):
        find_keys(SecretRef(), credentials_in(tmp_path), "run-ns")


# ---- the request -------------------------------------------------------------------------------


async def test_v2_queries_formula_and_aggregator_as_go_marshals_them(
    datadog: FakeDatadog, secrets: Path
) -> None:
    datadog.answer(V2, Reply(body='{"data": {"attributes": {"columns": [{"values": [1]}]}}}'))
    block = {
        "apiVersion": "v2",
        "queries": {"a": "sum:errors{env:<prod>}", "b": "sum:requests{*}"},
        "formula": "a / b & 1",
        "aggregator": "sum",
        "interval": "1h",
    }
    taken = await take(block, credentials_in(secrets))
    assert taken.measurement.phase is Phase.SUCCESSFUL
    [sent] = datadog.requests
    assert sent.body == (
        b'{"data":{"attributes":{"from":1599072835000,"to":1599076435000,"queries":['
        b'{"aggregator":"sum","data_source":"metrics","name":"a","query":"sum:errors{env:'
        b'\\u003cprod\\u003e}"},{"aggregator":"sum","data_source":"metrics","name":"b",'
        b'"query":"sum:requests{*}"}],"formulas":[{"formula":"a / b \\u0026 1"}]},'
        b'"type":"scalar_request"}}'
    )
    assert sent.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("address", "message"),
    [
        pytest.param(
            "{base}/",
            'received non 2xx response code: 404 {"errors": ["no such endpoint: //api/v1/query"]}',
            id="trailing-slash-appended-as-text",
        ),
        pytest.param(
            "api.datadoghq.com",
            'Get "api.datadoghq.com/api/v1/query?from=1599076135&query=q&to=1599076435": '
            'unsupported protocol scheme ""',
            id="no-scheme",
        ),
        pytest.param(
            "http://h:80x",
            'parse "http://h:80x": invalid port ":80x" after host',
            id="bad-port",
        ),
    ],
)
async def test_the_address_is_used_as_argo_uses_it(
    datadog: FakeDatadog, tmp_path: Path, address: str, message: str
) -> None:
    write_keys(tmp_path, HOME, "datadog", address.format(base=datadog.base_url))
    taken = await take({"query": "q"}, credentials_in(tmp_path))
    assert taken.measurement.phase is Phase.ERROR
    assert taken.measurement.message == message


async def test_a_key_go_cannot_send_is_refused_without_showing_it(
    datadog: FakeDatadog, tmp_path: Path
) -> None:
    write_secret(tmp_path, HOME, "datadog", keys(datadog.base_url) | {"app-key": "k3y\n"})
    taken = await take({"query": "q"}, credentials_in(tmp_path))
    assert taken.measurement.message == (
        f'Get "{datadog.base_url}/api/v1/query?from=1599076135&query=q&to=1599076435": '
        'net/http: invalid header field value for "Dd-Application-Key" (a line break or '
        "another control character in the key)"
    )
    assert datadog.requests == []


async def test_wrong_keys_are_datadogs_403(datadog: FakeDatadog, tmp_path: Path) -> None:
    write_secret(tmp_path, HOME, "datadog", keys(datadog.base_url) | {"api-key": "revoked"})
    taken = await take({"query": "q"}, credentials_in(tmp_path))
    assert taken.measurement.message == (
        'received authentication error response code: 403 {"errors": ["Forbidden"]}'
    )


async def test_a_5xx_is_retryable(
    datadog: FakeDatadog, secrets: Path, http: httpx.AsyncClient
) -> None:
    datadog.answer(V1, Reply(status=503, body="busy"))
    provider = DatadogProvider({"query": "q"}, http=http)
    with pytest.raises(UnavailableError) as caught:
        await provider.measure(
            MeasureContext(
                now=datetime(2026, 1, 1, tzinfo=UTC),
                metric_name="m",
                credentials=credentials_in(secrets),
            )
        )
    assert (str(caught.value), caught.value.status) == (
        "received non 2xx response code: 503 busy",
        503,
    )


# ---- Go's reading of odd answers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "result", "value"),
    [
        pytest.param('{"series":[{"pointlist":[[1,null]]}]}', 0.0, "0", id="null-point-is-0"),
        pytest.param('{"SERIES":[{"Pointlist":[[1,2]]}]}', 2.0, "2", id="keys-fold-case"),
        pytest.param("{}", None, "null", id="no-series-key"),
        pytest.param('{"series":[{}]}', None, '[{"pointlist":null}]', id="no-pointlist"),
        pytest.param('{"series":[{"pointlist":[[1,1e21]]}]}', 1e21, "1" + "0" * 21, id="big"),
        pytest.param('{"series":[{"pointlist":[[1,1e-7]]}]}', 1e-7, "0.0000001", id="small"),
        pytest.param(
            '{"series":[{"pointlist":[]},{"pointlist":[[1,1e21]]}]}',
            None,
            '[{"pointlist":[]},{"pointlist":[[1,1e+21]]}]',
            id="first-series-empty-rest-as-go-json",
        ),
    ],
)
def test_v1_answers(body: str, result: float | None, value: str) -> None:
    answer = read_v1(body.encode())
    assert (answer.result, answer.value) == (result, value)


def test_v2_more_than_100_groups_keep_both_extremes_sorted() -> None:
    names = [f"<g{i}>" for i in range(150)]
    values = [float((i * 37) % 150) for i in range(150)]
    columns = [
        {"type": "group", "values": [[n] for n in names]},
        {"type": "number", "values": values},
    ]
    answer = read_v2(json.dumps({"data": {"attributes": {"columns": columns}}}).encode())
    assert len(answer.result) == 150
    assert answer.metadata["groups_truncated"] == "true"
    kept = json.loads(answer.metadata["groups"])
    assert [g["value"] for g in kept] == [*range(50), *range(100, 150)]
    assert "\\u003cg0\\u003e" in answer.metadata["groups"]  # Go's JSON escapes < and >


async def test_a_large_answer_is_read_whole(datadog: FakeDatadog, secrets: Path) -> None:
    count = 5000  # about 100 KB: read off the event loop
    columns = [
        {"name": "host", "type": "group", "values": [[f"host-{i}"] for i in range(count)]},
        {"name": "q", "type": "number", "values": [i / 1000 for i in range(count)]},
    ]
    datadog.answer(V2, Reply(body=json.dumps({"data": {"attributes": {"columns": columns}}})))
    taken = await take(V2_BLOCK, credentials_in(secrets), success="max(result) < 5")
    assert taken.measurement.phase is Phase.SUCCESSFUL
    assert len(taken.result) == count
    assert taken.measurement.value.endswith(",4.998,4.999]")
    assert taken.metadata is not None
    assert taken.metadata["groups_truncated"] == "true"


# ---- the engine around it ----------------------------------------------------------------------

TEMPLATE = """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {{name: dd, namespace: team-a}}
spec:
  metrics:
  - name: m
    count: 1
    successCondition: default(result, 0) < 1
    provider:
      datadog: {block}
"""


async def run_once(block: dict[str, Any], secrets: Path) -> Any:
    """A run measured once by the engine, the check at submission skipped (a stored run)."""
    document = TEMPLATE.format(block=json.dumps(block))
    run = build_run(read_documents([("t", document)]), args=[], namespace="team-a")
    async with httpx.AsyncClient() as http:
        source, _ = provider_cache(lambda b: registry.build(b, http=http))
        runner = Runner(
            clock=VirtualClock(datetime(2026, 1, 1, tzinfo=UTC)),
            providers=source,
            credentials=credentials_in(secrets),
        )
        run, _ = await runner.reconcile(run)
    return run.status.metric_results[0].measurements[0]


async def test_a_block_argo_errors_on_is_an_error_measurement(secrets: Path) -> None:
    measurement = await run_once({"apiVersion": "v1", "queries": {"a": "q"}}, secrets)
    assert measurement.phase is Phase.ERROR
    assert measurement.message == (
        "Query is empty. API Version v1 only supports using the query parameter in your "
        "Analysis Template."
    )


async def test_keys_an_upstream_echoes_are_never_stored(
    datadog: FakeDatadog, secrets: Path
) -> None:
    datadog.answer(V1, Reply(status=400, body=f"bad key {API_KEY} for app {APP_KEY}"))
    measurement = await run_once({"query": "q"}, secrets)
    assert measurement.message == "received non 2xx response code: 400 bad key ***** for app *****"
