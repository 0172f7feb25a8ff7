"""The `augur` command line: serve the API, run and validate analyses here, evaluate conditions,
check one series ad hoc, and render runs for a terminal.

Modules: ``commands`` (the root Typer app and `serve`, `openapi`, `providers`), ``analysis``
(`run`, `validate`), ``evaluate`` (`eval`), ``check`` (`check skywalking|prometheus|web`),
``local`` (a run in this process with no store), ``render`` (tables, JSON, YAML, exit codes),
``common`` (exit code 64, shared options).

May import: ``app.service``, ``app.spec``, ``app.engine``, ``app.expr``, ``app.core``,
``providers``, and ``app.main`` (only to serve). Nothing imports ``app.cli`` but
``app.__main__`` and the ``augur`` entry point.
"""

from app.cli.commands import cli, main, openapi_document

__all__ = ["cli", "main", "openapi_document"]
