"""What every `augur` command shares: exit codes, the -f/-a options, reading input files."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

__all__ = ["EXIT_USAGE", "ArgsOption", "FilesOption", "Output", "fail_usage", "read_sources"]

EXIT_USAGE = 64  # sysexits EX_USAGE: the input was wrong, not the analysis


class Output(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"


FilesOption = Annotated[
    list[str],
    typer.Option(
        "-f",
        "--file",
        help="AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun YAML/JSON; - for stdin.",
    ),
]
ArgsOption = Annotated[
    list[str] | None, typer.Option("-a", "--arg", help="Argument as name=value (repeatable).")
]


def read_sources(files: list[str]) -> list[tuple[str, str]]:
    sources = []
    for name in files:
        if name == "-":
            sources.append(("<stdin>", sys.stdin.read()))
            continue
        try:
            sources.append((name, Path(name).read_text()))
        except OSError as exc:
            fail_usage([f"{name}: cannot read: {exc.strerror}"])
    return sources


def fail_usage(lines: list[str]) -> NoReturn:
    for line in lines:
        typer.echo(f"augur: {line}", err=True)
    raise typer.Exit(EXIT_USAGE)
