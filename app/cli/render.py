"""How the CLI shows a run: a table (live while it runs, on a terminal), JSON or YAML."""

from __future__ import annotations

import json

import yaml
from rich.console import Console
from rich.table import Table

from app.spec.document import run_document
from app.spec.models import AnalysisRun
from app.spec.status import Phase

__all__ = ["EXIT_BY_PHASE", "exit_code", "run_table", "to_json", "to_yaml"]

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


def run_table(run: AnalysisRun) -> Table:
    status = run.status
    phase = status.phase if status else None
    title = f"{run.metadata.namespace}/{run.metadata.name}: {_styled(phase)}"
    if status and status.message:
        title += f" ({status.message})"
    table = Table(title=title, title_justify="left")
    for column in ("metric", "phase", "count", "ok", "failed", "inconcl.", "errors"):
        table.add_column(column, overflow="fold")
    table.add_column("last value", overflow="ellipsis", no_wrap=True, max_width=60)
    for result in status.metric_results if status else ():
        last = result.last_measurement
        value = (last.value or last.message) if last else ""
        table.add_row(
            result.name + (" (dry-run)" if result.dry_run else ""),
            _styled(result.phase),
            str(result.count),
            str(result.successful),
            str(result.failed),
            str(result.inconclusive),
            str(result.error),
            value if len(value) <= 80 else value[:77] + "...",
        )
    return table


def print_table(run: AnalysisRun, console: Console) -> None:
    console.print(run_table(run))
