"""``provider.wavefront``: Wavefront's chart API, as Argo's Wavefront provider.

``provider`` reads the block, finds the token by address and sends the query as go-wavefront
does; ``response`` reads the answer (the point closest to the measurement's start, ``%.2f``).

May import: the rest of ``providers``; never ``app``.
"""

from providers.wavefront.provider import TOKENS_SECRET, WavefrontProvider, chart_url
from providers.wavefront.response import NO_SERIES, closest_point, parse_answer

__all__ = [
    "NO_SERIES",
    "TOKENS_SECRET",
    "WavefrontProvider",
    "chart_url",
    "closest_point",
    "parse_answer",
]
