"""``provider.web``: one HTTP request per measurement, answered as Argo's web provider answers.

``config`` reads and checks the block (Argo's fields and messages), ``response`` turns the answer
into ``result``/``value``/``metadata`` as Argo does, ``provider`` sends the request. The OAuth2
client-credentials flow (``providers.auth``), the headers list and Go's transport error text
(``providers.transport``) are shared with the Prometheus provider; the JSONPath templates are
``providers.jsonpath``.

May import: the rest of ``providers``; never ``app``.
"""

# OAuth2 and the request helpers lived here before they were shared; still importable from here.
from providers.auth import OAuth2ClientCredentials, OAuth2Tokens
from providers.transport import go_transport_error, parse_headers, redact_url
from providers.web.config import WebConfig, parse_config
from providers.web.provider import WebProvider
from providers.web.response import select

__all__ = [
    "OAuth2ClientCredentials",
    "OAuth2Tokens",
    "WebConfig",
    "WebProvider",
    "go_transport_error",
    "parse_config",
    "parse_headers",
    "redact_url",
    "select",
]
