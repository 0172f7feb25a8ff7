"""Kubernetes JSONPath templates (``k8s.io/client-go/util/jsonpath``), the subset Argo users write.

Argo's web provider hands its ``jsonPath`` to that package unchanged, so a template is text with
``{...}`` actions: ``{$.data.value}``, ``{.items[0].count}``, ``{$..name}``, ``{.a[*].b}``,
``{.a[-1:]}``, ``{.a[0,2]}``, ``{.a.*}``, ``{.items[?(@.name == "api")].value}``,
``{.labels.app\\.kubernetes\\.io/name}``. Text outside braces is literal (so ``$.data`` without
braces yields the string ``$.data``, as in Argo). ``{range}``/``{end}`` are not supported.

The package's rules are kept, quirks included, because templates depend on them: a missing key
is an error (``x is not found``) unless another input of the same step has it; an index out of
range is an error; ``[*]`` is a whole-array slice (an error on an object, where ``.*`` works);
``['a.b']`` is read as ``.a.b`` (escape dots to reach a dotted key); ``..`` visits every
non-empty container (pre-order) before the next step; ``null`` inputs are skipped.
:meth:`Template.find_results` returns one list per top-level node, like ``FindResults``.

Deliberate differences: wildcards over objects follow document order (Go's map order is random);
filters compare JSON numbers with integer literals numerically (Go's template comparison says
``incompatible types``, JSON numbers being float64); an unknown filter operator is reported when
the template is compiled rather than when the first element is compared.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias

__all__ = ["JSONPathError", "JSONPathSyntaxError", "Template", "compile_template"]


class JSONPathError(ValueError):
    """Evaluation failed; ``str(err)`` is the package's message (``novalue is not found``)."""


class JSONPathSyntaxError(JSONPathError):
    """The template does not parse."""


# ---- nodes: plain data, one small class per step ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any  # quoted text, number or bool inside an action; text outside braces
    per_input: bool = False  # numbers and bools repeat once per input; text appears once


@dataclass(frozen=True, slots=True)
class Field:
    name: str


@dataclass(frozen=True, slots=True)
class Recursive:
    pass


@dataclass(frozen=True, slots=True)
class Wildcard:
    pass


@dataclass(frozen=True, slots=True)
class Slice:
    start: int | None
    end: int | None
    step: int | None
    single: bool  # ``[i]``: the end is derived (``i + 1``)


@dataclass(frozen=True, slots=True)
class Union:
    branches: tuple[tuple[Node, ...], ...]


@dataclass(frozen=True, slots=True)
class Filter:
    left: tuple[Node, ...]
    operator: str  # "exists" when there is no comparison
    right: tuple[Node, ...]


Node: TypeAlias = Literal | Field | Recursive | Wildcard | Slice | Union | Filter
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
_FIELD_STOP = frozenset(".,[]{}$@ \t\r\n")  # the package's terminators


# ---- parsing ------------------------------------------------------------------------------------


def _go_rune(char: str) -> str:
    return f"U+{ord(char):04X} {char!r}"


