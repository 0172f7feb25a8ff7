"""Requests per second and p99 latency of augur's hot read routes vs a bare FastAPI app (the floor).

    python -m benchmarks.http_bench            # wrk -t2 -c32 -d10s per target (~50 s)
    python -m benchmarks.http_bench --quick    # wrk -t1 -c4 -d1s: smoke run
    python -m benchmarks.http_bench --json

Both servers are child processes on loopback, served by uvicorn the same way (`augur serve` on a
SQLite store; `benchmarks.floor_app`, one worker, no access log), and driven by `wrk` (Debian
package `wrk`; installed with apt-get when missing and running as root, else the script stops
with the command to run). augur holds one finished run, started through its REST API, and one
finished Argo gate run; its metric measures `benchmarks.loopback`. Targets:

    run status   GET  /api/v1/namespaces/bench/analysisruns/status-run   vs GET  /floor
    argo gate    POST /api/v1/gates/argo/bench-key (the same Argo body every time: the first
                 call started the run, every later call answers its verdict)
                                                                      vs POST /floor (the body
                                                                         read and parsed)

augur logs every request as a JSON line (to a file here), as `augur serve` does; the floor logs
nothing. wrk and the servers share the machine's cores, so the absolute figures are low; the
ratio to the floor is what carries over.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

INSTALL = "apt-get install -y wrk"
REPO = Path(__file__).resolve().parents[1]
NAMESPACE, RUN, KEY = "bench", "status-run", "bench-key"


class WrkMissing(RuntimeError):
    """`wrk` is not installed and could not be installed here."""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "wrk"]
        if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
            subprocess.run(install, env=env, capture_output=True, check=False)
        found = shutil.which("wrk")
    if found is None:
        raise WrkMissing(f"wrk is not installed; run: {INSTALL} (as root)")
    return found


def metric(upstream: str) -> dict[str, Any]:
    return {
        "name": "ok",
        "interval": "1s",
        "count": 1,
        "successCondition": "result >= 0.99",
        "provider": {"web": {"url": f"{upstream}/ok", "jsonPath": "{$.value}"}},
    }


def gate_body(upstream: str) -> str:
    """The Argo web provider's body: the namespace and an inline template spec."""
    return json.dumps({"namespace": NAMESPACE, "spec": {"metrics": [metric(upstream)]}})


def lua_script(body: str) -> str:
    """wrk's request script: every request a POST of `body` as JSON."""
    return (
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )


def wrk_command(
    wrk: str, url: str, *, threads: int, connections: int, seconds: int, script: Path | None
) -> list[str]:
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    return [*command, url]


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> dict[str, float]:
    """Requests/s, p99 in ms, and the count of non-2xx answers and socket errors."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if rate is None or p99 is None or total is None:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests": float(total.group(1)),
        "per_s": float(rate.group(1)),
        "p99_ms": float(p99.group(1)) * _UNITS[p99.group(2)],
        "non_2xx": float(bad.group(1)) if bad else 0.0,
        "socket_errors": float(sum(int(g) for g in errors.groups())) if errors else 0.0,
    }


def _free_port() -> int:
    from tests.support.servers import free_port

    return free_port()


@contextmanager
def _server(command: list[str], *, ready: str, log: Path) -> Iterator[None]:
    with log.open("w") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        deadline = time.monotonic() + 30
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"{command} exited:\n{log.read_text()[-2000:]}")
            try:
                if httpx.get(ready, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{ready} did not answer within 30 s")
            time.sleep(0.1)
        yield
    finally:
        child.terminate()
        child.wait(timeout=15)


def _seed(base: str, upstream: str) -> None:
    """One finished run through the REST API, one finished run behind the Argo gate."""
    body = {"name": RUN, "spec": {"metrics": [metric(upstream)]}}
    created = httpx.post(f"{base}/api/v1/namespaces/{NAMESPACE}/analysisruns", json=body)
    created.raise_for_status()
    gate = httpx.post(
        f"{base}/api/v1/gates/argo/{KEY}",
        content=gate_body(upstream),
        headers={"Content-Type": "application/json"},
    )
    gate.raise_for_status()
    deadline = time.monotonic() + 30
    for url, method in (
        (f"{base}/api/v1/namespaces/{NAMESPACE}/analysisruns/{RUN}", "GET"),
        (f"{base}/api/v1/gates/argo/{KEY}", "POST"),
    ):
        while True:
            answer = httpx.request(
                method,
                url,
                content=gate_body(upstream) if method == "POST" else None,
                headers={"Content-Type": "application/json"},
            ).json()
            phase = answer.get("phase") or answer.get("status", {}).get("phase")
            if phase == "Successful":
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not finish: {answer}")
            time.sleep(0.2)


def bench(*, threads: int, connections: int, seconds: int) -> list[dict[str, Any]]:
    from benchmarks import loopback

    wrk = ensure_wrk()
    rows: list[dict[str, Any]] = []
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="augur-http-")))
        upstream = stack.enter_context(loopback.start())
        script = folder / "post.lua"
        script.write_text(lua_script(gate_body(upstream)))
        augur_port, floor_port = _free_port(), _free_port()
        augur = f"http://127.0.0.1:{augur_port}"
        floor = f"http://127.0.0.1:{floor_port}"
        store = f"sqlite+aiosqlite:///{folder / 'augur.db'}"
        stack.enter_context(
            _server(
                [sys.executable, "-m", "app", "serve", "--port", str(augur_port), "--store", store],
                ready=f"{augur}/readyz",
                log=folder / "augur.log",
            )
        )
        stack.enter_context(
            _server(
                [sys.executable, "-m", "benchmarks.floor_app", "--port", str(floor_port)],
                ready=f"{floor}/readyz",
                log=folder / "floor.log",
            )
        )
        _seed(augur, upstream)
        targets = [
            ("run status", f"{augur}/api/v1/namespaces/{NAMESPACE}/analysisruns/{RUN}", None),
            ("run status", f"{floor}/floor", None),
            ("argo gate", f"{augur}/api/v1/gates/argo/{KEY}", script),
            ("argo gate", f"{floor}/floor", script),
        ]
        for route, url, lua in targets:
            command = wrk_command(
                wrk, url, threads=threads, connections=connections, seconds=seconds, script=lua
            )
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            figures = parse_wrk(done.stdout)
            rows.append(
                {
                    "route": route,
                    "server": "floor" if url.startswith(floor) else "augur",
                    "method": "POST" if lua else "GET",
                    "command": " ".join(command[1:]).replace(str(folder), "$TMP"),
                    **figures,
                }
            )
    for row in rows:
        pair = next(r for r in rows if r["route"] == row["route"] and r["server"] == "floor")
        row["floor_over_augur"] = pair["per_s"] / row["per_s"] if row["per_s"] else None
        row["p99_over_floor"] = row["p99_ms"] / pair["p99_ms"] if pair["p99_ms"] else None
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="wrk -t1 -c4 -d1s; smoke only")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--seconds", type=int, default=10, help="wrk -d per target")
    options = parser.parse_args(argv)
    threads, connections, seconds = (1, 4, 1) if options.quick else (2, 32, options.seconds)
    try:
        rows = bench(threads=threads, connections=connections, seconds=seconds)
    except WrkMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    if options.json:
        print(json.dumps({"cores": os.cpu_count(), "rows": rows}, indent=2))
        return 0
    print(f"wrk -t{threads} -c{connections} -d{seconds}s, loopback, {os.cpu_count()} cores")
    print("| route | server | req/s | p99 ms | floor req/s ÷ this | p99 × floor | non-2xx |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['method']} {r['route']} | {r['server']} | {r['per_s']:,.0f} | "
            f"{r['p99_ms']:.1f} | {r['floor_over_augur']:.2f} | {r['p99_over_floor']:.2f} | "
            f"{r['non_2xx']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
