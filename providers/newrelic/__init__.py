"""``provider.newRelic``: NRQL through New Relic's NerdGraph, as Argo's New Relic provider.

``config`` reads the block (``query``, ``profile``, ``timeout``), ``account`` the profile Secret
(API key, account id, region or NerdGraph URL), ``nerdgraph`` sends the query with
newrelic-client-go's headers, retries and error texts, ``provider`` makes the measurement.

May import: the rest of ``providers``; never ``app``.
"""

from providers.newrelic.account import REGIONS, Account, read_account
from providers.newrelic.config import NewRelicConfig, parse_config
from providers.newrelic.nerdgraph import DOCUMENT, user_agent
from providers.newrelic.provider import NO_RESULTS, NewRelicProvider

__all__ = [
    "DOCUMENT",
    "NO_RESULTS",
    "REGIONS",
    "Account",
    "NewRelicConfig",
    "NewRelicProvider",
    "parse_config",
    "read_account",
    "user_agent",
]