def _matching(text: str, start: int, opening: str, closing: str) -> int:
    """Index of the ``closing`` that balances ``text[start] == opening`` (quotes respected)."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _quoted(text: str, i: int) -> tuple[str, int]:
    """The string starting at the quote ``text[i]`` and the index after it."""
    quote, out, j = text[i], [], i + 1
    while j < len(text) and text[j] != quote:
        if text[j] == "\\" and j + 1 < len(text):
            j += 1
        out.append(text[j])
        j += 1
    if j >= len(text):
        raise JSONPathSyntaxError("unterminated quoted string")
    return "".join(out), j + 1


def _number(token: str) -> int | float:
    try:
        return float(token) if "." in token else int(token)
    except ValueError:
        raise JSONPathSyntaxError(f"cannot parse number {token}") from None


def _int_or_none(token: str, whole: str) -> int | None:
    token = token.strip()
    if not token:
        return None
    try:
        return int(token)
    except ValueError:
        raise JSONPathSyntaxError(f"invalid array index {whole}") from None


def _parse_slice(part: str) -> Slice:
    pieces = part.split(":")
    if len(pieces) > 3:
        raise JSONPathSyntaxError(f"invalid array index {part}")
    values = [_int_or_none(piece, part) for piece in pieces]
    if len(pieces) == 1:
        if values[0] is None:
            raise JSONPathSyntaxError(f"invalid array index {part}")
        return Slice(values[0], None, None, single=True)
    return Slice(values[0], values[1], values[2] if len(values) == 3 else None, single=False)


_FILTER = re.compile(r"^([^!<>=]+)([!<>=]+)(.+?)$", re.DOTALL)
_DICT_KEY = re.compile(r"^'([^']*)'$")


def _parse_filter(inner: str) -> Filter:
    """``left op right`` split as the package splits it, or a bare path (``exists``)."""
    match = _FILTER.match(inner)
    if match is None:
        return Filter(_parse_steps(inner), "exists", ())
    left, operator, right = match.groups()
    if operator not in _OPERATORS:
        raise JSONPathSyntaxError(f"unrecognized filter operator {operator}")
    return Filter(_parse_steps(left), operator, _parse_steps(right))


def _parse_bracket(content: str) -> tuple[Node, ...]:
    """``[...]``: a filter, a union, a quoted key, ``*`` or a slice, checked in that order."""
    if content.startswith("?(") and content.endswith(")"):
        return (_parse_filter(content[2:-1]),)
    if content.startswith("?"):
        raise JSONPathSyntaxError(f"invalid filter [{content}]")
    if "," in content:
        return (Union(tuple(_parse_bracket(part.strip()) for part in content.split(","))),)
    key = _DICT_KEY.match(content)
    if key is not None:  # as the package does: ['a.b'] is read as .a.b
        return _parse_steps("." + key[1])
    if content == "*":
        return (Slice(None, None, None, single=False),)
    return (_parse_slice(content),)


def _parse_field(text: str, i: int) -> tuple[str, int]:
    out = []
    while i < len(text) and text[i] not in _FIELD_STOP:
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out), i


def _parse_steps(text: str) -> tuple[Node, ...]:
    """The inside of one action (or one filter operand)."""
    nodes: list[Node] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in " \t\n$@":
            i += 1
        elif char == ".":
            if text.startswith("..", i):
                nodes.append(Recursive())
                i += 1
            name, i = _parse_field(text, i + 1)
            if name == "*":
                nodes.append(Wildcard())
            elif name:
                nodes.append(Field(name))
        elif char == "[":
            end = _matching(text, i, "[", "]")
            if end < 0:
                raise JSONPathSyntaxError("unterminated array")
            nodes.extend(_parse_bracket(text[i + 1 : end]))
            i = end + 1
        elif char in "'\"":
            value, i = _quoted(text, i)
            nodes.append(Literal(value))
        elif char.isdigit() or char in "+-":
            j = i + 1
            while j < len(text) and (text[j].isdigit() or text[j] == "."):  # as the package lexes
                j += 1
            nodes.append(Literal(_number(text[i:j]), per_input=True))
            i = j
        elif char.isalpha() or char == "_":
            word, i = _parse_field(text, i)
            if word in ("true", "false"):
                nodes.append(Literal(word == "true", per_input=True))
            elif word in ("range", "end"):
                raise JSONPathSyntaxError(f"{{{word}}} is not supported by augur")
            else:
                raise JSONPathSyntaxError(f"unrecognized identifier {word}")
        else:
            raise JSONPathSyntaxError(f"unrecognized character in action: {_go_rune(char)}")
    return tuple(nodes)


def _parse_template(text: str) -> list[tuple[Node, ...]]:
    parts: list[tuple[Node, ...]] = []
    i = 0
    while i < len(text):
        start = text.find("{", i)
        if start < 0:
            parts.append((Literal(text[i:]),))
            break
        if start > i:
            parts.append((Literal(text[i:start]),))
        end = _matching(text, start, "{", "}")
        if end < 0:
            raise JSONPathSyntaxError("unclosed action")
        parts.append(_parse_steps(text[start + 1 : end]))
        i = end + 1
    return parts


# ---- evaluation ---------------------------------------------------------------------------------


def _go_type(value: Any) -> str:
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return {str: "string", float: "float64"}.get(type(value), "<nil>")


def _go_v(value: Any) -> str:
    """Go's ``%v`` of a decoded JSON value, for messages that print one."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
        exponent = Decimal(repr(value)).adjusted() if value else 0
        if -4 <= exponent < 21:
            return format(Decimal(repr(value)).normalize(), "f")
        mantissa, _, power = f"{Decimal(repr(value)).normalize():e}".partition("e")
        return f"{mantissa}e{power[0]}{power[1:].zfill(2)}"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{_go_v(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_v(item) for item in value) + "]"
    return str(value)


def _children(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return [float(byte) for byte in value.encode()]  # Go indexes a string's bytes
    return []


def _field(inputs: list[Any], node: Field) -> list[Any]:
    found = [v[node.name] for v in inputs if isinstance(v, Mapping) and node.name in v]
    if not found:
        raise JSONPathError(f"{node.name} is not found")
    return found


def _recursive(inputs: list[Any]) -> Iterator[Any]:
    for value in inputs:
        children = _children(value)
        if children:
            yield value
            yield from _recursive(children)


def _slice(inputs: list[Any], node: Slice) -> list[Any]:
    out: list[Any] = []
    for value in inputs:
        if value is None:
            continue
        if not isinstance(value, list):
            raise JSONPathError(f"{_go_type(value)} is not array or slice")
        length = len(value)
        start = node.start or 0
        start += length if start < 0 else 0
        if node.single:
            end = start + 1
        else:
            end = length if node.end is None else node.end
            end += length if end < 0 else 0
        if start == end:
            continue
        if not 0 <= start < length:
            raise JSONPathError(f"array index out of bounds: index {start}, length {length}")
        if not 0 <= end <= length:
            raise JSONPathError(f"array index out of bounds: index {end - 1}, length {length}")
        if start > end:
            raise JSONPathError(f"starting index {start} is greater than ending index {end}")
        if node.step is not None and node.step <= 0:
            raise JSONPathError("step must be > 0")
        out.extend(value[start : end : node.step or 1])
    return out


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "other"


_COMPARE: Mapping[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    ">": lambda a, b: bool(a > b),
    "<=": lambda a, b: bool(a <= b),
    ">=": lambda a, b: bool(a >= b),
}


def _compare(left: Any, operator: str, right: Any) -> bool:
    kinds = {_kind(left), _kind(right)}
    if "other" in kinds:
        raise JSONPathError("invalid type for comparison")
    if len(kinds) > 1:
        raise JSONPathError("incompatible types for comparison")
    if kinds == {"bool"} and operator not in ("==", "!="):
        raise JSONPathError("invalid type for comparison")
    return _COMPARE[operator](left, right)


def _single(values: list[Any]) -> list[Any]:
    if len(values) > 1:
        raise JSONPathError("can only compare one element at a time")
    return values


def _filter(inputs: list[Any], node: Filter) -> list[Any]:
    out: list[Any] = []
    for value in inputs:
        if not isinstance(value, list):
            raise JSONPathError(f"{_go_v(value)} is not array or slice and cannot be filtered")
        for item in value:
            if node.operator == "exists":
                try:
                    matched = bool(_walk([item], node.left))
                except JSONPathError:
                    matched = False
                if matched:
                    out.append(item)
                continue
            lefts = _single(_walk([item], node.left))
            rights = _single(_walk([item], node.right)) if lefts else []
            if lefts and rights and _compare(lefts[0], node.operator, rights[0]):
                out.append(item)
    return out


def _step(inputs: list[Any], node: Node) -> list[Any]:
    if isinstance(node, Literal):
        return [node.value] * (len(inputs) if node.per_input else 1)
    if isinstance(node, Field):
        return _field(inputs, node)
    if isinstance(node, Recursive):
        return list(_recursive(inputs))
    if isinstance(node, Wildcard):
        return [child for value in inputs for child in _children(value)]
    if isinstance(node, Slice):
        return _slice(inputs, node)
    if isinstance(node, Union):
        return [found for branch in node.branches for found in _walk(inputs, branch)]
    return _filter(inputs, node)


def _walk(inputs: list[Any], steps: tuple[Node, ...]) -> list[Any]:
    current = inputs
    for node in steps:
        current = _step(current, node)
    return current


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template; cheap to keep and to evaluate many times."""

    text: str
    parts: tuple[tuple[Node, ...], ...]

    def find_results(self, data: Any) -> list[list[Any]]:
        """One result list per top-level node (text or action), like ``FindResults``."""
        return [_walk([data], part) for part in self.parts]


def compile_template(text: str) -> Template:
    """Parse ``text``; raises :class:`JSONPathSyntaxError` with the reason."""
    return Template(text=text, parts=tuple(_parse_template(text)))
