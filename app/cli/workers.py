"""`augur serve --workers N`: N processes on one listening socket, sharing one PostgreSQL store.

One augur process measures at most what one core allows (the GIL: its scheduler, its HTTP
client and its store driver share one interpreter). Several processes on one PostgreSQL
database already share the work through the scheduler's leases (SKIP LOCKED, one owner per
run), as replicas do; `--workers` starts them in one container or host without a second port.

The parent binds the socket, forks the workers (before any event loop or thread exists), and
waits. Each worker builds its own app (store pool, HTTP client, scheduler) and leases runs as
`<replica id>-<n>`: a lease names its owner, and an owner takes back its own leases, so two
workers with one name would measure the same run. SIGTERM or SIGINT to the parent is passed to
every worker, which drains as a single `augur serve` does. A worker that exits ends the others
(its exit status is the parent's): a supervisor restarts the whole, as it would one process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from collections.abc import Callable
from types import FrameType

__all__ = ["SQLITE_REFUSAL", "serve_workers"]

SQLITE_REFUSAL = (
    "--workers {count} needs a PostgreSQL store: SQLite admits one writer, so one process "
    "serves it. Use --workers 1, or --store postgresql+asyncpg://USER@HOST/DB "
    "(AUGUR_STORE_URL)."
)


def serve_workers(count: int, *, bind: socket.socket, work: Callable[[int], None]) -> int:
    """Fork `count` workers running `work(n)` on the inherited `bind`; the first exit status
    that is not 0 (or 0), once every worker is gone."""
    children: dict[int, int] = {}
    for number in range(count):
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                work(number)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                code = 1
            os._exit(code)
        children[pid] = number
    bind.close()  # the workers hold it

    asked: list[int] = []  # the signal the parent was stopped with

    def forward(signum: int, _frame: FrameType | None) -> None:
        if _frame is not None:
            asked.append(signum)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    status = 0
    while children:
        try:
            pid, raw = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        children.pop(pid, None)
        code = os.waitstatus_to_exitcode(raw)
        if code < 0 and -code in asked:
            code = 0  # uvicorn ends by the signal it drained on: the stop that was asked for
        if code != 0 and status == 0:
            status = code if code > 0 else 128 - code  # killed by a signal: 128 + its number
            forward(signal.SIGTERM, None)  # one worker gone: stop the rest, restart the whole
    return status
