"""Fixtures the provider tests share (the fake servers' come from ``tests.fakes.fixtures``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A plain client for the provider under test, one per test."""
    async with httpx.AsyncClient() as client:
        yield client
