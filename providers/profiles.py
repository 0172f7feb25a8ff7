"""The one Secret a token provider reads its credentials from, key by key.

Argo's New Relic and InfluxDB providers read a Secret named by the metric's ``profile`` in the
namespace Argo's controller runs in; augur reads it through ``MeasureContext.credentials``, from
the folder of the namespace augur runs in. That seam answers None for a missing Secret and for a
missing key alike, so a Secret of which none of the provider's keys is there is reported as
Kubernetes reports a missing Secret, ``secrets "<name>" not found``, followed by where augur looked
and the keys it should hold. A value read is never put in a message. Only the credentials
themselves are read for redaction; the keys in ``plain`` (a region, an account id, an address)
are not, so they do not star out every word of every message that contains them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from providers.base import Credentials
from providers.errors import ConfigError

__all__ = ["invalid_header", "read_profile"]

#: What Go's ``httpguts.ValidHeaderFieldValue`` refuses: control characters but the tab.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def read_profile(
    credentials: Credentials,
    secret: str,
    keys: Sequence[str],
    *,
    plain: Sequence[str] = (),
    required: Sequence[str],
    provider: str,
) -> dict[str, str]:
    """The keys of Secret `secret` (controller namespace) that are there; `ConfigError` naming
    the Secret and its `required` keys when none of `keys` is."""
    found: dict[str, str] = {}
    for key in keys:
        value = credentials.secret(secret, key, redact=key not in plain)
        if value is not None:
            found[key] = value
    if not found:
        raise ConfigError(
            f'secrets "{secret}" not found in augur\'s namespace (it holds keys '
            f"{', '.join(required)})",
            provider=provider,
        )
    return found


def invalid_header(headers: Mapping[str, str]) -> str | None:
    """Go's ``net/http: invalid header field value for "<name>"`` for the first header whose
    value holds a control character (a key saved with ``echo`` ends in a newline), so the
    request is refused as Go refuses it, without the value in the text; None when all are
    valid."""
    for name, value in headers.items():
        if _CONTROL.search(value):
            return f'net/http: invalid header field value for "{name}"'
    return None
