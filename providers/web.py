"""``provider.web``: one HTTP request per measurement, answered as Argo's web provider answers.

Fields, as Argo names them: ``url`` (required), ``method`` (``GET`` by default, ``POST``, ``PUT``),
``headers`` (``[{key, value}]``, applied in order, a later key replaces an earlier one), ``body``
(text sent verbatim) or ``jsonBody`` (any JSON value, sent compact with ``Content-Type:
application/json``; not both, and neither with ``GET``), ``timeoutSeconds`` (``<= 0`` or unset:
10), ``jsonPath`` (a Kubernetes JSONPath template, ``{$}`` by default: see
:mod:`providers.jsonpath`), ``insecure`` (skip TLS verification) and
``authentication.oauth2 {tokenUrl, clientId, clientSecret, scopes}`` (client-credentials flow).

What Argo does with the answer, kept here: a status outside 200-299 is an error
(``received non 2xx response code: <code>``, body ignored); a body that is not JSON (empty
included) is the result as a string and ``jsonPath`` is ignored; otherwise the first value of the
first non-empty JSONPath result is the result and ``value`` is its Go ``json.Marshal`` text.
The checks Argo makes when measuring (body with ``GET``, body and ``jsonBody`` together, a
bad URL) are made when the provider is built, with Argo's messages.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from providers.base import MeasureContext, Measured, insecure_client
from providers.errors import (
    ConfigError,
    NoDataError,
    ProviderError,
    QueryError,
    UnavailableError,
    reject_unknown_fields,
    transport_reason,
)
from providers.golang import GoJSONError, decode_json, marshal
from providers.jsonpath import JSONPathError, Template, compile_template

__all__ = [
    "OAuth2ClientCredentials",
    "OAuth2Tokens",
    "WebProvider",
    "go_transport_error",
    "parse_headers",
    "redact_url",
]

PROVIDER = "web"
DEFAULT_TIMEOUT_SECONDS = 10.0
_METHODS = ("GET", "POST", "PUT")
_USERINFO = re.compile(r"//[^/@]*@")


def redact_url(url: str) -> str:
    """The URL without ``user:password@``: it ends up in messages."""
    return _USERINFO.sub("//", url)


def go_transport_error(
    method: str, url: str, exc: httpx.HTTPError, *, timeout: float, provider: str
) -> UnavailableError:
    """Go's ``url.Error`` shape: ``Get "http://…": <reason>``."""
    op = method[:1] + method[1:].lower()
    if isinstance(exc, httpx.TimeoutException):
        reason = f"context deadline exceeded (timed out after {timeout:g}s)"
    else:
        reason = transport_reason(exc)
    return UnavailableError(f'{op} "{redact_url(url)}": {reason}', provider=provider)


_FIELDS = frozenset(
    {"url", "method", "headers", "body", "jsonBody", "timeoutSeconds", "jsonPath", "insecure"}
    | {"authentication"}
)


def _fail(message: str) -> ConfigError:
    return ConfigError(message, provider=PROVIDER)


def _string(config: Mapping[str, Any], key: str) -> str:
    value = config.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _fail(f"web: {key} must be a string, got {type(value).__name__}")
    return value


