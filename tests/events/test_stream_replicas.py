"""Two replicas on one PostgreSQL: whichever measures a run (the store decides; runs are created
on each in turn), both stream the same events with the same ids, and a stream begun on one
resumes on the other."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from tests.events.conftest import LIFE, events_url, start_run
from tests.support.postgres import Postgres, create_database
from tests.support.servers import augur_server
from tests.support.sse import read_stream

RUNS = 6


def test_two_replicas_stream_the_same_events(postgres: Postgres, tmp_path: Path) -> None:
    store = create_database(postgres)
    with ExitStack() as stack:
        one, two = (
            stack.enter_context(
                augur_server(
                    store_url=store,
                    log=tmp_path / f"replica-{n}.log",
                    env={"AUGUR_REPLICA_ID": f"replica-{n}"},
                    ready=True,
                )
            )
            for n in (1, 2)
        )
        for index in range(RUNS):  # created on each in turn: the creator is woken first
            creator = (one, two)[index % 2]
            assert start_run(creator.base_url, "bookinfo", f"run-{index}").status_code == 201
        for index in range(RUNS):
            name = f"run-{index}"
            on_one = read_stream(events_url(one.base_url, "bookinfo", name))
            on_two = read_stream(events_url(two.base_url, "bookinfo", name))
            assert on_one.labels == LIFE, name
            assert on_two.events == on_one.events, name
            # Begun on one replica, resumed on the other: nothing missed, nothing twice.
            begun = read_stream(
                events_url(one.base_url, "bookinfo", name), stop=lambda s: len(s.events) == 2
            )
            rest = read_stream(
                events_url(two.base_url, "bookinfo", name),
                headers={"Last-Event-ID": str(begun.ids[-1])},
            )
            assert begun.events + rest.events == on_one.events, name
        # The all-runs stream of each replica holds every run's events, in one id order.
        streams = [
            read_stream(
                f"{replica.base_url}/api/v1/events?lastEventId=0",
                stop=lambda s: len(s.events) == RUNS * len(LIFE),
            )
            for replica in (one, two)
        ]
        assert streams[0].events == streams[1].events
        assert streams[0].ids == sorted(streams[0].ids)
