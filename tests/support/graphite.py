"""A throwaway Graphite for tests: Debian's carbon-cache and graphite-web, started for real.

Both run under the system Python (Debian's packages live in ``/usr/lib/python3/dist-packages``,
not in the venv), in a temporary directory, on free loopback ports: carbon-cache in the
foreground (``--debug``) with its plaintext receiver and cache query port; graphite-web's WSGI
application (``graphite.wsgi``, with a settings module of our own pointing at the temporary
whisper directory and at carbon's cache, so a point is readable before it reaches the disk)
under ``wsgiref`` with a thread per request. Its render API needs no database, so none is
migrated. Points are fed through carbon's plaintext port; `Graphite.feed` waits until the render
API answers them. A missing package is an error telling how to get it, never a skip.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.servers import free_port, wait_until_answers

__all__ = ["Graphite", "graphite_server"]

SYSTEM_PYTHON = "/usr/bin/python3"
CARBON_CACHE = "/usr/bin/carbon-cache"
GRAPHITE_WEB = Path("/usr/lib/python3/dist-packages/graphite/wsgi.py")
#: One point a second, kept for a day: a test's points each land in their own slot.
RETENTIONS = "1s:1d"

_CARBON_CONF = """\
[cache]
STORAGE_DIR = {root}/
LOCAL_DATA_DIR = {root}/whisper/
WHITELISTS_DIR = {root}/lists/
CONF_DIR = {root}/conf/
LOG_DIR = {root}/log/
PID_DIR = {root}/run/
DATABASE = whisper
ENABLE_LOGROTATION = False
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = 10000
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = {line_port}
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = {pickle_port}
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = {query_port}
LOG_UPDATES = False
LOG_CREATES = False
LOG_CACHE_HITS = False
LOG_CACHE_QUEUE_SORTS = False
LOG_LISTENER_CONNECTIONS = False
ENABLE_TAGS = False
WHISPER_AUTOFLUSH = True
WHISPER_FALLOCATE_CREATE = False
"""

_SETTINGS = """\
SECRET_KEY = "augur-tests"
ALLOWED_HOSTS = ["*"]
LOG_ROTATION = False
DEFAULT_XFILES_FACTOR = 0
GRAPHITE_ROOT = "/usr/share/graphite-web"
STATIC_ROOT = "/usr/share/graphite-web/static"
CONF_DIR = "{root}/conf"
STORAGE_DIR = "{root}"
WHISPER_DIR = "{root}/whisper"
STANDARD_DIRS = ["{root}/whisper"]
LOG_DIR = "{root}/log"
INDEX_FILE = "{root}/search_index"
CARBONLINK_HOSTS = ["127.0.0.1:{query_port}:a"]
DATABASES = {{"default": {{"NAME": "{root}/graphite.db", "ENGINE": "django.db.backends.sqlite3"}}}}
FUNCTION_PLUGINS = []
USE_WORKER_POOL = False
"""

_SERVE = """\
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIServer, make_server

from graphite.wsgi import application


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


