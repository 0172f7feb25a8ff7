"""Fixtures for real servers shared across the suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.postgres import Postgres, postgres_server

#: The fake servers' fixtures (``fake_oap``, ``scripted``), seen by every test folder.
pytest_plugins = ["tests.fakes.fixtures"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One PostgreSQL server for the whole run; tests that need isolation create a database."""
    with postgres_server() as server:
        yield server
