"""``authentication.oauth2``: the client-credentials flow Argo's web and Prometheus providers share.

The block (``tokenUrl``, ``clientId``, ``clientSecret``, ``scopes``) is validated when the
provider is built, with Argo's message; the token is fetched on the first request and reused
until shortly before it expires. The provider key is carried along so errors name their
provider. :class:`RequestHeaders` puts the token beside a provider's configured headers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from providers.errors import ConfigError, ProviderError, QueryError, UnavailableError
from providers.golang import GoJSONError, decode_json
from providers.transport import go_method, go_transport_error, redact_url

__all__ = ["OAuth2ClientCredentials", "OAuth2Tokens", "RequestHeaders"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuth2ClientCredentials:
    """``authentication.oauth2``, validated when the provider is built (Argo's message)."""

    token_url: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = ()
    provider: str

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
            raise type(exc)(
                f'{go_method(method)} "{redact_url(url)}": {exc}',
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


class RequestHeaders:
    """A provider's headers: the configured ones, in order (a later key replaces an earlier
    one), and an OAuth2 token in ``Authorization`` when ``authentication.oauth2`` is set."""

    def __init__(
        self, pairs: Iterable[tuple[str, str]], *, oauth2: OAuth2ClientCredentials | None
    ) -> None:
        self.fixed = httpx.Headers()
        for key, value in pairs:
            self.fixed[key] = value
        self._tokens = OAuth2Tokens(oauth2) if oauth2 is not None else None

    async def for_request(
        self, http: httpx.AsyncClient, *, method: str, url: str, timeout_seconds: float
    ) -> httpx.Headers:
        """The headers for one request, fetching or reusing the token; raises ProviderError."""
        headers = httpx.Headers(self.fixed)
        if self._tokens is not None:
            headers["Authorization"] = await self._tokens.authorization(
                http, method=method, url=url, timeout_seconds=timeout_seconds
            )
        return headers
