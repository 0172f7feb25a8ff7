"""The command line's provider requests go through the same guarded client as the server's:
metadata addresses are refused, the user's own host (a port-forward) is not."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import cli
from tests.fakes.scripted import Reply, ScriptedServer

runner = CliRunner()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param(
            "http://169.254.169.254/latest/meta-data",
            "169.254.169.254 is a cloud metadata address and is always refused",
            id="aws",
        ),
        pytest.param(
            "http://[64:ff9b::a9fe:a9fe]/",
            "64:ff9b::a9fe:a9fe is (or resolves to) 64:ff9b::a9fe:a9fe (carrying the link-local "
            "address 169.254.169.254), which is always refused",
            id="nat64",
        ),
        pytest.param(
            "http://100.100.100.200/latest/meta-data",
            "100.100.100.200 is (or resolves to) the cloud metadata address 100.100.100.200, "
            "which is always refused",
            id="alibaba",
        ),
    ],
)
def test_a_metadata_address_is_refused(url: str, reason: str) -> None:
    result = runner.invoke(cli, ["check", "web", "--url", url, "--json"])
    assert result.exit_code == 2, result.output
    answer = json.loads(result.output)
    assert answer["error"] == f'Get "{url}": ConnectError: refused by augur: request: {reason}'


def test_loopback_is_the_users_own_and_allowed(scripted: ScriptedServer) -> None:
    url = scripted.reply("/value", Reply(body=b'{"value": 1}'))
    result = runner.invoke(cli, ["check", "web", "--url", url, "--json-path", "{$.value}"])
    assert result.exit_code == 0, result.output
    assert [r.path for r in scripted.requests] == ["/value"]
