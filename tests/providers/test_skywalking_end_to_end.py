"""The seed template as a user runs it, over the real CLI (a child process) and a real
`augur serve`, against the schema-validating fake OAP: a mistyped TSB service name is an Error
that says "no data" and names the service, never a Failed canary of zeros; a minute the OAP has
not aggregated yet cannot fail the canary (unless `noData: argo` asks for Argo's zeros); a
typo'd field is refused before anything runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.fakes.fake_oap import FakeOAP, seed_demo
from tests.support.servers import REPO, augur_server
from tests.support.waiting import wait_run

SEED = REPO / "examples" / "skywalking-apdex.yaml"
TYPO = "reviews|bookinfo|cp-cluster-1|-"  # the subset (canary|) left out: no such service
PARTIAL = "partial|reviews|bookinfo|cp-cluster-1|-"
NO_DATA = f'no data from SkyWalking for metric service_apdex of service "{TYPO}" between '


@pytest.fixture(scope="module")
def oap() -> Any:
    """The demo's services, plus one whose newest minute the OAP has not aggregated yet."""
    with FakeOAP() as fake:
        seed_demo(fake)
        fake.set_series(PARTIAL, "service_apdex", [9950] * 5 + [None])
        yield fake


def seed(tmp_path: Path, **provider: Any) -> Path:
    document = yaml.safe_load(SEED.read_text())
    document["spec"]["metrics"][0]["provider"]["skywalking"].update(provider)
    path = tmp_path / "apdex.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def augur(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True, check=False
    )


def run_seed(template: Path, service: str, oap: FakeOAP) -> tuple[int, dict[str, Any]]:
    done = augur(
        "run",
        "-f",
        str(template),
        "-a",
        f"service-name={service}",
        "-a",
        f"oap-address={oap.url}",
        "--virtual-time",
        "-o",
        "json",
    )
    return done.returncode, json.loads(done.stdout)


def measurements(run: dict[str, Any]) -> list[dict[str, Any]]:
    (metric,) = run["status"]["metricResults"]
    return list(metric["measurements"])


def test_a_mistyped_service_is_an_error_saying_no_data(oap: FakeOAP) -> None:
    code, run = run_seed(SEED, TYPO, oap)
    assert (code, run["status"]["phase"]) == (2, "Error")
    taken = measurements(run)
    assert len(taken) == 5, "consecutiveErrorLimit (4) decides, not failureLimit"
    assert {m["phase"] for m in taken} == {"Error"}
    for measurement in taken:
        assert measurement["message"].startswith(NO_DATA)
        assert measurement["message"].endswith(
            ": all 6 points are empty (field service_apdex: readMetricsValues)"
        )
    assert run["status"]["message"].startswith(
        'Metric "apdex" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): '
        f'"Error Message: {NO_DATA}'
    )


@pytest.mark.parametrize(
    ("provider", "code", "phase"),
    [
        pytest.param({}, 0, "Successful", id="augur-leaves-the-empty-minute-out"),
        pytest.param({"noData": "argo"}, 1, "Failed", id="argo-judges-its-zero"),
    ],
)
def test_a_partial_newest_minute(
    oap: FakeOAP, tmp_path: Path, provider: dict[str, Any], code: int, phase: str
) -> None:
    returned, run = run_seed(seed(tmp_path, **provider), PARTIAL, oap)
    assert (returned, run["status"]["phase"]) == (code, phase)
    values = {m["value"] for m in measurements(run)}
    kept = ",".join(['{"value":9950}'] * 5)
    last = ',{"value":0}' if provider else ""
    assert values == {f'{{"service_apdex":{{"label":null,"values":{{"values":[{kept}{last}]}}}}}}'}


def with_a_typod_field() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SEED.read_text())
    block = document["spec"]["metrics"][0]["provider"]["skywalking"]
    block["query"] = block["query"].replace("{ value }", "{ valeu }")
    return document


TYPOD_FIELD = (
    "skywalking: query does not follow SkyWalking's query protocol: Cannot query field 'valeu' "
    "on type 'KVInt'. Did you mean 'value'? (line 5, column 29)"
)


def test_validate_names_a_typod_field(tmp_path: Path) -> None:
    template = tmp_path / "typo.yaml"
    template.write_text(yaml.safe_dump(with_a_typod_field()))
    done = augur("validate", "-f", str(template), "-a", f"service-name={TYPO}")
    assert done.returncode == 64
    assert f"spec.metrics[0].provider: {TYPOD_FIELD}" in done.stderr


def start_run(api: str, name: str, what: dict[str, Any], args: dict[str, str]) -> httpx.Response:
    listed = [{"name": key, "value": value} for key, value in args.items()]
    return httpx.post(
        f"{api}/analysisruns", json={"name": name, **what, "args": listed}, timeout=10
    )


def test_a_mistyped_service_through_augur_serve(oap: FakeOAP, tmp_path: Path) -> None:
    document = yaml.safe_load(SEED.read_text())
    metric = document["spec"]["metrics"][0]
    metric["interval"], metric["consecutiveErrorLimit"] = "1s", 1
    store = f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}"
    with augur_server(store_url=store, log=tmp_path / "server.log", ready=True) as served:
        api = f"{served.base_url}/api/v1/namespaces/bookinfo"
        put = httpx.put(
            f"{api}/analysistemplates/apdex",
            content=yaml.safe_dump(document),
            headers={"Content-Type": "application/yaml"},
            timeout=10,
        )
        assert put.status_code == 201, put.text
        args = {"service-name": TYPO, "oap-address": oap.url}
        refused = start_run(api, "typod-field", {"spec": with_a_typod_field()["spec"]}, args)
        assert refused.status_code == 422, refused.text
        assert TYPOD_FIELD in refused.text
        started = start_run(api, "typo", {"templates": [{"templateName": "apdex"}]}, args)
        assert started.status_code == 201, started.text
        run = wait_run(served.base_url, "typo", namespace="bookinfo", timeout=60)
    assert run["status"]["phase"] == "Error"
    taken = measurements(run)
    assert [m["phase"] for m in taken] == ["Error", "Error"]
    assert all(m["message"].startswith(NO_DATA) for m in taken)
    assert run["status"]["message"].startswith(
        'Metric "apdex" assessed Error due to consecutiveErrors (2) > consecutiveErrorLimit (1): '
        f'"Error Message: {NO_DATA}'
    )
