"""`augur check wavefront`: one chart-API query now, as a template's `wavefront` provider runs it.

The token comes from where Argo's comes from: the key named like `--address` in Secret
`wavefront-api-tokens` of `--secrets-dir`, laid out flat
(`DIR/wavefront-api-tokens/example.wavefront.com`). Argo speaks https only; a private CA is
trusted through `SSL_CERT_FILE`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from app.cli.check import check_with_credentials
from app.cli.check_common import Condition, Json
from app.cli.common import SecretsDirOption
from app.cli.provider_options import ProviderFileOption

#: Registered as `augur check wavefront` in app/cli/commands.py.
__all__ = ["wavefront"]


def wavefront(
    ctx: typer.Context,
    address: Annotated[
        str | None,
        typer.Option(metavar="HOST", help="The Wavefront host, no scheme: example.wavefront.com."),
    ] = None,
    query: Annotated[
        str | None, typer.Option(metavar="WQL", help="The query, e.g. 'ts(cpu.load)'.")
    ] = None,
    secrets_dir: SecretsDirOption = None,
    provider_file: ProviderFileOption = None,
    condition: Condition = "",
    as_json: Json = False,
) -> None:
    """One query of Wavefront's chart API at this second, as Argo's Wavefront provider."""

    def build() -> dict[str, Any]:
        return {"wavefront": {"address": address, "query": query}}

    check_with_credentials(
        ctx,
        "wavefront",
        build,
        required={"address": address, "query": query},
        condition=condition,
        as_json=as_json,
        title=f"{query} at {address}",
    )
