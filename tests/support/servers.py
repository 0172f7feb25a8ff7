"""Start real servers for tests: augur itself (uvicorn, a child process) on a loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_answers(
    url: str, *, proc: subprocess.Popen[bytes], log: Path, timeout: float = 20.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = log.read_text(errors="replace")
            raise RuntimeError(f"server exited with {proc.returncode} before answering:\n{out}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not answer {url} within {timeout}s")


def wait_ready(base_url: str, *, timeout: float = 30.0) -> httpx.Response:
    """`/healthz` answers before the store is migrated (migrations run in the background at
    start-up); requests that need the store wait for `/readyz`. Returns the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        reply = httpx.get(f"{base_url}/readyz", timeout=15)
        if reply.status_code != 503 or time.monotonic() > deadline:
            return reply
        time.sleep(0.05)


@dataclass
class Served:
    base_url: str
    proc: subprocess.Popen[bytes]
    log: Path
    data_dir: Path | None = None

    def logs(self) -> str:
        """Everything the server has printed so far (stdout and stderr)."""
        return self.log.read_text(errors="replace")


@contextmanager
def augur_server(
    *,
    store_url: str,
    log: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    ready: bool = True,
) -> Iterator[Served]:
    """`python -m app serve` on a free port, as a user would start it; stopped with SIGTERM.

    Yields once `/readyz` answers 200 (the store migrated), so a test's first request meets a
    ready server on a loaded machine too; `ready=False` yields once `/healthz` answers, for a
    test of a server whose store is not ready.

    Output goes to a file, not a pipe, so a chatty server can never block on a full pipe.
    """
    port = free_port()
    child_env = {**os.environ, **(env or {})}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--store", store_url],
            cwd=cwd or REPO,
            env=child_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{base_url}/healthz", proc=proc, log=log)
        if ready:
            answer = wait_ready(base_url)
            assert answer.status_code == 200, f"not ready: {answer.text}\n{log.read_text()}"
        yield Served(base_url=base_url, proc=proc, log=log)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
