"""Provider credentials (providers.base.Credentials): where a provider that reads Secrets as
Argo's do finds them, and that whatever it read never reaches a stored measurement."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.engine.runner import Runner, VirtualClock
from app.service.submit import build_run, check_run, read_documents
from app.spec.secrets import ProviderCredentials, SecretsDir
from app.spec.status import Phase
from providers.base import NO_CREDENTIALS, MeasureContext, Measured, Provider
from providers.errors import ConfigError

KEY = "dd-api-key-7f3c9"  # planted: must never be stored
START = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def write(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path / "augur" / "datadog" / "api-key", KEY)  # the controller's namespace
    write(tmp_path / "team-a" / "dd" / "api-key", "team-a-key")  # a run's namespace
    (tmp_path / "augur" / "escape").symlink_to(tmp_path / "team-a" / "dd")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "key", "namespace", "expected"),
    [
        pytest.param("datadog", "api-key", None, KEY, id="controller-namespace"),
        pytest.param("dd", "api-key", "team-a", "team-a-key", id="run-namespace"),
        pytest.param("dd", "api-key", None, None, id="not-in-the-controller-namespace"),
        pytest.param("datadog", "app-key", None, None, id="missing-key"),
        pytest.param("nope", "api-key", None, None, id="missing-secret"),
    ],
)
def test_secrets_are_read_from_the_namespace_argo_reads(
    folder: Path, name: str, key: str, namespace: str | None, expected: str | None
) -> None:
    credentials = ProviderCredentials(SecretsDir(folder, "namespaced"), home="augur")
    assert credentials.secret(name, key, namespace=namespace) == expected
    assert credentials.seen == ({expected} if expected else set())


def test_a_value_that_is_not_a_credential_is_read_without_redaction(folder: Path) -> None:
    """A region (`us`) or an account id would star out every word holding it in every run."""
    write(folder / "augur" / "newrelic" / "region", "us")
    learnt: list[str] = []
    secrets = SecretsDir(folder, "namespaced", on_read=learnt.append)
    credentials = ProviderCredentials(
        secrets, home="augur", environ={"NEW_RELIC_SERVICE_NAME": "rollouts"}, on_read=learnt.append
    )
    assert credentials.secret("newrelic", "region", redact=False) == "us"
    assert credentials.env("NEW_RELIC_SERVICE_NAME", redact=False) == "rollouts"
    assert (credentials.seen, learnt) == (set(), [])
    assert credentials.secret("newrelic", "region") == "us"
    assert (credentials.seen, learnt) == ({"us"}, ["us", "us"])


def test_a_link_out_of_the_namespace_folder_is_refused(folder: Path) -> None:
    credentials = ProviderCredentials(SecretsDir(folder, "namespaced"), home="augur")
    with pytest.raises(ConfigError, match="link out of the secrets folder"):
        credentials.secret("escape", "api-key")
    assert credentials.seen == set()


def test_the_flat_layout_and_the_environment() -> None:
    credentials = ProviderCredentials(None, environ={"DD_API_KEY": KEY})
    assert credentials.secret("datadog", "api-key") is None
    assert credentials.env("DD_API_KEY") == KEY
    assert credentials.env("DD_APP_KEY") is None
    assert credentials.seen == {KEY}
    assert NO_CREDENTIALS.secret("datadog", "api-key") is None
    assert NO_CREDENTIALS.env("PATH") is None
    assert os.environ.get("PATH")  # the default reads nothing even where the process has it


class EchoingProvider:
    """Reads its key as Datadog's provider does and, badly, echoes it in what it returns."""

    kind = "echo"

    def __init__(self) -> None:
        self.seen: list[MeasureContext] = []

    async def measure(self, ctx: MeasureContext) -> Measured:
        self.seen.append(ctx)
        key = ctx.credentials.secret("datadog", "api-key")
        return Measured(result=1.0, value=f"key={key}", metadata={"sent": f"DD-API-KEY: {key}"})

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


TEMPLATE = """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: echo, namespace: team-a}
spec:
  metrics:
  - name: m
    count: 1
    successCondition: result == 1
    provider: {replay: {results: [{value: 1}]}}
"""


async def test_what_a_provider_read_is_redacted_before_it_is_stored(folder: Path) -> None:
    run = build_run(read_documents([("t", TEMPLATE)]), args=[], namespace="team-a")
    check_run(run)
    provider = EchoingProvider()
    credentials = ProviderCredentials(SecretsDir(folder, "namespaced"), home="augur")

    def source(_metric: object) -> Provider:
        return provider

    runner = Runner(clock=VirtualClock(START), providers=source, credentials=credentials)
    done = await runner.run(run)
    assert done.status is not None
    assert done.status.phase is Phase.SUCCESSFUL
    [context] = provider.seen
    assert context.namespace == "team-a"
    [measurement] = done.status.metric_results[0].measurements
    assert measurement.value == "key=*****"
    assert measurement.metadata == {"sent": "DD-API-KEY: *****"}
    assert KEY not in done.model_dump_json()
