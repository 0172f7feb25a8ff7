"""Secrets stay secret, over a real `augur serve` on SQLite and on a real PostgreSQL.

Two secrets are planted in the run's namespace's folder, mounted as the kubelet mounts a Secret
(`..data` links): a plain one and one with characters every encoding treats differently. One
template uses them in every field a provider has: SkyWalking's address userinfo, headers, basic
auth, query text and variables (the schema-validating fake OAP); Prometheus' headers, basic auth
and query, and the Web provider's URL, headers and body (a scripted upstream that echoes all it
received, as JSON or inside an error); recorded `replay` answers and errors that echo
`{{args.x}}`; a condition. The template runs through the API, Argo's gates (evaluate and keyed)
and Flagger's. Then no form of either secret (raw, JSON-escaped, Go-escaped, URL-encoded,
base64 in a basic-auth header) may be found in any API answer, in `/metrics`, in the server's
log (at debug level, where the HTTP client logs every request), or in the database's bytes
(the SQLite files; a `pg_dump` of PostgreSQL). Runs that reach for another namespace's secret,
or through a link out of the folder, fail naming it, with nothing of its value.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx

from providers.golang import marshal
from tests.fakes.fake_oap import FakeOAP, seed_demo
from tests.fakes.scripted import Recorded, Reply, ScriptedServer, scripted_server
from tests.support.postgres import pg_bin
from tests.support.servers import Served, augur_server
from tests.support.waiting import wait_run

PLAIN = "pl4nted-plain-7c1e0a"
HARD = 'H4rd"secret&/+ =~9b'
B_VALUE = "team-b-only-value-5e88"
OUTSIDE = "outside-the-folder-2ad1"
NS = "team-a"
CANARY = "canary|reviews|bookinfo|cp-cluster-1|-"
SECRET_ARGS = [
    {"name": "plain", "valueFrom": {"secretKeyRef": {"name": "api", "key": "plain"}}},
    {"name": "hard", "valueFrom": {"secretKeyRef": {"name": "api", "key": "hard"}}},
]
APDEX = """query q($duration: Duration!) {
  service_apdex: readMetricsValues(
    condition: {name: "service_apdex", entity: {scope: Service, serviceName: "%s", normal: true}},
    duration: $duration) { label values { values { value } } }
}"""
BY_VARIABLE = """query q($duration: Duration!, $svc: String!) {
  service_apdex: readMetricsValues(
    condition: {name: "service_apdex", entity: {scope: Service, serviceName: $svc, normal: true}},
    duration: $duration) { label values { values { value } } }
}"""


def forms(secret: str) -> set[str]:
    """Every form the secret could be found in, written independently of augur's redactor."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        marshal(secret)[1:-1],
        json.dumps(json.dumps(secret)[1:-1])[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        base64.b64encode(f"augur:{secret}".encode()).decode(),
    }


LEAKS = forms(PLAIN) | forms(HARD) | {B_VALUE, OUTSIDE}


def assert_nowhere(where: str, text: str | bytes) -> None:
    data = text.encode() if isinstance(text, str) else text
    found = [form for form in LEAKS if form.encode() in data]
    assert not found, f"{where} holds {found}"


def echo(request: Recorded) -> str:
    return json.dumps(
        {
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "headers": request.headers,
            "body": request.body.decode(errors="replace"),
        }
    )


def prometheus_error(request: Recorded) -> str:
    """Prometheus' error shape, its text echoing the request (as its parse errors do)."""
    return json.dumps({"status": "error", "errorType": "bad_data", "error": echo(request)})


VECTOR = json.dumps(
    {
        "status": "success",
        "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "1"]}]},
    }
)


