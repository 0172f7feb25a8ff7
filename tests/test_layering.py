"""The architecture of docs/architecture.md, checked on the source: a stray import fails the build.

Four rules: each package of ``app`` imports only the packages below it (the table ``MAY_IMPORT``);
no import cycle between modules anywhere in ``app/`` or ``providers/`` (imports inside functions
count: a lazy import hides a cycle, it does not remove one); no module over 400 lines; at most
eight modules loose at ``app/``'s root. Each rule is run once on a planted tree to show it can
fail.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.servers import REPO

MAX_LINES = 400
MAX_LOOSE = 8
IO_MODULES = ("httpx", "sqlalchemy", "aiosqlite", "asyncpg", "socket", "subprocess", "app.store")

#: Which layers each layer may import. ``providers`` is a layer of its own beside ``app``; the
#: rows read bottom-up: plumbing and the expression language at the bottom, the doors on top.
_PURE = {"app.core", "app.expr", "app.spec", "app.engine", "app.judge", "providers"}
_SERVICE = _PURE | {"app.store", "app.service"}
MAY_IMPORT: dict[str, set[str]] = {
    "providers": set(),
    "app.core": set(),
    "app.expr": set(),
    "app.judge": set(),
    "app.spec": {"app.core", "app.expr", "providers"},
    "app.engine": {"app.core", "app.expr", "app.spec", "providers"},
    "app.store": {"app.core", "app.spec"},
    "app.service": _PURE | {"app.store"},
    "app.api": _SERVICE,
    "app.main": _SERVICE | {"app", "app.api"},
    "app.cli": _SERVICE | {"app", "app.main"},
    "app.__main__": {"app.cli"},
    "app": set(),
}


@dataclass(frozen=True)
class Tree:
    """The modules under ``root``'s ``app/`` and ``providers/`` and what each imports."""

    root: Path
    modules: dict[str, Path]

    @classmethod
    def read(cls, root: Path) -> Tree:
        modules: dict[str, Path] = {}
        for top in ("app", "providers"):
            for path in sorted((root / top).rglob("*.py")):
                parts = path.relative_to(root).with_suffix("").parts
                name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
                modules[name] = path
        return cls(root, modules)

    def package_of(self, name: str) -> str:
        path = self.modules[name]
        return name if path.name == "__init__.py" else name.rpartition(".")[0]

    def resolve(self, name: str) -> str | None:
        """The module of ours that ``name`` lives in, or None for the standard library etc."""
        while name and name not in self.modules:
            name = name.rpartition(".")[0]
        return name or None

    def imports(self, name: str) -> Iterator[str]:
        """Every module of ours that ``name`` imports, at any depth of its code."""
        package = self.package_of(name)
        for node in ast.walk(ast.parse(self.modules[name].read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolve against the module's package
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join([*base, node.module] if node.module else base)
                else:
                    module = node.module or ""
                # `from pkg import mod` imports the submodule; `from mod import name` the module
                targets = [
                    f"{module}.{a.name}" if f"{module}.{a.name}" in self.modules else module
                    for a in node.names
                ]
            else:
                continue
            for target in targets:
                found = self.resolve(target)
                if found is not None and found != name:
                    yield found

    def graph(self) -> dict[str, set[str]]:
        return {name: set(self.imports(name)) for name in self.modules}


def layer(name: str) -> str:
    """``app.service.runs`` -> ``app.service``; ``app.main`` -> ``app.main``; ``app`` -> ``app``."""
    parts = name.split(".")
    return parts[0] if parts[0] == "providers" else ".".join(parts[:2])


def layer_violations(tree: Tree) -> list[str]:
    found = []
    for name, targets in tree.graph().items():
        allowed = MAY_IMPORT.get(layer(name))
        if allowed is None:
            found.append(f"{name}: layer {layer(name)} is not in MAY_IMPORT")
            continue
        for target in sorted(targets):
            if layer(target) != layer(name) and layer(target) not in allowed:
                found.append(f"{name} imports {target}")
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def long_modules(tree: Tree) -> list[str]:
    return [
        f"{path.relative_to(tree.root)}: {lines} lines"
        for path in tree.modules.values()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    ]


def loose_modules(tree: Tree) -> list[str]:
    return sorted(p.name for p in (tree.root / "app").glob("*.py"))


def io_in_engine(tree: Tree) -> list[str]:
    found = []
    for name, path in tree.modules.items():
        if layer(name) != "app.engine" or path.name == "runner.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                names.append(getattr(node, "module", None) or "")
                found += [f"{name} imports {m}" for m in names if m.startswith(IO_MODULES)]
    return found


def undocumented_packages(tree: Tree) -> list[str]:
    """Packages whose ``__init__`` docstring does not say what they may import."""
    missing = []
    for name, path in tree.modules.items():
        if path.name != "__init__.py":
            continue
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        if "May import" not in doc:
            missing.append(name)
    return missing


# -- the project's own tree ---------------------------------------------------------------------

TREE = Tree.read(REPO)


def test_each_layer_imports_only_layers_below() -> None:
    assert layer_violations(TREE) == []


def test_no_import_cycle() -> None:
    assert cycles(TREE.graph()) == []


def test_no_module_over_400_lines() -> None:
    assert long_modules(TREE) == []


def test_at_most_eight_modules_loose_at_the_root_of_app() -> None:
    loose = loose_modules(TREE)
    assert len(loose) <= MAX_LOOSE, loose


def test_the_engine_core_does_no_io() -> None:
    assert io_in_engine(TREE) == []


def test_every_package_says_what_it_may_import() -> None:
    assert undocumented_packages(TREE) == []


def test_the_reader_sees_relative_and_lazy_imports() -> None:
    # Guard against a rule that can never fail: a relative import must resolve to its module,
    # and an import inside a function counts as much as one at the top.
    assert "app.store.db" in TREE.graph()["app.api.health"]
    assert "app.main" in TREE.graph()["app.cli.commands"]


# -- planted trees: each rule fails when it should ----------------------------------------------


def plant(root: Path, files: dict[str, str]) -> Tree:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Tree.read(root)


DOC = '"""A package.\n\nMay import: nothing.\n"""\n'


@pytest.mark.parametrize(
    ("scenario", "files", "expected"),
    [
        (
            "upward-absolute",
            {"app/core/settings.py": "from app.service.runs import RunService\n"},
            ["app.core.settings imports app.service.runs"],
        ),
        (
            "upward-relative",
            {"app/store/sql.py": "from ..api import runs\n"},
            ["app.store.sql imports app.api.runs"],
        ),
        (
            "upward-lazy",
            {"app/expr/program.py": "def f():\n    from app.spec import models\n"},
            ["app.expr.program imports app.spec.models"],
        ),
        (
            "providers-into-app",
            {"providers/web.py": "import app.core.addresses\n"},
            ["providers.web imports app.core.addresses"],
        ),
        ("downward-is-fine", {"app/api/runs.py": "from app.service import runs\n"}, []),
    ],
)
def test_a_planted_upward_import_is_seen(
    tmp_path: Path, scenario: str, files: dict[str, str], expected: list[str]
) -> None:
    base = {
        "app/__init__.py": "",
        "app/api/__init__.py": DOC,
        "app/api/runs.py": "",
        "app/core/__init__.py": DOC,
        "app/core/addresses.py": "",
        "app/core/settings.py": "",
        "app/expr/__init__.py": DOC,
        "app/expr/program.py": "",
        "app/service/__init__.py": DOC,
        "app/service/runs.py": "",
        "app/spec/__init__.py": DOC,
        "app/spec/models.py": "",
        "app/store/__init__.py": DOC,
        "app/store/sql.py": "",
        "providers/__init__.py": DOC,
        "providers/web.py": "",
    }
    tree = plant(tmp_path, {**base, **files})
    assert layer_violations(tree) == expected, scenario


def test_a_planted_cycle_is_seen(tmp_path: Path) -> None:
    tree = plant(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/expr/__init__.py": DOC,
            "app/expr/checker.py": "from . import signatures\n",
            "app/expr/signatures.py": "def f():\n    from app.expr.builtins import TABLE\n",
            "app/expr/builtins.py": "from .checker import check\n",
            "app/expr/lexer.py": "from app.expr import checker\n",  # into the cycle, not on it
        },
    )
    assert cycles(tree.graph()) == [
        ["app.expr.builtins", "app.expr.checker", "app.expr.signatures"]
    ]


def test_planted_size_and_root_rules_are_seen(tmp_path: Path) -> None:
    files = {f"app/m{i}.py": "" for i in range(MAX_LOOSE + 1)}
    files["app/__init__.py"] = ""
    files["app/big.py"] = "x = 1\n" * (MAX_LINES + 1)
    files["app/core/__init__.py"] = '"""No rule stated."""\n'
    tree = plant(tmp_path, files)
    assert long_modules(tree) == [f"app/big.py: {MAX_LINES + 1} lines"]
    assert len(loose_modules(tree)) == MAX_LOOSE + 2 + 1  # m0..m8, big, __init__
    assert undocumented_packages(tree) == ["app", "app.core"]


# -- docs/architecture.md names real files -------------------------------------------------------


def named_paths(text: str) -> set[str]:
    """Every repository path the page names: link targets and back-quoted paths."""
    links = {m.removeprefix("../") for m in re.findall(r"\]\(([^)#\s]+)\)", text)}
    quoted = set(re.findall(r"`((?:app|providers|tests|examples|docs)/[\w./-]*)`", text))
    return {p for p in links | quoted if not p.startswith("http")}


def test_the_architecture_page_names_only_real_files() -> None:
    named = named_paths((REPO / "docs" / "architecture.md").read_text())
    assert len(named) > 30  # the walk names a file at every step
    assert sorted(p for p in named if not (REPO / p).exists()) == []


def test_a_missing_file_on_the_page_is_seen(tmp_path: Path) -> None:
    named = named_paths("see [x](../app/nowhere.py) and `providers/gone.py`, [web](https://x.io)")
    assert named == {"app/nowhere.py", "providers/gone.py"}
