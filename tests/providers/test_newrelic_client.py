"""New Relic beyond Argo's vectors: newrelic-client-go's retries and error texts, the profile
Secret's regions and URLs, the environment, the request body and the value's Go JSON, each
against the NerdGraph fake (tests/fakes/newrelic.py) reached by its real names over TLS."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.base import MeasureContext, Measured
from providers.errors import ConfigError, ProviderError
from providers.newrelic import REGIONS, NewRelicProvider, read_account
from tests.fakes.newrelic import FakeNerdGraph, errors_reply, results_reply
from tests.fakes.upstream import Reply
from tests.providers.token_runs import START, credentials_in, write_secret
from tests.support.routed import routed_client
from tests.support.tls import self_signed

API_KEY = "NRAK-client-tests-0123456789"
ACCOUNT = 4242
URL = "https://api.newrelic.com/graphql"
HOSTS = ("api.newrelic.com", "api.eu.newrelic.com", "nerdgraph.proxy.test")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"), *HOSTS)


@pytest.fixture(scope="module")
def server(certificate: tuple[Path, Path]) -> Iterator[FakeNerdGraph]:
    with FakeNerdGraph({API_KEY: {ACCOUNT}}, tls=certificate) as fake:
        yield fake


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


class Waits:
    """Stands in for asyncio.sleep: records each wait instead of waiting."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


async def measure(
    http: httpx.AsyncClient,
    secrets: Path,
    waits: Waits | None = None,
    environ: dict[str, str] | None = None,
    **config: Any,
) -> Measured:
    provider = NewRelicProvider(
        {"query": "SELECT count(*) FROM Transaction", **config},
        http=http,
        sleep=waits or Waits(),
    )
    ctx = MeasureContext(now=START, metric_name="m", credentials=credentials_in(secrets, environ))
    return await provider.measure(ctx)


BODY_503 = Reply(status=503, body="busy", content_type="text/plain")


@pytest.mark.parametrize(
    ("replies", "message", "waits", "sent"),
    [
        pytest.param(
            [BODY_503], f"POST {URL} giving up after 4 attempt(s)", [1, 2, 4], 4, id="503-x4"
        ),
        pytest.param(
            [Reply(status=429, body="{}", headers=(("Retry-After", "3"),))],
            f"POST {URL} giving up after 4 attempt(s)",
            [3, 3, 3],
            4,
            id="429-retry-after",
        ),
        pytest.param(
            [Reply(status=429, body="{}", headers=(("Retry-After", "3600"),))],
            f"POST {URL} giving up after 4 attempt(s)",
            [30, 30, 30],
            4,
            id="retry-after-capped",
        ),
        pytest.param(
            [errors_reply("slow down", errorClass="TOO_MANY_REQUESTS")],
            f"POST {URL} giving up after 4 attempt(s): TOO_MANY_REQUESTS",
            [1, 2, 4],
            4,
            id="too-many-requests-in-a-200",
        ),
        pytest.param(
            [errors_reply("NRQL timed out", errorClass="TIMEOUT")],
            "maximum retries reached: NRQL timed out",
            [1, 2, 4],
            4,
            id="graphql-timeout",
        ),
        pytest.param(
            [Reply(status=501, body="{}")], "501 response returned", [], 1, id="501-not-retried"
        ),
        pytest.param([Reply(status=404, body="{}")], "resource not found", [], 1, id="404"),
        pytest.param([Reply(status=402, body="{}")], "Payment Required", [], 1, id="402"),
        pytest.param(
            [errors_reply("Bad NRQL", status=400)],
            "400 response returned: Bad NRQL",
            [],
            1,
            id="400-with-errors",
        ),
        pytest.param(
            [errors_reply("Unknown function", "Bad facet")],
            "Unknown function, Bad facet",
            [],
            1,
            id="errors-joined",
        ),
        pytest.param(
            [Reply(status=200, body="<html>maintenance</html>", content_type="text/html")],
            "invalid character '<' looking for beginning of value",
            [],
            1,
            id="not-json",
        ),
    ],
)
async def test_retries_and_errors(
    server: FakeNerdGraph,
    http: httpx.AsyncClient,
    secrets: Path,
    replies: list[Reply],
    message: str,
    waits: list[float],
    sent: int,
) -> None:
    server.script(*replies)
    recorded = Waits()
    with pytest.raises(ProviderError) as caught:
        await measure(http, secrets, recorded)
    assert str(caught.value) == message
    assert (recorded.seconds, len(server.requests)) == (waits, sent)