def metrics(oap: str, upstream: str) -> list[dict[str, Any]]:
    host = oap.removeprefix("http://")
    prometheus = {
        "query": 'up{job="{{args.plain}}"}',
        "headers": [{"key": "X-Scope-OrgID", "value": "{{args.hard}}"}],
        "authentication": {"basicAuth": {"username": "augur", "password": "{{args.plain}}"}},
    }
    once = {"successCondition": "true", "consecutiveErrorLimit": 0}
    return [
        {
            "name": "sw-userinfo",
            **once,
            "provider": {
                "skywalking": {
                    "address": f"http://augur:{{{{args.plain}}}}@{host}",
                    "interval": "5m",
                    "query": APDEX % CANARY,
                }
            },
        },
        {
            "name": "sw-auth-and-query",
            **once,
            "provider": {
                "skywalking": {
                    "address": oap,
                    "interval": "5m",
                    "headers": [{"key": "X-Api-Key", "value": "{{args.hard}}"}],
                    "authentication": {
                        "basicAuth": {"username": "augur", "password": "{{args.plain}}"}
                    },
                    "query": APDEX % "{{args.plain}}",
                }
            },
        },
        {
            "name": "sw-variables",
            **once,
            "provider": {
                "skywalking": {
                    "address": oap,
                    "interval": "5m",
                    "query": BY_VARIABLE,
                    "variables": {"svc": "{{args.plain}}-without-data"},
                }
            },
        },
        {
            "name": "prom-ok",
            **once,
            "provider": {"prometheus": {"address": f"{upstream}/prom-ok", **prometheus}},
        },
        {
            "name": "prom-echo",
            **once,
            "provider": {"prometheus": {"address": f"{upstream}/prom-echo", **prometheus}},
        },
        {
            "name": "web-echo",
            **once,
            "provider": {
                "web": {
                    "url": f"{upstream}/web/{{{{args.plain}}}}?key={{{{args.hard}}}}",
                    "method": "POST",
                    "headers": [{"key": "Authorization", "value": "Bearer {{args.hard}}"}],
                    "jsonBody": {"pw": "{{args.hard}}", "user": "{{args.plain}}"},
                }
            },
        },
        {
            "name": "replay-condition",
            "successCondition": 'result.plain != "{{args.plain}}"',
            "provider": {
                "replay": {
                    "results": [{"value": {"echo": "{{args.hard}}", "plain": "{{args.plain}}"}}]
                }
            },
        },
        {
            "name": "replay-error",
            **once,
            "provider": {
                "replay": {"results": [{"error": "denied: {{args.plain}} {{args.hard}}"}]}
            },
        },
    ]


def mount_secret(folder: Path, files: dict[str, str]) -> None:
    """As the kubelet mounts a Secret: `key -> ..data/key`, `..data -> ..2026_12_05`."""
    (folder / "..2026_12_05").mkdir(parents=True)
    for key, value in files.items():
        (folder / "..2026_12_05" / key).write_text(value)
        (folder / key).symlink_to(f"..data/{key}")
    (folder / "..data").symlink_to("..2026_12_05")


def database_bytes(store_url: str, tmp_path: Path) -> bytes:
    if store_url.startswith("sqlite"):
        return b"".join(path.read_bytes() for path in sorted((tmp_path / "data").glob("augur.db*")))
    url = httpx.URL(store_url.replace("postgresql+asyncpg", "postgresql"))
    dump = subprocess.run(
        [pg_bin("pg_dump"), "-h", url.host, "-p", str(url.port), "-U", "augur", url.path[1:]],
        check=True,
        capture_output=True,
    )
    assert b"CREATE TABLE" in dump.stdout
    return dump.stdout


def plant(tmp_path: Path) -> Path:
    root = tmp_path / "secrets"
    mount_secret(root / NS / "api", {"plain": PLAIN, "hard": HARD})
    mount_secret(root / "team-b" / "other", {"key": B_VALUE})
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "value").write_text(OUTSIDE)
    (root / NS / "api" / "stolen").symlink_to(tmp_path / "outside" / "value")
    return root


def start_everything(served: Served, oap: FakeOAP, upstream: ScriptedServer) -> list[Any]:
    """The template through every door; returns the answers that are not stored runs."""
    api = f"{served.base_url}/api/v1/namespaces/{NS}"
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "spec": {"args": SECRET_ARGS, "metrics": metrics(oap.url, upstream.base_url)},
    }
    put = httpx.put(f"{api}/analysistemplates/leaky", json=template, timeout=10)
    assert put.status_code == 201, put.text
    answers: list[Any] = [put.text]
    ref = {"templates": [{"templateName": "leaky"}]}
    created = httpx.post(f"{api}/analysisruns", json={"name": "leaky", **ref}, timeout=10)
    assert created.status_code == 201, created.text
    gates = f"{served.base_url}/api/v1/gates"
    evaluated = httpx.post(f"{gates}/argo/evaluate", json={"namespace": NS, **ref}, timeout=30)
    assert evaluated.status_code == 200, evaluated.text
    assert evaluated.json()["phase"] == "Failed"  # replay-condition
    answers.append(evaluated.text)
    answers.append(
        httpx.post(f"{gates}/argo/leak-1", json={"namespace": NS, **ref}, timeout=10).text
    )
    flagger = {
        "name": "podinfo",
        "namespace": NS,
        "phase": "Progressing",
        "checksum": "85d557f47b",
        "metadata": {"template": "leaky"},
    }
    answers.append(httpx.post(f"{gates}/flagger/confirm-rollout", json=flagger, timeout=10).text)
    for name, key in (("cross", "other/key"), ("escape", "api/stolen")):
        secret, _, field = key.partition("/")
        run = {
            "name": name,
            "spec": {
                "args": [
                    {"name": "x", "valueFrom": {"secretKeyRef": {"name": secret, "key": field}}}
                ],
                "metrics": [
                    {
                        "name": "m",
                        "provider": {"replay": {"results": [{"value": "{{args.x}}"}]}},
                    }
                ],
            },
        }
        reply = httpx.post(f"{api}/analysisruns", json=run, timeout=10)
        assert reply.status_code == 201, reply.text
    answers.append(
        httpx.post(
            f"{served.base_url}/api/v1/validate", json={"namespace": NS, **ref}, timeout=10
        ).text
    )
    return answers


