"""Notifications from a real `augur serve` to real receivers on loopback: retried with the same
idempotency key until delivered, a hung receiver delaying nothing, Slack's and CloudEvents'
shapes, annotations that name receivers, and delivery after a restart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from cloudevents.core.bindings.http import HTTPMessage, from_structured_event
from prometheus_client.parser import text_string_to_metric_families

from tests.events.conftest import events_url, start_run
from tests.support.receivers import Receiver, receiver
from tests.support.servers import Served, augur_server
from tests.support.sse import read_stream
from tests.support.waiting import wait_for, wait_run

FAST = {"AUGUR_NOTIFY_BACKOFF_SECONDS": "0.2", "AUGUR_EVENTS_POLL_SECONDS": "0.2"}
FAILING = (0.99, 0.2)  # with failureLimit 0: Failed at the second measurement
FAILED_WHY = "apdex Failed: successCondition result >= 0.95 is false: result is 0.2"


def sample(served: Served, name: str, **labels: str) -> float:
    """A sample's value on `/metrics` (0 when it is not there)."""
    text = httpx.get(f"{served.base_url}/metrics").text
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return 0.0


def serve(tmp_path: Path, receivers: list[dict[str, Any]], **env: str) -> Any:
    return augur_server(
        store_url=f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}",
        log=tmp_path / "augur.log",
        env={**FAST, "AUGUR_NOTIFY": json.dumps({"receivers": receivers}), **env},
    )


def wait_received(hook: Receiver, count: int, timeout: float = 30) -> None:
    wait_for(
        lambda: len(hook.seen()),
        lambda seen: seen >= count,
        timeout=timeout,
        describe=lambda seen: f"the receiver saw {seen} requests, not {count}",
    )


def test_a_failing_receiver_is_retried_with_one_key_until_it_takes_it(tmp_path: Path) -> None:
    with receiver(statuses=[503, 500]) as flaky:
        hook = {"name": "flaky", "kind": "json", "url": flaky.url, "on": ["Failed"]}
        with serve(tmp_path, [hook]) as served:
            start_run(served.base_url, "bookinfo", "reviews", FAILING, failure_limit=0)
            wait_received(flaky, 3)
            wait_for(
                lambda: sample(served, "augur_notifications_total", outcome="delivered"),
                lambda delivered: delivered == 1,
                timeout=10,
                describe=lambda delivered: f"{delivered} delivered",
            )
            assert (
                sample(served, "augur_notifications_total", receiver="flaky", outcome="failed") == 2
            )
            assert sample(served, "augur_notification_latency_seconds_count", receiver="flaky") == 3
            uid = httpx.get(f"{served.base_url}/api/v1/namespaces/bookinfo/analysisruns/reviews")
            uid_text = uid.json()["metadata"]["uid"]
    attempts = flaky.seen()
    assert len(attempts) == 3
    assert len({a.key for a in attempts}) == 1  # one notification: the receiver dedupes by key
    assert {a.body for a in attempts} == {attempts[0].body}
    payload = attempts[0].json()
    assert payload["id"] == attempts[0].key
    assert payload | {"at": "-", "id": "-"} == {
        "type": "io.augur.analysisrun.phase.v1",
        "id": "-",
        "namespace": "bookinfo",
        "name": "reviews",
        "uid": uid_text,
        "phase": "Failed",
        "previousPhase": "Running",
        "message": payload["message"],
        "reason": FAILED_WHY,
        "metrics": [
            {
                "name": "apdex",
                "phase": "Failed",
                "message": "successCondition result >= 0.95 is false: result is 0.2",
                "count": 2,
                "successful": 1,
                "failed": 1,
                "inconclusive": 0,
                "error": 0,
                "last": {
                    "phase": "Failed",
                    "value": "0.2",
                    "message": "successCondition result >= 0.95 is false: result is 0.2",
                },
            }
        ],
        "at": "-",
    }
    assert attempts[0].headers["content-type"] == "application/json"


def test_a_hung_receiver_delays_neither_the_analysis_nor_other_receivers(tmp_path: Path) -> None:
    with receiver(hang=True) as hung, receiver() as healthy:
        hooks = [
            {"name": "hung", "kind": "json", "url": hung.url},
            {"name": "healthy", "kind": "json", "url": healthy.url},
        ]
        with serve(tmp_path, hooks, AUGUR_NOTIFY_TIMEOUT_SECONDS="120") as served:
            start_run(served.base_url, "bookinfo", "reviews", (0.99,) * 4)
            run = wait_run(served.base_url, "reviews", namespace="bookinfo", timeout=30)
            wait_received(healthy, 2)
            # The run measured to its end while the hung receiver still holds its first request.
            assert len(hung.seen()) == 1
            assert hung.answered == 0
            assert run["status"]["phase"] == "Successful"
            assert run["status"]["metricResults"][0]["count"] == 4
            assert [r.json()["phase"] for r in healthy.seen()] == ["Running", "Successful"]


