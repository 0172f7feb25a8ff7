"""Listing runs (label selectors, phase, pages) and paging through a run's measurements."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.api.runs import decode_continue, encode_continue, parse_selector
from app.core.errors import InvalidInput
from app.store.records import NewMeasurement, NewRun
from tests.api.conftest import NS, PROBLEM, Client, replay_metric
from tests.support.waiting import wait_run_async

RUNS = f"{NS}/analysisruns"

# name, namespace, labels, the replayed value (>= 0.99 passes)
FLEET = [
    ("r1", "default", {"app": "reviews", "track": "canary"}, 1.0),
    ("r2", "default", {"app": "reviews", "track": "stable"}, 0.5),
    ("r3", "default", {"app": "ratings", "track": "canary"}, 1.0),
    ("r4", "default", {"app": "details"}, 1.0),
    ("r5", "prod", {"app": "reviews", "track": "canary"}, 0.5),
]


@pytest.fixture
async def fleet(client: Client) -> Client:
    for name, namespace, labels, value in FLEET:
        reply = await client.post(
            f"/api/v1/namespaces/{namespace}/analysisruns",
            json={"name": name, "labels": labels, "spec": {"metrics": [replay_metric(value)]}},
        )
        assert reply.status_code == 201, reply.text
    for name, namespace, _, _ in FLEET:
        if namespace == "default":
            await wait_run_async(client, name, phases={"Successful", "Failed"})
    return client


def names(reply: Any) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [item["metadata"]["name"] for item in reply.json()["items"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({}, ["r1", "r2", "r3", "r4"], id="all-oldest-first"),
        pytest.param({"labelSelector": "app=reviews"}, ["r1", "r2"], id="equals"),
        pytest.param({"labelSelector": "app==reviews"}, ["r1", "r2"], id="double-equals"),
        pytest.param({"labelSelector": "app!=reviews"}, ["r3", "r4"], id="not-equals"),
        pytest.param({"labelSelector": "app in (reviews, ratings)"}, ["r1", "r2", "r3"], id="in"),
        pytest.param({"labelSelector": "app notin (reviews)"}, ["r3", "r4"], id="notin"),
        pytest.param({"labelSelector": "track"}, ["r1", "r2", "r3"], id="exists"),
        pytest.param({"labelSelector": "!track"}, ["r4"], id="not-exists"),
        pytest.param(
            {"labelSelector": "app in (reviews,ratings),track=canary"}, ["r1", "r3"], id="and"
        ),
        pytest.param({"phase": "Failed"}, ["r2"], id="phase"),
        pytest.param({"phase": "Successful", "labelSelector": "app=reviews"}, ["r1"], id="both"),
        pytest.param({"labelSelector": "app=nothing"}, [], id="none"),
    ],
)
async def test_list_filters(fleet: Client, query: dict[str, str], expected: list[str]) -> None:
    reply = await fleet.get(RUNS, params=query)
    assert names(reply) == expected
    assert reply.json()["apiVersion"] == "argoproj.io/v1alpha1"
    assert reply.json()["kind"] == "AnalysisRunList"
    assert reply.json()["metadata"] == {}


async def test_list_across_namespaces(fleet: Client) -> None:
    reply = await fleet.get("/api/v1/analysisruns", params={"labelSelector": "track=canary"})
    assert names(reply) == ["r1", "r3", "r5"]
    assert reply.json()["items"][2]["metadata"]["namespace"] == "prod"


@pytest.mark.parametrize("limit", [1, 2, 3, 4])
async def test_pages_with_continue_cover_every_run_once(fleet: Client, limit: int) -> None:
    seen: list[str] = []
    pages = 0
    params: dict[str, Any] = {"limit": limit}
    while True:
        reply = await fleet.get("/api/v1/analysisruns", params=params)
        page = names(reply)
        pages += 1
        assert len(page) <= limit
        seen += page
        token = reply.json()["metadata"].get("continue")
        if token is None:
            break
        params = {"limit": limit, "continue": token}
    assert seen == ["r1", "r2", "r3", "r4", "r5"]
    assert pages == -(-5 // limit)  # no empty last page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        pytest.param({"labelSelector": "app="}, None, None, id="empty-value-is-fine"),
        pytest.param(
            {"labelSelector": "app in ()"}, "labelSelector", "in needs a value", id="empty-set"
        ),
        pytest.param(
            {"labelSelector": "app in (a"}, "labelSelector", "parentheses", id="unbalanced"
        ),
        pytest.param(
            {"labelSelector": "a b"}, "labelSelector", "'a b' is not a label requirement", id="ws"
        ),
        pytest.param({"labelSelector": "app=,"}, "labelSelector", "'' is not", id="empty-part"),
        pytest.param(
            {"labelSelector": "app=" + "v" * 64},
            "labelSelector",
            "a value of 64 characters (vvvvvvvvvvvvvvvv...); at most 63 are allowed",
            id="value-too-long",
        ),
        pytest.param(
            {"labelSelector": "k" * 64},
            "labelSelector",
            "a key name of 64 characters (kkkkkkkkkkkkkkkk...); at most 63 are allowed",
            id="key-too-long",
        ),
        pytest.param(
            {"labelSelector": "a..b/team=x"},
            "labelSelector",
            "the key prefix 'a..b' is not a DNS subdomain such as example.com",
            id="prefix-not-dns",
        ),
        pytest.param({"continue": "not-a-token"}, "continue", "pass metadata.continue", id="bad"),
        pytest.param(
            {"continue": base64.urlsafe_b64encode(b'{"c": 1}').decode()},
            "continue",
            "pass metadata.continue",
            id="wrong-shape",
        ),
        pytest.param({"limit": "0"}, "limit", "greater than or equal to 1", id="limit-0"),
        pytest.param({"limit": "501"}, "limit", "less than or equal to 500", id="limit-501"),
        pytest.param({"phase": "Done"}, "phase", "'Pending', 'Running'", id="phase"),
    ],
)
async def test_bad_list_queries_name_the_parameter(
    client: Client, query: dict[str, str], field: str | None, message: str | None
) -> None:
    reply = await client.get(RUNS, params=query)
    if field is None:
        assert reply.status_code == 200
        return
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == PROBLEM
    error = reply.json()["errors"][0]
    assert error["field"] == field
    assert message is not None
    assert message in error["message"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", [], id="empty"),
        pytest.param(
            " a = b , c!=d ", [("a", "=", ("b",)), ("c", "!=", ("d",))], id="spaces-around"
        ),
        pytest.param(
            "example.com/team in (x, y),!tier",
            [("example.com/team", "in", ("x", "y")), ("tier", "!", ())],
            id="prefixed-key",
        ),
        pytest.param("a notin (x)", [("a", "notin", ("x",))], id="notin"),
    ],
)
def test_parse_selector(text: str, expected: list[tuple[str, str, tuple[str, ...]]]) -> None:
    assert parse_selector(text) == expected


def test_continue_token_round_trips_exactly() -> None:
    cursor = (datetime(2026, 11, 29, 8, 0, 0, 123456, tzinfo=UTC), str(uuid.uuid4()))
    token = encode_continue(cursor)
    assert "=" not in token
    assert decode_continue(token) == cursor
    with pytest.raises(InvalidInput):
        decode_continue(token[:-3])


async def make_measured_run(client: Client) -> str:
    """A run the scheduler never takes (no wake-up), with measurements written directly."""
    store = client.app.state.store
    record, _ = await store.create_run(
        NewRun(
            id=str(uuid.uuid4()),
            namespace="default",
            name="measured",
            spec={"metrics": [replay_metric(1.0, name="apdex"), replay_metric(1.0, name="sla")]},
            status={},
            phase="Running",
        )
    )
    start = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    new = [
        NewMeasurement(
            metric=metric,
            seq=seq,
            phase="Successful",
            value=f"{metric}-{seq}",
            metadata={"n": str(seq)},
            started_at=start + timedelta(minutes=seq),
            finished_at=start + timedelta(minutes=seq, seconds=1),
        )
        for metric in ("apdex", "sla")
        for seq in range(1, 6)
    ]
    await store.record(record.id, new=new, status={}, phase="Running", next_reconcile_at=None)
    return "measured"


async def test_measurements_of_one_metric_page_by_seq(client: Client) -> None:
    name = await make_measured_run(client)
    url = f"{RUNS}/{name}/measurements"
    first = (await client.get(url, params={"metric": "sla", "limit": 3})).json()
    assert first["metadata"] == {"continue": "3"}
    assert first["items"][0] == {
        "metric": "sla",
        "seq": 1,
        "phase": "Successful",
        "value": "sla-1",
        "message": "",
        "metadata": {"n": "1"},
        "startedAt": "2026-11-29T08:01:00Z",
        "finishedAt": "2026-11-29T08:01:01Z",
    }
    rest = (await client.get(url, params={"metric": "sla", "limit": 3, "after": "3"})).json()
    assert [m["seq"] for m in rest["items"]] == [4, 5]
    assert rest["metadata"] == {}


async def test_measurements_of_every_metric_page_without_gaps(client: Client) -> None:
    name = await make_measured_run(client)
    url = f"{RUNS}/{name}/measurements"
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 4}
    while True:
        page = (await client.get(url, params=params)).json()
        seen += [m["value"] for m in page["items"]]
        if "continue" not in page["metadata"]:
            break
        params = {"limit": 4, "after": page["metadata"]["continue"]}
    assert seen == [f"{m}-{s}" for m in ("apdex", "sla") for s in range(1, 6)]


@pytest.mark.parametrize("after", ["x", "-1", ":3", "apdex:"])
async def test_a_bad_after_names_the_parameter(client: Client, after: str) -> None:
    name = await make_measured_run(client)
    reply = await client.get(f"{RUNS}/{name}/measurements", params={"after": after})
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["field"] == "after"
