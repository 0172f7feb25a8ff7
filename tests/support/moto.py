"""moto's server mode as CloudWatch for tests: a real HTTP server speaking AWS's protocols.

Started once per session on a free loopback port (``moto_server``, from the ``moto[server]``
test extra) and reset between tests (``POST /moto-api/reset``), so each test seeds the metrics
it needs with boto3's ``put_metric_data``. A server that does not come up fails the tests with
its log, never skips them. moto evaluates ``MetricStat`` queries; it does not evaluate metric
math (an expression answers no values), which the tests serve from a fake instead.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.servers import free_port, wait_until_answers

__all__ = ["AWS_ENV", "Moto", "moto_server"]

#: Credentials and region moto accepts (any are); what the tests hand the provider and boto3.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIDAUGURTEST0000001",
    "AWS_SECRET_ACCESS_KEY": "augur-test-secret-key-0001",
    "AWS_REGION": "us-east-1",
}


@dataclass(frozen=True)
class Moto:
    endpoint: str
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def reset(self) -> None:
        httpx.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()

    def cloudwatch(self) -> Any:
        """A boto3 CloudWatch client of this server, to seed metrics."""
        import boto3

        return boto3.client(
            "cloudwatch",
            endpoint_url=self.endpoint,
            region_name=AWS_ENV["AWS_REGION"],
            aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        )


def _binary() -> list[str]:
    found = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if found is None:
        raise RuntimeError(
            "moto_server was not found beside this Python: install the test extra "
            "(`pip install -e '.[test]'`, which `make test` does)"
        )
    return [found]


@contextmanager
def moto_server() -> Iterator[Moto]:
    """Run ``moto_server`` on loopback until the context exits."""
    with tempfile.TemporaryDirectory(prefix="augur-moto-") as tmp:
        log = Path(tmp) / "moto.log"
        port = free_port()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*_binary(), "-H", "127.0.0.1", "-p", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        endpoint = f"http://127.0.0.1:{port}"
        try:
            wait_until_answers(f"{endpoint}/moto-api/", proc=proc, log=log, timeout=30.0)
            yield Moto(endpoint=endpoint, log=log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
