"""Fixtures the provider tests share (the fake servers' come from ``tests.fakes.fixtures``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.support.graphite import Graphite, graphite_server
from tests.support.moto import Moto, moto_server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A plain client for the provider under test, one per test."""
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture(scope="session")
def graphite() -> Iterator[Graphite]:
    """Debian's carbon-cache and graphite-web, started once for the whole run."""
    with graphite_server() as server:
        yield server


@pytest.fixture(scope="session")
def moto() -> Iterator[Moto]:
    """moto's server mode as CloudWatch, started once; each test resets it (`moto.reset()`)."""
    with moto_server() as server:
        yield server
