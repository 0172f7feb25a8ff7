"""Which provider a ``provider:`` block selects; unknown ones fail loudly, never fall back."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.base import MeasureContext, Measured, Provider
from providers.errors import (
    ConfigError,
    NoDataError,
    ProviderError,
    QueryError,
    UnavailableError,
)
from providers.registry import BUILTIN, ENTRY_POINT_GROUP, build, known_providers
from providers.skywalking import SkyWalkingProvider

#: What the errors list: the built-ins, then the plugin the tests install.
#: What the messages list as known: the built-in providers, then the test's plugin.
KNOWN = ", ".join([*sorted(BUILTIN), "plugin:acme/echo"])
SKYWALKING = {"address": "http://oap:12800", "query": "query { version }", "interval": "5m"}


class EchoProvider:
    """A plugin as a third party would write one."""

    kind = "acme/echo"

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> None:
        self.config, self.http = config, http

    async def measure(self, ctx: MeasureContext) -> Measured:
        return Measured(result=dict(self.config), value="{}")

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


def broken_factory(config: Mapping[str, Any], *, http: httpx.AsyncClient) -> Provider:
    raise AssertionError("never called")


def test_builds_skywalking(http: httpx.AsyncClient) -> None:
    provider = build({"skywalking": SKYWALKING}, http=http, plugins={})
    assert isinstance(provider, SkyWalkingProvider)
    assert isinstance(provider, Provider)


def test_null_siblings_are_ignored(http: httpx.AsyncClient) -> None:
    provider = build({"skywalking": SKYWALKING, "web": None}, http=http, plugins={})
    assert provider.kind == "skywalking"


#: Every built-in provider, then the test's plugin, as messages list them.
KNOWN = ", ".join([*sorted(BUILTIN), "plugin:acme/echo"])


@pytest.mark.parametrize(
    ("block", "message", "provider"),
    [
        pytest.param(
            {},
            f"provider must set exactly one provider (given: none); known: {KNOWN}",
            "",
            id="empty",
        ),
        pytest.param(
            {"skywalking": SKYWALKING, "job": {}},
            f"provider must set exactly one provider (given: skywalking, job); known: {KNOWN}",
            "",
            id="two",
        ),
        pytest.param(
            {"job": {}},
            "provider.job: Argo's job provider starts a Kubernetes Job and reads its outcome, "
            "which needs a cluster and Argo's controller; augur runs outside both. Run the check "
            "as a service and ask it with the web provider (provider.web: url, jsonPath, "
            "conditions on its answer), or write an augur provider plugin "
            '(README, "Provider plugins")',
            "job",
            id="argo-only",
        ),
        pytest.param(
            {"skywalkin": {}},
            f"unknown provider 'skywalkin'; known providers: {KNOWN}",
            "skywalkin",
            id="unknown",
        ),
        pytest.param(
            {"skywalking": "http://oap"},
            "provider 'skywalking' must be an object, got str",
            "skywalking",
            id="not-an-object",
        ),
        pytest.param(
            {"plugin": {"acme/nope": {}}},
            "provider.plugin: no augur provider plugin 'acme/nope' is installed (installed: "
            "acme/echo). Argo's metric plugins are Go binaries that Argo's controller downloads "
            "and loads, so augur cannot run them; an augur provider plugin is a Python package "
            "that registers a factory under the entry-point group 'augur.providers' "
            '(README, "Provider plugins")',
            "plugin:acme/nope",
            id="unknown-plugin",
        ),
        pytest.param(
            {"plugin": {}},
            f"provider.plugin must set exactly one provider (given: none); known: {KNOWN}",
            "",
            id="plugin-without-name",
        ),
        pytest.param(["skywalking"], "provider must be an object, got list", "", id="a-list"),
    ],
)
def test_bad_blocks_are_config_errors(
    http: httpx.AsyncClient, block: Any, message: str, provider: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        build(block, http=http, plugins={"acme/echo": EchoProvider})
    assert str(caught.value) == message
    assert caught.value.provider == provider


def test_provider_validation_errors_pass_through(http: httpx.AsyncClient) -> None:
    with pytest.raises(ConfigError, match=r'^time: invalid duration ""$'):
        build({"skywalking": {**SKYWALKING, "interval": ""}}, http=http, plugins={})


@pytest.mark.parametrize(
    "factory",
    [
        pytest.param(EchoProvider, id="factory"),
        pytest.param(
            EntryPoint(
                name="acme/echo",
                value="tests.providers.test_registry:EchoProvider",
                group=ENTRY_POINT_GROUP,
            ),
            id="entry-point",
        ),
    ],
)
async def test_plugins_get_their_config_and_the_client(
    http: httpx.AsyncClient, factory: Any
) -> None:
    block = {"plugin": {"acme/echo": {"greeting": "hi"}}}
    provider = build(block, http=http, plugins={"acme/echo": factory})
    assert isinstance(provider, EchoProvider)
    assert provider.http is http
    measured = await provider.measure(MeasureContext(now=datetime.now(UTC), metric_name="m"))
    assert measured.result == {"greeting": "hi"}


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        pytest.param(
            EntryPoint(
                name="acme/gone", value="acme_missing_module:Factory", group=ENTRY_POINT_GROUP
            ),
            "plugin provider 'acme/gone' failed to load: No module named 'acme_missing_module'",
            id="import-fails",
        ),
        pytest.param(
            "not callable", "plugin provider 'acme/gone' is not callable", id="not-callable"
        ),
    ],
)
def test_broken_plugins(http: httpx.AsyncClient, plugin: Any, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build({"plugin": {"acme/gone": {}}}, http=http, plugins={"acme/gone": plugin})
    assert str(caught.value) == message


def test_known_providers_reads_installed_entry_points_by_default() -> None:
    known = known_providers()
    builtin = [name for name in known if not name.startswith("plugin:")]
    assert builtin == sorted(BUILTIN)
    assert known[: len(builtin)] == builtin


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        pytest.param(ConfigError, False, id="config"),
        pytest.param(UnavailableError, True, id="unavailable"),
        pytest.param(QueryError, False, id="query"),
        pytest.param(NoDataError, False, id="no-data"),
    ],
)
def test_error_tree(error: type[ProviderError], retryable: bool) -> None:
    raised = error("msg", provider="skywalking", status=503, upstream_message="x" * 600)
    assert isinstance(raised, ProviderError)
    assert raised.retryable is retryable
    assert (str(raised), raised.provider, raised.status) == ("msg", "skywalking", 503)
    assert raised.upstream_message == "x" * 500 + "…"


def test_providers_never_import_app() -> None:
    root = Path(__file__).resolve().parents[2] / "providers"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [f"{path.name}: {n}" for n in names if n == "app" or n.startswith("app.")]
    assert offenders == []
