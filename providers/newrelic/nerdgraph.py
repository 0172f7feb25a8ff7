"""One NRQL query through NerdGraph, sent, retried and read as newrelic-client-go v2.93.1 does.

``POST <NerdGraph URL>`` with ``Api-Key``, ``Content-Type: application/json``, Argo's
``User-Agent``, ``NewRelic-Requesting-Services`` and ``X-Query-Source-Component-Id``; the body is
Go's ``json.Marshal`` of ``{query, variables: {accountId, query, timeout}}`` (so ``<``, ``>``,
``&`` in NRQL go out as ``\\u003c``...). Each try waits at most 30 s.

Retries are go-retryablehttp's (4 tries, waits of 1, 2, 4 s; ``Retry-After`` of a 429 or 503
honoured, at most 30 s here) on a transport error (but not an unknown certificate authority or
a bad scheme), a status of 429, 500 or from 502 up, and a 200 whose first error is
``TOO_MANY_REQUESTS``; when they run out: ``POST <url> giving up after 4 attempt(s)``. On top,
an answer whose GraphQL errors say ``TIMEOUT``, ``INTERNAL_SERVER_ERROR`` or ``SERVER_ERROR`` is
asked again up to 3 times, then ``maximum retries reached: <messages>``. The answer's error texts
are the client's (``resource not found``, ``401 response returned: Invalid credentials...``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

import httpx

from providers.errors import ProviderError, QueryError, UnavailableError, transport_reason
from providers.golang import GoJSONError, decode_json, go_json_error, marshal
from providers.newrelic.account import Account
from providers.newrelic.config import PROVIDER
from providers.profiles import invalid_header
from providers.transport import go_method, redact_url

__all__ = ["DOCUMENT", "Sleep", "nrql_results", "user_agent"]

#: Argo's query document (metricproviders/newrelic/newrelic.go), byte for byte.
DOCUMENT = (
    "query (\n  $query: Nrql!, \n  $accountId: Int!,\n  $timeout: Seconds!\n)\n{\n  actor {\n"
    "    account(id: $accountId) {\n      nrql(query: $query, timeout: $timeout) {\n"
    "        results\n      }\n    }\n  }\n}\n"
)
UNAUTHORIZED = (
    "401 response returned: Invalid credentials provided. Missing API key or an invalid API "
    "key was provided."
)
ATTEMPT_TIMEOUT = 30.0
RETRY_MAX = 3
WAIT_MIN, WAIT_MAX = 1.0, 30.0
_RETRY_STATUS = frozenset({0, 429, 500})
_RETRY_CLASSES = frozenset({"TIMEOUT", "INTERNAL_SERVER_ERROR", "SERVER_ERROR"})
_DEPRECATED = "This field is deprecated!"
#: OpenSSL's words for a chain no trusted authority signed (Go: x509.UnknownAuthorityError).
_UNKNOWN_AUTHORITY = (
    "unable to get local issuer certificate",
    "unable to get issuer certificate",
    "self-signed certificate",
    "self signed certificate",
)

Sleep = Callable[[float], Awaitable[None]]


def user_agent() -> str:
    """Argo's ``argo-rollouts/<version> (<repo>)``, its version saying that augur sent it."""
    try:
        mine = version("augur")
    except PackageNotFoundError:  # a source tree that was never installed
        mine = "0.0.0+unknown"
    return f"argo-rollouts/augur-{mine} (https://github.com/argoproj/argo-rollouts)"


def _errors(payload: Any) -> list[Mapping[str, Any]]:
    errors = payload.get("errors") if isinstance(payload, Mapping) else None
    return [e for e in errors if isinstance(e, Mapping)] if isinstance(errors, list) else []


def _extension(error: Mapping[str, Any], name: str) -> Any:
    extensions = error.get("extensions")
    return extensions.get(name) if isinstance(extensions, Mapping) else None


def _messages(errors: list[Mapping[str, Any]]) -> str:
    texts = [str(e.get("message") or "") for e in errors]
    return ", ".join(t for t in texts if t and not t.startswith(_DEPRECATED))


def _decoded(body: bytes) -> Any:
    try:
        return decode_json(body)
    except GoJSONError as exc:
        return exc


def _wait(attempt: int, response: httpx.Response | None) -> float:
    """go-retryablehttp's DefaultBackoff (Retry-After capped at WAIT_MAX here)."""
    if response is not None and response.status_code in (429, 503):
        after = response.headers.get("retry-after", "")
        if after.isdigit():
            return min(float(after), WAIT_MAX)
    return float(min(WAIT_MIN * 2**attempt, WAIT_MAX))


def _retry_answer(response: httpx.Response) -> tuple[bool, str]:
    """newrelic-client-go's RetryPolicy for an answer: (retry?, the error when giving up)."""
    if response.status_code in _RETRY_STATUS or response.status_code >= 502:
        return True, ""
    first = _errors(_decoded(response.content))[:1]
    if first and _extension(first[0], "errorClass") == "TOO_MANY_REQUESTS":
        return True, "TOO_MANY_REQUESTS"
    return False, ""


