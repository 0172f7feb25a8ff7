"""The operational endpoints, over a real uvicorn server on a loopback port."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app import __version__
from app.api.migrating import MIGRATING, UNREACHABLE_AT_START
from tests.support.postgres import Postgres, create_database
from tests.support.servers import Served, augur_server, free_port, wait_ready
from tests.support.waiting import wait_for

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("augur")
    store = f"sqlite+aiosqlite:///{tmp / 'data' / 'augur.db'}"
    with augur_server(store_url=store, log=tmp / "server.log") as served:
        served.data_dir = tmp / "data"
        yield served


def test_healthz_says_alive(server: Served) -> None:
    reply = httpx.get(f"{server.base_url}/healthz")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok"}


def test_readyz_once_the_sqlite_file_is_created_and_migrated(server: Served) -> None:
    reply = wait_ready(server.base_url)
    assert reply.status_code == 200
    assert reply.json() == {"status": "ready"}
    assert server.data_dir is not None
    with sqlite3.connect(server.data_dir / "augur.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"templates", "runs", "measurements", "run_labels", "alembic_version"} <= tables


def test_metrics_expose_build_info_and_process_metrics(server: Served) -> None:
    reply = httpx.get(f"{server.base_url}/metrics")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/plain; version=")
    text = reply.text
    assert 'augur_build_info{python="' in text
    assert f'version="{__version__}"' in text
    assert "process_resident_memory_bytes " in text
    assert "python_gc_objects_collected_total" in text


@pytest.mark.parametrize(
    ("method", "path", "status", "title"),
    [
        pytest.param("GET", "/no/such/thing", 404, "Not found", id="unknown-path"),
        pytest.param("POST", "/healthz", 405, "Method not allowed", id="wrong-method"),
    ],
)
def test_errors_are_problem_json(
    server: Served, method: str, path: str, status: int, title: str
) -> None:
    reply = httpx.request(method, f"{server.base_url}{path}")
    assert reply.status_code == status
    assert reply.headers["content-type"] == PROBLEM
    body = reply.json()
    assert body["status"] == status
    assert body["title"] == title


def test_readyz_is_503_when_the_store_is_down_and_never_shows_the_password(
    tmp_path: Path,
) -> None:
    # A PostgreSQL URL on a port nothing listens on: the process is alive but not ready.
    secret = "s3cr3t-planted-password"
    store = f"postgresql+asyncpg://augur:{secret}@127.0.0.1:{free_port()}/augur"
    with augur_server(store_url=store, log=tmp_path / "server.log", ready=False) as served:
        alive = httpx.get(f"{served.base_url}/healthz")
        ready = httpx.get(f"{served.base_url}/readyz", timeout=15)
        # The API says the store has not been reachable, not that it is busy migrating.
        runs = wait_for(
            lambda: httpx.get(f"{served.base_url}/api/v1/namespaces/bookinfo/analysisruns"),
            lambda reply: reply.json()["detail"] != MIGRATING,
            timeout=15,
            describe=lambda reply: reply.text,
        )
    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.headers["content-type"] == PROBLEM
    assert ready.json()["detail"] == (
        "the store cannot be reached or is not migrated yet; check AUGUR_STORE_URL"
    )
    assert (runs.status_code, runs.headers["content-type"]) == (503, PROBLEM)
    assert runs.json()["detail"] == UNREACHABLE_AT_START
    assert runs.headers["retry-after"] == "1"
    assert secret not in ready.text + runs.text
    assert secret not in served.logs()
    assert "store migration failed" in served.logs()


def test_store_routes_wait_for_the_migrations_and_say_so(tmp_path: Path) -> None:
    # Another process holds the SQLite file's write lock, so the migrations cannot run yet.
    database = tmp_path / "augur.db"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    store = f"sqlite+aiosqlite:///{database}"
    body = {"name": "reviews", "spec": {"metrics": [{"name": "m", "provider": {"job": {}}}]}}
    try:
        with augur_server(store_url=store, log=tmp_path / "server.log", ready=False) as served:
            runs = f"{served.base_url}/api/v1/namespaces/bookinfo/analysisruns"
            page = f"{served.base_url}/ui"
            waiting = [httpx.get(runs), httpx.post(runs, json=body), httpx.get(page)]
            assert httpx.get(f"{served.base_url}/healthz").status_code == 200
            assert httpx.get(f"{served.base_url}/openapi.json").status_code == 200
            holder.execute("ROLLBACK")
            assert wait_ready(served.base_url).status_code == 200
            after = httpx.get(runs)
    finally:
        holder.close()
    for reply in waiting:
        assert (reply.status_code, reply.headers["content-type"]) == (503, PROBLEM), reply.text
        assert reply.headers["retry-after"] == "1"
        assert reply.json()["detail"] in (MIGRATING, UNREACHABLE_AT_START)
    assert after.status_code == 200
    assert after.json()["items"] == []


def test_readyz_on_a_real_postgresql_server(postgres: Postgres, tmp_path: Path) -> None:
    with augur_server(store_url=create_database(postgres), log=tmp_path / "server.log") as served:
        reply = wait_ready(served.base_url)
    assert reply.status_code == 200
    assert reply.json() == {"status": "ready"}


def test_logs_are_json_lines_and_the_access_log_never_shows_the_query(server: Served) -> None:
    secret = "planted-gate-token-0123456789"
    httpx.get(f"{server.base_url}/healthz", params={"token": secret})
    time.sleep(0.2)  # the line is written after the response is sent
    lines = [json.loads(line) for line in server.logs().splitlines() if line.startswith("{")]
    access = [e for e in lines if e["logger"] == "augur.access" and e["path"] == "/healthz"]
    assert access
    assert access[-1]["status"] == 200
    assert access[-1]["method"] == "GET"
    assert secret not in server.logs()


def test_without_tokens_the_server_binds_to_loopback_only_and_says_so(tmp_path: Path) -> None:
    store = f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}"
    env = {"AUGUR_HOST": "0.0.0.0"}  # asked for, and refused without tokens
    with augur_server(store_url=store, log=tmp_path / "server.log", env=env) as served:
        logs = served.logs()
    assert "augur serves on 127.0.0.1 only instead of 0.0.0.0" in logs
    assert f"Uvicorn running on http://127.0.0.1:{served.base_url.rsplit(':', 1)[1]}" in logs


def test_a_second_process_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    store = f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}"
    with augur_server(store_url=store, log=tmp_path / "first.log") as first:
        with (
            pytest.raises(RuntimeError) as refused,
            augur_server(store_url=store, log=tmp_path / "second.log"),
        ):
            pass
        assert httpx.get(f"{first.base_url}/healthz").status_code == 200
    message = str(refused.value)
    assert f"is using the SQLite store {tmp_path / 'augur.db'}" in message
    assert "run replicas on PostgreSQL" in message
