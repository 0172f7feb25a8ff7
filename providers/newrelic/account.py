"""Who New Relic is asked as, and where: the profile Secret read as Argo reads it.

Secret ``<profile>`` of the controller's namespace (augur's): ``personal-api-key`` and
``account-id`` (both required), ``region`` (``us`` by default; ``eu``, ``jp``, ``gov`` or
``fedramp``, ``staging``, ``local``, any case; anything else is silently US, as
newrelic-client-go does), ``base-url-rest`` (never used: Argo only queries NerdGraph, so augur
does not read it) and ``base-url-nerdgraph`` (the whole GraphQL URL, for a proxy; present but
empty is an error). Only the API key is a credential: the rest is not redacted. The
environment of augur's process may set ``NEW_RELIC_NERDGRAPH_BASE_URL`` (used unless the Secret
has ``base-url-nerdgraph``) and ``NEW_RELIC_SERVICE_NAME`` (prefixes the requesting-service
header). The checks come in Argo's order, with its messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from providers.base import Credentials
from providers.errors import ConfigError
from providers.golang import go_quote
from providers.newrelic.config import PROVIDER
from providers.profiles import read_profile

__all__ = ["REGIONS", "Account", "read_account"]

API_KEY, ACCOUNT_ID, REGION = "personal-api-key", "account-id", "region"
BASE_URL_NERDGRAPH = "base-url-nerdgraph"
_KEYS = (API_KEY, ACCOUNT_ID, REGION, BASE_URL_NERDGRAPH)
_PLAIN = (ACCOUNT_ID, REGION, BASE_URL_NERDGRAPH)
SERVICE = "newrelic-client-go"

#: newrelic-client-go's NerdGraph URL of each region (pkg/region/region_constants.go).
REGIONS = {
    "us": "https://api.newrelic.com/graphql",
    "eu": "https://api.eu.newrelic.com/graphql",
    "jp": "https://api.jp.newrelic.com/graphql",
    "gov": "https://gov-api.newrelic.com/graphql",
    "fedramp": "https://gov-api.newrelic.com/graphql",
    "staging": "https://staging-api.newrelic.com/graphql",
    "local": "http://localhost:3000/graphql",
}
_ATOI = re.compile(r"[+-]?[0-9]+\Z")
_INT64 = 1 << 63


@dataclass(frozen=True, slots=True)
class Account:
    """What a NerdGraph request needs; `api_key` goes in a header and nowhere else."""

    api_key: str
    account_id: int
    url: str
    #: `NewRelic-Requesting-Services`: `newrelic-client-go`, or `<NEW_RELIC_SERVICE_NAME>|...`.
    service: str

    def __repr__(self) -> str:  # never the key, whoever prints this
        return f"Account(account_id={self.account_id}, url={self.url!r})"


def _fail(message: str) -> ConfigError:
    return ConfigError(message, provider=PROVIDER)


def _atoi(text: str) -> int:
    """Go's ``strconv.Atoi`` on a 64-bit platform, with its error text."""
    if not _ATOI.match(text):
        raise _fail(
            f"could not parse account ID: strconv.Atoi: parsing {go_quote(text)}: invalid syntax"
        )
    number = int(text)
    if not -_INT64 <= number < _INT64:
        raise _fail(
            f"could not parse account ID: strconv.Atoi: parsing {go_quote(text)}: "
            "value out of range"
        )
    return number


def _nerdgraph_url(found: dict[str, str], credentials: Credentials) -> str:
    if BASE_URL_NERDGRAPH in found:
        url = found[BASE_URL_NERDGRAPH]
        if not url:
            raise _fail("nerdgraph base URL can not be empty")
    else:
        region = found.get(REGION, "us").lower()
        url = credentials.env("NEW_RELIC_NERDGRAPH_BASE_URL", redact=False) or REGIONS.get(
            region, REGIONS["us"]
        )
    return url.removesuffix("/")


def read_account(credentials: Credentials, profile: str) -> Account:
    """The account of Secret `profile`, or the ConfigError Argo's constructor returns."""
    found = read_profile(
        credentials,
        profile,
        _KEYS,
        plain=_PLAIN,
        required=(API_KEY, ACCOUNT_ID),
        provider=PROVIDER,
    )
    api_key, account_id = found.get(API_KEY, ""), found.get(ACCOUNT_ID, "")
    if not api_key or not account_id:
        raise _fail("account ID or personal API key not found")
    url = _nerdgraph_url(found, credentials)
    name = credentials.env("NEW_RELIC_SERVICE_NAME", redact=False)
    return Account(
        api_key=api_key,
        account_id=_atoi(account_id),
        url=url,
        service=f"{name}|{SERVICE}" if name else SERVICE,
    )
