"""The replay provider answers in order, as a JSON provider would, and fails loudly past the end."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from providers.base import MeasureContext
from providers.errors import ConfigError, ProviderError
from providers.replay import ReplayProvider

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def ctx(attempt: int) -> MeasureContext:
    return MeasureContext(now=NOW, metric_name="apdex", attempt=attempt)


async def test_entries_come_back_in_order_then_exhausted() -> None:
    provider = ReplayProvider({"results": [{"value": {"p99": 120}}, {"error": "upstream 503"}]})
    first = await provider.measure(ctx(0))
    assert first.result == {"p99": 120.0}
    assert isinstance(first.result["p99"], float)  # JSON numbers reach conditions as floats
    assert first.value == '{"p99":120}'  # and are stored the way Go marshals them
    with pytest.raises(ProviderError, match=r"^upstream 503$"):
        await provider.measure(ctx(1))
    with pytest.raises(ProviderError, match=r"^replay exhausted$"):
        await provider.measure(ctx(2))
    # Stateless: asking for a position again (after a restart) gives the same answer.
    assert (await provider.measure(ctx(0))).value == first.value


async def test_values_keep_their_json_shape() -> None:
    provider = ReplayProvider({"results": [{"value": [0.99, 1, None, "x", True]}]})
    measured = await provider.measure(ctx(0))
    assert measured.result == [0.99, 1.0, None, "x", True]
    assert measured.value == '[0.99,1,null,"x",true]'


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param({}, "provider.replay.results must be a non-empty list", id="missing"),
        pytest.param(
            {"results": []}, "provider.replay.results must be a non-empty list", id="empty"
        ),
        pytest.param(
            {"results": [{"value": 1, "error": "x"}]},
            r"provider.replay.results\[0\] must be an object with exactly one key",
            id="both-keys",
        ),
        pytest.param(
            {"results": [{"value": 1}, {"valu": 1}]},
            r"provider.replay.results\[1\] must be an object with exactly one key",
            id="typo",
        ),
        pytest.param(
            {"results": [{"error": 5}]},
            r"provider.replay.results\[0\].error must be a string",
            id="error-not-text",
        ),
        pytest.param(
            {"results": [{"value": float("nan")}]},
            "holds a value JSON cannot carry",
            id="nan",
        ),
    ],
)
def test_bad_config_names_the_field(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ReplayProvider(config)