async def test_a_retry_that_succeeds(
    server: FakeNerdGraph, http: httpx.AsyncClient, secrets: Path
) -> None:
    server.script(
        BODY_503, errors_reply("busy", errorClass="SERVER_ERROR"), results_reply([{}, {}])
    )
    recorded = Waits()
    measured = await measure(http, secrets, recorded)
    assert (measured.result, measured.value) == ([{}, {}], "[{},{}]")
    assert (recorded.seconds, len(server.requests)) == ([1, 1], 3)


async def test_a_bad_key_is_refused_as_newrelic_client_go_says(
    server: FakeNerdGraph, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    write_secret(tmp_path, "newrelic", {"personal-api-key": "wrong", "account-id": "1"})
    with pytest.raises(ProviderError) as caught:
        await measure(http, tmp_path)
    assert str(caught.value) == (
        "401 response returned: Invalid credentials provided. Missing API key or an invalid "
        "API key was provided."
    )


async def test_a_key_with_a_newline_is_refused_without_showing_it(
    server: FakeNerdGraph, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """As `echo key > file` leaves it: Go refuses the header (and retries), naming only it."""
    write_secret(tmp_path, "newrelic", {"personal-api-key": API_KEY + "\n", "account-id": "1"})
    server.script(results_reply([{"n": 1}]))
    recorded = Waits()
    with pytest.raises(ProviderError) as caught:
        await measure(http, tmp_path, recorded)
    assert str(caught.value) == (
        f'POST {URL} giving up after 4 attempt(s): Post "{URL}": net/http: invalid header '
        'field value for "Api-Key"'
    )
    assert (recorded.seconds, server.requests) == ([1, 2, 4], [])


async def test_an_unreachable_nerdgraph(tmp_path: Path) -> None:
    write_secret(
        tmp_path,
        "newrelic",
        {
            "personal-api-key": API_KEY,
            "account-id": "1",
            "base-url-nerdgraph": "http://127.0.0.1:9/",
        },
    )
    recorded = Waits()
    async with httpx.AsyncClient() as http:
        with pytest.raises(ProviderError) as caught:
            await measure(http, tmp_path, recorded)
    assert str(caught.value).startswith(
        'POST http://127.0.0.1:9 giving up after 4 attempt(s): Post "http://127.0.0.1:9": '
        "ConnectError: "
    )
    assert recorded.seconds == [1, 2, 4]


@pytest.mark.parametrize(
    ("query", "sent"),
    [
        pytest.param(
            "SELECT count(*) WHERE a < 1 & b > 2", r"a \u003c 1 \u0026 b \u003e 2", id="html"
        ),
        pytest.param("SELECT 'é'", "SELECT 'é'", id="utf-8-kept"),
    ],
)
async def test_the_body_is_go_json(
    server: FakeNerdGraph, http: httpx.AsyncClient, secrets: Path, query: str, sent: str
) -> None:
    server.script(results_reply([{"count": 1}]))
    await measure(http, secrets, query=query)
    raw = server.requests[0].body.decode()
    assert sent in raw
    assert json.loads(raw)["variables"] == {"accountId": ACCOUNT, "query": query, "timeout": 5}


@pytest.mark.parametrize(
    ("rows", "value"),
    [
        pytest.param([{"count": 10.0}], '{"count":10}', id="integral-float"),
        pytest.param([{"b": 1e21, "a": 1e-7}], '{"a":1e-7,"b":1e+21}', id="exponents-sorted"),
        pytest.param([{"name": "<a&b>"}], r'{"name":"\u003ca\u0026b\u003e"}', id="html-escaped"),
        pytest.param(
            [{"facet": ["a", "b"], "p": {"95": 0.5}}],
            '{"facet":["a","b"],"p":{"95":0.5}}',
            id="nested",
        ),
        pytest.param([{"x": 1}, None], '[{"x":1},null]', id="a-null-row-in-a-list"),
    ],
)
async def test_the_value_is_go_json(
    server: FakeNerdGraph, http: httpx.AsyncClient, secrets: Path, rows: Any, value: str
) -> None:
    server.script(results_reply(rows))
    assert (await measure(http, secrets)).value == value


@pytest.mark.parametrize(
    ("secret", "environ", "url", "service"),
    [
        pytest.param({}, {}, REGIONS["us"], "newrelic-client-go", id="default-us"),
        pytest.param({"region": "EU"}, {}, REGIONS["eu"], "newrelic-client-go", id="eu-any-case"),
        pytest.param({"region": "fedramp"}, {}, REGIONS["gov"], "newrelic-client-go", id="fedramp"),
        pytest.param({"region": "mars"}, {}, REGIONS["us"], "newrelic-client-go", id="unknown-us"),
        pytest.param(
            {"region": "eu"},
            {"NEW_RELIC_NERDGRAPH_BASE_URL": "https://nerdgraph.proxy.test/graphql/"},
            "https://nerdgraph.proxy.test/graphql",
            "newrelic-client-go",
            id="environment-url",
        ),
        pytest.param(
            {"base-url-nerdgraph": "https://nerdgraph.proxy.test/q"},
            {"NEW_RELIC_NERDGRAPH_BASE_URL": "https://ignored.test/graphql"},
            "https://nerdgraph.proxy.test/q",
            "newrelic-client-go",
            id="secret-url-wins",
        ),
        pytest.param(
            {},
            {"NEW_RELIC_SERVICE_NAME": "rollouts"},
            REGIONS["us"],
            "rollouts|newrelic-client-go",
            id="service-name",
        ),
    ],
)
def test_where_the_account_is_asked(
    tmp_path: Path, secret: dict[str, str], environ: dict[str, str], url: str, service: str
) -> None:
    write_secret(tmp_path, "nr", {"personal-api-key": "k", "account-id": "7", **secret})
    account = read_account(credentials_in(tmp_path, environ), "nr")
    assert (account.account_id, account.url, account.service) == (7, url, service)
    assert "k" not in repr(account)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        pytest.param(
            {"personal-api-key": "k", "account-id": "1", "base-url-nerdgraph": ""},
            "nerdgraph base URL can not be empty",
            id="empty-url",
        ),
        pytest.param(
            {"personal-api-key": "k", "account-id": "99999999999999999999"},
            'could not parse account ID: strconv.Atoi: parsing "99999999999999999999": '
            "value out of range",
            id="account-out-of-range",
        ),
        pytest.param(
            {"personal-api-key": "", "account-id": "1"},
            "account ID or personal API key not found",
            id="empty-key",
        ),
        pytest.param(
            {"region": "eu"},
            "account ID or personal API key not found",
            id="secret-without-the-keys",
        ),
        pytest.param(
            {},
            'secrets "nr" not found in augur\'s namespace (it holds keys personal-api-key, '
            "account-id)",
            id="no-secret",
        ),
    ],
)
def test_what_is_wrong_with_the_profile(
    tmp_path: Path, secret: dict[str, str], message: str
) -> None:
    write_secret(tmp_path, "nr", secret)
    with pytest.raises(ConfigError) as caught:
        read_account(credentials_in(tmp_path), "nr")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param({"timeout": -1}, "timeout value needs to be a positive value", id="negative"),
        pytest.param(
            {"timeout": "5"},
            "newRelic: timeout must be a whole number of seconds, got '5'",
            id="timeout-text",
        ),
        pytest.param(
            {"query": None}, "newRelic: query is required (the NRQL to run)", id="no-query"
        ),
        pytest.param(
            {"profiles": "x"},
            "newRelic: unknown field(s) profiles; known: profile, query, timeout",
            id="misspelt",
        ),
    ],
)
def test_blocks_that_can_never_work(
    http: httpx.AsyncClient, config: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        NewRelicProvider({"query": "SELECT 1", **config}, http=http)
    assert str(caught.value) == message
