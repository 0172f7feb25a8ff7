"""A throwaway Prometheus for tests: the machine's real server, scraping a test exporter.

Started once per test module: a config with a 1 s scrape interval, TSDB in a temporary
directory, listening on a free loopback port. It is ready when a query sees the exporter's
counters. A missing binary is an error telling how to get it, never a skip.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.servers import free_port, wait_until_answers

__all__ = ["Prometheus", "prometheus_binary", "prometheus_server"]

READY_QUERY = "sum(http_requests_total)"


def prometheus_binary() -> str:
    found = shutil.which("prometheus") or (
        "/usr/bin/prometheus" if Path("/usr/bin/prometheus").exists() else None
    )
    if found is None:
        raise RuntimeError(
            "the prometheus binary was not found: run `make test`, which installs the Debian "
            "package 'prometheus' (or `apt-get install prometheus`)"
        )
    return found


@dataclass(frozen=True)
class Prometheus:
    base_url: str
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


def _config(target: str) -> str:
    return f"""\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1m
scrape_configs:
  - job_name: app
    static_configs:
      - targets: ["{target}"]
"""


def _wait_for_samples(base_url: str, *, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prometheus exited with {proc.returncode}:\n{log.read_text()}")
        try:
            answer = httpx.get(f"{base_url}/api/v1/query", params={"query": READY_QUERY}).json()
        except (httpx.TransportError, ValueError):  # still starting: refused, or 503 text
            answer = {}
        if answer.get("data", {}).get("result"):
            return
        time.sleep(0.2)
    raise RuntimeError(f"prometheus did not scrape the exporter within 30s:\n{log.read_text()}")


@contextmanager
def prometheus_server(*, target: str) -> Iterator[Prometheus]:
    """Run Prometheus scraping ``target`` (``host:port``) until the context exits."""
    binary = prometheus_binary()
    with tempfile.TemporaryDirectory(prefix="augur-prom-") as tmp:
        base = Path(tmp)
        config, log = base / "prometheus.yml", base / "prometheus.log"
        config.write_text(_config(target))
        port = free_port()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    binary,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={base / 'data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--storage.tsdb.retention.time=1h",
                    "--log.level=warn",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=base,
            )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_answers(f"{base_url}/-/ready", proc=proc, log=log, timeout=30.0)
            _wait_for_samples(base_url, proc=proc, log=log)
            yield Prometheus(base_url=base_url, log=log)
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