def _retry_failure(error: httpx.HTTPError) -> bool:
    """RetryPolicy for a request that got no answer: all but an unknown certificate authority
    and an unsupported scheme."""
    unknown_authority = any(words in str(error) for words in _UNKNOWN_AUTHORITY)
    return not (unknown_authority or isinstance(error, httpx.UnsupportedProtocol))


def _reason(error: httpx.HTTPError, url: str) -> str:
    """The reason Go's ``url.Error`` gives for a request that got no answer."""
    if isinstance(error, httpx.TimeoutException):
        return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
    if isinstance(error, httpx.UnsupportedProtocol):
        return f'unsupported protocol scheme "{urlsplit(url).scheme}"'
    return transport_reason(error)


async def _post(
    http: httpx.AsyncClient, url: str, body: bytes, headers: Mapping[str, str], sleep: Sleep
) -> httpx.Response:
    """go-retryablehttp's ``Do``: the answer to keep, or ``giving up after N attempt(s)``."""
    shown = redact_url(url)
    refused = invalid_header(headers)  # Go refuses it on every try, and tries again
    for attempt in range(RETRY_MAX + 1):
        response: httpx.Response | None = None
        retry, reason = True, refused or ""
        if not refused:
            try:
                response = await http.post(
                    url,
                    content=body,
                    headers=headers,
                    timeout=ATTEMPT_TIMEOUT,
                    follow_redirects=True,  # Go's http.Client follows them
                )
            except httpx.HTTPError as exc:
                retry, reason = _retry_failure(exc), _reason(exc, url)
        if response is not None:
            retry, reason = _retry_answer(response)
            if not retry:
                return response
        elif reason:
            reason = f'{go_method("POST")} "{shown}": {reason}'
        if not retry or attempt == RETRY_MAX:
            tail = f": {reason}" if reason else ""
            raise UnavailableError(
                f"POST {shown} giving up after {attempt + 1} attempt(s){tail}",
                provider=PROVIDER,
                status=None if response is None else response.status_code,
            )
        await sleep(_wait(attempt, response))
    raise AssertionError("unreachable")  # pragma: no cover


def _status_error(status: int, errors: list[Mapping[str, Any]], body: str) -> ProviderError:
    bad_key = any(_extension(e, "error_code") == "BAD_API_KEY" for e in errors)
    if errors and (status == 401 or bad_key):
        return QueryError(UNAUTHORIZED, provider=PROVIDER, status=status, upstream_message=body)
    if status == 402:
        return QueryError("Payment Required", provider=PROVIDER, status=status)
    messages = _messages(errors)
    text = f"{status} response returned" + (f": {messages}" if messages else "")
    cls = UnavailableError if status >= 500 else QueryError
    return cls(text, provider=PROVIDER, status=status, upstream_message=body)


def _results(payload: Any) -> list[Any] | None:
    """``data.actor.account.nrql.results``; None when any step of it is null."""
    node = payload
    for name in ("data", "actor", "account", "nrql", "results"):
        if node is None:
            return None
        if not isinstance(node, Mapping):
            raise QueryError(
                f"json: cannot unmarshal {type(node).__name__} into the NerdGraph answer's "
                f"{name} parent (an object)",
                provider=PROVIDER,
            )
        node = node.get(name)
    if node is None:
        return None
    if not isinstance(node, list) or not all(r is None or isinstance(r, Mapping) for r in node):
        raise QueryError(
            "json: cannot unmarshal the NerdGraph answer's results into a list of objects "
            f"(got {marshal(node)[:200]})",
            provider=PROVIDER,
        )
    return node


async def nrql_results(
    http: httpx.AsyncClient,
    account: Account,
    *,
    query: str,
    nrql_timeout: int,
    sleep: Sleep,
) -> list[Any]:
    """The rows NRQL `query` answers (an empty list when none, a null row as None), or the
    ProviderError Argo would record."""
    variables = {"accountId": account.account_id, "query": query, "timeout": nrql_timeout}
    body = marshal({"query": DOCUMENT, "variables": variables}, sort_keys=False).encode()
    headers = {
        "Api-Key": account.api_key,
        "Content-Type": "application/json",
        "User-Agent": user_agent(),
        "NewRelic-Requesting-Services": account.service,
        "X-Query-Source-Component-Id": "newrelic-client-go",
    }
    for attempt in range(RETRY_MAX + 1):
        response = await _post(http, account.url, body, headers, sleep)
        status, payload = response.status_code, _decoded(response.content)
        if status == 404:
            raise QueryError("resource not found", provider=PROVIDER, status=status)
        errors = _errors(payload)
        if any(_extension(e, "errorClass") in _RETRY_CLASSES for e in errors):
            if attempt < RETRY_MAX:
                await sleep(_wait(attempt, response))
                continue
            raise UnavailableError(
                f"maximum retries reached: {_messages(errors)}", provider=PROVIDER, status=status
            )
        text = response.content.decode("utf-8", errors="replace")
        if not 200 <= status < 300:
            raise _status_error(status, errors, text)
        if _messages(errors):
            raise QueryError(_messages(errors), provider=PROVIDER, status=status)
        if isinstance(payload, GoJSONError):
            failure = go_json_error(response.content) or str(payload)
            raise QueryError(failure, provider=PROVIDER, status=status)
        return _results(payload) or []
    raise AssertionError("unreachable")  # pragma: no cover
