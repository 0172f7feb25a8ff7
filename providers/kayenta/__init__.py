"""``provider.kayenta``: Argo Rollouts' client of a Kayenta server, step for step.

``config`` checks the block as Argo's CRD does (every field required); ``scopes`` builds the
canary execution request's scopes and windows; ``provider`` looks the canary config up, starts
the execution (an in-flight measurement) and polls it until Kayenta has scored it. It drives
augur's own Kayenta API as well as a real Kayenta.

May import: the rest of ``providers``; never ``app``.
"""

from providers.kayenta.config import KayentaConfig, parse_config
from providers.kayenta.provider import KayentaProvider, phase_of_score

__all__ = ["KayentaConfig", "KayentaProvider", "parse_config", "phase_of_score"]
