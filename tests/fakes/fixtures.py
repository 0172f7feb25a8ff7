"""pytest fixtures for the fake servers, registered for the whole suite by ``tests/conftest.py``.

One server of each kind per session (starting one costs time); the function-scoped fixture hands
each test a clean one:

- ``fake_oap``: the fake SkyWalking OAP, with no series, no fault and no recorded requests;
- ``scripted``: the scripted loopback HTTP server, with no replies and no recorded requests;
- ``datadog``: the fake Datadog API, with no replies, no recorded requests and Argo's test keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, TypeVar

import pytest

from tests.fakes.datadog import FakeDatadog, fake_datadog
from tests.fakes.fake_oap import FakeOAP
from tests.fakes.scripted import ScriptedServer, scripted_server


class _Resettable(Protocol):
    def reset(self) -> None: ...


R = TypeVar("R", bound=_Resettable)


def _clean(server: R) -> Iterator[R]:
    """The session's server for one test, forgetting whatever the test left on it."""
    server.reset()
    yield server
    server.reset()


@pytest.fixture(scope="session")
def fake_oap_server() -> Iterator[FakeOAP]:
    with FakeOAP() as fake:
        yield fake


@pytest.fixture
def fake_oap(fake_oap_server: FakeOAP) -> Iterator[FakeOAP]:
    yield from _clean(fake_oap_server)


@pytest.fixture(scope="session")
def scripted_session() -> Iterator[ScriptedServer]:
    with scripted_server() as server:
        yield server


@pytest.fixture
def scripted(scripted_session: ScriptedServer) -> Iterator[ScriptedServer]:
    yield from _clean(scripted_session)


@pytest.fixture(scope="session")
def datadog_session() -> Iterator[FakeDatadog]:
    with fake_datadog() as server:
        yield server


@pytest.fixture
def datadog(datadog_session: FakeDatadog) -> Iterator[FakeDatadog]:
    yield from _clean(datadog_session)
