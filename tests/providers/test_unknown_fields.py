"""A misspelt optional field is refused, naming the known ones, instead of silently ignored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from providers.errors import ConfigError
from providers.registry import build


@pytest.mark.parametrize(
    ("block", "message"),
    [
        pytest.param(
            {"web": {"url": "http://127.0.0.1:1/x", "timeoutSecond": 5}},
            "web: unknown field(s) timeoutSecond; known: authentication, body, headers, "
            "insecure, jsonBody, jsonPath, method, timeoutSeconds, url",
            id="web",
        ),
        pytest.param(
            {"prometheus": {"address": "http://127.0.0.1:1", "query": "up", "followRedirects": 1}},
            "prometheus: unknown field(s) followRedirects; known: address, authentication, "
            "headers, insecure, query, rangeQuery, timeout",
            id="prometheus",
        ),
    ],
)
async def test_unknown_fields(block: dict[str, Any], message: str) -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(ConfigError) as caught:
            build(block, http=http, plugins={})
    assert str(caught.value) == message
