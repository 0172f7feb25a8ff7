"""The request Argo's Datadog provider sends, byte for byte where Datadog can tell.

The endpoint is the address from the credentials (``https://api.datadoghq.com`` when empty) with
the route appended as text (an address ending in ``/`` gives ``//api/...``, as under Argo), both
checked with Go's ``url.Parse``. The window ends at the measurement's time in whole Unix seconds
and is ``interval`` long.

- **v1**: ``GET /api/v1/query?from=<now-interval>&query=<query>&to=<now>``, the parameters
  sorted and escaped as Go's ``url.Values.Encode`` does (the query verbatim: a YAML ``|`` block
  keeps its newline).
- **v2**: ``POST /api/v2/query/scalar`` with ``{"data":{"attributes":{"from":<ms>,"to":<ms>,
  "queries":[{"aggregator","data_source":"metrics","name","query"}],"formulas":[...]},
  "type":"scalar_request"}}`` as Go marshals it; a single ``query`` goes as one named ``query``;
  ``formulas`` is ``[]`` without a formula; the aggregator ``last`` when none is set.

Both carry ``Content-Type: application/json`` and the keys as ``DD-API-KEY`` and
``DD-APPLICATION-KEY``. A key Go would refuse to send (a line break in the Secret) is refused
the same way, naming the header, never showing the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote_plus

from providers.datadog.config import DEFAULT_AGGREGATOR, PROVIDER, DatadogConfig
from providers.datadog.credentials import Keys
from providers.errors import ConfigError
from providers.golang import go_quote, marshal
from providers.gourl import parse_error
from providers.transport import go_method, redact_url

__all__ = ["DEFAULT_ADDRESS", "V1_ROUTE", "V2_ROUTE", "Request", "build_request"]

DEFAULT_ADDRESS = "https://api.datadoghq.com"
V1_ROUTE = "/api/v1/query"
V2_ROUTE = "/api/v2/query/scalar"
#: Control characters Go's ``httpguts.ValidHeaderFieldValue`` refuses (a tab is allowed).
_BAD_IN_HEADER = frozenset(chr(c) for c in range(0x20) if c != 0x09) | {"\x7f"}
#: What Go's ``textproto.TrimString`` takes off a header value before writing it.
_TRIMMED = " \t\r\n"


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    url: str
    headers: list[tuple[bytes, bytes]] = field(repr=False)
    body: bytes | None = None


def _endpoint(address: str, route: str) -> str:
    """``buildEndpointUrl``: both parses Argo makes, with Go's error as the message."""
    base = address or DEFAULT_ADDRESS
    for text in (base, base + route):
        error = parse_error(text)
        if error is not None:
            raise ConfigError(error, provider=PROVIDER)
    return base + route


def _with_query(url: str, params: dict[str, str]) -> str:
    """``u.Query()``, ``Set`` each parameter, ``Encode`` (keys sorted, Go's escaping); the
    fragment, which Go never sends, dropped."""
    head, _, raw = url.partition("#")[0].partition("?")
    pairs = [(k, v) for k, v in parse_qsl(raw, keep_blank_values=True) if k not in params]
    pairs = sorted([*pairs, *params.items()], key=lambda pair: pair[0])
    return head + "?" + "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs)


def _v2_body(config: DatadogConfig, start: int, end: int) -> bytes:
    aggregator = config.aggregator or DEFAULT_AGGREGATOR
    queries = [
        {"aggregator": aggregator, "data_source": "metrics", "name": name, "query": query}
        for name, query in config.named_queries
    ]
    formulas = [{"formula": config.formula}] if config.formula else []
    attributes = {"from": start * 1000, "to": end * 1000, "queries": queries, "formulas": formulas}
    document = {"data": {"attributes": attributes, "type": "scalar_request"}}
    return marshal(document, sort_keys=False).encode()


def _header(name: str, value: str, method: str, url: str) -> tuple[bytes, bytes]:
    if any(char in _BAD_IN_HEADER for char in value):
        raise ConfigError(
            f'{go_method(method)} "{redact_url(url)}": net/http: invalid header field value for '
            f"{go_quote(name)} (a line break or another control character in the key)",
            provider=PROVIDER,
        )
    return name.encode(), value.strip(_TRIMMED).encode()


def build_request(config: DatadogConfig, keys: Keys, now: int) -> Request:
    """The request for the window that ends at ``now`` (Unix seconds)."""
    start = now - config.interval_seconds
    if config.api_version == "v1":
        url = _endpoint(keys.address, V1_ROUTE)
        url = _with_query(url, {"query": config.query, "from": str(start), "to": str(now)})
        method, body = "GET", None
    else:
        url, method = _endpoint(keys.address, V2_ROUTE), "POST"
        body = _v2_body(config, start, now)
    headers = [
        _header("Content-Type", "application/json", method, url),
        _header("Dd-Api-Key", keys.api_key, method, url),
        _header("Dd-Application-Key", keys.app_key, method, url),
    ]
    return Request(method, url, headers, body)