def test_no_secret_is_found_anywhere(store_url: str, tmp_path: Path) -> None:
    root = plant(tmp_path)
    oap = FakeOAP()
    seed_demo(oap)
    oap.set_series(PLAIN, "service_apdex", 9950)
    env = {"AUGUR_SECRETS_DIR": str(root), "AUGUR_LOG_LEVEL": "debug"}
    with oap, scripted_server() as upstream:
        upstream.reply("/prom-ok/api/v1/query", Reply(body=VECTOR))
        upstream.reply("/prom-echo/api/v1/query", Reply(status=400, render=prometheus_error))
        upstream.reply(f"/web/{PLAIN}", Reply(render=echo))
        with augur_server(
            store_url=store_url, log=tmp_path / "server.log", env=env, ready=True
        ) as served:
            answers = start_everything(served, oap, upstream)
            runs = {
                name: wait_run(served.base_url, name, namespace=NS, timeout=60)
                for name in ("leaky", "cross", "escape")
            }
            listing = httpx.get(
                f"{served.base_url}/api/v1/namespaces/{NS}/analysisruns", timeout=10
            )
            for item in listing.json()["items"]:
                name = item["metadata"]["name"]
                runs[name] = wait_run(served.base_url, name, namespace=NS, timeout=60)
            api = f"{served.base_url}/api/v1"
            texts = {
                "answers": "\n".join(answers),
                "runs": json.dumps(runs),
                "list": httpx.get(f"{api}/analysisruns", timeout=10).text,
                "measurements": "\n".join(
                    httpx.get(
                        f"{api}/namespaces/{NS}/analysisruns/{n}/measurements", timeout=10
                    ).text
                    for n in runs
                ),
                "template": httpx.get(
                    f"{api}/namespaces/{NS}/analysistemplates/leaky", timeout=10
                ).text,
                "metrics": httpx.get(f"{served.base_url}/metrics", timeout=10).text,
            }
        texts["log"] = served.logs()
    # The secrets did reach the upstreams, and came back in their answers.
    sent = [r.headers.get("authorization") for r in upstream.requests]
    assert f"Bearer {HARD}" in sent
    assert any(PLAIN in str(r.payload) for r in oap.requests)
    measured = {r["name"]: r["measurements"][0] for r in runs["leaky"]["status"]["metricResults"]}
    assert set(measured) == {m["name"] for m in metrics("http://o", "http://u")}
    assert measured["web-echo"]["phase"] == "Successful"
    assert "*****" in measured["web-echo"]["value"]
    assert "*****" in measured["sw-auth-and-query"]["metadata"]["resolvedQuery"]
    assert "*****" in measured["prom-echo"]["message"]
    assert measured["replay-condition"]["message"] == (
        'successCondition result.plain != "*****" is false: result.plain is "*****"'
    )
    assert runs["cross"]["status"]["message"] == (
        'Unable to resolve metric arguments: secrets "other" not found in namespace "team-a"'
    )
    assert runs["escape"]["status"]["message"] == (
        "Unable to resolve metric arguments: key 'stolen' of secret 'api' of namespace "
        '"team-a" is a link out of the secrets folder; refused'
    )
    for where, text in texts.items():
        assert_nowhere(where, text)
    stored = database_bytes(store_url, tmp_path)
    assert b"*****" in stored
    assert b"team-a" in stored
    assert_nowhere("the database", stored)
