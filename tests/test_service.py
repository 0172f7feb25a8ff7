"""The operational endpoints, over a real uvicorn server on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app import __version__
from tests.support.postgres import Postgres
from tests.support.servers import Served, augur_server, free_port

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("augur")
    store = f"sqlite+aiosqlite:///{tmp / 'data' / 'augur.db'}"
    with augur_server(store_url=store, log=tmp / "server.log") as served:
        yield served


def test_healthz_says_alive(server: Served) -> None:
    reply = httpx.get(f"{server.base_url}/healthz")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok"}


def test_readyz_reaches_the_sqlite_file_it_created(server: Served, tmp_path: Path) -> None:
    reply = httpx.get(f"{server.base_url}/readyz")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ready"}


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
    with augur_server(store_url=store, log=tmp_path / "server.log") as served:
        alive = httpx.get(f"{served.base_url}/healthz")
        ready = httpx.get(f"{served.base_url}/readyz", timeout=15)
    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.headers["content-type"] == PROBLEM
    assert ready.json()["detail"] == "the store cannot be reached; check AUGUR_STORE_URL"
    assert secret not in ready.text
    assert secret not in served.logs()
    assert "store unreachable" in served.logs()


def test_readyz_on_a_real_postgresql_server(postgres: Postgres, tmp_path: Path) -> None:
    with augur_server(store_url=postgres.url(), log=tmp_path / "server.log") as served:
        reply = httpx.get(f"{served.base_url}/readyz", timeout=15)
    assert reply.status_code == 200
    assert reply.json() == {"status": "ready"}
