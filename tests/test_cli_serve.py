"""`augur serve` as an operator meets it: its help, and a second server on one SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from tests.support.servers import REPO, augur_server, free_port

runner = CliRunner()


@pytest.mark.parametrize(
    "shown",
    [
        pytest.param(
            "--host ADDRESS Address `augur serve` binds to. [env AUGUR_HOST; default: 127.0.0.1]",
            id="host",
        ),
        pytest.param(
            "--port PORT Port `augur serve` listens on. [env AUGUR_PORT; default: 8080]", id="port"
        ),
        pytest.param(
            "[env AUGUR_STORE_URL; default: sqlite+aiosqlite:///.augur/augur.db]", id="store"
        ),
        pytest.param("[env AUGUR_LOG_LEVEL; default: info]", id="log-level"),
        pytest.param(
            "--workers N Processes `augur serve` starts on one port (more than 1 needs "
            "PostgreSQL). [env AUGUR_WORKERS; default: 1]",
            id="workers",
        ),
    ],
)
def test_serve_help_shows_each_default_and_variable(shown: str) -> None:
    result = runner.invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert shown in " ".join(result.stdout.split())


def test_a_second_server_on_the_same_sqlite_file_says_so_in_one_line(tmp_path: Path) -> None:
    database = tmp_path / "augur.db"
    store = f"sqlite+aiosqlite:///{database}"
    with augur_server(store_url=store, log=tmp_path / "first.log") as first:
        second = subprocess.run(
            [sys.executable, "-m", "app", "serve", "--port", str(free_port()), "--store", store],
            cwd=REPO,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        holder = f"pid {first.proc.pid} on "
    assert second.returncode == 75
    assert second.stdout == ""
    lines = second.stderr.splitlines()
    assert len(lines) == 1, second.stderr
    assert lines[0].startswith(f"augur: another augur process ({holder}")
    assert lines[0].endswith(
        f") is using the SQLite store {database}; a SQLite store takes one process: stop that "
        "one, or run replicas on PostgreSQL (AUGUR_STORE_URL=postgresql+asyncpg://user@host/db)"
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        pytest.param(
            ["--workers", "2", "--store", "sqlite+aiosqlite:///{tmp}/augur.db"],
            "augur: --workers 2 needs a PostgreSQL store: SQLite admits one writer, so one "
            "process serves it. Use --workers 1, or --store postgresql+asyncpg://USER@HOST/DB "
            "(AUGUR_STORE_URL).\n",
            id="several-on-sqlite",
        ),
        pytest.param(
            ["--workers", "0"],
            "augur: invalid settings\n"
            "AUGUR_WORKERS (workers): Input should be greater than or equal to 1\n",
            id="none",
        ),
    ],
)
def test_serve_refuses_workers_it_cannot_run(args: list[str], said: str, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["serve", *[a.format(tmp=tmp_path) for a in args]])
    assert result.exit_code == 64
    assert result.stderr == said
    assert not (tmp_path / "augur.db").exists()  # refused before anything was opened
