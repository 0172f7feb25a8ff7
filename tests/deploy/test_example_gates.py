"""The calls the examples make, sent to a real augur (in process, SQLite store) exactly as Argo
Rollouts and Flagger would make them: the Argo gate template's URL, headers and jsonBody with its
args filled in, and each Flagger webhook's URL and metadata in Flagger's payload. The seed template
is stored first, as docs/install.md says, with its OAP address pointed at a closed loopback port:
the scheduler's measurements fail fast (Error, retried) and the verdict stays Running.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from app.core.settings import Settings
from app.main import create_app
from tests.deploy.examples import EXAMPLES, TEMPLATE_ARGS, of_kind, resolve, templates
from tests.support.waiting import wait_ready_async

TOKEN = "write-token-for-the-examples-0123"
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens, a connection is refused


@pytest.fixture
async def augur(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        store_url=f"sqlite+aiosqlite:///{tmp_path}/augur.db",
        tokens=f"write:{TOKEN}",
        allowed_addresses="127.0.0.1:9",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://augur.augur:8080") as c:
            await wait_ready_async(c)
            seed = yaml.safe_load((EXAMPLES / "skywalking-apdex.yaml").read_text())
            for arg in seed["spec"]["args"]:
                if arg["name"] == "oap-address":
                    arg["value"] = NOWHERE  # no OAP here: measurements fail, verdicts wait
            stored = await c.put(
                "/api/v1/namespaces/bookinfo/analysistemplates/apdex",
                content=yaml.safe_dump(seed).encode(),
                headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/yaml"},
            )
            assert stored.status_code == 201, stored.text
            yield c


def argo_call() -> tuple[str, dict[str, str], bytes]:
    """URL, headers and body of the web metric, args resolved as Argo resolves them (the token
    arg comes from the Secret the template names)."""
    gate = templates()["augur-gate"]
    defaults = {a["name"]: a["value"] for a in gate["spec"]["args"] if "value" in a}
    args = {**defaults, **TEMPLATE_ARGS["augur-gate"], "augur-token": TOKEN}
    web = yaml.safe_load(
        resolve(yaml.safe_dump(gate["spec"]["metrics"][0]["provider"]["web"]), args)
    )
    headers = {h["key"]: h["value"] for h in web["headers"]}
    return web["url"], headers, json.dumps(web["jsonBody"]).encode()


async def test_argos_web_metric_gets_a_verdict_it_can_read(augur: httpx.AsyncClient) -> None:
    url, headers, body = argo_call()
    first = await augur.post(urlsplit(url).path, content=body, headers=headers)
    assert first.status_code == 200, first.text
    verdict = first.json()
    assert verdict["phase"] in {"Pending", "Running"}  # jsonPath {$.phase}
    assert verdict["run"].startswith("bookinfo/apdex-")
    again = await augur.post(urlsplit(url).path, content=body, headers=headers)
    assert again.json()["run"] == verdict["run"]  # one run per rollout revision


async def test_argos_call_without_the_token_is_refused(augur: httpx.AsyncClient) -> None:
    url, headers, body = argo_call()
    del headers["Authorization"]
    assert (await augur.post(urlsplit(url).path, content=body, headers=headers)).status_code == 401


def flagger_call(hook: str) -> tuple[str, dict[str, Any]]:
    (canary,) = of_kind("Canary")
    (webhook,) = [h for h in canary["spec"]["analysis"]["webhooks"] if h["type"] == hook]
    url = urlsplit(webhook["url"].replace("REPLACE-WITH-A-WRITE-TOKEN", TOKEN))
    payload = {
        "name": canary["metadata"]["name"],
        "namespace": canary["metadata"]["namespace"],
        "phase": "Progressing",
        "checksum": "7c9d5b8f6",
        "metadata": webhook.get("metadata", {}),
    }
    return f"{url.path}?{url.query}", payload


async def test_flaggers_webhooks_start_and_gate_the_analysis(augur: httpx.AsyncClient) -> None:
    answers = {}
    for hook in ("pre-rollout", "rollout", "confirm-promotion", "rollback", "post-rollout"):
        target, payload = flagger_call(hook)
        reply = await augur.post(target, json=payload)
        answers[hook] = reply.status_code
    # running: pass the checks, hold the promotion, refuse a rollback; post-rollout is recorded
    assert answers == {
        "pre-rollout": 200,
        "rollout": 200,
        "confirm-promotion": 423,
        "rollback": 412,
        "post-rollout": 202,
    }
