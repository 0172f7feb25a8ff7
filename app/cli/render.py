"""How the CLI shows a run: a table (live while it runs, on a terminal), JSON or YAML.

The table is made to be read at 80 columns: metric, phase and counts keep their width and the
last column (the last measurement's message, or its value cut to its numbers) takes what is
left, clipped. `--wide` adds the full value and message, folded over as many lines as they
need; `-o json` has everything.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import yaml
from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from app.engine.conditions import reason_detail
from app.engine.reconcile import ReconcileResult
from app.spec.document import run_document
from app.spec.models import AnalysisRun
from app.spec.status import Measurement, Phase

__all__ = [
    "EXIT_BY_PHASE",
    "RunView",
    "clock_text",
    "exit_code",
    "run_table",
    "run_view",
    "short_value",
    "to_json",
    "to_yaml",
]

#: `augur run`'s exit codes; 64 (EX_USAGE) is for invalid input and comes from the CLI.
EXIT_BY_PHASE = {Phase.SUCCESSFUL: 0, Phase.FAILED: 1, Phase.ERROR: 2, Phase.INCONCLUSIVE: 3}
PHASE_STYLE = {
    Phase.SUCCESSFUL: "green",
    Phase.FAILED: "red",
    Phase.ERROR: "magenta",
    Phase.INCONCLUSIVE: "yellow",
    Phase.RUNNING: "cyan",
    Phase.PENDING: "dim",
}
#: A metric name keeps at least this many columns, whatever the last column would like.
METRIC_MIN_WIDTH = 12


def exit_code(run: AnalysisRun) -> int:
    phase = run.status.phase if run.status else None
    return EXIT_BY_PHASE.get(phase, 2) if phase is not None else 2


def to_json(run: AnalysisRun) -> str:
    return json.dumps(run_document(run), indent=2)


def to_yaml(run: AnalysisRun) -> str:
    return yaml.safe_dump(run_document(run), sort_keys=False)


def _styled(phase: Phase | None) -> str:
    if phase is None:
        return "-"
    return f"[{PHASE_STYLE.get(phase, '')}]{phase.value}[/]"


def _numbers(node: object, key: str = "") -> list[str]:
    """The measured numbers in a decoded value, in order: list items and `value` fields (MQE
    sends them as strings). Ids, labels and flags are left out."""
    if isinstance(node, dict):
        return [n for k, v in node.items() for n in _numbers(v, str(k))]
    if isinstance(node, list):
        return [n for item in node for n in _numbers(item, "value")]
    if isinstance(node, bool) or key != "value":
        return []
    if isinstance(node, int | float):
        return [f"{node:g}"]
    if isinstance(node, str):
        try:
            return [f"{float(node):g}"]
        except ValueError:
            return []
    return []


def short_value(value: str) -> str:
    """A measurement's value as a terminal can show it: the numbers of a JSON document
    (`9950 9950 9512`), else the text itself."""
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    if isinstance(decoded, dict | list):
        found = _numbers(decoded)
        return " ".join(found) if found else value
    return value


def _last(measurement: Measurement | None) -> str:
    """The reason a measurement failed when it has one, else its value, shortened."""
    if measurement is None:
        return ""
    return reason_detail(measurement.message) or short_value(measurement.value)


def clock_text(delta: timedelta) -> str:
    """`1h02m03s`, `4m05s`, `12s`: whole seconds, rounded up."""
    seconds = max(0, math.ceil(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _title(run: AnalysisRun, now: datetime | None, next_at: datetime | None) -> str:
    status = run.status
    phase = status.phase if status else None
    title = f"{run.metadata.namespace}/{run.metadata.name}: {_styled(phase)}"
    if status and status.message:
        title += f" ({status.message})"
    if now is not None and not (phase is not None and phase.completed):
        if status and status.started_at:
            title += f" · {clock_text(now - status.started_at)} elapsed"
        if next_at is not None:
            title += f" · next in {clock_text(next_at - now)}"
    return title


def _widths(names: list[str], phases: list[str], counts: list[list[str]], width: int) -> list[int]:
    """Column widths that fit `width`: counts and phase in full, the metric name in full when
    it can be (at least its first METRIC_MIN_WIDTH characters), the last column the rest."""
    fixed = [max([len(h), *(len(row[i]) for row in counts)]) for i, h in enumerate(COUNTS)]
    phase = max([len("phase"), *map(len, phases)])
    metric = max([len("metric"), *map(len, names)])
    columns = 3 + len(fixed)
    overhead = 2 * (columns - 1)  # between two columns: a space and one padding
    left = width - overhead - phase - sum(fixed)
    metric = max(min(metric, left - LAST_MIN_WIDTH), min(metric, METRIC_MIN_WIDTH), 1)
    return [metric, phase, *fixed, max(left - metric, 1)]


COUNTS = ("count", "ok", "fail", "inc.", "err")
#: The last column keeps this many characters before the metric name gives some up.
LAST_MIN_WIDTH = 12


def run_table(
    run: AnalysisRun,
    *,
    width: int = 80,
    now: datetime | None = None,
    next_at: datetime | None = None,
) -> Table:
    """The run in `width` columns; with `now` (a live view) the title says how long it has run
    and when the next measurement is due."""
    table = Table(
        title=_title(run, now, next_at),
        title_justify="left",
        width=width,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    results = run.status.metric_results if run.status else []
    names = [r.name + (" (dry-run)" if r.dry_run else "") for r in results]
    phases = [r.phase.value for r in results]
    counts = [
        [str(n) for n in (r.count, r.successful, r.failed, r.inconclusive, r.error)]
        for r in results
    ]
    sizes = _widths(names, phases, counts, width)
    table.add_column("metric", width=sizes[0], no_wrap=True, overflow="ellipsis")
    table.add_column("phase", width=sizes[1], no_wrap=True)
    for heading, size in zip(COUNTS, sizes[2:-1], strict=True):
        table.add_column(heading, width=size, justify="right", no_wrap=True)
    table.add_column("last", width=sizes[-1], no_wrap=True, overflow="ellipsis")
    for name, result, numbers in zip(names, results, counts, strict=True):
        table.add_row(name, _styled(result.phase), *numbers, _last(result.last_measurement))
    return table


def run_view(
    run: AnalysisRun,
    *,
    width: int = 80,
    wide: bool = False,
    now: datetime | None = None,
    next_at: datetime | None = None,
) -> RenderableType:
    """The table; with `wide`, each metric's full last value and message below it."""
    table = run_table(run, width=width, now=now, next_at=next_at)
    if not wide:
        return table
    lines: list[RenderableType] = [table]
    for result in run.status.metric_results if run.status else []:
        last = result.last_measurement
        if last is None:
            continue
        lines.append(Text(f"{result.name} value: {last.value}", overflow="fold"))
        if last.message:
            lines.append(Text(f"{result.name} message: {last.message}", overflow="fold"))
    return Group(*lines)


@dataclass
class RunView:
    """What the live display shows: rebuilt at every refresh, so the clocks in the title tick
    between measurements. `update` is the runner's `on_status` callback."""

    run: AnalysisRun
    clock: Callable[[], datetime]
    wide: bool = False
    next_at: datetime | None = None

    async def update(self, run: AnalysisRun, result: ReconcileResult | None) -> None:
        self.run = run
        self.next_at = result.next_at if result is not None else None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield run_view(
            self.run,
            width=options.max_width,
            wide=self.wide,
            now=self.clock(),
            next_at=self.next_at,
        )
