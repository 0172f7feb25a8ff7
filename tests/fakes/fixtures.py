"""pytest fixtures for the fake OAP; import them into a ``conftest.py`` to use them.

One server per session (starting uvicorn costs ~0.1 s); ``fake_oap`` hands each test a clean
one: no series, no fault, no recorded requests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.fake_oap import FakeOAP


@pytest.fixture(scope="session")
def fake_oap_server() -> Iterator[FakeOAP]:
    with FakeOAP() as fake:
        yield fake


@pytest.fixture
def fake_oap(fake_oap_server: FakeOAP) -> Iterator[FakeOAP]:
    fake_oap_server.reset()
    yield fake_oap_server
    fake_oap_server.reset()
