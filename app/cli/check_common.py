"""What every `augur check` subcommand shares: the `--condition` and `--json` options, the
report it prints through, and one measurement through the CLI's outbound client.

Kept apart from `app/cli/check.py` so the provider-specific checks (`check_graphite.py`,
`check_datadog.py`, ...) need not import the module that registers them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

import typer

from app.cli.common import fail_usage
from app.service.checks import CheckOutcome, run_check
from app.service.outbound import CLI_POLICY, outbound_client
from app.spec.secrets import ProviderCredentials
from providers.errors import ConfigError

__all__ = ["Condition", "Json", "Report", "measure"]

Condition = Annotated[
    str,
    typer.Option(
        "--condition",
        "-c",
        metavar="EXPR",
        help="A successCondition over `result` (expr-lang, or cel:...).",
    ),
]
Json = Annotated[
    bool, typer.Option("--json/--no-json", help="Print the outcome as one JSON document.")
]


class Report(Protocol):
    """How `augur check` prints an outcome and exits (`app.cli.check._report`)."""

    def __call__(
        self, outcome: CheckOutcome, *, as_json: bool, metric: str = "", title: str
    ) -> None: ...


def measure(
    block: Mapping[str, Any], condition: str, credentials: ProviderCredentials | None = None
) -> CheckOutcome:
    """One measurement of `block` through the CLI's outbound client; exit 64 for a bad block."""

    async def main() -> CheckOutcome:
        async with outbound_client(CLI_POLICY) as http:
            return await run_check(
                block,
                condition=condition,
                http=http,
                now=datetime.now(UTC),
                credentials=credentials,
            )

    try:
        return asyncio.run(main())
    except ConfigError as exc:
        fail_usage([str(exc)])
