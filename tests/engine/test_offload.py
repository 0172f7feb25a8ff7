"""Judging off the event loop: a cheap condition is judged in place, a costly one moves to the
worker after its inline slice, and the loop keeps running while it works there.

No timing is asserted: the loop's liveness is a count of ticks that happened while the costly
judgement ran, and which path a judgement took is `Offload.moved`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable

import pytest

from app import expr
from app.engine.conditions import compile_conditions, evaluate_result
from app.engine.offload import Offload
from app.expr import Limits, SliceSpent, inline_slice
from app.spec.status import Phase

WORDS = [f"w{i}" for i in range(2_000)]
COSTLY = "len(filter(result, {# in result})) > 0"  # 4 million steps: refused after one million
CHEAP = "all(result, {len(#) > 0})"


@pytest.fixture
async def offload() -> AsyncIterator[Offload]:
    found = Offload()
    yield found
    found.close()


def judge(
    source: str, limits: Limits | None = None, *, words: list[str] = WORDS
) -> Callable[[], tuple[Phase, str, str]]:
    conditions = compile_conditions(success=source, limits=limits)

    def work() -> tuple[Phase, str, str]:
        evaluation = evaluate_result(words, conditions)
        return evaluation.phase, evaluation.message, threading.current_thread().name

    return work


async def test_a_cheap_judgement_stays_on_the_loop(offload: Offload) -> None:
    # 100 words, 500 steps: it never gets to a check of its budgets, where the slice is read.
    phase, message, thread = await offload(judge(CHEAP, words=WORDS[:100]))
    assert (phase, message) == (Phase.SUCCESSFUL, "")
    assert thread == threading.current_thread().name
    assert offload.moved == 0


async def test_a_costly_judgement_moves_to_the_worker_and_the_loop_keeps_running(
    offload: Offload,
) -> None:
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            await asyncio.sleep(0)
            ticks += 1

    running = asyncio.create_task(ticker())
    phase, message, thread = await offload(judge(COSTLY, Limits(max_seconds=0)))
    stop.set()
    await running
    assert phase is Phase.ERROR
    assert message == (
        f'could not evaluate successCondition "{COSTLY}": '
        "condition exceeded its step budget (1000000 steps) at in (1:23)"
    )
    assert thread.startswith("augur-conditions")
    assert offload.moved == 1
    assert ticks > 10  # the loop ran while the worker judged


def test_the_inline_slice_is_not_swallowed_by_the_explanation_or_get() -> None:
    # A Failed verdict is explained (re-evaluated); get() swallows failed lookups. Neither may
    # turn the end of the slice into an answer.
    sources = [
        "count(result, {# in result}) < 0",  # Failed, then explained
        "all(result, {get(result, #) in result})",
    ]
    for source in sources:
        work = judge(source, Limits(max_seconds=0))
        with pytest.raises(SliceSpent), inline_slice(0.0):
            work()


def test_an_explanation_is_bounded_by_the_time_budget_too() -> None:
    """The explanation re-evaluates under a budget of its own, the time budget included: with
    none to spend, it gives up ranking the points once its clock is read (every 4,096 steps:
    during its second walk here) and names the first ones instead."""
    points = [float(i) for i in range(2_500)]
    source = "all(result, {# < 0})"
    ample = expr.compile(source, limits=Limits(max_steps=10**12, max_seconds=0))
    assert expr.explain(ample, points, outcome=False) == (
        "all 2500 points fail # < 0, worst: 2499 at index 2499, 2498 at index 2498, "
        "2497 at index 2497"
    )
    none = expr.compile(source, limits=Limits(max_steps=10**12, max_seconds=0.000001))
    assert expr.explain(none, points, outcome=False) == (
        "all 2500 points fail # < 0, first: index 0, index 1, index 2"
    )
