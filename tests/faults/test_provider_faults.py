"""Provider faults through the real server loop: `augur serve` (a subprocess, SQLite store) measures
runs against loopback upstreams that time out, reset, hang up, truncate, answer HTML or garbage,
storm with 503s, or return GraphQL errors.

Every case is its own run in ONE server, all started together, so the module takes as long as
its slowest case (~45 s: Argo waits 10 s after an Error, and the default consecutiveErrorLimit
of 4 needs five errors). Each case asserts: the stored measurements' phases in order, the exact
upstream reason in every Error measurement, the run's verdict with Argo's message, and seqs
1..n with nothing lost or repeated. Healthy runs beside them finish Successful, untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.fakes.fake_oap import FakeOAP, Fault
from tests.faults.reading import assert_complete_and_unique, stored_measurements, wait_ready
from tests.faults.upstream import Answer, FaultServer, Hangup, Reset, fault_server
from tests.support.servers import Served, augur_server
from tests.support.waiting import phase_of, wait_run

NAMESPACE = "faults"
SERVICE = "reviews"
OK = Answer(body='{"ok": true}')
S, E = "Successful", "Error"
QUERY = (
    "query q($duration: Duration!) { apdex: readMetricsValues(condition: {name: "
    f'"service_apdex", entity: {{scope: Service, serviceName: "{SERVICE}", normal: true}}}}, '
    "duration: $duration) { values { values { value } } } }"
)
APDEX_OK = "all(result.apdex.values.values, {asFloat(.value) >= 9900})"


@dataclass
class Upstreams:
    """The loopback upstreams of the module: one scripted server, fake OAPs by behaviour."""

    scripted: FaultServer
    oaps: dict[str, FakeOAP] = field(default_factory=dict)


#: A case's provider block and the URL its error messages name, built once upstreams exist.
Build = Callable[[Upstreams, str], tuple[dict[str, Any], str]]


def web(*steps: Answer | Reset | Hangup, **options: Any) -> Build:
    def build(up: Upstreams, case: str) -> tuple[dict[str, Any], str]:
        url = up.scripted.script(f"/{case}", steps)
        return {"web": {"url": url, **options}}, url

    return build


def skywalking_scripted(*steps: Answer | Reset | Hangup, **options: Any) -> Build:
    def build(up: Upstreams, case: str) -> tuple[dict[str, Any], str]:
        endpoint = up.scripted.script(f"/{case}/graphql", steps)
        address = up.scripted.url(f"/{case}")
        block = {"address": address, "query": QUERY, "interval": "5m", **options}
        return {"skywalking": block}, endpoint

    return build


def skywalking_oap(oap: str, **options: Any) -> Build:
    def build(up: Upstreams, case: str) -> tuple[dict[str, Any], str]:
        address = up.oaps[oap].url
        block = {"address": address, "query": QUERY, "interval": "5m", **options}
        return {"skywalking": block}, f"{address}/graphql"

    return build


def prometheus(*steps: Answer | Reset | Hangup) -> Build:
    def build(up: Upstreams, case: str) -> tuple[dict[str, Any], str]:
        url = up.scripted.script(f"/{case}/api/v1/query", steps)
        return {"prometheus": {"address": up.scripted.url(f"/{case}"), "query": "up"}}, url

    return build


@dataclass(frozen=True)
class Case:
    id: str
    provider: Build
    phases: list[str]  # every stored measurement's phase, in order
    verdict: str
    error: str = ""  # every Error measurement's message; regex, `{url}` is the upstream's URL
    limit: int | None = None  # consecutiveErrorLimit; None: Argo's default, 4
    count: int = 2
    condition: str = "result.ok == true"


HTML_502 = "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"
TIMEOUT_WEB = r'Get "{url}": context deadline exceeded \(timed out after 1s\)'
RESET_WEB = r'Get "{url}": ReadError: \[Errno 104\] Connection reset by peer'
STORM = r"received non 2xx response code: 503"

CASES = [
    # -- healthy neighbours: whatever the others do, these finish untouched -----------------
    Case("web-healthy", web(OK), [S, S, S], S, count=3),
    Case("skywalking-healthy", skywalking_oap("healthy"), [S, S], S, condition=APDEX_OK),
    # -- slow upstreams past the timeout ----------------------------------------------------
    Case(
        "web-timeout",
        web(Answer(body='{"ok": true}', delay=3), timeoutSeconds=1),
        [E, E],
        E,
        TIMEOUT_WEB,
        limit=1,
    ),
    Case(
        "web-timeout-then-fast",
        web(Answer(body='{"ok": true}', delay=3), OK, timeoutSeconds=1),
        [E, S, S],
        S,
        TIMEOUT_WEB,
        limit=1,
    ),
    Case(
        "skywalking-timeout",
        skywalking_oap("slow", timeoutSeconds=1),
        [E, E],
        E,
        r'Post "{url}": timed out after 1s \(ReadTimeout\)',
        limit=1,
        condition=APDEX_OK,
    ),
    # -- connections that break -------------------------------------------------------------
    Case("web-reset", web(Reset()), [E, E], E, RESET_WEB, limit=1),
    Case("web-reset-once", web(Reset(), OK), [E, S, S], S, RESET_WEB, limit=1),
    Case(
        "web-hangup",
        web(Hangup()),
        [E, E],
        E,
        r'Get "{url}": RemoteProtocolError: Server disconnected without sending a response\.',
        limit=1,
    ),
    Case(
        "skywalking-reset",
        skywalking_scripted(Reset()),
        [E, E],
        E,
        r'Post "{url}": ReadError: \[Errno 104\] Connection reset by peer',
        limit=1,
        condition=APDEX_OK,
    ),
    # -- bodies that are cut short or are not JSON ------------------------------------------
    Case(
        "web-truncated-body",
        web(Answer(body='{"ok": true}', declared=100)),
        [E, E],
        E,
        r'Get "{url}": RemoteProtocolError: peer closed connection without sending complete '
        r"message body \(received 12 bytes, expected 100\)",
        limit=1,
    ),
    Case(
        # Argo's web provider takes a body that is not JSON as a string result.
        "web-half-json",
        web(Answer(body='{"ok": tr')),
        [E, E],
        E,
        r'could not evaluate successCondition "result\.ok == true": type string has no field ok',
        limit=1,
    ),
    Case(
        "web-html-502",
        web(Answer(status=502, body=HTML_502, content_type="text/html")),
        [E, E],
        E,
        r"received non 2xx response code: 502",
        limit=1,
    ),
    Case(
        "skywalking-half-json",
        skywalking_scripted(Answer(body='{"data": {"apdex": {"val')),
        [E, E],
        E,
        r"decoding response: Unterminated string starting at: line 1 column 21 \(char 20\)",
        limit=1,
        condition=APDEX_OK,
    ),
    Case(
        "skywalking-html-502",
        skywalking_scripted(Answer(status=502, body=HTML_502, content_type="text/html")),
        [E, E],
        E,
        "skywalking: OAP answered 502 Bad Gateway: " + re.escape(HTML_502),
        limit=1,
        condition=APDEX_OK,
    ),
    Case(
        "prometheus-html-200",
        prometheus(Answer(body="<html>sign in</html>", content_type="text/html")),
        [E, E],
        E,
        r"bad_response: Expecting value: line 1 column 1 \(char 0\)",
        limit=1,
        condition="result[0] == 1",
    ),
    # -- GraphQL errors from the (fake) OAP -------------------------------------------------
    Case(
        "skywalking-graphql-errors",
        skywalking_oap("graphql"),
        [E, E],
        E,
        r"graphql: Metrics service_apdex is not found",
        limit=1,
        condition=APDEX_OK,
    ),
    # -- 5xx storms: within consecutiveErrorLimit the run goes on; past it, Error -------------
    Case(
        "web-storm-within-default-limit",
        web(OK, *[Answer(status=503, body="busy")] * 4, OK),
        [S, E, E, E, E, S, S],
        S,
        STORM,
        count=3,
    ),
    Case(
        "web-storm-past-default-limit",
        web(OK, Answer(status=503, body="busy")),
        [S, E, E, E, E, E],
        E,
        STORM,
        count=3,
    ),
    Case(
        "web-storm-past-custom-limit",
        web(Answer(status=503, body="busy")),
        [E, E, E],
        E,
        STORM,
        limit=2,
    ),
    Case(
        "web-storm-within-custom-limit",
        web(*[Answer(status=503, body="busy")] * 2, OK),
        [E, E, S, S],
        S,
        STORM,
        limit=2,
    ),
    Case(
        "skywalking-storm-ends",
        skywalking_oap("storm"),
        [E, E, S, S],
        S,
        r"skywalking: OAP answered 503 Service Unavailable: <h1>maintenance</h1>",
        limit=2,
        condition=APDEX_OK,
    ),
    Case(
        "prometheus-storm",
        prometheus(Answer(status=503, body="overloaded", content_type="text/plain")),
        [E, E],
        E,
        r"server_error: server error: 503",
        limit=1,
        condition="result[0] == 1",
    ),
]


def spec_of(case: Case, provider: dict[str, Any]) -> dict[str, Any]:
    metric: dict[str, Any] = {
        "name": "m",
        "interval": "1s",
        "count": case.count,
        "successCondition": case.condition,
        "provider": provider,
    }
    if case.limit is not None:
        metric["consecutiveErrorLimit"] = case.limit
    return {"metrics": [metric]}


@dataclass
class World:
    served: Served
    urls: dict[str, str]  # case id -> the URL its error messages name


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("faults")
    oaps = {name: FakeOAP() for name in ("healthy", "slow", "graphql", "storm")}
    for oap in oaps.values():
        oap.set_series(SERVICE, "service_apdex", 9950)
    oaps["slow"].set_fault(Fault(delay=3))
    oaps["graphql"].set_fault(Fault(errors=["Metrics service_apdex is not found"]))
    oaps["storm"].set_fault(Fault(status=503, body="<h1>maintenance</h1>", times=2))
    with fault_server() as scripted:
        for oap in oaps.values():
            oap.start()
        try:
            upstreams = Upstreams(scripted, oaps)
            store = f"sqlite+aiosqlite:///{tmp / 'augur.db'}"
            with augur_server(store_url=store, log=tmp / "augur.log") as served:
                wait_ready(served.base_url)
                urls = {}
                for case in CASES:
                    provider, urls[case.id] = case.provider(upstreams, case.id)
                    reply = httpx.post(
                        f"{served.base_url}/api/v1/namespaces/{NAMESPACE}/analysisruns",
                        json={"name": case.id, "spec": spec_of(case, provider)},
                        timeout=10,
                    )
                    assert reply.status_code == 201, reply.text
                yield World(served, urls)
        finally:
            for oap in oaps.values():
                oap.stop()


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_provider_fault(world: World, case: Case) -> None:
    base = world.served.base_url
    run = wait_run(base, case.id, namespace=NAMESPACE, timeout=80)
    stored = stored_measurements(base, NAMESPACE, case.id)
    assert [m["phase"] for m in stored] == case.phases, run["status"]
    error = case.error.replace("{url}", re.escape(world.urls[case.id]))
    for measurement in stored:
        if measurement["phase"] == E:
            assert re.fullmatch(error, measurement.get("message", "")), measurement
        else:
            assert not measurement.get("message"), measurement
    assert phase_of(run) == case.verdict, run["status"]
    message = run["status"].get("message", "")
    if case.verdict == E:
        healthy = [i + 1 for i, phase in enumerate(case.phases) if phase != E]
        errors = len(case.phases) - max(healthy, default=0)  # the consecutive ones at the end
        limit = 4 if case.limit is None else case.limit
        assert message == (
            f'Metric "m" assessed Error due to consecutiveErrors ({errors}) > '
            f'consecutiveErrorLimit ({limit}): "Error Message: {stored[-1]["message"]}"'
        )
    else:
        assert not message
    assert_complete_and_unique(run, stored)


def test_the_server_survived_every_fault(world: World) -> None:
    """After every case has finished (this test may run first on its worker, with a world of
    its own): the loop never crashed, nothing was left running."""
    base = world.served.base_url
    for case in CASES:
        wait_run(base, case.id, namespace=NAMESPACE, timeout=80)
    assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
    assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200
    listing = httpx.get(f"{base}/api/v1/namespaces/{NAMESPACE}/analysisruns", timeout=10).json()
    assert {item["metadata"]["name"]: phase_of(item) for item in listing["items"]} == {
        case.id: case.verdict for case in CASES
    }
    metrics = httpx.get(f"{base}/metrics", timeout=10).text
    errors = sum(case.phases.count(E) for case in CASES)
    found = re.findall(r'augur_measurements_total\{phase="Error",provider="\w+"\} (\S+)', metrics)
    assert sum(float(value) for value in found) == errors
    logs = world.served.logs()
    assert "Traceback" not in logs
    assert "the pass failed" not in logs
    assert world.served.proc.poll() is None
