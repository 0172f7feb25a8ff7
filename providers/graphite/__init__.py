"""``provider.graphite``: Graphite's render API, asked exactly as Argo Rollouts asks it.

``config`` checks the block and builds the render URL once (``query``: Go's URL parsing and
encoding, whitespace stripped, ``format=json`` forced); ``response`` reads the answer as Argo's
``dataPoint.UnmarshalJSON`` does; ``provider`` sends the request through the shared client.

May import: the rest of ``providers``; never ``app``.
"""

from providers.graphite.config import GraphiteConfig, parse_config
from providers.graphite.provider import GraphiteProvider, measured
from providers.graphite.query import render_query
from providers.graphite.response import DataPoint, datapoints

__all__ = [
    "DataPoint",
    "GraphiteConfig",
    "GraphiteProvider",
    "datapoints",
    "measured",
    "parse_config",
    "render_query",
]
