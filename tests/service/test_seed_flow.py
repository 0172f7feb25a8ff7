"""The seed flow over HTTP, as the README walks it: store the apdex template, start a run for the
canary, watch it, read the verdict; against the schema-validating fake OAP, on SQLite and on a
real PostgreSQL. The template is the seed's, with a 1 s interval so the test takes seconds."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest
import yaml

from tests.fakes.fake_oap import FakeOAP, seed_demo
from tests.support.servers import REPO, augur_server
from tests.support.waiting import wait_run

SEED = REPO / "examples" / "skywalking-apdex.yaml"
CANARY = "canary|reviews|bookinfo|cp-cluster-1|-"
SECRET = "planted-oap-password-5d1e"


def seed_template() -> str:
    document = yaml.safe_load(SEED.read_text())
    metric = document["spec"]["metrics"][0]
    metric["interval"], metric["count"] = "1s", 4
    # The OAP sits behind basic auth whose password comes from a mounted Secret.
    document["spec"]["args"].append(
        {"name": "oap-password", "valueFrom": {"secretKeyRef": {"name": "oap", "key": "password"}}}
    )
    metric["provider"]["skywalking"]["authentication"] = {
        "basicAuth": {"username": "augur", "password": "{{args.oap-password}}"}
    }
    return yaml.safe_dump(document)


def mount_secret(folder: Path, key: str, value: str) -> None:
    """A Secret as the kubelet mounts it: each key a link into `..data`, itself a link to the
    timestamped folder holding the files."""
    (folder / "..2026_12_05_10_00_00.000000001").mkdir(parents=True)
    (folder / "..2026_12_05_10_00_00.000000001" / key).write_text(value)
    (folder / "..data").symlink_to("..2026_12_05_10_00_00.000000001")
    (folder / key).symlink_to(f"..data/{key}")


@pytest.mark.parametrize(
    ("canary", "verdict"),
    [
        pytest.param("healthy", "Successful", id="healthy"),
        pytest.param("degraded", "Failed", id="degraded"),
    ],
)
def test_seed_flow(store_url: str, tmp_path: Path, canary: str, verdict: str) -> None:
    # The run's namespace's folder (AUGUR_SECRETS_LAYOUT=namespaced, the default).
    mount_secret(tmp_path / "secrets" / "bookinfo" / "oap", "password", SECRET)
    oap = FakeOAP()
    seed_demo(oap, canary=canary)
    env = {"AUGUR_SECRETS_DIR": str(tmp_path / "secrets")}
    with (
        oap,
        augur_server(
            store_url=store_url, log=tmp_path / "server.log", env=env, ready=True
        ) as served,
    ):
        api = f"{served.base_url}/api/v1/namespaces/bookinfo"
        put = httpx.put(
            f"{api}/analysistemplates/apdex",
            content=seed_template(),
            headers={"Content-Type": "application/yaml"},
            timeout=10,
        )
        assert put.status_code == 201, put.text
        start = httpx.post(
            f"{api}/analysisruns",
            json={
                "name": "reviews-canary",
                "templates": [{"templateName": "apdex"}],
                "args": [
                    {"name": "service-name", "value": CANARY},
                    {"name": "oap-address", "value": oap.url},
                ],
            },
            timeout=10,
        )
        assert start.status_code == 201, start.text
        run = wait_run(served.base_url, "reviews-canary", namespace="bookinfo", timeout=60)
        assert run["status"]["phase"] == verdict, run["status"]
        # The password went to the OAP (basic auth) and nowhere else.
        expected = "Basic " + base64.b64encode(f"augur:{SECRET}".encode()).decode()
        assert {r.headers.get("authorization") for r in oap.requests} == {expected}
        listing = httpx.get(f"{served.base_url}/api/v1/analysisruns", timeout=10).text
        metrics = httpx.get(f"{served.base_url}/metrics", timeout=10).text
        logs = served.logs()
    for text in (str(run), listing, metrics, logs):
        assert SECRET not in text
