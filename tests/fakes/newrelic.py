"""A NerdGraph (New Relic's GraphQL API) that checks each request as New Relic would.

``POST /graphql`` only; ``Api-Key`` must be a key it knows and the ``accountId`` variable an
account that key may read (else 401 with ``BAD_API_KEY``, or a GraphQL error); the body must be
JSON ``{query, variables}`` whose document parses and validates against NerdGraph's schema
(the part an NRQL query touches: ``actor.account(id).nrql(query, timeout).results``) with
variables of the declared types (``timeout`` whole seconds). A request that passes gets the
next scripted reply: the vectors' bodies. Requests are recorded for the tests to read.
"""

from __future__ import annotations

import json
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from tests.fakes.upstream import FakeUpstream, Recorded, Reply

__all__ = ["FakeNerdGraph", "errors_reply", "results_reply"]

SDL = """
scalar Nrql
scalar Seconds
scalar NrdbResult
type Query { actor: Actor }
type Actor { account(id: Int!): Account }
type Account { id: Int, nrql(query: Nrql!, timeout: Seconds, async: Boolean): NrdbResultContainer }
type NrdbResultContainer { results: [NrdbResult] }
"""


def _seconds(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise GraphQLError(f"Seconds must be a whole number of seconds, got {value!r}")
    return value


def _schema() -> GraphQLSchema:
    schema = build_schema(SDL)
    schema.type_map["Seconds"].parse_value = _seconds  # type: ignore[attr-defined]
    return schema


SCHEMA = _schema()


def _json(status: int, body: Any) -> Reply:
    return Reply(status=status, body=json.dumps(body), content_type="application/json")


def results_reply(results: Any) -> Reply:
    """A 200 whose ``data.actor.account.nrql.results`` is `results`."""
    return _json(200, {"data": {"actor": {"account": {"nrql": {"results": results}}}}})


def errors_reply(*messages: str, status: int = 200, **extensions: str) -> Reply:
    """GraphQL errors, as NerdGraph sends them (with ``data: null``)."""
    errors = [{"message": m, "extensions": dict(extensions)} for m in messages]
    return _json(status, {"data": None, "errors": errors})


class FakeNerdGraph(FakeUpstream):
    """`keys` maps each API key to the account ids it may query."""

    def __init__(self, keys: dict[str, set[int]], **options: Any) -> None:
        super().__init__(**options)
        self.keys = keys

    def answer(self, request: Recorded) -> Reply:
        if request.method != "POST" or request.path != "/graphql":
            return Reply(status=404, body="Not Found", content_type="text/plain")
        accounts = self.keys.get(request.headers.get("api-key", ""))
        if accounts is None:
            return errors_reply("Invalid API key", status=401, error_code="BAD_API_KEY")
        if request.headers.get("content-type") != "application/json":
            return errors_reply("Must provide query string.", status=400)
        try:
            body = json.loads(request.body)
        except ValueError as exc:
            return errors_reply(f"Invalid JSON: {exc}", status=400)
        problem = self._problem(body, accounts)
        return errors_reply(problem) if problem else self.next_reply()

    @staticmethod
    def _problem(body: Any, accounts: set[int]) -> str:
        """What NerdGraph would say of the request, or "" when it is well formed."""
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return "Must provide query string."
        try:
            document = parse(body["query"])
        except GraphQLError as exc:
            return exc.message
        invalid = validate(SCHEMA, document)
        if invalid:
            return invalid[0].message
        (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        variables = body.get("variables") or {}
        coerced = get_variable_values(SCHEMA, operation.variable_definitions or (), variables)
        if isinstance(coerced, list):
            return coerced[0].message
        values = getattr(coerced, "coerced", coerced)  # graphql-core 3.3 wraps them
        if values.get("accountId") not in accounts:
            return "Not authorized to access this account"
        return ""
