"""Whatever a provider hands back, a secret read for the run is `*****` in the run: the engine
redacts every measurement once, where it enters the run (`record_measurement_in_place`), so
providers need not know which args were secret (`providers/base.py`).

The provider here echoes its resolved block in every field it can fill, as a careless upstream
would: the value (raw and in Go's JSON), the metadata (as `resolvedQuery` does), the message of
an error. The runner is the real one, on a virtual clock, with secrets from a folder.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from app.engine.runner import Runner, VirtualClock
from app.spec.args import DirectorySecrets
from app.spec.models import AnalysisRun, Metric
from app.spec.status import Phase
from providers.base import MeasureContext, Measured, Provider
from providers.errors import ProviderError
from providers.golang import marshal

SECRET = 'planted-"secret"&/9f3a'
START = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
LIMIT = "7391"
ARGS = [
    {"name": "pw", "valueFrom": {"secretKeyRef": {"name": "api", "key": "pw"}}},
    {"name": "limit", "valueFrom": {"secretKeyRef": {"name": "api", "key": "limit"}}},
]


class Echo:
    """Answers with its block in `value`, `metadata` and `result`, or fails quoting it."""

    kind = "web"

    def __init__(self, block: Mapping[str, Any], *, fail: bool) -> None:
        self.block = block
        self.fail = fail

    async def measure(self, ctx: MeasureContext) -> Measured:
        text = json.dumps(self.block)
        if self.fail:
            raise ProviderError(f"401 Unauthorized: the upstream said {text}", provider="web")
        url = str(self.block["url"])
        return Measured(
            result={"echo": url},
            value=marshal({"echo": self.block}),
            metadata={
                "resolvedQuery": url,
                "urlEncoded": quote(url, safe=""),
                "basic": base64.b64encode(f"augur:{url}".encode()).decode(),
                url: "a key",
            },
        )

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


async def run_echo(tmp_path: Path, *, fail: bool, condition: str = "true") -> AnalysisRun:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "pw").write_text(SECRET)
    (tmp_path / "api" / "limit").write_text(LIMIT)
    metric = {
        "name": "echo",
        "successCondition": condition,
        "provider": {"web": {"url": "http://upstream.test/{{args.pw}}"}},
    }
    run = AnalysisRun.model_validate(
        {"metadata": {"name": "r"}, "spec": {"args": ARGS, "metrics": [metric]}}
    )

    def source(resolved: Metric) -> Provider:
        _, block = resolved.provider.body()
        return Echo(block, fail=fail)

    runner = Runner(clock=VirtualClock(START), providers=source, secrets=DirectorySecrets(tmp_path))
    return await runner.run(run)


def everything(run: AnalysisRun) -> str:
    return run.model_dump_json(by_alias=True)


@pytest.mark.parametrize(
    ("fail", "condition", "phase"),
    [
        pytest.param(False, "true", Phase.SUCCESSFUL, id="value-and-metadata"),
        pytest.param(True, "true", Phase.ERROR, id="error-message"),
        pytest.param(
            False, "len(result.echo) > {{args.limit}}", Phase.FAILED, id="secret-in-the-condition"
        ),
    ],
)
async def test_nothing_a_provider_echoes_keeps_the_secret(
    tmp_path: Path, fail: bool, condition: str, phase: Phase
) -> None:
    done = await run_echo(tmp_path, fail=fail, condition=condition)
    assert done.status is not None
    assert done.status.phase is phase
    text = everything(done)
    for form in (
        LIMIT,
        SECRET,
        json.dumps(SECRET)[1:-1],
        marshal(SECRET)[1:-1],
        quote(SECRET, safe=""),
        base64.b64encode(f"augur:http://upstream.test/{SECRET}".encode()).decode(),
    ):
        assert form not in text
    assert "*****" in text


async def test_the_redacted_value_and_metadata_say_where_the_secret_was(tmp_path: Path) -> None:
    done = await run_echo(tmp_path, fail=False)
    assert done.status is not None
    (measurement,) = done.status.metric_results[0].measurements
    assert json.loads(measurement.value) == {"echo": {"url": "http://upstream.test/*****"}}
    assert measurement.metadata is not None
    assert measurement.metadata["resolvedQuery"] == "http://upstream.test/*****"
    assert measurement.metadata["urlEncoded"] == "http%3A%2F%2Fupstream.test%2F*****"
    assert measurement.metadata["http://upstream.test/*****"] == "a key"


async def test_a_condition_names_the_secret_as_stars(tmp_path: Path) -> None:
    done = await run_echo(tmp_path, fail=False, condition="len(result.echo) > {{args.limit}}")
    assert done.status is not None
    assert done.status.metric_results[0].measurements[0].message == (
        "successCondition len(result.echo) > ***** is false: len(result.echo) is 43"
    )
