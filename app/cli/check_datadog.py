"""`augur check datadog`: one Datadog query now, as a template's `datadog` block sends it.

The block is the template's (`query`, `apiVersion`, `interval`), so the provider's own parser
checks it with Argo's messages, and the keys are found where Argo's provider looks for them: the
`datadog` Secret under `--secrets-dir` (`DIR/datadog/api-key`, `app-key`, `address`) or the
`DD_API_KEY`, `DD_APP_KEY` and `DD_ADDRESS` variables. `--address` sends the query elsewhere
(Datadog's EU site, a proxy) whichever of them holds the keys. Keys never go on the command line.

Registered by `app/cli/check.py`, which hands over its report (the table or JSON every check
prints, and the verdict as the exit code), so this module need not import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.check_common import Condition, Json, Report, measure
from app.cli.common import AugurCommand, SecretsDirOption, fail_usage
from app.cli.local import local_credentials
from app.spec.secrets import ProviderCredentials
from providers.datadog.credentials import ADDRESS, ENVIRONMENT

__all__ = ["AddressGiven", "datadog_block", "register"]


@dataclass(slots=True)
class AddressGiven(ProviderCredentials):
    """The keys from wherever Argo's provider finds them; the address from `--address`."""

    address: str = ""

    def secret(
        self, name: str, key: str, *, namespace: str | None = None, redact: bool = True
    ) -> str | None:
        if key == ADDRESS:
            return self.address
        return ProviderCredentials.secret(self, name, key, namespace=namespace, redact=redact)

    def env(self, name: str, *, redact: bool = True) -> str | None:
        if name == ENVIRONMENT[ADDRESS]:
            return self.address
        return ProviderCredentials.env(self, name, redact=redact)


def datadog_block(*, query: str, api_version: str, interval: str) -> dict[str, Any]:
    return {"datadog": {"query": query, "apiVersion": api_version, "interval": interval}}


def _credentials(secrets_dir: Path | None, address: str | None) -> ProviderCredentials:
    found = local_credentials(secrets_dir)
    if address is None:
        return found
    return AddressGiven(found.secrets, found.home, found.environ, address=address)


def register(app: typer.Typer, report: Report) -> None:
    """Add `datadog` to `augur check`, printing with `report`."""

    @app.command(cls=AugurCommand)
    def datadog(
        query: Annotated[
            str | None,
            typer.Option(metavar="QUERY", help="A Datadog metric query, as the template's query."),
        ] = None,
        api_version: Annotated[
            str,
            typer.Option(
                "--api-version", metavar="v1|v2", help="Datadog's API, as apiVersion (v1)."
            ),
        ] = "v1",
        interval: Annotated[
            str,
            typer.Option(metavar="DURATION", help="The window that ends now (Go duration)."),
        ] = "5m",
        address: Annotated[
            str | None,
            typer.Option(
                metavar="URL",
                help="Where to send it, instead of the address found with the keys "
                "(default https://api.datadoghq.com).",
            ),
        ] = None,
        secrets_dir: SecretsDirOption = None,
        condition: Condition = "",
        as_json: Json = False,
    ) -> None:
        """One Datadog query over the window that ends now, with the keys Argo would use: the
        `datadog` Secret under --secrets-dir, or DD_API_KEY, DD_APP_KEY and DD_ADDRESS."""
        if not query:
            fail_usage(["--query required"])
        block = datadog_block(query=query, api_version=api_version, interval=interval)
        outcome = measure(block, condition, _credentials(secrets_dir, address))
        report(outcome, as_json=as_json, title=query)
