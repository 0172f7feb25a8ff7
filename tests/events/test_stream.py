"""The event streams of a real `augur serve`, read over HTTP as a browser's EventSource or curl
would: one event per measurement and per phase change, in order, ids increasing; a resumed
stream gets exactly what it missed; the all-runs stream filters by namespace; the streams end,
refuse and keep alive as documented."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from app.api.events import EventData
from tests.events.conftest import LIFE, events_url, start_run
from tests.support.servers import Served, augur_server
from tests.support.sse import read_stream


@pytest.fixture
def served(tmp_path: Path) -> Served:
    with augur_server(
        store_url=f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}", log=tmp_path / "augur.log"
    ) as server:
        yield server


def test_one_event_per_measurement_and_phase_change_in_order(served: Served) -> None:
    assert start_run(served.base_url, "bookinfo", "reviews").status_code == 201
    stream = read_stream(events_url(served.base_url, "bookinfo", "reviews"))
    assert stream.ended  # after the run's final phase
    assert stream.retry == 3000
    assert stream.labels == LIFE
    assert stream.ids == sorted(stream.ids)
    assert len(set(stream.ids)) == len(LIFE)
    for event in stream.events:  # each as the OpenAPI description documents it
        shown = EventData.model_validate(event.data).model_dump(by_alias=True, exclude_unset=True)
        assert shown == event.data
    created, first, *_, last = stream.events
    assert created.data["action"] == "created"
    assert first.data["measurement"] | {"startedAt": "-", "finishedAt": "-"} == {
        "seq": 1,
        "phase": "Successful",
        "value": "0.99",
        "message": "",
        "metadata": {"replay.index": "0"},
        "startedAt": "-",
        "finishedAt": "-",
    }
    assert first.data["metricResult"]["count"] == 1
    assert last.data["status"] == {
        "phase": "Successful",
        "message": "",
        "count": 1,
        "successful": 1,
        "failed": 0,
        "inconclusive": 0,
        "error": 0,
    }
    assert last.data["previousPhase"] == "Running"
    failed = stream.events[4]
    assert failed.data["message"] == "successCondition result >= 0.95 is false: result is 0.5"
    # Once the client has seen the end, asking again tells EventSource to stop: 204.
    again = httpx.get(
        events_url(served.base_url, "bookinfo", "reviews"),
        headers={"Last-Event-ID": str(last.id)},
    )
    assert again.status_code == 204


@pytest.mark.parametrize("how", ["header", "query"])
def test_a_resumed_stream_gets_exactly_the_missed_events(served: Served, how: str) -> None:
    start_run(served.base_url, "bookinfo", "reviews")
    url = events_url(served.base_url, "bookinfo", "reviews")
    first = read_stream(url, stop=lambda s: len(s.events) == 3)
    assert (first.status, len(first.events)) == (200, 3), (first.problem, first.labels)
    last = str(first.ids[-1])
    if how == "header":
        rest = read_stream(url, headers={"Last-Event-ID": last})
    else:
        rest = read_stream(f"{url}?lastEventId={last}")
    whole = read_stream(url)
    assert first.labels + rest.labels == LIFE
    assert first.ids + rest.ids == whole.ids
    # Disconnecting in the middle of a stream is no error.
    assert '"level": "error"' not in served.logs()


def test_the_all_runs_stream_filters_by_namespace(served: Served) -> None:
    start_run(served.base_url, "team-a", "reviews")
    start_run(served.base_url, "team-b", "ratings")
    url = f"{served.base_url}/api/v1/events"

    def finished(names: set[str]):  # type: ignore[no-untyped-def]
        return lambda s: (
            {e.data["name"] for e in s.events if e.label == "phase - Successful"} >= (names)
        )

    team_a = read_stream(f"{url}?namespace=team-a&lastEventId=0", stop=finished({"reviews"}))
    assert {e.data["namespace"] for e in team_a.events} == {"team-a"}
    assert team_a.labels == LIFE
    both = read_stream(f"{url}?lastEventId=0", stop=finished({"reviews", "ratings"}))
    assert [e for e in both.events if e.data["namespace"] == "team-a"] == team_a.events
    assert len(both.events) == 2 * len(LIFE)
    assert both.ids == sorted(both.ids)


def test_without_a_cursor_the_all_runs_stream_starts_now(served: Served) -> None:
    start_run(served.base_url, "bookinfo", "old")
    read_stream(events_url(served.base_url, "bookinfo", "old"))  # until it has finished
    seen = []

    def started(stream) -> bool:  # type: ignore[no-untyped-def]
        if not seen:  # the stream is open: start the next run now
            seen.append(start_run(served.base_url, "bookinfo", "new").status_code)
        return any(e.label == "phase - Successful" for e in stream.events)

    stream = read_stream(f"{served.base_url}/api/v1/events", stop=started)
    assert seen == [201]
    assert {e.data["name"] for e in stream.events} == {"new"}
    assert stream.labels == LIFE


def test_deleting_a_run_ends_its_stream(served: Served) -> None:
    start_run(served.base_url, "bookinfo", "slow", (0.99,) * 50)
    url = events_url(served.base_url, "bookinfo", "slow")
    done: list[int] = []

    def delete_once(stream) -> bool:  # type: ignore[no-untyped-def]
        if stream.events and stream.events[-1].kind == "measurement" and not done:
            path = "/api/v1/namespaces/bookinfo/analysisruns/slow"
            done.append(httpx.delete(served.base_url + path).status_code)
        return False

    stream = read_stream(url, stop=delete_once)
    assert done == [204]
    assert stream.ended
    assert stream.events[-1].kind == "run"
    assert stream.events[-1].data["action"] == "deleted"
    assert httpx.get(url).status_code == 404


@pytest.mark.parametrize(
    ("headers", "query", "field", "detail"),
    [
        pytest.param(
            {"Last-Event-ID": "seven"}, "", "Last-Event-ID",
            "Last-Event-ID: 'seven' is not an event id", id="header",
        ),
        pytest.param(
            {}, "?lastEventId=-1", "lastEventId", "lastEventId: '-1' is not an event id", id="query"
        ),
        pytest.param(
            {}, "?lastEventId=99999999999999999999", "lastEventId",
            "lastEventId: '99999999999999999999' is not an event id", id="past-int64",
        ),
    ],
)  # fmt: skip
def test_a_cursor_that_is_no_event_id_is_refused(
    served: Served, headers: dict[str, str], query: str, field: str, detail: str
) -> None:
    start_run(served.base_url, "bookinfo", "reviews")
    for url in (
        events_url(served.base_url, "bookinfo", "reviews") + query,
        f"{served.base_url}/api/v1/events{query}",
    ):
        reply = httpx.get(url, headers=headers)
        assert reply.status_code == 422
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.json()["detail"] == detail
        assert reply.json()["errors"] == [
            {"field": field, "message": "the id: of the last event received, a whole number"}
        ]


def test_a_missing_run_is_404(served: Served) -> None:
    reply = httpx.get(events_url(served.base_url, "bookinfo", "nothing"))
    assert reply.status_code == 404
    assert reply.json()["detail"] == "analysisrun bookinfo/nothing not found"


def test_streams_keep_alive_end_after_their_time_and_are_limited(tmp_path: Path) -> None:
    env = {
        "AUGUR_EVENTS_KEEPALIVE_SECONDS": "0.3",
        "AUGUR_EVENTS_MAX_STREAM_SECONDS": "2",
        "AUGUR_EVENTS_MAX_STREAMS": "1",
    }
    with augur_server(
        store_url=f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}",
        log=tmp_path / "augur.log",
        env=env,
    ) as served:
        url = f"{served.base_url}/api/v1/events"
        refused: list[httpx.Response] = []

        def second(stream) -> bool:  # type: ignore[no-untyped-def]
            if stream.comments and not refused:  # open: a second stream is one too many
                refused.append(httpx.get(url))
            return False

        stream = read_stream(url, stop=second)
        assert stream.ended  # by the server, after AUGUR_EVENTS_MAX_STREAM_SECONDS
        assert set(stream.comments) == {": keepalive"}
        assert refused[0].status_code == 503
        assert refused[0].json()["detail"] == (
            "1 event streams are open, the most this server serves "
            "(AUGUR_EVENTS_MAX_STREAMS); retry later"
        )
        # The slot came back with the stream's end.
        assert read_stream(url, stop=lambda s: s.retry is not None).status == 200
        metrics = httpx.get(f"{served.base_url}/metrics").text
        assert "augur_event_streams 0.0" in metrics


def test_events_carry_the_stored_text_only(tmp_path: Path) -> None:
    """A secret read for a measurement is `*****` in the stored measurement, so in its event."""
    secret = "planted-secret-1f6e9b"
    folder = tmp_path / "secrets" / "bookinfo" / "token"
    folder.mkdir(parents=True)
    (folder / "value").write_text(secret)
    run = {
        "name": "leaky",
        "spec": {
            "args": [
                {"name": "t", "valueFrom": {"secretKeyRef": {"name": "token", "key": "value"}}}
            ],
            "metrics": [
                {
                    "name": "echo",
                    "count": 1,
                    "successCondition": "false",
                    "provider": {"replay": {"results": [{"value": "{{args.t}}"}]}},
                }
            ],
        },
    }
    with augur_server(
        store_url=f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}",
        log=tmp_path / "augur.log",
        env={"AUGUR_SECRETS_DIR": str(tmp_path / "secrets")},
    ) as served:
        reply = httpx.post(f"{served.base_url}/api/v1/namespaces/bookinfo/analysisruns", json=run)
        assert reply.status_code == 201, reply.text
        stream = read_stream(events_url(served.base_url, "bookinfo", "leaky"))
    text = json.dumps([e.data for e in stream.events])
    assert secret not in text
    assert stream.events[1].data["measurement"]["value"] == '"*****"'  # a JSON string
