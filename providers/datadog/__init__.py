"""``provider.datadog``: Datadog's metric query APIs, v1 and v2, exactly as Argo Rollouts uses them.

``config`` reads the block (the CRD's defaults and enums, Argo's validation and messages);
``credentials`` finds the keys where Argo's provider looks (a Secret of augur's namespace or the
run's, or ``DD_*`` variables) through the measurement's credentials; ``request`` builds what is
sent; ``gojson`` and ``structs`` read the answer as Go's ``encoding/json`` would into Argo's
structs; ``response`` turns it into ``result``, ``value`` and ``metadata``; ``provider`` sends it.
URL parsing as Go does it is ``providers.gourl``; Go's number formatting ``providers.golang``.

May import: the rest of ``providers``; never ``app``.
"""

from providers.datadog.config import DatadogConfig, parse_config
from providers.datadog.provider import DatadogProvider

__all__ = ["DatadogConfig", "DatadogProvider", "parse_config"]
