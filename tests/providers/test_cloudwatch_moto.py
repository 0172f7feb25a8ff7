"""provider.cloudWatch against moto's server mode: a real AWS protocol server, seeded with
``put_metric_data`` through boto3, asked through aiobotocore exactly as a run asks.

Argo's example template (examples/cloudwatch-success-rate.yaml) is measured as a run measures
it: its provider block built by the registry, one measurement judged by its own condition.
moto computes ``MetricStat`` queries but not metric math, so the example's ``errors /
requests`` is answered by `tests.fakes.cloudwatch_math` over moto's data; asked of moto alone,
the expression has no values and the example fails, as it would against a CloudWatch without
the data.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.spec.secrets import ProviderCredentials
from app.spec.status import Measurement
from providers import registry
from providers.base import MeasureContext
from tests.deploy.examples import templates
from tests.fakes.cloudwatch_math import metric_math
from tests.fakes.scripted import Reply, ScriptedServer
from tests.providers.judging import judged
from tests.support.moto import AWS_ENV, Moto

PERIOD = timedelta(minutes=5)


@pytest.fixture
def aws(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> Moto:
    """moto emptied, and the SDK pointed at it with the tests' keys and nothing else."""
    moto.reset()
    for name in ("AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL_CLOUDWATCH"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        **AWS_ENV,
        "AWS_ENDPOINT_URL": moto.endpoint,
        "AWS_CONFIG_FILE": "/nonexistent/augur-tests",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/augur-tests",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    return moto


def seed(moto: Moto, now: datetime, *, errors: float, requests: float, periods: int = 6) -> None:
    """`errors` and `requests` counts in each of the last `periods` five-minute periods (in the
    middle of each, so no point sits on the edge of a window)."""
    data = [
        {"MetricName": name, "Value": value, "Unit": "Count", "Timestamp": now - PERIOD * i / 2}
        for i in range(1, 2 * periods, 2)
        for name, value in (("errors", errors), ("requests", requests))
    ]
    moto.cloudwatch().put_metric_data(Namespace="app", MetricData=data)


async def measure(block: dict[str, Any], condition: str, http: httpx.AsyncClient) -> Measurement:
    provider = registry.build(block, http=http)
    now = datetime.now(UTC)
    credentials = ProviderCredentials(None, environ=AWS_ENV)
    measured = await provider.measure(
        MeasureContext(now=now, metric_name="m", credentials=credentials)
    )
    return judged(measured, condition, "", now=now)


def example() -> tuple[dict[str, Any], str]:
    (metric,) = templates()["cloudwatch-success-rate"]["spec"]["metrics"]
    return metric["provider"], metric["successCondition"]


@pytest.mark.parametrize(
    ("errors", "phase"),
    [pytest.param(1, "Successful", id="1-error-in-1000"), pytest.param(50, "Failed", id="5%")],
)
async def test_the_example_template_judges_the_canary(
    aws: Moto,
    scripted: ScriptedServer,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    errors: int,
    phase: str,
) -> None:
    seed(aws, datetime.now(UTC), errors=errors, requests=1000)
    scripted.reply("/", Reply(render=metric_math(aws), content_type="application/x-amz-json-1.0"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", scripted.base_url)
    block, condition = example()
    measurement = await measure(block, condition, http)
    rate = format(errors / 1000, "g")
    assert (measurement.phase, measurement.value) == (phase, "[[" + " ".join([rate] * 6) + "]]")


async def test_moto_alone_leaves_the_expression_empty_so_the_example_fails(
    aws: Moto, http: httpx.AsyncClient
) -> None:
    seed(aws, datetime.now(UTC), errors=1, requests=1000)
    block, condition = example()
    measurement = await measure(block, condition, http)
    assert (measurement.phase, measurement.value) == ("Failed", "[[]]")


@pytest.mark.parametrize(
    ("condition", "phase"),
    [
        pytest.param("all(result[0].Values, {# <= 5})", "Successful", id="successful"),
        pytest.param("all(result[0].Values, {# <= 2})", "Failed", id="failed"),
        pytest.param("len(result[0].Timestamps) == 6", "Successful", id="six-periods"),
    ],
)
async def test_a_metric_stat_from_moto(
    aws: Moto, http: httpx.AsyncClient, condition: str, phase: str
) -> None:
    seed(aws, datetime.now(UTC), errors=3, requests=100)
    query = {
        "id": "errors",
        "metricStat": {
            "metric": {"namespace": "app", "metricName": "errors"},
            "period": 300,
            "stat": "Sum",
            "unit": "Count",
        },
    }
    block = {"cloudWatch": {"interval": "35m", "metricDataQueries": [query]}}
    measurement = await measure(block, condition, http)
    assert (measurement.phase, measurement.value) == (phase, "[[3 3 3 3 3 3]]")


def test_augur_check_cloudwatch_reads_moto(aws: Moto) -> None:
    seed(aws, datetime.now(UTC), errors=2, requests=10, periods=2)
    result = CliRunner().invoke(
        cli,
        [
            "check", "cloudwatch", "--namespace", "app", "--metric", "errors",
            "--stat", "Sum", "--period", "300", "--interval", "15m",
            "--condition", "all(result[0].Values, {# < 5})", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert '"value": "[[2 2]]"' in result.output
    assert '"phase": "Successful"' in result.output
    assert AWS_ENV["AWS_SECRET_ACCESS_KEY"] not in result.output
