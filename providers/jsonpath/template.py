"""A compiled template: the parser's nodes, kept to be evaluated many times."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from providers.jsonpath.evaluator import walk
from providers.jsonpath.nodes import Node
from providers.jsonpath.parser import parse_template

__all__ = ["Template", "compile_template"]


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template; cheap to keep and to evaluate many times."""

    text: str
    parts: tuple[tuple[Node, ...], ...]

    def find_results(self, data: Any) -> list[list[Any]]:
        """One result list per top-level node (text or action), like ``FindResults``."""
        return [walk([data], part) for part in self.parts]


def compile_template(text: str) -> Template:
    """Parse ``text``; raises :class:`JSONPathSyntaxError` with the reason."""
    return Template(text=text, parts=tuple(parse_template(text)))
