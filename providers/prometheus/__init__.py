"""``provider.prometheus``: one PromQL query per measurement, converted exactly as Argo converts it.

``config`` reads and checks the block (Argo's fields and messages), with ``timeexpr`` compiling
``rangeQuery.start``/``end``; ``response`` turns client_golang's answer into
``result``/``value``/``metadata`` as Argo does; ``provider`` sends the query. The OAuth2
client-credentials flow (``providers.auth``), the headers list and Go's transport error text
(``providers.transport``) are shared with the web provider.

May import: the rest of ``providers``; never ``app``.
"""

from providers.prometheus.config import PrometheusConfig, parse_config, parse_time_expression
from providers.prometheus.provider import PrometheusProvider
from providers.prometheus.response import convert

__all__ = [
    "PrometheusConfig",
    "PrometheusProvider",
    "convert",
    "parse_config",
    "parse_time_expression",
]
