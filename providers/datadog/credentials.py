"""Where Argo's Datadog provider finds its keys, read through augur's credentials seam.

Argo's ``findCredentials``, source for source:

- ``secretRef.namespaced: true``: only Secret ``secretRef.name`` of the run's namespace (the name
  is then required); there is no fallback, whatever Argo's docs say;
- ``secretRef.name`` alone: only that Secret, in the namespace the controller runs in (augur's);
- no ``secretRef.name``: the environment, if ``DD_API_KEY``, ``DD_APP_KEY`` and ``DD_ADDRESS``
  are all set (an empty ``DD_ADDRESS`` counts), then Secret ``datadog`` of augur's namespace.

A source counts only when ``api-key`` and ``app-key`` are both non-empty; ``address`` is taken
from the same source (empty: Datadog's US1 site). When none counts, Argo's message, followed by
what was looked at, so the fix is plain; never a key's value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from providers.base import Credentials
from providers.datadog.config import PROVIDER, SecretRef
from providers.errors import ConfigError

__all__ = [
    "ADDRESS",
    "API_KEY",
    "APP_KEY",
    "ENVIRONMENT",
    "NAME_REQUIRED",
    "NOT_FOUND",
    "SECRET_NAME",
    "Keys",
    "environment_keys",
    "find_keys",
    "secret_keys",
]

SECRET_NAME = "datadog"  # noqa: S105 (the Secret's name, not a secret)
API_KEY, APP_KEY, ADDRESS = "api-key", "app-key", "address"
#: The variables Argo reads for each key (``DD_`` + the key upper-cased, ``-`` as ``_``).
ENVIRONMENT = {API_KEY: "DD_API_KEY", APP_KEY: "DD_APP_KEY", ADDRESS: "DD_ADDRESS"}
NOT_FOUND = "failed to find the credentials for datadog metrics provider"
NAME_REQUIRED = "secret name is required for namespaced credentials"


@dataclass(frozen=True, slots=True)
class Keys:
    """What one source holds; the keys are left out of ``repr`` (a traceback, a log line)."""

    address: str = ""
    api_key: str = field(default="", repr=False)
    app_key: str = field(default="", repr=False)

    @property
    def complete(self) -> bool:
        return bool(self.api_key and self.app_key)


def _where(namespace: str | None) -> str:
    return "the namespace augur runs in" if namespace is None else f"namespace {namespace!r}"


def secret_keys(credentials: Credentials, name: str, namespace: str | None) -> Keys:
    """Argo's ``secretFinder``: empty unless both keys are there and non-empty."""
    api_key = credentials.secret(name, API_KEY, namespace=namespace) or ""
    app_key = credentials.secret(name, APP_KEY, namespace=namespace) or ""
    if not api_key or not app_key:
        return Keys()
    address = credentials.secret(name, ADDRESS, namespace=namespace) or ""
    return Keys(address=address, api_key=api_key, app_key=app_key)


def environment_keys(credentials: Credentials) -> Keys:
    """Argo's ``envVariablesFinder``: all three variables set, or nothing."""
    found = {key: credentials.env(variable) for key, variable in ENVIRONMENT.items()}
    if any(value is None for value in found.values()):
        return Keys()
    return Keys(
        address=found[ADDRESS] or "", api_key=found[API_KEY] or "", app_key=found[APP_KEY] or ""
    )


def _secret_missing(name: str, namespace: str | None) -> str:
    return (
        f"Secret {name!r} in {_where(namespace)} has no non-empty {API_KEY} and {APP_KEY} "
        "(or does not exist)"
    )


def _environment_missing(credentials: Credentials) -> str:
    unset = [v for v in ENVIRONMENT.values() if credentials.env(v) is None]
    if unset:
        return f"{', '.join(ENVIRONMENT.values())} are not all set ({', '.join(unset)} unset)"
    return f"{ENVIRONMENT[API_KEY]} or {ENVIRONMENT[APP_KEY]} is empty"


def find_keys(ref: SecretRef, credentials: Credentials, run_namespace: str) -> Keys:
    """The first source that counts, or a ``ConfigError`` with Argo's text and what was tried."""
    if ref.namespaced and not ref.name:
        raise ConfigError(NAME_REQUIRED, provider=PROVIDER)
    if ref.name:
        namespace = run_namespace if ref.namespaced else None
        keys = secret_keys(credentials, ref.name, namespace)
        if keys.complete:
            return keys
        reasons = [_secret_missing(ref.name, namespace)]
    else:
        keys = environment_keys(credentials)
        if not keys.complete:
            keys = secret_keys(credentials, SECRET_NAME, None)
        if keys.complete:
            return keys
        reasons = [_environment_missing(credentials), _secret_missing(SECRET_NAME, None)]
    raise ConfigError(f"{NOT_FOUND}: {'; '.join(reasons)}", provider=PROVIDER)
