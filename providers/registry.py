"""Which provider a metric's ``provider:`` block selects, and building it.

Built-in providers are a static map (imported lazily, so an unused provider costs nothing).
Plugins come from the entry-point group ``augur.providers`` and are selected the way Argo selects
its plugins: ``provider: {plugin: {"org/name": {...config...}}}``. Anything else is a
:class:`~providers.errors.ConfigError` that names the key and what is known: there is no fallback.

``extra`` is the seam for the host's own providers, which need more than a block and an HTTP
client (``judge`` reads canary configs from augur's store): the host builds their factories once,
with what they need bound in, and hands them to every ``build``. Nothing here holds them.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from importlib.metadata import entry_points
from typing import Any, cast

import httpx

from providers.base import Provider, ProviderFactory
from providers.errors import ConfigError

__all__ = ["ARGO_ONLY", "BUILTIN", "ENTRY_POINT_GROUP", "build", "known_providers"]

ENTRY_POINT_GROUP = "augur.providers"

#: provider key -> "module:attribute" of its factory (a class taking ``(config, *, http)``).
BUILTIN: Mapping[str, str] = {
    "datadog": "providers.datadog:DatadogProvider",
    "influxdb": "providers.influxdb:InfluxdbProvider",
    "kayenta": "providers.kayenta:KayentaProvider",
    "newRelic": "providers.newrelic:NewRelicProvider",
    "cloudWatch": "providers.cloudwatch:CloudWatchProvider",
    "graphite": "providers.graphite:GraphiteProvider",
    "prometheus": "providers.prometheus:PrometheusProvider",
    "replay": "providers.replay:ReplayProvider",
    "skywalking": "providers.skywalking:SkyWalkingProvider",
    "wavefront": "providers.wavefront:WavefrontProvider",
    "web": "providers.web:WebProvider",
}

#: Argo Rollouts provider keys that augur recognises but cannot run, and why: what to use instead.
ARGO_ONLY: Mapping[str, str] = {
    "job": (
        "provider.job: Argo's job provider starts a Kubernetes Job and reads its outcome, which "
        "needs a cluster and Argo's controller; augur runs outside both. Run the check as a "
        "service and ask it with the web provider (provider.web: url, jsonPath, conditions on "
        'its answer), or write an augur provider plugin (README, "Provider plugins")'
    ),
}
_PLUGIN_HELP = (
    "Argo's metric plugins are Go binaries that Argo's controller downloads and loads, so "
    "augur cannot run them; an augur provider plugin is a Python package that registers a "
    f'factory under the entry-point group {ENTRY_POINT_GROUP!r} (README, "Provider plugins")'
)


@cache
def _entry_point_plugins() -> Mapping[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def known_providers(
    plugins: Mapping[str, Any] | None = None, extra: Mapping[str, ProviderFactory] | None = None
) -> list[str]:
    """Built-in keys (and the host's), then ``plugin`` names as templates spell them
    (``plugin:org/name``)."""
    names = sorted({*BUILTIN, *(extra or {})})
    installed = _entry_point_plugins() if plugins is None else plugins
    return names + [f"plugin:{name}" for name in sorted(installed)]


def _load_builtin(key: str) -> ProviderFactory:
    module_name, _, attribute = BUILTIN[key].partition(":")
    return cast(ProviderFactory, getattr(importlib.import_module(module_name), attribute))


def _load_plugin(name: str, plugins: Mapping[str, Any] | None) -> ProviderFactory:
    installed = _entry_point_plugins() if plugins is None else plugins
    if name not in installed:
        known = ", ".join(sorted(installed)) or "none"
        raise ConfigError(
            f"provider.plugin: no augur provider plugin {name!r} is installed (installed: "
            f"{known}). {_PLUGIN_HELP}",
            provider=f"plugin:{name}",
        )
    candidate = installed[name]
    if hasattr(candidate, "load") and hasattr(candidate, "group"):  # an EntryPoint
        try:
            candidate = candidate.load()
        except Exception as exc:
            raise ConfigError(
                f"plugin provider {name!r} failed to load: {exc}", provider=f"plugin:{name}"
            ) from exc
    if not callable(candidate):
        raise ConfigError(f"plugin provider {name!r} is not callable", provider=f"plugin:{name}")
    return cast(ProviderFactory, candidate)


def _single(block: Any, what: str, known: str) -> tuple[str, Mapping[str, Any]]:
    if not isinstance(block, Mapping):
        raise ConfigError(f"{what} must be an object, got {type(block).__name__}")
    keys = [key for key, value in block.items() if value is not None]
    if len(keys) != 1:
        given = ", ".join(map(str, keys)) or "none"
        raise ConfigError(f"{what} must set exactly one provider (given: {given}); known: {known}")
    key = str(keys[0])
    config = block[keys[0]]
    if not isinstance(config, Mapping):
        raise ConfigError(
            f"provider {key!r} must be an object, got {type(config).__name__}", provider=key
        )
    return key, config


def build(
    provider_block: Mapping[str, Any],
    *,
    http: httpx.AsyncClient,
    plugins: Mapping[str, Any] | None = None,
    extra: Mapping[str, ProviderFactory] | None = None,
) -> Provider:
    """Build the provider that Argo's ``metric.provider`` block selects.

    ``plugins`` maps plugin names to factories (or entry points); ``None`` reads the installed
    entry points. ``extra`` maps the host's own provider keys to their factories. Raises
    :class:`ConfigError` for an unknown or malformed block, and whatever ``ConfigError`` the
    provider's own validation raises.
    """
    known = ", ".join(known_providers(plugins, extra))
    key, config = _single(provider_block, "provider", known)
    if key == "plugin":
        name, plugin_config = _single(config, "provider.plugin", known)
        return _load_plugin(name, plugins)(plugin_config, http=http)
    if extra and key in extra:
        return extra[key](config, http=http)
    if key in BUILTIN:
        return _load_builtin(key)(config, http=http)
    if key in ARGO_ONLY:
        raise ConfigError(ARGO_ONLY[key], provider=key)
    raise ConfigError(f"unknown provider {key!r}; known providers: {known}", provider=key)
