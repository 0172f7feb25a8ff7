"""The `augur` command, through typer's runner and as `python -m app`."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from app import __version__
from app.cli import cli
from tests.support.servers import REPO

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"augur {__version__}\n"


def test_no_arguments_shows_the_commands() -> None:
    result = runner.invoke(cli, [])
    assert "serve" in result.output
    assert "openapi" in result.output


def test_openapi_prints_the_spec_with_the_operational_paths() -> None:
    result = runner.invoke(cli, ["openapi"])
    assert result.exit_code == 0
    spec = json.loads(result.stdout)
    assert spec["info"]["title"] == "augur"
    assert {"/healthz", "/readyz", "/metrics"} <= set(spec["paths"])


def test_serve_rejects_an_unknown_store_driver_naming_the_field() -> None:
    result = runner.invoke(cli, ["serve", "--store", "mysql://root:planted-pw@db/augur"])
    assert result.exit_code == 64
    assert result.stderr == (
        "augur: invalid settings\n"
        "AUGUR_STORE_URL (store_url): Value error, store_url must start with "
        "sqlite+aiosqlite:// or postgresql+asyncpg:// (got 'mysql'://...)\n"
    )
    assert "planted-pw" not in result.output


def test_python_dash_m_app_is_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == f"augur {__version__}\n"
