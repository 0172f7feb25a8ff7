"""Who may read which stream (tokens as for reads; a namespace-limited token sees its own
namespaces only), and streams across a restart: the ids go on, and a cursor from before the
restart resumes after it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.events.conftest import LIFE, events_url, start_run
from tests.support.servers import augur_server
from tests.support.sse import read_stream

WRITER = "write-token-0123456789abcdef"
TEAM_A = "team-a-reader-0123456789abcdef"
TOKENS = f"write:{WRITER},read@team-a:{TEAM_A}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def finished(*names: str):  # type: ignore[no-untyped-def]
    return lambda s: (
        {e.data["name"] for e in s.events if e.label == "phase - Successful"} >= set(names)
    )


def test_a_namespace_limited_token_sees_its_namespaces_only(tmp_path: Path) -> None:
    with augur_server(
        store_url=f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}",
        log=tmp_path / "augur.log",
        env={"AUGUR_TOKENS": TOKENS},
    ) as served:
        base = served.base_url
        assert start_run(base, "team-a", "reviews", token=WRITER).status_code == 201
        assert start_run(base, "team-b", "ratings", token=WRITER).status_code == 201
        everything = read_stream(
            f"{base}/api/v1/events?lastEventId=0",
            headers=bearer(WRITER),
            stop=finished("reviews", "ratings"),
        )
        assert {e.data["namespace"] for e in everything.events} == {"team-a", "team-b"}
        # Without ?namespace=, the limited token's stream holds its namespace's runs only.
        own = read_stream(
            f"{base}/api/v1/events?lastEventId=0", headers=bearer(TEAM_A), stop=finished("reviews")
        )
        assert own.labels == LIFE
        assert {e.data["namespace"] for e in own.events} == {"team-a"}
        # EventSource cannot send headers: the token may come as ?token=.
        by_query = read_stream(f"{events_url(base, 'team-a', 'reviews')}?token={TEAM_A}")
        assert by_query.labels == LIFE
        refused = {
            "run": read_stream(events_url(base, "team-b", "ratings"), headers=bearer(TEAM_A)),
            "namespace": read_stream(
                f"{base}/api/v1/events?namespace=team-b", headers=bearer(TEAM_A)
            ),
        }
        for answer in refused.values():
            assert answer.status == 403
            assert answer.problem is not None
            assert answer.problem["detail"] == (
                'the token is limited to namespaces team-a; namespace "team-b" is not one of them'
            )
        assert read_stream(events_url(base, "team-a", "reviews")).status == 401
        assert read_stream(f"{base}/api/v1/events").status == 401
        assert TEAM_A not in served.logs()  # ?token= is never logged


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_ids_go_on_across_a_restart_and_a_cursor_resumes(
    tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    if store == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}"
    else:
        from tests.support.postgres import create_database

        url = create_database(request.getfixturevalue("postgres"))
    with augur_server(store_url=url, log=tmp_path / "first.log") as first:
        start_run(first.base_url, "bookinfo", "before")
        before = read_stream(events_url(first.base_url, "bookinfo", "before"))
        assert before.labels == LIFE
        # Deleting the newest events must not free their ids for reuse.
        start_run(first.base_url, "bookinfo", "gone", (0.99,))
        gone = read_stream(events_url(first.base_url, "bookinfo", "gone"))
        path = "/api/v1/namespaces/bookinfo/analysisruns/gone"
        assert httpx.delete(first.base_url + path).status_code == 204
    cursor = gone.ids[-1]
    with augur_server(store_url=url, log=tmp_path / "second.log") as second:
        start_run(second.base_url, "bookinfo", "after")
        after = read_stream(
            f"{second.base_url}/api/v1/events",
            headers={"Last-Event-ID": str(cursor)},
            stop=finished("after"),
        )
        # First the deletion of `gone`, stored before the restart; then `after`'s life.
        assert [e.label for e in after.events] == ["run - Successful", *LIFE]
        assert after.events[0].data["action"] == "deleted"
        assert min(after.ids) > cursor
        assert after.ids == sorted(after.ids)
        # A per-run cursor from before the restart resumes too.
        resumed = read_stream(
            events_url(second.base_url, "bookinfo", "before"),
            headers={"Last-Event-ID": str(before.ids[3])},
        )
        assert resumed.events == before.events[4:]
