"""One real `augur serve` per test module: a subprocess on loopback, SQLite in a temporary folder,
API tokens configured, so hostile requests travel the same path a caller's would (socket, uvicorn,
auth, body reading, validation, store) and the server's own memory can be read from /proc."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.servers import Served, augur_server

WRITE_TOKEN = "write-token-for-hostile-tests-0123456789"
READ_TOKEN = "read-token-for-hostile-tests-0123456789"
WRITE = {"Authorization": f"Bearer {WRITE_TOKEN}"}


@dataclass
class Hostile:
    """A started server and a client that sends the write token."""

    served: Served
    client: httpx.Client

    @property
    def pid(self) -> int:
        return self.served.proc.pid

    def rss_bytes(self) -> int:
        """Resident memory of the server process, from /proc (VmRSS is in kB)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS line in /proc/<pid>/status")


def start(tmp: Path, *, env: dict[str, str], store_url: str | None = None) -> Iterator[Hostile]:
    """A server on SQLite in ``tmp``, or on the store ``store_url`` names (PostgreSQL)."""
    settings = {
        "AUGUR_TOKENS": f"write:{WRITE_TOKEN},read:{READ_TOKEN}",
        "AUGUR_LOG_LEVEL": "warning",
        **env,
    }
    with (
        augur_server(
            store_url=store_url or f"sqlite+aiosqlite:///{tmp}/augur.db",
            log=tmp / "server.log",
            env=settings,
            ready=True,
        ) as served,
        httpx.Client(base_url=served.base_url, headers=WRITE, timeout=30.0) as client,
    ):
        yield Hostile(served=served, client=client)
