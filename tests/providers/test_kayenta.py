"""Argo's kayenta provider: its 18 test cases replayed against a fake Kayenta, then the block.

Each vector (tests/data/argo-providers/vectors-kayenta.jsonl, from `kayenta_test.go`) lists the
HTTP exchanges Argo's `Run` or `Resume` makes; the fake Kayenta (tests/fakes/kayenta.py) plays
them in order, refusing any request Kayenta would refuse or the script does not expect. The
provider must send exactly those requests and end where Argo's does: in flight with the
execution id and a poll 15 s later, or a phase from the score's thresholds, or Argo's error text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.base import InFlight, MeasureContext, Measured
from providers.errors import ConfigError, ProviderError
from providers.kayenta import KayentaProvider, phase_of_score
from tests.fakes.kayenta import Exchange, FakeKayenta, fake_kayenta

DATA = Path(__file__).resolve().parents[1] / "data" / "argo-providers" / "vectors-kayenta.jsonl"
VECTORS = [json.loads(line) for line in DATA.read_text().splitlines()]
HOST = "https://kayenta.example.oom"
#: The vectors' "now": their windows end here.
NOW = datetime(2019, 3, 29, 1, 38, 34, tzinfo=UTC)


@pytest.fixture(scope="module")
def kayenta_server() -> Iterator[FakeKayenta]:
    with fake_kayenta() as fake:
        yield fake


def context(vector: dict[str, Any]) -> MeasureContext:
    started = vector.get("run_status_startedAt")
    return MeasureContext(
        now=NOW,
        metric_name="kayenta",
        interval=vector.get("metric_interval") or "",
        run_started_at=datetime.fromisoformat(started) if started else None,
    )


async def play(
    vector: dict[str, Any], fake: FakeKayenta, http: httpx.AsyncClient
) -> Measured | InFlight | ProviderError:
    fake.play(
        *(
            Exchange(
                e["method"],
                e["url"].removeprefix(HOST),
                e["response"]["status"],
                e["response"]["body"] or "",
            )
            for e in vector["exchanges"]
        )
    )
    provider = KayentaProvider({**vector["provider_config"], "address": fake.base_url}, http=http)
    try:
        if vector["method_called"] == "Run":
            return await provider.measure(context(vector))
        metadata = vector["measurement_in"]["metadata"]
        return await provider.resume(context(vector), metadata)
    except ProviderError as exc:
        return exc


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
async def test_argos_cases(
    vector: dict[str, Any], kayenta_server: FakeKayenta, http: httpx.AsyncClient
) -> None:
    got = await play(vector, kayenta_server, http)
    assert kayenta_server.problems == []
    sent = kayenta_server.requests
    expect = vector["request_expect"]
    targets = [(r.method, r.path + (f"?{r.query}" if r.query else "")) for r in sent]
    assert targets == [(e["method"], e["url"].removeprefix(HOST)) for e in expect]
    for request, wanted in zip(sent, expect, strict=True):
        body = wanted.get("json_body_expect")
        if body is not None and "regexp" in body:
            assert all(re.search(pattern, request.body.decode()) for pattern in body["regexp"])
        elif body is not None:
            assert request.headers["content-type"] == "application/json"
            assert json.loads(request.body) == body
    expected = vector["expected"]
    if expected["phase"] == "Error":
        assert isinstance(got, ProviderError)
        assert str(got) == expected["message"]
    elif expected["phase"] == "Running":
        assert isinstance(got, InFlight)
        assert got.metadata == {"canaryExecutionId": "01DS50WVHAWSTAQACJKB1VKDQB"}
        assert got.resume_at == NOW + timedelta(seconds=15)
    else:
        assert isinstance(got, Measured)
        assert (got.phase, got.value) == (expected["phase"], expected["value"])
        assert got.metadata == vector["measurement_in"]["metadata"]


def test_every_vector_is_played() -> None:
    assert len(VECTORS) == 18


async def test_the_poll_interval_is_the_hosts(
    kayenta_server: FakeKayenta, http: httpx.AsyncClient
) -> None:
    vector = next(v for v in VECTORS if v["name"].startswith("complete=false"))
    kayenta_server.play(
        Exchange("GET", "/canary/abc", 200, '{"complete": false}'),
    )
    provider = KayentaProvider(
        {**vector["provider_config"], "address": kayenta_server.base_url}, http=http
    )
    ctx = MeasureContext(now=NOW, metric_name="m", poll_interval=timedelta(seconds=1))
    got = await provider.resume(ctx, {"canaryExecutionId": "abc"})
    assert got == InFlight(
        metadata={"canaryExecutionId": "abc"}, resume_at=NOW + timedelta(seconds=1)
    )


@pytest.mark.parametrize(
    ("score", "phase"),
    [
        (100, "Successful"),
        (90, "Successful"),
        (89, "Inconclusive"),
        (75, "Inconclusive"),
        (74, "Failed"),
    ],
    ids=["above-pass", "at-pass", "below-pass", "at-marginal", "below-marginal"],
)
def test_thresholds_decide_the_phase(score: int, phase: str) -> None:
    assert phase_of_score(score, passing=90, marginal=75) == phase


VALID = VECTORS[0]["provider_config"]


def without(key: str) -> dict[str, Any]:
    return {k: v for k, v in VALID.items() if k != key}


@pytest.mark.parametrize(
    ("block", "message"),
    [
        pytest.param(without("address"), "kayenta.address: is required", id="no-address"),
        pytest.param(without("threshold"), "kayenta.threshold: is required", id="no-threshold"),
        pytest.param(
            {**without("threshold"), "thresholds": {"pass": 90, "marginal": 75}},
            "kayenta.thresholds: is not a field of provider.kayenta; the field is threshold "
            "(singular): threshold: {pass: 90, marginal: 75}",
            id="argo-docs-thresholds",
        ),
        pytest.param(
            {**VALID, "interval": "5m"},
            "kayenta.interval: is not a field of provider.kayenta; interval belongs on the "
            "metric, beside provider, not in provider.kayenta",
            id="argo-docs-interval",
        ),
        pytest.param(
            {**VALID, "threshold": {"pass": "90", "marginal": 75}},
            "kayenta.threshold.pass: must be an integer, got str",
            id="pass-not-int",
        ),
        pytest.param(
            {**VALID, "scopes": [{"name": "default", "controlScope": {"scope": "a", "step": 60}}]},
            "kayenta.scopes[0].controlScope.region: is required",
            id="scope-without-region",
        ),
        pytest.param(
            {**VALID, "scopes": [{**VALID["scopes"][0], "experimentScope": None}]},
            "kayenta.scopes[0].experimentScope: is required",
            id="no-experiment-scope",
        ),
        pytest.param(
            {**VALID, "lookback": "yes"},
            "kayenta.lookback: must be true or false, got str",
            id="lookback-not-bool",
        ),
        pytest.param(
            {**VALID, "canaryConfig": "x"},
            "kayenta.canaryConfig: is not a field of provider.kayenta; known: address, "
            "application, canaryConfigName, configurationAccountName, lookback, "
            "metricsAccountName, scopes, storageAccountName, threshold",
            id="unknown-field",
        ),
    ],
)
def test_blocks_argos_crd_refuses_are_refused(
    block: dict[str, Any], message: str, http: httpx.AsyncClient
) -> None:
    with pytest.raises(ConfigError) as caught:
        KayentaProvider(block, http=http)
    assert str(caught.value) == message