def parse_headers(raw: Any, *, prefix: str, provider: str) -> list[tuple[str, str]]:
    """Argo's ``[{key, value}]`` list; a header value is never echoed (it may be a credential)."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
        raise ConfigError(f"{prefix}: headers must be a list of {{key, value}}", provider=provider)
    pairs = [(item.get("key"), item.get("value", "")) for item in raw]
    for key, value in pairs:
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise ConfigError(
                f"{prefix}: every header needs a non-empty string key and a string value "
                f"(bad key: {key!r})",
                provider=provider,
            )
    return [(str(key), str(value)) for key, value in pairs]


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuth2ClientCredentials:
    """``authentication.oauth2``, validated when the provider is built (Argo's message)."""

    token_url: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = ()
    provider: str = PROVIDER

    @classmethod
    def from_config(cls, block: Any, *, provider: str) -> OAuth2ClientCredentials | None:
        if block is None:
            return None
        if not isinstance(block, Mapping):
            raise ConfigError("authentication.oauth2 must be an object", provider=provider)
        token_url, client_id = block.get("tokenUrl") or "", block.get("clientId") or ""
        secret, scopes = block.get("clientSecret") or "", block.get("scopes") or []
        if not token_url:
            return None  # Argo ignores an oauth2 block without tokenUrl
        if not client_id or not secret:
            raise ConfigError(
                "missing mandatory parameter in metric for OAuth2 setup", provider=provider
            )
        if not isinstance(scopes, list) or not all(
            isinstance(item, str) for item in (token_url, client_id, secret, *scopes)
        ):
            raise ConfigError("authentication.oauth2 fields must be strings", provider=provider)
        return cls(
            token_url=token_url,
            client_id=client_id,
            client_secret=secret,
            scopes=tuple(scopes),
            provider=provider,
        )


def _lifetime(expires_in: Any) -> float:
    try:
        return float(expires_in) if not isinstance(expires_in, bool) and expires_in else 0.0
    except (TypeError, ValueError):
        return 0.0


class OAuth2Tokens:
    """Client-credentials tokens for one provider, reused until 10 s before they expire.

    As Go's ``clientcredentials`` does it: the client id and secret in a Basic header first, in
    the form if the server refuses that. A failure reads like Go's for the metric request:
    ``Get "<url>": oauth2: cannot fetch token: 401 Unauthorized\nResponse: <body>``. A token
    without ``expires_in`` is fetched anew every time, as Argo (which builds its provider for
    every measurement) would.
    """

    def __init__(self, credentials: OAuth2ClientCredentials) -> None:
        self._credentials = credentials
        self._cached: tuple[str, float] | None = None  # (header value, monotonic expiry)

    async def authorization(
        self, http: httpx.AsyncClient, *, method: str, url: str, timeout_seconds: float
    ) -> str:
        """The ``Authorization`` header value; raises ProviderError."""
        now = time.monotonic()
        if self._cached is not None and self._cached[1] > now:
            return self._cached[0]
        try:
            value, lifetime = await self._fetch(http, timeout_seconds)
        except ProviderError as exc:
            op = method[:1] + method[1:].lower()
            raise type(exc)(
                f'{op} "{redact_url(url)}": {exc}',
                provider=exc.provider,
                status=exc.status,
                upstream_message=exc.upstream_message,
            ) from exc
        self._cached = (value, now + lifetime - 10) if lifetime > 10 else None
        return value

    async def _fetch(self, http: httpx.AsyncClient, timeout_seconds: float) -> tuple[str, float]:
        creds = self._credentials
        form = {"grant_type": "client_credentials"}
        if creds.scopes:
            form["scope"] = " ".join(creds.scopes)
        try:
            response = await http.post(
                creds.token_url,
                data=form,
                auth=httpx.BasicAuth(creds.client_id, creds.client_secret),
                timeout=timeout_seconds,
            )
            if 400 <= response.status_code < 500:
                retry = {**form, "client_id": creds.client_id, "client_secret": creds.client_secret}
                response = await http.post(creds.token_url, data=retry, timeout=timeout_seconds)
        except httpx.HTTPError as exc:
            raise go_transport_error(
                "POST", creds.token_url, exc, timeout=timeout_seconds, provider=creds.provider
            ) from exc
        return self._token(response)

    def _token(self, response: httpx.Response) -> tuple[str, float]:
        provider, status = self._credentials.provider, response.status_code
        text = response.content.decode("utf-8", errors="replace")
        try:
            payload = decode_json(response.content)
        except GoJSONError:
            payload = dict(httpx.QueryParams(text))
        payload = payload if isinstance(payload, Mapping) else {}
        if not 200 <= status < 300:
            code = payload.get("error")
            if isinstance(code, str) and code:
                extra = [payload.get(k) for k in ("error_description", "error_uri")]
                message = "oauth2: " + " ".join(json.dumps(s) for s in [code, *extra] if s)
            else:
                message = (
                    f"oauth2: cannot fetch token: {status} {response.reason_phrase}\n"
                    f"Response: {text}"
                )
            error = UnavailableError if status >= 500 else QueryError
            raise error(message, provider=provider, status=status, upstream_message=text)
        token = payload.get("access_token")
        if not isinstance(token, str) or not token:
            raise QueryError("oauth2: server response missing access_token", provider=provider)
        kind = str(payload.get("token_type") or "Bearer")
        kind = "Bearer" if kind.lower() == "bearer" else kind
        return f"{kind} {token}", _lifetime(payload.get("expires_in"))


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
    op = method[:1] + method[1:].lower()
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


def select(template: Template, data: Any) -> Any:
    """Argo's rule: the first value of the first non-empty result set."""
    try:
        results = template.find_results(data)
    except JSONPathError as exc:
        raise QueryError(f"Could not find JSONPath in body: {exc}", provider=PROVIDER) from exc
    for found in results:
        if found:
            return found[0]
    raise NoDataError("result of web metric produced no value", provider=PROVIDER)


class WebProvider:
    """``provider.web``: see the module docstring for the fields."""

    kind = PROVIDER

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> None:
        self._config = cfg = parse_config(config)
        self._own = insecure_client(http) if cfg.insecure else None
        self._http = self._own or http
        self._headers = httpx.Headers()
        for key, value in cfg.headers:
            self._headers[key] = value
        if cfg.json_body:
            self._headers["Content-Type"] = "application/json"
        self._tokens = OAuth2Tokens(cfg.oauth2) if cfg.oauth2 is not None else None

    async def measure(self, ctx: MeasureContext) -> Measured:
        cfg = self._config
        headers = httpx.Headers(self._headers)
        if self._tokens is not None:
            headers["Authorization"] = await self._tokens.authorization(
                self._http, method=cfg.method, url=cfg.url, timeout_seconds=cfg.timeout_seconds
            )
        started = time.perf_counter()
        response = await self._send(cfg.method, headers)
        latency = time.perf_counter() - started
        status = response.status_code
        if not 200 <= status < 300:
            error = UnavailableError if status >= 500 else QueryError
            raise error(
                f"received non 2xx response code: {status}",
                provider=PROVIDER,
                status=status,
                upstream_message=response.content.decode("utf-8", errors="replace"),
            )
        metadata = {"statusCode": str(status), "latencySeconds": f"{latency:.6f}"}
        try:
            data = decode_json(response.content)
        except GoJSONError:
            text = response.content.decode("utf-8", errors="replace")
            return Measured(result=text, value=text, metadata=metadata, latency_seconds=latency)
        result = select(cfg.template, data)
        return Measured(
            result=result, value=marshal(result), metadata=metadata, latency_seconds=latency
        )

    async def check(self) -> None:
        """The URL's server answers HTTP at all (``HEAD``, any status): no side effects."""
        await self._send("HEAD", self._headers, body=False)

    async def aclose(self) -> None:
        if self._own is not None:
            await self._own.aclose()

    async def _send(
        self, method: str, headers: httpx.Headers, *, body: bool = True
    ) -> httpx.Response:
        cfg = self._config
        try:
            return await self._http.request(
                method,
                cfg.url,
                content=cfg.body if body else None,
                headers=headers,
                timeout=cfg.timeout_seconds,
                follow_redirects=True,  # as Go's http.Client does, whatever the shared client says
            )
        except httpx.HTTPError as exc:
            raise go_transport_error(
                method, cfg.url, exc, timeout=cfg.timeout_seconds, provider=PROVIDER
            ) from exc
