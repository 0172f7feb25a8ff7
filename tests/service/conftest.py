"""The store a served test runs on: a SQLite file, or a fresh database on the shared PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import Postgres, create_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test runs once per store; the SQLite file is `tmp_path/data/augur.db`."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'data' / 'augur.db'}"
    else:
        postgres: Postgres = request.getfixturevalue("postgres")
        yield create_database(postgres)
