"""The delivery checks' real tools, each from PyPI (the `test` extra), or a failure saying so.

A missing tool fails the test that needs it, never skips it: a chart or an image that was not
checked must not look like one that passed.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.servers import REPO

__all__ = [
    "CHART",
    "KUBERNETES_VERSION",
    "REPO",
    "bin_tool",
    "python_tool",
]

CHART = REPO / "helm" / "augur"
#: The Kubernetes version the rendered manifests are validated against (kubernetes-validate
#: ships schemas for 1.25 to 1.37; the chart's kubeVersion allows >= 1.25).
KUBERNETES_VERSION = "1.30"

_INSTALL = "install the test extra: .venv/bin/pip install -e '.[test]' (make test does)"


def python_tool(module: str, package: str) -> ModuleType:
    """Import `module` of PyPI package `package`, or fail the test naming the package."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        pytest.fail(f"{package} is not importable ({exc}); {_INSTALL}", pytrace=False)


def bin_tool(name: str, package: str) -> Path:
    """The executable `name` installed by PyPI package `package` next to this interpreter."""
    path = Path(sys.executable).with_name(name)
    if not path.is_file():
        pytest.fail(f"{name} (PyPI {package}) is not at {path}; {_INSTALL}", pytrace=False)
    return path