def test_slack_and_cloudevents_shapes(tmp_path: Path) -> None:
    with receiver() as slack, receiver() as events:
        hooks = [
            {"name": "slack", "kind": "slack", "url": slack.url, "on": ["Failed"]},
            {"name": "events", "kind": "cloudevents", "url": events.url, "on": ["Failed"]},
        ]
        with serve(tmp_path, hooks) as served:
            start_run(served.base_url, "bookinfo", "reviews", FAILING, failure_limit=0)
            wait_received(slack, 1)
            wait_received(events, 1)
    (message,) = slack.seen()
    body = message.json()
    assert body["text"] == f":x: AnalysisRun bookinfo/reviews is Failed: {FAILED_WHY}"
    assert body["blocks"][0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": ":x: *AnalysisRun bookinfo/reviews is Failed*"},
    }
    assert body["blocks"][1]["fields"] == [
        {"type": "mrkdwn", "text": "*Run*\nbookinfo/reviews"},
        {"type": "mrkdwn", "text": "*Phase*\nRunning → Failed"},
    ]
    assert body["blocks"][2]["text"]["text"] == "*Reason*\n" + FAILED_WHY.replace(">", "&gt;")
    assert body["blocks"][3]["type"] == "context"
    (posted,) = events.seen()
    assert posted.headers["content-type"] == "application/cloudevents+json"
    event = from_structured_event(HTTPMessage(headers=posted.headers, body=posted.body))
    assert event.get_type() == "io.augur.analysisrun.phase.v1"
    assert event.get_source() == "/api/v1/namespaces/bookinfo/analysisruns/reviews"
    assert event.get_id() == posted.key
    assert event.get_subject() == "Failed"
    assert event.get_specversion() == "1.0"
    data = event.get_data()
    assert isinstance(data, dict)
    assert (data["phase"], data["reason"]) == ("Failed", FAILED_WHY)


def test_annotations_name_receivers_and_nothing_else(tmp_path: Path) -> None:
    with receiver() as ops, receiver() as team:
        hooks = [
            {"name": "ops", "kind": "json", "url": ops.url, "on": ["Failed"]},
            {
                "name": "team-a",
                "kind": "json",
                "url": team.url,
                "runs": "annotated",
                "namespaces": ["team-a"],
            },
        ]
        with serve(tmp_path, hooks) as served:
            named = {"notifications.augur.io/on-completed": "team-a"}
            reply = start_run(served.base_url, "team-a", "reviews", annotations=named)
            assert reply.status_code == 201, reply.text
            assert reply.json()["metadata"]["annotations"] == named
            start_run(served.base_url, "team-a", "quiet")  # names nobody, does not fail
            wait_received(team, 1)
            read_stream(events_url(served.base_url, "team-a", "quiet"))  # until it ended
            refusals = {
                "team-b": start_run(
                    served.base_url, "team-b", "other", annotations=named, expect=None
                ),
                "unknown": start_run(
                    served.base_url,
                    "team-a",
                    "other",
                    annotations={"notifications.augur.io/on-failed": "https://example.com/x"},
                    expect=None,
                ),
                "trigger": start_run(
                    served.base_url,
                    "team-a",
                    "other",
                    annotations={"notifications.augur.io/on-failure": "team-a"},
                    expect=None,
                ),
            }
    assert [r.json()["phase"] for r in team.seen()] == ["Successful"]
    assert ops.seen() == []
    problems = {k: r.json()["errors"] for k, r in refusals.items()}
    assert all(r.status_code == 422 for r in refusals.values())
    assert problems == {
        "team-b": [
            {
                "field": 'annotations["notifications.augur.io/on-completed"]',
                "message": "receiver 'team-a' does not serve namespace 'team-b'",
            }
        ],
        "unknown": [
            {
                "field": 'annotations["notifications.augur.io/on-failed"]',
                "message": "'https://example.com/x' is not a configured receiver; "
                "receivers: ops, team-a",
            }
        ],
        "trigger": [
            {
                "field": 'annotations["notifications.augur.io/on-failure"]',
                "message": "not a notification trigger; use one of "
                "notifications.augur.io/on-running, notifications.augur.io/on-successful, "
                "notifications.augur.io/on-failed, notifications.augur.io/on-error, "
                "notifications.augur.io/on-inconclusive, notifications.augur.io/on-judgement, "
                "notifications.augur.io/on-completed",
            }
        ],
    }


def test_a_pending_notification_is_delivered_after_a_restart(tmp_path: Path) -> None:
    with receiver(statuses=[503] * 100) as down:
        hook = {"name": "down", "kind": "json", "url": down.url, "on": ["Failed"]}
        env = {"AUGUR_NOTIFY_ATTEMPTS": "50", "AUGUR_NOTIFY_BACKOFF_SECONDS": "0.5"}
        with serve(tmp_path, [hook], **env) as first:
            start_run(first.base_url, "bookinfo", "reviews", FAILING, failure_limit=0)
            wait_received(down, 1)
        with down.lock:
            down.statuses.clear()  # from now on the receiver takes it
        tried = len(down.seen())
        with serve(tmp_path, [hook], **env) as second:
            wait_received(down, tried + 1)
            wait_for(
                lambda: sample(second, "augur_notifications_total", outcome="delivered"),
                lambda delivered: delivered == 1,
                timeout=10,
                describe=lambda delivered: f"{delivered} delivered",
            )
    assert len({r.key for r in down.seen()}) == 1
