"""Regular expressions for ``matches``, shared by the checker and the run time.

The checker rejects a bad literal pattern at compile time and the builtin compiles patterns
that arrive at run time; both must say the same thing, so both come here. RE2 (``google-re2``)
runs in linear time, so a catastrophic pattern cannot hang the process; compiling and searching
are charged to the run's Budget all the same (a pattern can compile to a program of 300,000
instructions, and a search walks the text once per instruction on RE2's slow path).
"""

from __future__ import annotations

from typing import Any

import re2

from .runtime import Budget, fail, goname

__all__ = ["compile_regex", "matches", "program_size"]


#: pattern -> compiled RE2 program, or the message it fails with; a bounded cache shared by
#: every condition (a failure is remembered too: RE2 may spend tens of ms refusing a pattern).
_COMPILED: dict[str, Any] = {}
_CACHE_SIZE = 256
#: Instructions of a compiled program per step its compilation costs (RE2 takes about 0.25 µs
#: an instruction), and per extra character-step a search pays (its slow path walks them).
_COMPILE_STEPS = 2
_SEARCH_INSTRUCTIONS = 100
#: What a search costs whatever the text (the call into RE2 and back: about 4 µs).
_SEARCH_STEPS = 40


def _compile(pattern: str, budget: Budget | None) -> Any:
    found = _COMPILED.get(pattern)
    if found is not None:
        return found
    if budget is not None:
        budget.chars(len(pattern))
    options = re2.Options()
    options.log_errors = False
    try:
        found = re2.compile(pattern, options=options)
    except Exception as exc:  # re2.error and friends
        found = f"error parsing regexp: {_re2_message(str(exc), pattern)}"
    if len(_COMPILED) >= _CACHE_SIZE:
        _COMPILED.pop(next(iter(_COMPILED), ""), None)
    _COMPILED[pattern] = found
    if budget is not None and not isinstance(found, str):
        budget.charge(found.programsize * _COMPILE_STEPS)
    return found


def compile_regex(
    pattern: str, *, max_length: int | None, check_only: bool = False, budget: Budget | None = None
) -> Any:
    """Compile with RE2; on failure return (check_only) or raise Go's message."""
    if max_length is not None and len(pattern) > max_length:
        fail(f"regular expression too long ({len(pattern)} > {max_length} characters)")
    compiled = _compile(pattern, budget)
    if isinstance(compiled, str):
        if check_only:
            return compiled
        fail(compiled)
    return "" if check_only else compiled


def _re2_message(text: str, pattern: str) -> str:
    lowered = text.lower()
    if "missing )" in lowered or "missing closing )" in lowered:
        return f"missing closing ): `{pattern}`"
    if "missing ]" in lowered or "missing closing ]" in lowered:
        bracket = pattern[pattern.find("[") :] if "[" in pattern else pattern
        return f"missing closing ]: `{bracket}`"
    return text


def matches(budget: Budget, text: Any, pattern: Any) -> bool:
    """RE2 runs in time linear in the text, times the program's size on its slow path."""
    if type(text) is not str or type(pattern) is not str:
        fail(f"invalid operation: {goname(text)} matches {goname(pattern)}")
    compiled = compile_regex(pattern, max_length=budget.max_pattern, budget=budget)
    budget.charge(_SEARCH_STEPS)
    budget.chars(len(text) * max(1, compiled.programsize // _SEARCH_INSTRUCTIONS))
    return compiled.search(text) is not None


def program_size(pattern: str, budget: Budget | None = None) -> int:
    """Instructions RE2 compiles ``pattern`` to (0 when it does not compile)."""
    compiled = _compile(pattern, budget)
    return 0 if isinstance(compiled, str) else int(compiled.programsize)
