"""augur: canary analysis as a service.

Argo Rollouts AnalysisTemplates run against metric providers (Apache SkyWalking first), judged
with Argo's own condition language, every measurement kept.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("augur")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
