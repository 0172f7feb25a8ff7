"""A throwaway PostgreSQL server for tests, started from the machine's initdb/pg_ctl.

PostgreSQL refuses to run as root, so when the tests run as root (as CI does) the cluster is
owned by and started as the `postgres` system user that the Debian package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import free_port


def pg_bin(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), reverse=True):
        return str(candidate)
    raise RuntimeError(
        f"PostgreSQL's {tool} was not found: install the Debian package 'postgresql' "
        "(make test does this)"
    )


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    database: str
    # Where the cluster lives, to stop and start it again (`stop_postgres`, `start_postgres`).
    data_dir: Path | None = None
    owner: str | None = None

    def url(self, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{self.user}@{self.host}:{self.port}/{self.database}"


def _as_owner(owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--"] if owner else []


def _start(data: Path, port: int, owner: str | None) -> None:
    sockets = data.parent / "run"
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    log = data.parent / "log"
    command = [pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(log), "start"]
    subprocess.run([*_as_owner(owner), *command], check=True, capture_output=True)


def stop_postgres(server: Postgres, *, mode: str = "fast") -> None:
    """Stop the server (`pg_ctl stop -m fast`: clients are disconnected); its data stays."""
    assert server.data_dir is not None, "only a server from postgres_server() can be stopped"
    command = [pg_bin("pg_ctl"), "-D", str(server.data_dir), "-m", mode, "-w", "stop"]
    subprocess.run([*_as_owner(server.owner), *command], check=True, capture_output=True)


def start_postgres(server: Postgres) -> None:
    """Start a stopped server again: same data directory, same port."""
    assert server.data_dir is not None, "only a server from postgres_server() can be started"
    _start(server.data_dir, server.port, server.owner)


@contextmanager
def postgres_server() -> Iterator[Postgres]:
    owner = "postgres" if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="augur-pg-"))
    data, sockets = base / "data", base / "run"
    sockets.mkdir()
    if owner:
        record = pwd.getpwnam(owner)
        for path in (base, sockets):
            os.chown(path, record.pw_uid, record.pw_gid)
    port = free_port()
    run = _as_owner(owner)
    subprocess.run(
        [*run, pg_bin("initdb"), "-D", str(data), "-U", "augur", "-A", "trust", "--no-sync"],
        check=True,
        capture_output=True,
    )
    _start(data, port, owner)
    try:
        subprocess.run(
            [*run, pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "augur", "augur"],
            check=True,
            capture_output=True,
        )
        yield Postgres(
            host="127.0.0.1",
            port=port,
            user="augur",
            database="augur",
            data_dir=data,
            owner=owner,
        )
    finally:
        subprocess.run(
            [*run, pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def create_database(server: Postgres) -> str:
    """A fresh database on the shared server, so tests never see each other's rows."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    subprocess.run(
        [pg_bin("createdb"), "-h", server.host, "-p", str(server.port), "-U", server.user, name],
        check=True,
        capture_output=True,
    )
    return f"postgresql+asyncpg://{server.user}@{server.host}:{server.port}/{name}"
