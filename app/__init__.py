"""augur: canary analysis as a service.

Argo Rollouts AnalysisTemplates run against metric providers (Apache SkyWalking first), judged
with Argo's own condition language, every measurement kept.

The layers, bottom up (docs/architecture.md draws them): ``core`` (plumbing) and ``expr`` (the
condition language); ``spec`` (Argo's documents); ``engine`` (the pure measurement loop);
``store``; ``service`` (what the doors share); the doors ``api`` (routes, wired by ``main``) and
``cli``. ``providers`` sits beside ``app`` and never imports it.

May import: nothing else from ``app`` (this module only carries the version).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("augur")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
