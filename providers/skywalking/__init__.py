"""Apache SkyWalking provider (``provider.skywalking``), Argo-compatible by default.

May import: the rest of ``providers``; never ``app``.
"""

from providers.skywalking.config import SkyWalkingConfig, parse_config
from providers.skywalking.provider import NO_RESULTS, SkyWalkingProvider

__all__ = ["NO_RESULTS", "SkyWalkingConfig", "SkyWalkingProvider", "parse_config"]
