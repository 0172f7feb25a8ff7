"""An InfluxDB 2 ``/api/v2/query`` that checks each request as InfluxDB would.

``POST /api/v2/query?org=<org>`` only; ``Authorization: Token <token>`` must be a token of that
org (else 401 ``unauthorized access``); the org must exist (else 404 ``organization name ...
not found``); the body must be JSON (``Content-Type: application/json``) asking for Flux with
the annotated-CSV dialect the client asks for. Errors are InfluxDB's JSON ``{code, message}``.
A request that passes gets the next scripted reply: the vectors' annotated CSV (gzip'd when the
client accepts it and the reply says so).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.upstream import FakeUpstream, Recorded, Reply

__all__ = ["CSV", "FakeInflux", "csv_reply"]

CSV = "text/csv; charset=utf-8"
DIALECT = {"annotations": ["datatype", "group", "default"], "delimiter": ",", "header": True}


def _error(status: int, code: str, message: str) -> Reply:
    body = json.dumps({"code": code, "message": message})
    return Reply(status=status, body=body, content_type="application/json; charset=utf-8")


def csv_reply(body: str, *, gzip: bool = False) -> Reply:
    headers = (("Content-Encoding", "gzip"),) if gzip else ()
    return Reply(status=200, body=body, content_type=CSV, headers=headers)


class FakeInflux(FakeUpstream):
    """`tokens` maps each org name to the tokens that may query it."""

    def __init__(self, tokens: dict[str, set[str]], **options: Any) -> None:
        super().__init__(**options)
        self.tokens = tokens

    def answer(self, request: Recorded) -> Reply:
        if request.path != "/api/v2/query":
            return Reply(status=404, body="404 page not found\n", content_type="text/plain")
        if request.method != "POST":
            return _error(405, "method not allowed", "method not allowed")
        orgs = parse_qs(request.query).get("org", [])
        authorization = request.headers.get("authorization", "")
        token = authorization.removeprefix("Token ") if authorization.startswith("Token ") else ""
        if not any(token in tokens for tokens in self.tokens.values()):
            return _error(401, "unauthorized", "unauthorized access")
        if len(orgs) != 1 or orgs[0] not in self.tokens:
            org = orgs[0] if orgs else ""
            return _error(404, "not found", f'organization name "{org}" not found')
        if token not in self.tokens[orgs[0]]:
            return _error(401, "unauthorized", "unauthorized access")
        problem = self._problem(request)
        return _error(400, "invalid", problem) if problem else self.next_reply()

    @staticmethod
    def _problem(request: Recorded) -> str:
        if request.headers.get("content-type") != "application/json":
            return "failed to decode request body: unsupported media type"
        try:
            body = json.loads(request.body)
        except ValueError as exc:
            return f"failed to decode request body: {exc}"
        if not isinstance(body, dict) or body.get("type") != "flux":
            return "unsupported query type"
        if body.get("dialect") != DIALECT:
            return f"the client's dialect was expected, got {body.get('dialect')!r}"
        if not isinstance(body.get("query"), str) or not body["query"]:
            return "query was empty"
        return ""
