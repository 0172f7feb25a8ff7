"""The dependency rules of DESIGN.md, checked on the source so a stray import fails the build."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.servers import REPO

IO_MODULES = ("httpx", "sqlalchemy", "aiosqlite", "asyncpg", "socket", "subprocess", "app.store")


def imports_of(path: Path) -> Iterator[str]:
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    return imports_in(path.read_text(), package=package)


def imports_in(source: str, *, package: str) -> Iterator[str]:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against the file's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                yield ".".join([*base, node.module] if node.module else base)
            elif node.module:
                yield node.module


def sources(folder: str) -> list[Path]:
    return sorted((REPO / folder).rglob("*.py"))


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_the_checker_sees_relative_imports() -> None:
    # Guard against a rule that can never fail: a relative import must resolve to its module.
    found = set(imports_of(REPO / "app" / "api" / "health.py"))
    assert "app.store.db" in found


def violations(files: list[Path], forbidden: Callable[[str], bool]) -> list[str]:
    return [
        f"{p.relative_to(REPO)} imports {m}" for p in files for m in imports_of(p) if forbidden(m)
    ]


RULES: dict[str, tuple[Callable[[], list[Path]], Callable[[str], bool]]] = {
    "providers never import app": (lambda: sources("providers"), lambda m: under(m, "app")),
    "app/expr imports nothing else from app": (
        lambda: sources("app/expr"),
        lambda m: under(m, "app") and not under(m, "app.expr"),
    ),
    "the engine core does no I/O": (
        lambda: [p for p in sources("app/engine") if p.name != "runner.py"],
        lambda m: any(under(m, io) for io in IO_MODULES),
    ),
    "only app/main imports app/api": (
        lambda: [p for p in sources("app") if p.name != "main.py" and "api" not in p.parts],
        lambda m: under(m, "app.api"),
    ),
}


@pytest.mark.parametrize("rule", RULES)
def test_dependency_rule(rule: str) -> None:
    files, forbidden = RULES[rule]
    assert violations(files(), forbidden) == []


def test_a_violation_is_seen() -> None:
    # The machinery must be able to fail: absolute and relative imports of app are both caught.
    source = "import app.store\nfrom ..settings import Settings\nfrom . import lexer\n"
    found = list(imports_in(source, package="app.expr"))
    assert found == ["app.store", "app.settings", "app.expr"]
    forbidden = RULES["app/expr imports nothing else from app"][1]
    assert [m for m in found if forbidden(m)] == ["app.store", "app.settings"]
