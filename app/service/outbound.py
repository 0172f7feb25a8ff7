"""The HTTP client every provider request goes through, built the same way for the server and
the command line: connections only to addresses the `AddressPolicy` checked (resolved once, so
DNS rebinding cannot slip past), answers read up to a size limit (providers/client.py)."""

from __future__ import annotations

from app.core.addresses import AddressPolicy
from app.core.settings import DEFAULT_MAX_UPSTREAM_BYTES
from providers.client import Guard, GuardedClient

__all__ = ["CLI_POLICY", "outbound_client"]
#: The command line runs as its user, usually beside a port-forward to the OAP or Prometheus:
#: its own host is allowed; cloud metadata and link-local addresses still are not.
CLI_POLICY = AddressPolicy(local=True)


def outbound_client(
    policy: AddressPolicy, *, max_body_bytes: int = DEFAULT_MAX_UPSTREAM_BYTES
) -> GuardedClient:
    """The shared client; the caller closes it."""
    return GuardedClient(
        Guard(
            resolve=policy.connect_addresses,
            max_body_bytes=max_body_bytes,
            too_large_hint="augur stops reading there (AUGUR_MAX_UPSTREAM_BYTES)",
        )
    )
