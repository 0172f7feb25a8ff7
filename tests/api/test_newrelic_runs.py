"""A New Relic metric run by `augur serve` (in process): the scheduler reads the `newrelic`
Secret from augur's own namespace's folder, not the run's, stores Argo's
`ResolvedNewRelicQuery` on the metric's result, and never the API key, even when NerdGraph
echoes it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Serve
from tests.fakes.newrelic import FakeNerdGraph, errors_reply, results_reply
from tests.providers.token_runs import write_secret
from tests.support.waiting import wait_for_async, wait_run_async

KEY = "NRAK-served-0123456789"
RUNS = "/api/v1/namespaces/shop/analysisruns"
QUERY = "SELECT percentage(count(*), WHERE error IS false) AS ok FROM Transaction"


@pytest.fixture
def nerdgraph() -> Iterator[FakeNerdGraph]:
    with FakeNerdGraph({KEY: {77}}) as fake:
        yield fake


@pytest.fixture
def secrets(tmp_path: Path, nerdgraph: FakeNerdGraph) -> Path:
    folder = tmp_path / "secrets"
    url = f"{nerdgraph.url}/graphql"
    write_secret(
        folder / "augur",
        "newrelic",
        {"personal-api-key": KEY, "account-id": "77", "base-url-nerdgraph": url},
    )
    write_secret(folder / "shop", "newrelic", {"personal-api-key": "the run's own: not read"})
    return folder


def run(name: str) -> dict[str, Any]:
    metric = {
        "name": "ok-rate",
        "successCondition": "result.ok >= 99",
        "provider": {"newRelic": {"query": QUERY}},
    }
    return {"name": name, "spec": {"metrics": [metric]}}


async def test_a_served_run_reads_augurs_namespace_and_keeps_argos_metadata(
    serve: Serve, nerdgraph: FakeNerdGraph, secrets: Path
) -> None:
    nerdgraph.script(results_reply([{"ok": 99.5}]))
    async with serve(secrets_dir=secrets, namespace="augur") as client:
        reply = await client.post(RUNS, json=run("nr"))
        assert reply.status_code == 201, reply.text
        done = await wait_run_async(client, "nr", namespace="shop")
    (result,) = done["status"]["metricResults"]
    assert done["status"]["phase"] == "Successful"
    assert result["metadata"] == {"ResolvedNewRelicQuery": QUERY}
    assert result["measurements"][0]["value"] == '{"ok":99.5}'


async def test_the_key_is_never_served(
    serve: Serve, nerdgraph: FakeNerdGraph, secrets: Path
) -> None:
    nerdgraph.script(errors_reply(f"key {KEY} may not read account 77"))
    async with serve(secrets_dir=secrets, namespace="augur") as client:
        assert (await client.post(RUNS, json=run("nr-echo"))).status_code == 201
        served = await wait_for_async(
            lambda: client.get(f"{RUNS}/nr-echo"),
            lambda reply: "measurements" in reply.text,
            timeout=10,
            describe=lambda reply: reply.text,
        )
    measurement = served.json()["status"]["metricResults"][0]["measurements"][0]
    assert measurement["message"] == "key ***** may not read account 77"
    assert KEY not in served.text
