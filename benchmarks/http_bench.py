"""Requests per second and p99 latency of augur's hot routes vs a bare FastAPI app (the floor),
on SQLite and on PostgreSQL, saturated (wrk) and at a fixed 500 requests/s (`benchmarks.paced`).

    python -m benchmarks.http_bench            # wrk -t2 -c32 -d10s per target, 10 s paced (~4 min)
    python -m benchmarks.http_bench --stores sqlite
    python -m benchmarks.http_bench --quick    # SQLite, wrk -t1 -c4 -d1s, 0.5 s paced: smoke run
    python -m benchmarks.http_bench --json

The servers are child processes on loopback, served by uvicorn the same way (`augur serve`, one
per store; `benchmarks.floor_app`, one worker, no access log), and driven by `wrk` (Debian
package `wrk`; installed with apt-get when missing and running as root, else the script stops
with the command to run). augur holds three finished runs, started through its doors: one
through the REST API, one behind the Argo gate, one behind Flagger's webhooks; their metric
measures `benchmarks.loopback`. Targets, each against the floor with the same wrk flags and body:

    run status   GET  /api/v1/namespaces/bench/analysisruns/status-run   vs GET  /floor
    argo gate    POST /api/v1/gates/argo/bench-key (the same Argo body every time: the first
                 call started the run, every later call answers its verdict)
                                                                      vs POST /floor
    flagger gate POST /api/v1/gates/flagger/confirm-promotion (Flagger's payload for a canary
                 whose analysis is Successful: 200)                   vs POST /floor

(the floor's POST reads and parses the body too). Each target is then driven at a fixed 500
requests/s over 16 connections, latency counted from each request's due time. The goals print
beside the figures: at least 0.5x the floor's requests/s, and p99 under 15 ms at 500/s.

augur logs every request as a JSON line (to a file here), as `augur serve` does; the floor logs
nothing. wrk, the client and the servers share the machine's cores, so the absolute figures are
low; the ratio to the floor is what carries over.
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
NAMESPACE, RUN, KEY, TEMPLATE = "bench", "status-run", "bench-key", "bench-template"
GOAL_RATIO, GOAL_P99_MS, PACED_RATE = 0.5, 15.0, 500.0


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


def flagger_body(hook_phase: str = "Progressing") -> str:
    """Flagger's webhook payload for the bench canary; its metadata names the template."""
    return json.dumps(
        {
            "name": "podinfo",
            "namespace": NAMESPACE,
            "phase": hook_phase,
            "checksum": "6d8f9c7b5",
            "metadata": {"template": TEMPLATE},
        }
    )


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


JSON = {"Content-Type": "application/json"}


def targets(augur: str, upstream: str) -> list[tuple[str, str, str | None]]:
    """(route, augur's URL, the POST body or None for a GET) for every measured route."""
    return [
        ("run status", f"{augur}/api/v1/namespaces/{NAMESPACE}/analysisruns/{RUN}", None),
        ("argo gate", f"{augur}/api/v1/gates/argo/{KEY}", gate_body(upstream)),
        ("flagger gate", f"{augur}/api/v1/gates/flagger/confirm-promotion", flagger_body()),
    ]


def _seed(base: str, upstream: str) -> None:
    """A finished run behind each door: the REST API, the Argo gate, Flagger's webhooks."""
    created = httpx.post(
        f"{base}/api/v1/namespaces/{NAMESPACE}/analysisruns",
        json={"name": RUN, "spec": {"metrics": [metric(upstream)]}},
    )
    created.raise_for_status()
    template = {"kind": "AnalysisTemplate", "spec": {"metrics": [metric(upstream)]}}
    url = f"{base}/api/v1/namespaces/{NAMESPACE}/analysistemplates/{TEMPLATE}"
    httpx.put(url, json=template).raise_for_status()
    hook = f"{base}/api/v1/gates/flagger/confirm-rollout"
    httpx.post(hook, content=flagger_body(), headers=JSON).raise_for_status()
    deadline = time.monotonic() + 30
    for route, url, body in targets(base, upstream):
        while True:
            answer = httpx.request(
                "POST" if body else "GET", url, content=body, headers=JSON if body else None
            )
            document = answer.json()
            phase = document.get("phase") or document.get("status", {}).get("phase")
            if answer.status_code == 200 and phase == "Successful":
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{route} did not finish: {answer.status_code} {document}")
            time.sleep(0.2)


