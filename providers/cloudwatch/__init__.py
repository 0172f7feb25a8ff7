"""``provider.cloudWatch``: AWS CloudWatch ``GetMetricData``, called exactly as Argo calls it.

``config`` checks the block and converts the queries (Argo's ``convertType``); ``client``
builds the aiobotocore client (credentials, region, endpoint, the host's address check);
``provider`` makes the call and shapes ``result``/``value`` as Argo does.

May import: the rest of ``providers``; never ``app``.
"""

from providers.cloudwatch.config import CloudWatchConfig, convert_queries, parse_config
from providers.cloudwatch.provider import CloudWatchProvider, measured, results

__all__ = [
    "CloudWatchConfig",
    "CloudWatchProvider",
    "convert_queries",
    "measured",
    "parse_config",
    "results",
]
