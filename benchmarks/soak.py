"""Soak: `augur serve` for minutes under a mix of healthy and failing work, watched from outside.

    python -m benchmarks.soak                  # 10 minutes, from the repository root
    python -m benchmarks.soak --minutes 30
    python -m benchmarks.soak --quick          # ~30 s smoke run
    python -m benchmarks.soak --quick --json   # the report as JSON (the smoke test reads it)
    python -m benchmarks.soak --steady 0       # the fault mix alone

Not part of `make test` (minutes long). The server is a real subprocess on a SQLite store; its
upstreams run in this process on loopback: a scripted server (tests/faults/upstream.py) that
answers, sleeps past timeouts, resets connections, truncates bodies, answers HTML or 503 storms,
and two fake OAPs (tests/fakes), one healthy, one answering GraphQL errors. The load:

    runs     a new run every --spawn-every seconds, cycling through KINDS (each with the verdict
             it must reach); every run gets its own upstream path
    gates    Argo keyed gate (start, then poll until a verdict), Argo evaluate, Flagger hooks
    reads    run lists, single runs, measurement pages, /metrics, /readyz
    steady   --steady runs (4,000 by default; 300 with --quick) created at the start, each
             measuring every --steady-interval seconds (10; 2 with --quick) against
             `benchmarks.loopback` (its own process) until the load ends, then terminated
             through the API: the scheduler's throughput (400 measurements/s by default) under
             the fault mix and the API load above

Then new work stops, runs still measuring get --drain seconds to finish, the server is stopped
with SIGTERM and the store is read directly. The report: RSS of the server over time (from
/proc), runs created/finished/unfinished, wrong verdicts, Error measurements by kind, HTTP
answers by status, and whether any measurement was lost or duplicated (stored seqs 1..n against
the counters of the run's status, per metric), for the steady runs too. For the steady runs it
also reports measurements/s against their target and how late the measurements started (as
`benchmarks.scheduler_bench` does), and the server's CPU share over the load. Memory and time
figures are printed, never judged here.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from benchmarks import loopback
from benchmarks.scheduler_bench import spec as steady_spec
from benchmarks.scheduler_report import lateness
from tests.fakes.fake_oap import FakeOAP, Fault
from tests.faults.upstream import Answer, FaultServer, Reset, fault_server
from tests.support.servers import Served, augur_server

NAMESPACE = "soak"
GATES = "soak-gates"
STEADY = "soak-steady"
FLAGGER = "soak-flagger"
SERVICE = "reviews"
QUERY = (
    "query q($duration: Duration!) { apdex: readMetricsValues(condition: {name: "
    f'"service_apdex", entity: {{scope: Service, serviceName: "{SERVICE}", normal: true}}}}, '
    "duration: $duration) { values { values { value } } } }"
)
COMPLETED = ("Successful", "Failed", "Error", "Inconclusive")
OK = Answer(body='{"ok": true}')

#: Error measurement messages by kind, first match wins.
ERROR_KINDS = [
    ("timeout", re.compile(r"deadline exceeded|timed out")),
    ("reset", re.compile(r"Connection reset by peer")),
    ("truncated", re.compile(r"without sending complete message body")),
    ("5xx", re.compile(r"non 2xx response code: 5|server_error|OAP answered 5")),
    ("graphql", re.compile(r"^graphql: ")),
    ("condition", re.compile(r"^could not evaluate")),
]


@dataclass(frozen=True)
class Kind:
    name: str
    verdict: str
    provider: Callable[[Upstreams, str], dict[str, Any]]
    limit: int = 0  # consecutiveErrorLimit: small, so failing runs end within seconds
    count: int = 2
    condition: str = "result.ok == true"


@dataclass
class Upstreams:
    scripted: FaultServer
    healthy_oap: FakeOAP
    graphql_oap: FakeOAP
    constant: str  # benchmarks.loopback's base URL


def web(*steps: Answer | Reset, **options: Any) -> Callable[[Upstreams, str], dict[str, Any]]:
    def build(up: Upstreams, path: str) -> dict[str, Any]:
        return {"web": {"url": up.scripted.script(path, steps), **options}}

    return build


def skywalking(which: str) -> Callable[[Upstreams, str], dict[str, Any]]:
    def build(up: Upstreams, path: str) -> dict[str, Any]:
        oap = up.healthy_oap if which == "healthy" else up.graphql_oap
        return {"skywalking": {"address": oap.url, "query": QUERY, "interval": "5m"}}

    return build


APDEX = "all(result.apdex.values.values, {asFloat(.value) >= 9900})"
KINDS = [
    Kind("web-healthy", "Successful", web(OK), count=3),
    Kind("web-failing", "Failed", web(Answer(body='{"ok": false}'))),
    Kind("web-slow", "Error", web(Answer(body='{"ok": true}', delay=3), timeoutSeconds=1)),
    Kind("web-reset", "Error", web(Reset())),
    Kind("web-truncated", "Error", web(Answer(body='{"ok": true}', declared=64))),
    Kind("web-html", "Error", web(Answer(status=502, body="<h1>bad gateway</h1>"))),
    Kind("web-storm-ends", "Successful", web(Answer(status=503, body="busy"), OK), limit=1),
    Kind("web-storm-stays", "Error", web(Answer(status=503, body="busy"))),
    Kind("skywalking-healthy", "Successful", skywalking("healthy"), condition=APDEX),
    Kind("skywalking-graphql", "Error", skywalking("graphql"), condition=APDEX),
]


@dataclass
class Tally:
    created: dict[str, str] = field(default_factory=dict)  # "namespace/name" -> kind
    answers: Counter[str] = field(default_factory=Counter)  # "what status"
    transport_errors: Counter[str] = field(default_factory=Counter)
    rss: list[tuple[float, int]] = field(default_factory=list)  # (seconds, KiB)
    steady: list[str] = field(default_factory=list)  # the steady runs' names
    steady_window: tuple[datetime, datetime] | None = None  # all created .. load ends
    cpu_window: tuple[float, float] | None = None  # server CPU seconds then, from /proc

    def answer(self, what: str, reply: httpx.Response) -> None:
        self.answers[f"{what} {reply.status_code}"] += 1


def spec_of(kind: Kind, provider: dict[str, Any]) -> dict[str, Any]:
    metric = {
        "name": "m",
        "interval": "1s",
        "count": kind.count,
        "consecutiveErrorLimit": kind.limit,
        "successCondition": kind.condition,
        "provider": provider,
    }
    return {"metrics": [metric]}


@dataclass(frozen=True)
class Steady:
    runs: int
    interval: float  # seconds between a run's measurements


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class Load:
    """The client side: spawns runs, calls the gates, reads, samples memory."""

    def __init__(
        self, served: Served, up: Upstreams, tally: Tally, *, spawn_every: float, steady: Steady
    ):
        self.served, self.up, self.tally = served, up, tally
        self.spawn_every = spawn_every
        self.steady = steady
        self.client = httpx.AsyncClient(base_url=served.base_url, timeout=15)
        self.kinds = itertools.cycle(KINDS)
        self.counter = itertools.count()
        self.keys: list[str] = []
        self.started = time.monotonic()

    async def call(self, what: str, method: str, url: str, **kw: Any) -> httpx.Response | None:
        try:
            reply = await self.client.request(method, url, **kw)
        except httpx.HTTPError as exc:
            self.tally.transport_errors[f"{what} {type(exc).__name__}"] += 1
            return None
        self.tally.answer(what, reply)
        return reply

    async def spawn(self, until: float) -> None:
        while time.monotonic() < until:
            kind, number = next(self.kinds), next(self.counter)
            name = f"{kind.name}-{number}"
            provider = kind.provider(self.up, f"/{name}")
            reply = await self.call(
                "create-run",
                "POST",
                f"/api/v1/namespaces/{NAMESPACE}/analysisruns",
                json={"name": name, "spec": spec_of(kind, provider)},
            )
            if reply is not None and reply.status_code == 201:
                self.tally.created[f"{NAMESPACE}/{name}"] = kind.name
            await asyncio.sleep(self.spawn_every)

    async def create_steady(self) -> None:
        """The steady runs, 16 creates at a time; their window opens once all exist."""
        gate = asyncio.Semaphore(16)
        spec = steady_spec(self.up.constant, self.steady.interval)  # terminated at the end

        async def create(number: int) -> None:
            name = f"steady-{number}"
            async with gate:
                reply = await self.call(
                    "create-run",
                    "POST",
                    f"/api/v1/namespaces/{STEADY}/analysisruns",
                    json={"name": name, "spec": spec},
                )
            if reply is not None and reply.status_code == 201:
                self.tally.created[f"{STEADY}/{name}"] = "steady"
                self.tally.steady.append(name)

        await asyncio.gather(*(create(n) for n in range(self.steady.runs)))

    async def gates(self, until: float) -> None:
        healthy = KINDS[0]
        for number in itertools.count():
            if time.monotonic() >= until:
                return
            spec = spec_of(healthy, healthy.provider(self.up, f"/gate-{number}"))
            body = {"namespace": GATES, "spec": spec}
            key = f"canary-{number}"
            reply = await self.call("argo-gate", "POST", f"/api/v1/gates/argo/{key}", json=body)
            if reply is not None and reply.status_code == 200:
                name = str(reply.json().get("run", "")).split("/", 1)[-1]
                self.tally.created[f"{GATES}/{name}"] = "argo-gate"
            for earlier in self.keys[-3:]:  # Argo polls every interval with the same body
                await self.call("argo-gate", "POST", f"/api/v1/gates/argo/{earlier}", json=body)
            self.keys.append(key)
            await self.call("argo-evaluate", "POST", "/api/v1/gates/argo/evaluate", json=body)
            payload = {
                "name": f"podinfo-{number}",
                "namespace": FLAGGER,
                "phase": "Progressing",
                "checksum": f"{number:010x}",
                "metadata": {"template": "soak-web"},
            }
            hooks = "/api/v1/gates/flagger"
            reply = await self.call("flagger", "POST", f"{hooks}/rollout", json=payload)
            if reply is not None and reply.status_code == 200:
                name = str(reply.json().get("run", "")).split("/", 1)[-1]
                self.tally.created[f"{FLAGGER}/{name}"] = "flagger"
            await self.call("flagger", "POST", f"{hooks}/confirm-promotion", json=payload)
            await asyncio.sleep(1.0)

    async def reads(self, until: float) -> None:
        while time.monotonic() < until:
            names = list(self.tally.created)[-5:]
            await self.call("list-runs", "GET", f"/api/v1/namespaces/{NAMESPACE}/analysisruns")
            for full in names:
                namespace, name = full.split("/", 1)
                base = f"/api/v1/namespaces/{namespace}/analysisruns/{name}"
                await self.call("get-run", "GET", base)
                await self.call("measurements", "GET", f"{base}/measurements")
            await self.call("metrics", "GET", "/metrics")
            await self.call("readyz", "GET", "/readyz")
            await asyncio.sleep(0.5)

    async def sample(self, until: float) -> None:
        while time.monotonic() < until:
            kib = rss_kib(self.served.proc.pid)
            if kib is not None:
                self.tally.rss.append((time.monotonic() - self.started, kib))
            await asyncio.sleep(1.0)

    async def stop_steady(self) -> None:
        """Terminate the steady runs (Argo's spec.terminate): each ends Successful at its next
        pass, as a rollout that is promoted mid-analysis does."""
        gate = asyncio.Semaphore(16)

        async def terminate(name: str) -> None:
            async with gate:
                url = f"/api/v1/namespaces/{STEADY}/analysisruns/{name}/terminate"
                await self.call("terminate-run", "POST", url)

        await asyncio.gather(*(terminate(name) for name in self.tally.steady))

    async def drain(self, seconds: float) -> int:
        """Wait for every created run to complete; returns how many did not in time."""
        deadline = time.monotonic() + seconds
        pending = set(self.tally.created)
        while pending and time.monotonic() < deadline:
            for full in list(pending):
                namespace, name = full.split("/", 1)
                reply = await self.call(
                    "get-run", "GET", f"/api/v1/namespaces/{namespace}/analysisruns/{name}"
                )
                phase = reply.json().get("status", {}).get("phase") if reply else None
                if reply is not None and reply.status_code == 200 and phase in COMPLETED:
                    pending.discard(full)
            if pending:
                await asyncio.sleep(0.5)
        return len(pending)

    async def run(self, seconds: float, drain: float) -> int:
        template = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AnalysisTemplate",
            "metadata": {"name": "soak-web"},
            "spec": spec_of(KINDS[0], KINDS[0].provider(self.up, "/flagger")),
        }
        templates = f"/api/v1/namespaces/{FLAGGER}/analysistemplates"
        await self.call("put-template", "PUT", f"{templates}/soak-web", json=template)
        await self.create_steady()
        pid = self.served.proc.pid
        opened, cpu_then = datetime.now(UTC), cpu_seconds(pid)
        until = time.monotonic() + seconds
        sampler = asyncio.create_task(self.sample(until + drain + 5))
        await asyncio.gather(self.spawn(until), self.gates(until), self.reads(until))
        self.tally.steady_window = (opened, datetime.now(UTC))
        cpu_now = cpu_seconds(pid)
        if cpu_then is not None and cpu_now is not None:
            self.tally.cpu_window = (cpu_then, cpu_now)
        await self.stop_steady()
        unfinished = await self.drain(drain)
        sampler.cancel()
        await asyncio.gather(sampler, return_exceptions=True)
        await self.client.aclose()
        return unfinished


def steady_figures(database: Path, tally: Tally, steady: Steady) -> dict[str, Any]:
    """The steady runs' throughput and lateness over the load, from the stopped server's store."""
    if tally.steady_window is None or not tally.steady:
        return {"runs": 0}
    opened, closed = tally.steady_window
    with sqlite3.connect(database) as db:
        created = db.execute(
            "SELECT id, created_at FROM runs WHERE namespace = ?", (STEADY,)
        ).fetchall()
        rows = db.execute(
            "SELECT m.run_id, m.seq, m.phase, m.started_at, m.finished_at FROM measurements m "
            "JOIN runs r ON r.id = m.run_id WHERE r.namespace = ? ORDER BY m.run_id, m.seq",
            (STEADY,),
        ).fetchall()

    def when(text: str) -> datetime:  # SQLite keeps UTC times without their offset
        at = datetime.fromisoformat(text)
        return at if at.tzinfo is not None else at.replace(tzinfo=UTC)

    due = {run_id: when(at) for run_id, at in created}
    timed = [(r, seq, phase, when(a), when(b)) for r, seq, phase, a, b in rows if a and b]
    seen = lateness(timed, due=due, stopping=closed, interval=steady.interval)
    in_window = sum(1 for row in timed if opened <= row[3] <= closed)
    window = (closed - opened).total_seconds()
    p50, p99, worst = seen.quantiles
    cpu = tally.cpu_window
    return {
        "runs": len(tally.steady),
        "interval_s": steady.interval,
        "window_s": round(window, 1),
        "target_per_s": round(len(tally.steady) / steady.interval, 1),
        "per_s": round(in_window / window, 1) if window > 0 else 0.0,
        "late_p50_s": round(p50, 3),
        "late_p99_s": round(p99, 3),
        "late_max_s": round(worst, 3),
        "overdue_at_end": seen.overdue,
        "server_cpu_share": round((cpu[1] - cpu[0]) / window, 2) if cpu and window > 0 else None,
    }


def check_store(database: Path) -> dict[str, Any]:
    """Read the stopped server's store: seqs against counters, verdicts, Error kinds."""
    with sqlite3.connect(database) as db:
        runs = db.execute("SELECT id, namespace, name, phase, status FROM runs").fetchall()
        rows = db.execute(
            "SELECT run_id, metric, seq, phase, message FROM measurements ORDER BY run_id, seq"
        ).fetchall()
    seqs: dict[tuple[str, str], list[int]] = {}
    errors: Counter[str] = Counter()
    for run_id, metric, seq, phase, message in rows:
        seqs.setdefault((run_id, metric), []).append(seq)
        if phase == "Error":
            kind = next((k for k, pattern in ERROR_KINDS if pattern.search(message or "")), "other")
            errors[kind] += 1
    lost = duplicated = 0
    phases: dict[str, str] = {}
    for run_id, namespace, name, phase, status in runs:
        phases[f"{namespace}/{name}"] = phase
        for result in json.loads(status).get("metricResults", []):
            taken = result.get("count", 0) + result.get("error", 0)
            stored = seqs.get((run_id, result["name"]), [])
            duplicated += len(stored) - len(set(stored))
            lost += len(set(range(1, taken + 1)) - set(stored))
    return {
        "measurements": len(rows),
        "errors": dict(errors),
        "lost": lost,
        "duplicated": duplicated,
        "phases": phases,
    }


def report(
    tally: Tally,
    store: dict[str, Any],
    *,
    steady: dict[str, Any],
    unfinished: int,
    logs: str,
    alive: bool,
) -> dict[str, Any]:
    verdicts: dict[str, Counter[str]] = {}
    wrong = 0
    expected = {kind.name: kind.verdict for kind in KINDS} | {
        "argo-gate": "Successful",
        "flagger": "Successful",
        "steady": "Successful",  # terminated when the load ends
    }
    for full, kind in tally.created.items():
        phase = store["phases"].get(full, "missing")
        verdicts.setdefault(kind, Counter())[phase] += 1
        if phase in COMPLETED and phase != expected[kind]:
            wrong += 1
    kib = [k for _, k in tally.rss]
    step = max(1, len(kib) // 12)
    timeline = [(round(t), round(k / 1024, 1)) for t, k in tally.rss[::step]]
    return {
        "runs_created": len(tally.created),
        "runs_finished": sum(1 for f in tally.created if store["phases"].get(f) in COMPLETED),
        "runs_unfinished": unfinished,
        "verdicts": {kind: dict(counts) for kind, counts in sorted(verdicts.items())},
        "wrong_verdicts": wrong,
        "measurements": store["measurements"],
        "error_measurements": store["errors"],
        "lost": store["lost"],
        "duplicated": store["duplicated"],
        "http_answers": dict(sorted(tally.answers.items())),
        "transport_errors": dict(tally.transport_errors),
        "rss_samples": len(kib),
        "rss_start_mib": round(kib[0] / 1024, 1) if kib else None,
        "rss_peak_mib": round(max(kib) / 1024, 1) if kib else None,
        "rss_end_mib": round(kib[-1] / 1024, 1) if kib else None,
        "rss_growth_mib": round((kib[-1] - kib[0]) / 1024, 1) if kib else None,
        "rss_timeline_mib": timeline,
        "steady": steady,
        "server_alive": alive,
        "log_tracebacks": logs.count("Traceback"),
    }


def print_table(result: dict[str, Any]) -> None:
    def row(label: str, value: Any) -> None:
        print(f"  {label:<28} {value}")

    print("augur soak")
    row("runs created / finished", f"{result['runs_created']} / {result['runs_finished']}")
    row("runs unfinished at the end", result["runs_unfinished"])
    row("wrong verdicts", result["wrong_verdicts"])
    row("measurements stored", result["measurements"])
    row("lost / duplicated", f"{result['lost']} / {result['duplicated']}")
    row("server alive, tracebacks", f"{result['server_alive']}, {result['log_tracebacks']}")
    print("  verdicts by kind")
    for kind, counts in result["verdicts"].items():
        row(f"  {kind}", ", ".join(f"{p} {n}" for p, n in sorted(counts.items())))
    print("  Error measurements by kind")
    for kind, count in sorted(result["error_measurements"].items()):
        row(f"  {kind}", count)
    print("  HTTP answers")
    for what, count in result["http_answers"].items():
        row(f"  {what}", count)
    for what, count in result["transport_errors"].items():
        row(f"  {what} (transport)", count)
    figures = result["steady"]
    if figures["runs"]:
        print(f"  steady runs: {figures['runs']:,} every {figures['interval_s']:g} s")
        rate = f"{figures['per_s']:,.1f} (target {figures['target_per_s']:,.1f})"
        row("  measurements/s", rate)
        late = (figures[f"late_{q}_s"] for q in ("p50", "p99", "max"))
        row("  lateness p50 / p99 / max s", " / ".join(f"{x:.3f}" for x in late))
        row("  overdue at the end", figures["overdue_at_end"])
        row("  server CPU share", figures["server_cpu_share"])
    print("  server RSS (MiB)")
    span = [result[f"rss_{k}_mib"] for k in ("start", "peak", "end")]
    row("  start / peak / end", " / ".join(map(str, span)))
    row("  growth", result["rss_growth_mib"])
    row("  samples", result["rss_samples"])
    row("  timeline (s, MiB)", " ".join(f"{t}:{m}" for t, m in result["rss_timeline_mib"]))


def soak(*, seconds: float, drain: float, spawn_every: float, steady: Steady) -> dict[str, Any]:
    tally = Tally()
    with (
        tempfile.TemporaryDirectory(prefix="augur-soak-") as tmp,
        fault_server() as scripted,
        loopback.start() as constant,
    ):
        folder = Path(tmp)
        healthy, graphql = FakeOAP(), FakeOAP()
        healthy.set_series(SERVICE, "service_apdex", 9950)
        graphql.set_fault(Fault(errors=["Metrics service_apdex is not found"]))
        with healthy, graphql:
            up = Upstreams(scripted, healthy, graphql, constant)
            store = folder / "augur.db"
            env = {"AUGUR_LOG_LEVEL": "warning"}
            with augur_server(
                store_url=f"sqlite+aiosqlite:///{store}", log=folder / "augur.log", env=env
            ) as served:
                load = Load(served, up, tally, spawn_every=spawn_every, steady=steady)
                unfinished = asyncio.run(load.run(seconds, drain))
                alive = served.proc.poll() is None
                served.proc.send_signal(signal.SIGTERM)
                served.proc.wait(timeout=30)
                logs = served.logs()
        return report(
            tally,
            check_store(store),
            steady=steady_figures(store, tally, steady),
            unfinished=unfinished,
            logs=logs,
            alive=alive,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=10.0, help="load time (default 10)")
    parser.add_argument("--quick", action="store_true", help="~30 s: 12 s of load, 15 s drain")
    parser.add_argument("--drain", type=float, default=30.0, help="seconds for runs to finish")
    parser.add_argument("--spawn-every", type=float, default=0.5, help="seconds between runs")
    parser.add_argument(
        "--steady", type=int, default=None, help="steady runs (default 4000; 300 with --quick)"
    )
    parser.add_argument(
        "--steady-interval",
        type=float,
        default=None,
        help="seconds between a steady run's measurements (default 10; 2 with --quick)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    options = parser.parse_args(argv)
    seconds = 12.0 if options.quick else options.minutes * 60
    drain = 15.0 if options.quick else options.drain
    runs = options.steady if options.steady is not None else 300 if options.quick else 4000
    every = options.steady_interval or (2.0 if options.quick else 10.0)
    steady = Steady(runs=runs, interval=every)
    result = soak(seconds=seconds, drain=drain, spawn_every=options.spawn_every, steady=steady)
    if options.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    healthy = result["lost"] == 0 and result["duplicated"] == 0 and result["server_alive"]
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
