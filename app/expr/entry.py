"""The generated code's two doors: ``_expr`` (what ``Program.run`` calls) and the typed entry.

A measurement judges its condition with ``evaluate_bool({"result": value})`` and, run after
run, hands it values of the same Python types. Going through ``Program.run`` for that meant a
tuple of the values, a tuple of their types, a cache lookup, a Budget and two method calls:
about 0.9 µs, where a hand-written ``result >= 0.95`` takes 0.03 µs (docs/performance.md). So,
the first time a program meets values of plain types (types.PLAIN_TYPES), it generates the
condition again, knowing each value's class, as ``_entry(env)``, and makes that the program's
``evaluate_bool``:

- it reads each name from ``env`` and checks each value's class is the one it was built for;
  any other class goes back to the program's general path (``_miss``), so nothing is assumed;
- it builds a Budget only when the code has something to charge (a loop, a text operation,
  an index into a value of unknown kind ...): every helper whose work grows with its operands
  takes the Budget (support.py), so code that never names it does work bounded by the
  condition's own size, which ``Limits.max_nodes`` caps;
- the body is inlined, so one Python call does the whole evaluation; its value is returned
  when it is a bool (unchecked where ``compiler.certain_bool`` proves it one), anything else
  refused as the general path refuses it;
- a failure is mapped exactly as ``Program.run`` maps it (``fail``).

Loops that sit at the top of a condition (``all``/``any``/``none`` not inside another
predicate or ``let``) are generated as module-level functions (``Emitter.hoisted``) that both
doors call: a plain ``for`` loop that returns at its verdict instead of a generator that
``all()`` resumes per item.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol

from .errors import ExprBudgetError, ExprError, ExprRuntimeError, ExprSyntaxError
from .limits import Limits
from .runtime import Budget, goname
from .support import NAMESPACE

__all__ = [
    "Generated",
    "Runner",
    "exec_code",
    "fail",
    "located",
    "make_entry",
    "not_bool",
    "sites_of",
]

_Sites = dict[int, tuple[str, int, int]]


@dataclass(frozen=True, slots=True)
class Generated:
    """What the generator produced for one checked tree, before it became functions."""

    body: str  # one Python expression over _st and _e0.._en
    hoisted: tuple[str, ...]  # module-level loop functions the body calls
    names: tuple[str, ...]
    consts: Mapping[str, Any]
    sites: tuple[tuple[str, int, int], ...]  # by the ``#@<n>`` marks in body and hoisted
    is_bool: bool  # the body certainly yields a bool (compiler.certain_bool)
    source: str

    @property
    def budgeted(self) -> bool:
        """Whether anything in the generated code may charge the Budget (``_st``)."""
        return "_st" in self.body or any("_st" in code for code in self.hoisted)

    def runner_code(self) -> str:
        params = "".join(f", _e{i}" for i in range(len(self.names)))
        # In parentheses: the marks' line breaks are then only line joins.
        return "".join(self.hoisted) + f"def _expr(_st{params}):\n    return (\n{self.body}\n)\n"

    def entry_code(self) -> str:
        # A subscript is cheaper than ``get``; a missing name goes the general way (nil).
        reads = "".join(f"        _e{i} = _env[{name!r}]\n" for i, name in enumerate(self.names))
        guard = " or ".join(f"_type(_e{i}) is not _g{i}" for i in range(len(self.names)))
        lines = [f"    try:\n{reads}    except _KeyError:\n        return _miss(_env)\n"]
        if not self.names:
            lines = []
        if guard:
            lines.append(f"    if {guard}:\n        return _miss(_env)\n")
        if self.budgeted:
            lines.append("    _st = _Budget(_limits)\n")
        if self.is_bool:
            lines.append(f"    try:\n        return (\n{self.body}\n)\n")
        else:
            lines.append(f"    try:\n        _r = (\n{self.body}\n)\n")
        lines.append("    except _Exception as _x:\n        _fail(_x, _sites, _source)\n")
        if not self.is_bool:
            lines.append("    if _r is True or _r is False:\n        return _r\n")
            lines.append("    _not_bool(_r)\n")
        return "".join(self.hoisted) + "def _entry(_env):\n" + "".join(lines)


class Runner(Protocol):
    """``_expr`` as the generator hands it over: the function and what it was built from."""

    generated: Generated
    sites: _Sites
    __globals__: dict[str, Any]

    def __call__(self, budget: Budget | None, /, *values: Any) -> Any: ...


def exec_code(code: str, namespace: dict[str, Any], source: str) -> None:
    try:
        compiled = compile(code, "<expr>", "exec")
        exec(compiled, namespace)  # noqa: S102 - source built only from escaped literals/names
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        raise ExprSyntaxError(
            "expression nested too deeply", source=source, line=1, column=1
        ) from None


def sites_of(code: str, sites: tuple[tuple[str, int, int], ...]) -> _Sites:
    """Line of the generated source -> the site whose marked call starts on it."""
    found: _Sites = {}
    for number, line in enumerate(code.split("\n"), start=1):
        _, mark, index = line.rpartition("#@")
        if mark and index.isdigit():
            found[number + 1] = sites[int(index)]
    return found


def make_entry(
    generated: Generated,
    *,
    guards: tuple[type, ...],
    limits: Limits,
    miss: Callable[[Mapping[str, Any]], bool],
) -> Callable[[Mapping[str, Any]], bool]:
    """``evaluate_bool`` for values of exactly the classes ``guards``, one per name."""
    code = generated.entry_code()
    scope = dict(NAMESPACE)
    scope.update(generated.consts)
    scope.update({f"_g{i}": kind for i, kind in enumerate(guards)})
    scope.update(
        _miss=miss,
        _Budget=Budget,
        _limits=limits,
        _Exception=Exception,
        _KeyError=KeyError,
        _fail=fail,
        _not_bool=not_bool,
        _sites=sites_of(code, generated.sites),
        _source=generated.source,
    )
    exec_code(code, scope, generated.source)
    entry: Callable[[Mapping[str, Any]], bool] = scope["_entry"]
    return entry


def not_bool(value: Any) -> NoReturn:
    raise ExprRuntimeError(f"expected bool, but got {goname(value)}")


def fail(exc: Exception, sites: _Sites, source: str) -> NoReturn:
    """Raise what ``exc``, raised by generated code, means to the caller: only ExprError."""
    if isinstance(exc, ExprBudgetError):
        raise located(exc, sites, source) from None
    if isinstance(exc, ExprError):
        raise exc
    if isinstance(exc, RecursionError):
        raise ExprRuntimeError("expression nested too deeply") from None
    if isinstance(exc, MemoryError):
        raise ExprRuntimeError("memory budget exceeded") from None
    raise ExprRuntimeError(f"{type(exc).__name__}: {exc}") from None


def located(exc: ExprBudgetError, sites: _Sites, source: str) -> ExprBudgetError:
    """``exc`` naming the part of the condition whose call was running when the budget ran out:
    the innermost frame of generated code says the line, ``sites`` what is there."""
    if exc.line:
        return exc
    line, tb = 0, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<expr>":
            line = tb.tb_lineno
        tb = tb.tb_next
    site = sites.get(line)
    if site is None:
        return exc
    what, at_line, at_column = site
    message = f"{exc.message} at {what} ({at_line}:{at_column})"
    return ExprBudgetError(message, source=source, line=at_line, column=at_column)
