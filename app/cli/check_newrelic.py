"""`augur check newrelic`: one NRQL query now, as a template's `newRelic` provider runs it.

The credentials come from where Argo's come from: the profile Secret (`newrelic`, or
`--profile`) in `--secrets-dir`, laid out flat (`DIR/newrelic/personal-api-key`,
`DIR/newrelic/account-id`, optionally `region` and `base-url-nerdgraph`), and the
`NEW_RELIC_NERDGRAPH_BASE_URL` / `NEW_RELIC_SERVICE_NAME` variables of this process.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from app.cli.check import check_with_credentials
from app.cli.check_common import Condition, Json
from app.cli.common import SecretsDirOption
from app.cli.provider_options import ProviderFileOption

#: Registered as `augur check newrelic` in app/cli/commands.py.
__all__ = ["newrelic"]


def newrelic(
    ctx: typer.Context,
    query: Annotated[
        str | None,
        typer.Option(metavar="NRQL", help="The query, e.g. 'SELECT count(*) FROM Transaction'."),
    ] = None,
    profile: Annotated[
        str, typer.Option(metavar="SECRET", help="The Secret of the credentials (newrelic).")
    ] = "",
    timeout: Annotated[
        int | None, typer.Option(metavar="SECONDS", help="The NRQL timeout (default 5).")
    ] = None,
    secrets_dir: SecretsDirOption = None,
    provider_file: ProviderFileOption = None,
    condition: Condition = "",
    as_json: Json = False,
) -> None:
    """One NRQL query through NerdGraph, as Argo's New Relic provider sends it."""

    def build() -> dict[str, Any]:
        config: dict[str, Any] = {"query": query}
        if profile:
            config["profile"] = profile
        if timeout is not None:
            config["timeout"] = timeout
        return {"newRelic": config}

    check_with_credentials(
        ctx,
        "newRelic",
        build,
        required={"query": query},
        condition=condition,
        as_json=as_json,
        title=query or "",
    )
