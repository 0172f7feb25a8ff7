"""The store a served test runs on: a SQLite file, or a fresh database on the shared PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import Postgres, create_database
from tests.support.servers import Served, augur_server


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test runs once per store; the SQLite file is `tmp_path/data/augur.db`."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'data' / 'augur.db'}"
    else:
        postgres: Postgres = request.getfixturevalue("postgres")
        yield create_database(postgres)


@pytest.fixture(scope="module")
def augur(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One real `augur serve` (SQLite, no tokens) for a whole module of tests."""
    folder = tmp_path_factory.mktemp("augur")
    store = f"sqlite+aiosqlite:///{folder / 'augur.db'}"
    with augur_server(store_url=store, log=folder / "augur.log", ready=True) as served:
        yield served
