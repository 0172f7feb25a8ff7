"""``phase_order`` vectors: IsWorse, the best-to-worst order, and IsTerminating."""

from __future__ import annotations

from typing import Any

import pytest

from app.engine.assess import PHASE_ORDER, is_terminating, is_worse, worst
from app.spec.status import Phase
from tests.engine.builders import result, status
from tests.engine.vectors import cases, section, vectors

ORDER = vectors()["phase_order"]


def test_order_best_to_worst() -> None:
    assert list(PHASE_ORDER) == ORDER["order_best_to_worst"]


@pytest.mark.parametrize(
    ("current", "new", "expected"),
    [pytest.param(*triple, id=f"IsWorse({triple[0]},{triple[1]})") for triple in ORDER["is_worse"]],
)
def test_is_worse(current: str, new: str, expected: bool) -> None:
    assert is_worse(Phase(current), Phase(new)) is expected
    assert worst(Phase(current), Phase(new)) == (new if expected else current)


@pytest.mark.parametrize("case", cases(section("phase_order", "is_terminating")))
def test_is_terminating(case: dict[str, Any]) -> None:
    results = []
    for index, raw in enumerate(case["metric_phases"]):
        phase, _, flag = raw.partition(" ")
        results.append(result(f"m{index}", {"dryRun": flag == "(dryRun)"}, phase=phase))
    assert is_terminating(case["terminate"], status(*results)) is case["expected"]
