"""The ``provider.kayenta`` block, checked when the template is submitted.

Argo's CRD requires every top-level field (`analysis_types.go` `KayentaMetric`): `address`,
`application`, `canaryConfigName`, `metricsAccountName`, `configurationAccountName`,
`storageAccountName`, `threshold` {`pass`, `marginal`} and `scopes`, each scope with `name`,
`controlScope` and `experimentScope` of `scope`, `region` and `step` (`start`, `end` optional);
`lookback` is optional. Argo's own docs write `thresholds:` and put `interval`/`count` in the
block: outside Kubernetes nothing would prune them, so a lenient reader would get pass and
marginal 0 and pass every canary. Those mistakes are refused with the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from providers.errors import ConfigError

__all__ = ["PROVIDER", "KayentaConfig", "Scope", "ScopePair", "parse_config"]

PROVIDER = "kayenta"
_TEXT = (
    "address",
    "application",
    "canaryConfigName",
    "metricsAccountName",
    "configurationAccountName",
    "storageAccountName",
)
_FIELDS = frozenset({*_TEXT, "threshold", "scopes", "lookback"})
#: Fields Argo's documentation shows in the block that are not in it, and what to write.
_MISPLACED = {
    "thresholds": "the field is threshold (singular): threshold: {pass: 90, marginal: 75}",
    "interval": "interval belongs on the metric, beside provider, not in provider.kayenta",
    "count": "count belongs on the metric, beside provider, not in provider.kayenta",
}


@dataclass(frozen=True, slots=True)
class Scope:
    scope: str
    region: str
    step: int
    start: str = ""
    end: str = ""


@dataclass(frozen=True, slots=True)
class ScopePair:
    name: str
    control: Scope
    experiment: Scope


@dataclass(frozen=True, slots=True, kw_only=True)
class KayentaConfig:
    address: str
    application: str
    canary_config_name: str
    metrics_account: str
    configuration_account: str
    storage_account: str
    passing: int
    marginal: int
    scopes: tuple[ScopePair, ...]
    lookback: bool = False


def _fail(field: str, problem: str) -> ConfigError:
    return ConfigError(f"kayenta.{field}: {problem}", provider=PROVIDER)


def _text(block: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = block.get(key)
    if value is None:
        if required:
            raise _fail(f"{where}{key}", "is required")
        return ""
    if not isinstance(value, str):
        raise _fail(f"{where}{key}", f"must be a string, got {type(value).__name__}")
    return value


def _int(block: Mapping[str, Any], key: str, where: str) -> int:
    value = block.get(key)
    if value is None:
        raise _fail(f"{where}{key}", "is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(f"{where}{key}", f"must be an integer, got {type(value).__name__}")
    return int(value)


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        raise _fail(where, "is required")
    if not isinstance(value, Mapping):
        raise _fail(where, f"must be an object, got {type(value).__name__}")
    return value


def _scope(block: Any, where: str) -> Scope:
    given = _object(block, where)
    prefix = f"{where}."
    return Scope(
        scope=_text(given, "scope", prefix),
        region=_text(given, "region", prefix),
        step=_int(given, "step", prefix),
        start=_text(given, "start", prefix, required=False),
        end=_text(given, "end", prefix, required=False),
    )


def _scopes(value: Any) -> tuple[ScopePair, ...]:
    if value is None:
        raise _fail("scopes", "is required (a list of {name, controlScope, experimentScope})")
    if not isinstance(value, list):
        raise _fail("scopes", f"must be a list, got {type(value).__name__}")
    pairs = []
    for index, item in enumerate(value):
        where = f"scopes[{index}]"
        given = _object(item, where)
        pairs.append(
            ScopePair(
                name=_text(given, "name", f"{where}."),
                control=_scope(given.get("controlScope"), f"{where}.controlScope"),
                experiment=_scope(given.get("experimentScope"), f"{where}.experimentScope"),
            )
        )
    return tuple(pairs)


def parse_config(config: Mapping[str, Any]) -> KayentaConfig:
    """The block as Argo's controller would see it, or a `ConfigError` naming the field."""
    for key, fix in _MISPLACED.items():
        if key in config:
            raise _fail(key, f"is not a field of provider.kayenta; {fix}")
    unknown = sorted(set(config) - _FIELDS)
    if unknown:
        known = ", ".join(sorted(_FIELDS))
        raise _fail(unknown[0], f"is not a field of provider.kayenta; known: {known}")
    text = {key: _text(config, key, "") for key in _TEXT}
    threshold = _object(config.get("threshold"), "threshold")
    lookback = config.get("lookback", False)
    if not isinstance(lookback, bool):
        raise _fail("lookback", f"must be true or false, got {type(lookback).__name__}")
    return KayentaConfig(
        address=text["address"],
        application=text["application"],
        canary_config_name=text["canaryConfigName"],
        metrics_account=text["metricsAccountName"],
        configuration_account=text["configurationAccountName"],
        storage_account=text["storageAccountName"],
        passing=_int(threshold, "pass", "threshold."),
        marginal=_int(threshold, "marginal", "threshold."),
        scopes=_scopes(config.get("scopes")),
        lookback=lookback,
    )
