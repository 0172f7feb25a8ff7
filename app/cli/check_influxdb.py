"""`augur check influxdb`: one Flux query now, as a template's `influxdb` provider runs it.

The address, token and org come from where Argo's come from: the profile Secret (`influxdb`, or
`--profile`) in `--secrets-dir`, laid out flat (`DIR/influxdb/address`, `DIR/influxdb/authToken`,
`DIR/influxdb/org`).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from app.cli.check import check_with_credentials
from app.cli.check_common import Condition, Json
from app.cli.common import SecretsDirOption
from app.cli.provider_options import ProviderFileOption

#: Registered as `augur check influxdb` in app/cli/commands.py.
__all__ = ["influxdb"]


def influxdb(
    ctx: typer.Context,
    query: Annotated[
        str | None,
        typer.Option(metavar="FLUX", help="The query, e.g. 'from(bucket: \"b\") |> ...'."),
    ] = None,
    profile: Annotated[
        str, typer.Option(metavar="SECRET", help="The Secret of the credentials (influxdb).")
    ] = "",
    secrets_dir: SecretsDirOption = None,
    provider_file: ProviderFileOption = None,
    condition: Condition = "",
    as_json: Json = False,
) -> None:
    """One Flux query through /api/v2/query, as Argo's InfluxDB provider sends it."""

    def build() -> dict[str, Any]:
        config: dict[str, Any] = {"query": query}
        if profile:
            config["profile"] = profile
        return {"influxdb": config}

    check_with_credentials(
        ctx,
        "influxdb",
        build,
        required={"query": query},
        condition=condition,
        as_json=as_json,
        title=query or "",
    )
