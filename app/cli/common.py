"""What every `augur` command shares: exit codes, the -f/-a options, reading input files, and
the command classes that make bad usage exit 64 and let a flag be written `--flag=false`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer._click.core import Context
from typer._click.exceptions import UsageError
from typer.core import TyperCommand, TyperGroup, TyperOption

__all__ = [
    "EXIT_STORE_IN_USE",
    "EXIT_USAGE",
    "ArgsOption",
    "AugurCommand",
    "AugurGroup",
    "FilesOption",
    "NamespaceOption",
    "Output",
    "OutputOption",
    "SecretsDirOption",
    "WideOption",
    "fail_usage",
    "read_sources",
]

EXIT_USAGE = 64  # sysexits EX_USAGE: the input was wrong, not the analysis
EXIT_STORE_IN_USE = 75  # sysexits EX_TEMPFAIL: another process holds the SQLite store

_TRUE = frozenset({"true", "t", "1", "yes", "on"})
_FALSE = frozenset({"false", "f", "0", "no", "off"})


class Output(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"


OutputOption = Annotated[
    Output, typer.Option("-o", "--output", metavar="table|json|yaml", help="How to print.")
]
WideOption = Annotated[
    bool,
    typer.Option("--wide/--no-wide", help="Table: each metric's full last value and message too."),
]
FilesOption = Annotated[
    list[str],
    typer.Option(
        "-f",
        "--file",
        metavar="FILE",
        help="AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun YAML/JSON; - for stdin "
        "(repeatable).",
    ),
]
ArgsOption = Annotated[
    list[str] | None,
    typer.Option("-a", "--arg", metavar="NAME=VALUE", help="An argument (repeatable)."),
]
NamespaceOption = Annotated[
    str,
    typer.Option(
        "-n",
        "--namespace",
        metavar="NAME",
        help="Namespace of the run; --secrets-dir is then read from DIR/NAME/.",
    ),
]
SecretsDirOption = Annotated[
    Path | None,
    typer.Option(
        "--secrets-dir",
        envvar="AUGUR_SECRETS_DIR",
        metavar="DIR",
        help="Folder laid out like mounted Secrets: <secret>/<key> (secretKeyRef); with -n NS, "
        "run and validate read NS/<secret>/<key>.",
    ),
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


def _flag_values(params: list[Any], args: list[str]) -> list[str]:
    """`--flag=true` as `--flag` and `--flag=false` as `--no-flag`, as Go's flag package (and
    so kubectl and Argo's own CLI) reads them; anything else after `=` is a usage error."""
    flags: dict[str, tuple[str, str]] = {}
    for param in params:
        if isinstance(param, TyperOption) and param.is_bool_flag and param.secondary_opts:
            on, off = param.opts[-1], param.secondary_opts[-1]
            flags.update({opt: (on, off) for opt in param.opts})
            flags.update({opt: (off, on) for opt in param.secondary_opts})
    rewritten: list[str] = []
    for index, arg in enumerate(args):
        if arg == "--":
            return rewritten + args[index:]
        name, equals, value = arg.partition("=")
        if not equals or name not in flags:
            rewritten.append(arg)
        elif value.lower() in _TRUE:
            rewritten.append(flags[name][0])
        elif value.lower() in _FALSE:
            rewritten.append(flags[name][1])
        else:
            raise UsageError(f"{name} is true or false, not {value!r}")
    return rewritten


class AugurCommand(TyperCommand):
    """A command whose boolean flags also take `=true`/`=false`."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _flag_values(self.params, args))


class AugurGroup(TyperGroup):
    """The root: any usage error below it (an unknown option, a missing value) exits 64, not
    click's 2, which `augur run` and `augur check` use for an Error verdict."""

    def make_context(self, *args: Any, **kwargs: Any) -> Context:
        try:
            return super().make_context(*args, **kwargs)
        except UsageError as exc:
            exc.exit_code = EXIT_USAGE
            raise

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            exc.exit_code = EXIT_USAGE
            raise
