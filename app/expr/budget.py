"""What one evaluation may spend: steps first, CPU time second, and the caller's inline slice.

A step is about 0.1 µs of this engine's work, so ``Limits.max_steps`` (1,000,000) is about the
same 100 ms as ``Limits.max_seconds``. What costs a step:

- a node of the condition evaluated once: a loop charges ``1 + nodes of its predicate`` per item
  (its nested loops charge for themselves), as it reaches each chunk of ``CHUNK`` items, so a
  loop that stops early (``any``, ``find``) pays only for what it visited;
- an item a builtin or operator visits: ``x in list`` costs ``len(list)``, ``keys`` ``n``,
  ``uniq`` ``4n`` (it hashes), ``sort`` ``n + 2·n·log2 n`` (each comparison goes through Go's
  ordering rules in Python), ``flatten``/``concat`` what they copy, deep ``==`` the items it
  compares;
- ``CHARS_PER_STEP`` characters of text read or built (``+``, ``join``, ``repeat``, ``replace``,
  ``matches``, ``indexOf``, ``toJSON`` ...): string work at C speed costs 0.02-2 ns a
  character, so 16 of them to a step prices it high on purpose.

Everything is charged before the work it prices starts, so work past the budget never begins.
The clock is read every ``CHECK_EVERY`` steps (about 0.4 ms of work) and only then: a cheap
condition never reads it. It is the evaluating thread's CPU time, not the wall clock, so a busy
machine, or an event loop sharing the GIL with the thread that evaluates, never turns a cheap
condition into an error; what the time budget bounds is the work.

``inline_slice`` lets a caller on an event loop try a condition in place for a millisecond or so
of wall time: past it the evaluation is abandoned with ``SliceSpent`` (not an error), and the
caller runs it again where a long evaluation harms nobody (``app.engine.offload``), on a thread
that ``yield_at_checks``: it pauses at every check, handing the GIL to the threads that wait.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import ExprBudgetError
from .limits import Limits

__all__ = [
    "CHARS_PER_STEP",
    "CHECK_EVERY",
    "CHUNK",
    "Budget",
    "SliceSpent",
    "inline_slice",
    "log_cost",
    "yield_at_checks",
]

CHARS_PER_STEP = 16
CHECK_EVERY = 4_096
#: Items a loop charges at a time; a list up to this long is charged when the loop starts.
CHUNK = 1_024

_local = threading.local()


class SliceSpent(BaseException):
    """The inline slice of ``inline_slice`` ran out: evaluate again off the event loop.

    A BaseException, so that no handler in the engine (``get``, the explanation, celpy) mistakes
    it for the condition's own failure and swallows it.
    """


@contextmanager
def inline_slice(seconds: float) -> Iterator[None]:
    """Evaluations in this block on this thread stop with ``SliceSpent`` after ``seconds`` of
    wall time (checked where budgets are charged, so a cheap condition never notices)."""
    previous = getattr(_local, "slice", None)
    _local.slice = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.slice = previous


def yield_at_checks(seconds: float) -> None:
    """From now on, evaluations on this thread sleep ``seconds`` at every check of their budgets
    (every ~0.4 ms of work), handing the GIL to the threads waiting for it. For a thread whose
    evaluations matter less than everything else in the process (``app.engine.offload``); the
    sleep is wall time, not CPU time, so it spends none of the time budget."""
    _local.pause = seconds


def log_cost(n: int) -> int:
    """``n·log2 n``: the comparisons a sort of ``n`` items makes (at least ``n``)."""
    return n * max(1, math.ceil(math.log2(n))) if n > 1 else n


class Budget:
    """One evaluation's spending, shared by the runs that make up one explanation."""

    __slots__ = ("_check_at", "_clock", "limits", "steps")

    def __init__(self, limits: Limits) -> None:
        # Built once per evaluation that charges anything, so it sets only what a cheap
        # condition uses; the clocks are read at the first check (``_clock``), if ever.
        self.limits = limits
        self.steps = 0
        self._check_at = CHECK_EVERY if limits.max_steps > CHECK_EVERY else limits.max_steps
        # (CPU-time deadline or 0.0, inline slice's end or None, pause at each check)
        self._clock: tuple[float, float | None, float] | None = None

    def charge(self, amount: int) -> None:
        self.steps += amount
        if self.steps > self._check_at:
            self._check()

    def chars(self, count: int) -> None:
        """Charge for ``count`` characters of text read or built."""
        self.steps += count // CHARS_PER_STEP
        if self.steps > self._check_at:
            self._check()

    def _check(self) -> None:
        limits = self.limits
        if self.steps > limits.max_steps:
            raise ExprBudgetError(f"condition exceeded its step budget ({limits.max_steps} steps)")
        clock = self._clock
        if clock is None:
            deadline = time.thread_time() + limits.max_seconds if limits.max_seconds else 0.0
            clock = self._clock = (
                deadline,
                getattr(_local, "slice", None),
                getattr(_local, "pause", 0.0),
            )
        elif clock[0] and time.thread_time() > clock[0]:
            self._check_at = -1  # every later charge fails too
            raise ExprBudgetError(
                f"condition exceeded its time budget {limits.max_seconds * 1000:g}ms"
            )
        if clock[1] is not None and time.monotonic() > clock[1]:
            raise SliceSpent
        if clock[2]:
            time.sleep(clock[2])  # the GIL, to whoever waits for it
        self._check_at = min(self.steps + CHECK_EVERY, limits.max_steps)

    @property
    def max_array(self) -> int:
        return self.limits.max_array_length

    @property
    def max_string(self) -> int:
        return self.limits.max_string_length

    @property
    def max_pattern(self) -> int:
        return self.limits.max_pattern_length

    @property
    def memory(self) -> int:
        return self.limits.memory_budget
