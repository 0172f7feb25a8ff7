"""Wavefront's chart API (``GET /api/v2/chart/api``) that checks each request as Wavefront would.

HTTPS only (the fake is given a certificate); ``Authorization: Bearer <token>`` must be a token
it knows (else 401), ``Accept`` must allow JSON (else 406), and the parameters must be
Wavefront's: ``q`` non-empty, ``s`` (and ``e`` when given) epoch milliseconds, ``g`` one of
``d h m s``, ``p`` a positive number, the booleans ``true`` or ``false``; anything else is a
400 with Wavefront's error shape. A request that passes gets the next scripted reply.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.upstream import FakeUpstream, Recorded, Reply

__all__ = ["FakeWavefront", "chart_reply"]

BOOLEANS = ("i", "autoEvents", "listmode", "strict", "includeObsoleteMetrics")


def _error(status: int, message: str) -> Reply:
    body = json.dumps({"status": {"result": "ERROR", "message": message, "code": status}})
    return Reply(status=status, body=body)


def chart_reply(series: list[list[list[float]]], warnings: str = "") -> Reply:
    """A 200 with one time series per item of `series` (its ``[ts, value]`` points)."""
    body: dict[str, Any] = {
        "timeseries": [
            {"label": f"series-{i}", "host": "h", "tags": {}, "data": points}
            for i, points in enumerate(series)
        ],
        "query": "q",
        "granularity": 1,
    }
    if warnings:
        body["warnings"] = warnings
    return Reply(status=200, body=json.dumps(body))


class FakeWavefront(FakeUpstream):
    def __init__(self, tokens: set[str], **options: Any) -> None:
        super().__init__(**options)
        self.tokens = tokens

    def answer(self, request: Recorded) -> Reply:
        if request.method != "GET" or request.path != "/api/v2/chart/api":
            return _error(404, f"no such resource {request.method} {request.path}")
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return _error(401, "401: Unauthorized")
        if "application/json" not in request.headers.get("accept", ""):
            return _error(406, "Not Acceptable")
        problem = self._problem(parse_qs(request.query, keep_blank_values=True))
        return _error(400, problem) if problem else self.next_reply()

    @staticmethod
    def _problem(params: dict[str, list[str]]) -> str:
        if any(len(values) > 1 for values in params.values()):
            return "a parameter is repeated"
        single = {key: values[0] for key, values in params.items()}
        if not single.get("q"):
            return "q is required"
        if not single.get("s", "").isdigit() or not single.get("e", "0").isdigit():
            return "s (and e) must be epoch milliseconds"
        if single.get("g") not in ("d", "h", "m", "s"):
            return "g must be one of d, h, m, s"
        if "p" in single and not (single["p"].isdigit() and int(single["p"]) > 0):
            return "p must be a positive number"
        if any(single.get(name, "false") not in ("true", "false") for name in BOOLEANS):
            return "a boolean parameter is neither true nor false"
        return ""
