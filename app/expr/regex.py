"""Regular expressions for ``matches``, shared by the checker and the run time.

The checker rejects a bad literal pattern at compile time and the builtin compiles patterns
that arrive at run time; both must say the same thing, so both come here. RE2 (``google-re2``)
runs in linear time, so a catastrophic pattern cannot hang the process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

from .runtime import Budget, fail, goname

__all__ = ["compile_regex", "matches"]


@lru_cache(maxsize=256)
def _regex(pattern: str) -> Any:
    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options=options)


def compile_regex(pattern: str, *, max_length: int | None, check_only: bool = False) -> Any:
    """Compile with RE2; on failure return (check_only) or raise Go's message."""
    if max_length is not None and len(pattern) > max_length:
        fail(f"regular expression too long ({len(pattern)} > {max_length} characters)")
    try:
        compiled = _regex(pattern)
    except Exception as exc:  # re2.error and friends
        message = f"error parsing regexp: {_re2_message(str(exc), pattern)}"
        if check_only:
            return message
        fail(message)
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
    if type(text) is not str or type(pattern) is not str:
        fail(f"invalid operation: {goname(text)} matches {goname(pattern)}")
    compiled = compile_regex(pattern, max_length=budget.max_pattern)
    return compiled.search(text) is not None
