"""The ``provider.web`` block, validated once when the provider is built.

Fields, as Argo names them: ``url`` (required), ``method`` (``GET`` by default, ``POST``, ``PUT``),
``headers`` (``[{key, value}]``, applied in order, a later key replaces an earlier one), ``body``
(text sent verbatim) or ``jsonBody`` (any JSON value, sent compact with ``Content-Type:
application/json``; not both, and neither with ``GET``), ``timeoutSeconds`` (``<= 0`` or unset:
10), ``jsonPath`` (a Kubernetes JSONPath template, ``{$}`` by default: see
:mod:`providers.jsonpath`), ``insecure`` (skip TLS verification) and
``authentication.oauth2 {tokenUrl, clientId, clientSecret, scopes}`` (client-credentials flow).

The checks Argo makes when measuring (body with ``GET``, body and ``jsonBody`` together, a bad
URL) are made here instead, with Argo's messages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from providers.auth import OAuth2ClientCredentials
from providers.errors import ConfigError, reject_unknown_fields
from providers.jsonpath import JSONPathError, Template, compile_template
from providers.transport import go_method, parse_headers, redact_url

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "PROVIDER", "WebConfig", "parse_config"]

PROVIDER = "web"
DEFAULT_TIMEOUT_SECONDS = 10.0
_METHODS = ("GET", "POST", "PUT")

_FIELDS = frozenset(
    {"url", "method", "headers", "body", "jsonBody", "timeoutSeconds", "jsonPath", "insecure"}
    | {"authentication"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class WebConfig:
    url: str
    method: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    json_body: bool
    timeout_seconds: float
    template: Template
    insecure: bool
    oauth2: OAuth2ClientCredentials | None


def _fail(message: str) -> ConfigError:
    return ConfigError(message, provider=PROVIDER)


def _string(config: Mapping[str, Any], key: str) -> str:
    value = config.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _fail(f"web: {key} must be a string, got {type(value).__name__}")
    return value


def _timeout(config: Mapping[str, Any]) -> float:
    value = config.get("timeoutSeconds")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if value is None:
        return DEFAULT_TIMEOUT_SECONDS
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"web: timeoutSeconds must be a number, got {value!r}")
    return float(value) if value > 0 else DEFAULT_TIMEOUT_SECONDS


_HTML_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def _compact_json(value: Any) -> str:
    """``jsonBody`` as Argo sends it after its JSON round trip: compact, key order kept, HTML
    characters escaped (they can only occur inside strings, so escaping is always safe)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).translate(_HTML_SAFE)


def _body(config: Mapping[str, Any], method: str) -> tuple[bytes | None, bool]:
    body, json_body = config.get("body"), config.get("jsonBody")
    if body not in (None, "") and json_body is not None:
        raise _fail("use either Body or JSONBody; both cannot exists for WebMetric payload")
    if (body not in (None, "") or json_body is not None) and method == "GET":
        raise _fail("Body/JSONBody can only be used with POST or PUT WebMetric Method types")
    if json_body is not None:
        return _compact_json(json_body).encode(), True
    if body in (None, ""):
        return None, False
    if not isinstance(body, str):
        raise _fail(f"web: body must be a string, got {type(body).__name__}")
    return body.encode(), False


def _check_url(url: str, method: str) -> None:
    op = go_method(method)
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise _fail(f'{op} "{redact_url(url)}": invalid URL: {exc}') from exc
    if parsed.scheme not in ("http", "https"):
        raise _fail(f'{op} "{redact_url(url)}": unsupported protocol scheme "{parsed.scheme}"')
    if not parsed.host:
        raise _fail(f'{op} "{redact_url(url)}": no Host in request URL')


def parse_config(config: Mapping[str, Any]) -> WebConfig:
    """Validate the block once, when the provider is built."""
    reject_unknown_fields(dict(config), _FIELDS, provider=PROVIDER)
    url = _string(config, "url")
    if not url:
        raise _fail("web: url is required")
    method = (_string(config, "method") or "GET").upper()
    if method not in _METHODS:
        raise _fail(f"web: method must be one of {', '.join(_METHODS)}, got {method!r}")
    _check_url(url, method)
    body, is_json = _body(config, method)
    try:
        template = compile_template(_string(config, "jsonPath") or "{$}")
    except JSONPathError as exc:
        raise _fail(f"web: jsonPath {config.get('jsonPath')!r} does not parse: {exc}") from exc
    auth = config.get("authentication") or {}
    if not isinstance(auth, Mapping):
        raise _fail("web: authentication must be an object")
    insecure = config.get("insecure", False)
    if not isinstance(insecure, bool):
        raise _fail(f"web: insecure must be true or false, got {insecure!r}")
    return WebConfig(
        url=url,
        method=method,
        headers=tuple(parse_headers(config.get("headers"), prefix="web", provider=PROVIDER)),
        body=body,
        json_body=is_json,
        timeout_seconds=_timeout(config),
        template=template,
        insecure=insecure,
        oauth2=OAuth2ClientCredentials.from_config(auth.get("oauth2"), provider=PROVIDER),
    )