def _measure(
    wrk: str, url: str, body: str | None, folder: Path, *, load: dict[str, int], paced_s: float
) -> dict[str, Any]:
    """wrk saturating `url`, then the paced client at PACED_RATE."""
    import asyncio

    from benchmarks.paced import paced

    script = None
    if body is not None:
        script = folder / f"post-{abs(hash(body))}.lua"
        script.write_text(lua_script(body))
    command = wrk_command(wrk, url, script=script, **load)
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    figures: dict[str, Any] = parse_wrk(done.stdout)
    figures["command"] = " ".join(command[1:]).replace(str(folder), "$TMP")
    steady = asyncio.run(
        paced(url, rate=PACED_RATE, seconds=paced_s, method="POST" if body else "GET", body=body)
    )
    figures.update({f"paced_{k}": v for k, v in steady.items()})
    return figures


def bench(
    *, stores: Sequence[str], threads: int, connections: int, seconds: int, paced_s: float
) -> list[dict[str, Any]]:
    from benchmarks import loopback

    wrk = ensure_wrk()
    load = {"threads": threads, "connections": connections, "seconds": seconds}
    rows: list[dict[str, Any]] = []
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="augur-http-")))
        upstream = stack.enter_context(loopback.start())
        floor_port = _free_port()
        floor = f"http://127.0.0.1:{floor_port}"
        with _server(
            [sys.executable, "-m", "benchmarks.floor_app", "--port", str(floor_port)],
            ready=f"{floor}/readyz",
            log=folder / "floor.log",
        ):
            for route, _, body in targets("", upstream):
                figures = _measure(wrk, f"{floor}/floor", body, folder, load=load, paced_s=paced_s)
                rows.append({"store": "-", "route": route, "server": "floor", **figures})
        for store in stores:
            if store == "postgresql":
                from tests.support.postgres import create_database, postgres_server

                url = create_database(stack.enter_context(postgres_server()))
            else:
                url = f"sqlite+aiosqlite:///{folder / 'augur.db'}"
            port = _free_port()
            augur = f"http://127.0.0.1:{port}"
            with _server(
                [sys.executable, "-m", "app", "serve", "--port", str(port), "--store", url],
                ready=f"{augur}/readyz",
                log=folder / f"augur-{store}.log",
            ):
                _seed(augur, upstream)
                for route, target, body in targets(augur, upstream):
                    figures = _measure(wrk, target, body, folder, load=load, paced_s=paced_s)
                    rows.append({"store": store, "route": route, "server": "augur", **figures})
    for row in rows:
        pair = next(r for r in rows if r["route"] == row["route"] and r["server"] == "floor")
        row["method"] = "GET" if row["route"] == "run status" else "POST"
        row["over_floor"] = row["per_s"] / pair["per_s"] if pair["per_s"] else None
    return rows


def table(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The Markdown table, goals beside the figures."""
    rate = f"{PACED_RATE:,.0f}/s"
    lines = [
        f"| store | route | server | req/s | × floor (goal ≥ {GOAL_RATIO}) | p99 ms | "
        f"p50 ms at {rate} | p99 ms at {rate} (goal < {GOAL_P99_MS:g}) | non-2xx |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        ratio = r["over_floor"]
        met = "" if r["server"] == "floor" else (" ✓" if ratio >= GOAL_RATIO else " ✗")
        p99_met = (
            "" if r["server"] == "floor" else (" ✓" if r["paced_p99_ms"] < GOAL_P99_MS else " ✗")
        )
        lines.append(
            f"| {r['store']} | {r['method']} {r['route']} | {r['server']} | {r['per_s']:,.0f} | "
            f"{ratio:.2f}{met} | {r['p99_ms']:.1f} | {r['paced_p50_ms']:.1f} | "
            f"{r['paced_p99_ms']:.1f}{p99_met} | {r['non_2xx'] + r['paced_non_2xx']:.0f} |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="SQLite, wrk -t1 -c4 -d1s; smoke")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--seconds", type=int, default=10, help="wrk -d per target")
    parser.add_argument("--paced-seconds", type=float, default=10, help="paced run per target")
    parser.add_argument("--stores", default="sqlite,postgresql", help="sqlite and/or postgresql")
    options = parser.parse_args(argv)
    stores = [s for s in options.stores.split(",") if s]
    threads, connections, seconds = (1, 4, 1) if options.quick else (2, 32, options.seconds)
    paced_s = 0.5 if options.quick else options.paced_seconds
    if options.quick:
        stores = ["sqlite"]
    try:
        rows = bench(
            stores=stores,
            threads=threads,
            connections=connections,
            seconds=seconds,
            paced_s=paced_s,
        )
    except WrkMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    if options.json:
        print(json.dumps({"cores": os.cpu_count(), "rows": rows}, indent=2))
        return 0
    print(
        f"wrk -t{threads} -c{connections} -d{seconds}s, then {PACED_RATE:.0f} req/s for "
        f"{paced_s:g} s over 16 connections; loopback, {os.cpu_count()} cores"
    )
    print("\n".join(table(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
