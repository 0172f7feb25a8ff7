"""Budgets for expressions that arrive over HTTP from users.

Every budget is a plain number in a frozen dataclass so that settings can inject their own.
The defaults are generous for real conditions (a few hundred characters, a few hundred items)
and small enough that a hostile expression is refused within ~100 ms of work.

``max_steps`` is the first line: a step is one node evaluated, one item a builtin or an operator
visits, or ``CHARS_PER_STEP`` characters of text it reads or builds (budget.py says what each
costs), so a step is roughly 0.1 µs of this engine's work and the default budget about 100 ms.
``max_seconds`` is the second line, for work the step count prices too low: CPU time of the
evaluating thread, read every few thousand steps (0 turns it off).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "Limits"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    max_source_length: int = 10_000
    max_nodes: int = 2_000
    max_depth: int = 50
    max_steps: int = 1_000_000
    max_seconds: float = 0.1
    max_array_length: int = 100_000
    max_string_length: int = 1_000_000
    max_pattern_length: int = 1_000
    # The engine's own memory budget: ranges bigger than this fail like expr does.
    memory_budget: int = 1_000_000


DEFAULT_LIMITS = Limits()