make_server("127.0.0.1", int(sys.argv[1]), application, server_class=Server).serve_forever()
"""


def _require() -> None:
    missing = [
        str(path)
        for path in (Path(SYSTEM_PYTHON), Path(CARBON_CACHE), GRAPHITE_WEB)
        if not path.exists()
    ]
    if missing:
        raise RuntimeError(
            f"Graphite is not installed ({', '.join(missing)} missing): run `make test`, which "
            "installs the Debian packages 'graphite-web' and 'graphite-carbon' "
            "(or `apt-get install graphite-web graphite-carbon`)"
        )


@dataclass(frozen=True)
class Graphite:
    base_url: str
    carbon_port: int
    root: Path

    def logs(self, tail: int = 2000) -> str:
        """The end of each log carbon and graphite-web wrote."""
        found = sorted(path for path in (self.root / "log").rglob("*") if path.is_file())
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-tail:]}" for p in found)

    def send(self, points: Iterable[tuple[str, float, int]]) -> None:
        """Write `(path, value, unix seconds)` points to carbon's plaintext receiver."""
        lines = "".join(f"{path} {value} {stamp}\n" for path, value, stamp in points)
        with socket.create_connection(("127.0.0.1", self.carbon_port), timeout=10) as sock:
            sock.sendall(lines.encode("ascii"))

    def feed(self, points: Iterable[tuple[str, float, int]], *, timeout: float = 15.0) -> None:
        """`send` the points and wait until the render API answers every one of them."""
        wanted = list(points)
        self.send(wanted)
        pending = {(path, stamp, value) for path, value, stamp in wanted}
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for path in {p for p, _, _ in pending}:
                stamps = [s for p, s, _ in pending if p == path]
                seen = self._points(path, min(stamps) - 60, max(stamps) + 60)
                pending -= {(path, s, v) for s, v in seen.items()}
            if pending:
                time.sleep(0.1)
        if pending:
            raise AssertionError(
                f"graphite did not answer {len(pending)} fed points within {timeout:g}s "
                f"(first: {sorted(pending)[0]}):\n{self.logs()}"
            )

    def _points(self, path: str, start: int, end: int) -> dict[int, float]:
        answer = httpx.get(
            f"{self.base_url}/render",
            params={"target": path, "from": str(start), "until": str(end), "format": "json"},
            timeout=10,
        )
        answer.raise_for_status()
        return {
            int(stamp): value
            for series in answer.json()
            for value, stamp in series["datapoints"]
            if value is not None
        }


def _process(
    command: list[str], *, log: Path, env: dict[str, str], cwd: Path
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for_port(port: int, *, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15.0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"carbon-cache exited with {proc.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"carbon-cache did not listen on {port} within 15s:\n{log.read_text()}")


@contextmanager
def graphite_server() -> Iterator[Graphite]:
    """Run carbon-cache and graphite-web until the context exits."""
    _require()
    with tempfile.TemporaryDirectory(prefix="augur-graphite-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        for folder in ("conf", "whisper", "log", "run", "lists"):
            (root / folder).mkdir()
        ports = {"line_port": free_port(), "pickle_port": free_port(), "query_port": free_port()}
        conf = root / "conf"
        (conf / "carbon.conf").write_text(_CARBON_CONF.format(root=root, **ports))
        (conf / "storage-schemas.conf").write_text(
            f"[default]\npattern = .*\nretentions = {RETENTIONS}\n"
        )
        (conf / "storage-aggregation.conf").write_text("")
        (conf / "augur_graphite_settings.py").write_text(_SETTINGS.format(root=root, **ports))
        (conf / "serve.py").write_text(_SERVE)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(conf),
            "DJANGO_SETTINGS_MODULE": "graphite.settings",
            "GRAPHITE_SETTINGS_MODULE": "augur_graphite_settings",
            "PYTHONWARNINGS": "ignore",
        }
        carbon_log, web_log = root / "log" / "carbon.out", root / "log" / "web.out"
        carbon = _process(
            [SYSTEM_PYTHON, CARBON_CACHE, f"--config={conf / 'carbon.conf'}", "--debug", "start"],
            log=carbon_log,
            env=env,
            cwd=root,
        )
        stack.callback(_stop, carbon)
        web_port = free_port()
        web = _process(
            [SYSTEM_PYTHON, str(conf / "serve.py"), str(web_port)], log=web_log, env=env, cwd=root
        )
        stack.callback(_stop, web)
        base_url = f"http://127.0.0.1:{web_port}"
        _wait_for_port(ports["line_port"], proc=carbon, log=carbon_log)
        wait_until_answers(f"{base_url}/render?target=none&format=json", proc=web, log=web_log)
        yield Graphite(base_url=base_url, carbon_port=ports["line_port"], root=root)
