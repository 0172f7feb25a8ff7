"""Tokens limited to namespaces (`write@team-a:TOKEN`): what each may reach over the API.

A limited token reaches the runs, templates and gates of its namespaces, whether the namespace
is in the path or in the body (the gates, validate); nothing cluster-wide (ClusterAnalysisTemplates,
the run list of every namespace, checks). A refusal is a 403 problem+json naming the namespace.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import PROBLEM, Client, Serve, replay_metric, template

ADMIN = "admin-write-token-0123456789"
A_WRITE = "team-a-write-token-0123456789"
A_READ = "team-a-read-token-0123456789"
AB_READ = "team-ab-read-token-0123456789"
MIXED = "mixed-token-read-all-write-a-01"
TOKENS = ",".join(
    [
        f"write:{ADMIN}",
        f"write@team-a:{A_WRITE}",
        f"read@team-a:{A_READ}",
        f"read@team-a+team-b:{AB_READ}",
        f"read:{MIXED}",
        f"write@team-a:{MIXED}",
    ]
)
SPEC = {"metrics": [replay_metric(1.0)]}


def ns(namespace: str) -> str:
    return f"/api/v1/namespaces/{namespace}"


def flagger(namespace: str) -> dict[str, Any]:
    return {
        "name": "podinfo",
        "namespace": namespace,
        "phase": "Progressing",
        "checksum": "85d557f47b",
        "metadata": {"template": "apdex"},
    }


ROUTES: dict[str, tuple[str, str, Any]] = {
    "put-template-a": (
        "PUT",
        f"{ns('team-a')}/analysistemplates/apdex",
        template(*SPEC["metrics"]),
    ),
    "put-template-b": (
        "PUT",
        f"{ns('team-b')}/analysistemplates/apdex",
        template(*SPEC["metrics"]),
    ),
    "get-template-b": ("GET", f"{ns('team-b')}/analysistemplates/apdex", None),
    "list-runs-a": ("GET", f"{ns('team-a')}/analysisruns", None),
    "list-runs-b": ("GET", f"{ns('team-b')}/analysisruns", None),
    "list-runs-c": ("GET", f"{ns('team-c')}/analysisruns", None),
    "create-run-a": ("POST", f"{ns('team-a')}/analysisruns", {"spec": SPEC}),
    "create-run-b": ("POST", f"{ns('team-b')}/analysisruns", {"spec": SPEC}),
    "terminate-run-b": ("POST", f"{ns('team-b')}/analysisruns/r/terminate", None),
    "measurements-b": ("GET", f"{ns('team-b')}/analysisruns/r/measurements", None),
    "list-every-run": ("GET", "/api/v1/analysisruns", None),
    "get-cluster-template": ("GET", "/api/v1/clusteranalysistemplates/c", None),
    "put-cluster-template": (
        "PUT",
        "/api/v1/clusteranalysistemplates/c",
        template(*SPEC["metrics"]),
    ),
    "check": ("GET", "/api/v1/check/web?url=http://127.0.0.1:9/", None),
    "validate-a": ("POST", "/api/v1/validate", {"namespace": "team-a", "spec": SPEC}),
    "validate-b": ("POST", "/api/v1/validate", {"namespace": "team-b", "spec": SPEC}),
    "validate-documents": ("POST", "/api/v1/validate", template(*SPEC["metrics"])),
    "argo-evaluate-a": (
        "POST",
        "/api/v1/gates/argo/evaluate",
        {"namespace": "team-a", "spec": SPEC},
    ),
    "argo-evaluate-b": (
        "POST",
        "/api/v1/gates/argo/evaluate",
        {"namespace": "team-b", "spec": SPEC},
    ),
    "argo-run-b": ("POST", "/api/v1/gates/argo/k1", {"namespace": "team-b", "spec": SPEC}),
    "flagger-a": ("POST", "/api/v1/gates/flagger/confirm-rollout", flagger("team-a")),
    "flagger-b": ("POST", "/api/v1/gates/flagger/confirm-rollout", flagger("team-b")),
}

OK = "allowed"
CLUSTER = (
    "the token is limited to namespaces {}; cluster-wide endpoints (ClusterAnalysisTemplates, "
    "the run list of every namespace and checks) need a token without a namespace limit"
)
READ_ONLY = 'the token has read scope in namespace "{}"; this needs write'


def outside(namespaces: str, namespace: str) -> str:
    return (
        f'the token is limited to namespaces {namespaces}; namespace "{namespace}" is not one '
        "of them"
    )


CASES = [
    # An unlimited write token reaches everything.
    *[(ADMIN, route, OK) for route in ROUTES],
    # write@team-a: everything in team-a, nothing in team-b, nothing cluster-wide.
    (A_WRITE, "put-template-a", OK),
    (A_WRITE, "create-run-a", OK),
    (A_WRITE, "list-runs-a", OK),
    (A_WRITE, "validate-a", OK),
    (A_WRITE, "validate-documents", OK),
    (A_WRITE, "argo-evaluate-a", OK),
    (A_WRITE, "flagger-a", OK),
    (A_WRITE, "put-template-b", outside("team-a", "team-b")),
    (A_WRITE, "get-template-b", outside("team-a", "team-b")),
    (A_WRITE, "create-run-b", outside("team-a", "team-b")),
    (A_WRITE, "terminate-run-b", outside("team-a", "team-b")),
    (A_WRITE, "measurements-b", outside("team-a", "team-b")),
    (A_WRITE, "list-runs-b", outside("team-a", "team-b")),
    (A_WRITE, "validate-b", outside("team-a", "team-b")),
    (A_WRITE, "argo-evaluate-b", outside("team-a", "team-b")),
    (A_WRITE, "argo-run-b", outside("team-a", "team-b")),
    (A_WRITE, "flagger-b", outside("team-a", "team-b")),
    (A_WRITE, "list-every-run", CLUSTER.format("team-a")),
    (A_WRITE, "get-cluster-template", CLUSTER.format("team-a")),
    (A_WRITE, "put-cluster-template", CLUSTER.format("team-a")),
    (A_WRITE, "check", CLUSTER.format("team-a")),
    # read@team-a: reads in team-a only.
    (A_READ, "list-runs-a", OK),
    (A_READ, "validate-a", OK),
    (A_READ, "create-run-a", READ_ONLY.format("team-a")),
    (A_READ, "put-template-a", READ_ONLY.format("team-a")),
    (A_READ, "list-runs-b", outside("team-a", "team-b")),
    (A_READ, "argo-evaluate-a", "the token has read scope; this needs write"),
    # read@team-a+team-b: reads in both, nowhere else.
    (AB_READ, "list-runs-a", OK),
    (AB_READ, "list-runs-b", OK),
    (AB_READ, "get-template-b", OK),
    (AB_READ, "validate-b", OK),
    (AB_READ, "list-runs-c", outside("team-a, team-b", "team-c")),
    (AB_READ, "list-every-run", CLUSTER.format("team-a, team-b")),
    (AB_READ, "create-run-b", READ_ONLY.format("team-b")),
    # read everywhere plus write@team-a, on one token: both grants hold.
    (MIXED, "list-every-run", OK),
    (MIXED, "get-cluster-template", OK),
    (MIXED, "create-run-a", OK),
    (MIXED, "flagger-a", OK),
    (MIXED, "create-run-b", "the token has read scope; this needs write"),
    (MIXED, "flagger-b", "the token has read scope; this needs write"),
    (MIXED, "put-cluster-template", "the token has read scope; this needs write"),
]
TOKEN_NAMES = {ADMIN: "admin", A_WRITE: "write@a", A_READ: "read@a", AB_READ: "read@a+b"}


@pytest.mark.parametrize(
    ("token", "route", "expected"),
    [pytest.param(t, r, e, id=f"{TOKEN_NAMES.get(t, 'read+write@a')}-{r}") for t, r, e in CASES],
)
async def test_what_a_namespace_token_reaches(
    serve: Serve, token: str, route: str, expected: str
) -> None:
    method, path, body = ROUTES[route]
    async with serve(tokens=TOKENS) as client:
        await seed(client)
        reply = await client.request(
            method, path, json=body, headers={"authorization": f"Bearer {token}"}
        )
    if expected == OK:
        assert reply.status_code not in (401, 403), reply.text
        return
    assert reply.status_code == 403, reply.text
    assert reply.headers["content-type"] == PROBLEM
    assert reply.json()["detail"] == expected


async def seed(client: Client) -> None:
    """A template and a run in team-b, so a refusal is not a 404 in disguise."""
    headers = {"authorization": f"Bearer {ADMIN}"}
    put = await client.put(
        f"{ns('team-b')}/analysistemplates/apdex", json=template(*SPEC["metrics"]), headers=headers
    )
    assert put.status_code in (200, 201), put.text
    run = await client.post(
        f"{ns('team-b')}/analysisruns", json={"name": "r", "spec": SPEC}, headers=headers
    )
    assert run.status_code == 201, run.text


async def test_a_refusal_names_the_field_to_fix(serve: Serve) -> None:
    async with serve(tokens=TOKENS) as client:
        reply = await client.get(
            f"{ns('team-b')}/analysisruns", headers={"authorization": f"Bearer {A_READ}"}
        )
    problem = reply.json()
    assert problem["status"] == 403
    assert problem["detail"] == outside("team-a", "team-b")
    assert {"field": "namespace", "message": "one of team-a, or use another token"} in (
        problem["errors"]
    )
