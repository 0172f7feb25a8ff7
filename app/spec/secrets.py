"""Where ``secretKeyRef`` args are read from: a folder laid out like mounted Kubernetes Secrets.

Argo reads a run's secrets from the run's own namespace; augur does the same with a folder per
namespace, ``<secrets dir>/<namespace>/<secret>/<key>`` (layout ``namespaced``, the server's
default), so a team that can start runs in namespace ``a`` can never read a secret of ``b``.
Layout ``flat``, ``<secrets dir>/<secret>/<key>``, shares every secret with every namespace: the
operator chooses it (``AUGUR_SECRETS_LAYOUT=flat``), and the CLI reads a local folder that way
unless ``-n`` names a namespace.

Symbolic links are followed only while they stay inside the folder: a secret's files must
resolve inside the real path of its namespace's folder (the whole folder for ``flat``), which
must itself resolve inside the secrets folder. Kubernetes mounts a Secret as links into a
``..data`` folder next to them (``key -> ..data/key``, ``..data -> ..2026_12_05``): those stay
inside and work. A link out, like ``key -> /etc/shadow``, is refused with an error that names
the secret, never with the file's content.

The error texts of a missing secret or key are Argo's (``secrets "x" not found``, ``key 'k'
does not exist in secret 'x'``), plus the namespace when the layout is ``namespaced``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol

from app.spec.errors import ArgError
from providers.errors import ConfigError

__all__ = [
    "MAX_SECRET_BYTES",
    "DirectorySecrets",
    "MappingSecrets",
    "ProviderCredentials",
    "SecretRefused",
    "SecretSource",
    "SecretsByNamespace",
    "SecretsDir",
    "SecretsLayout",
]

SecretsLayout = Literal["namespaced", "flat"]


class SecretRefused(ArgError):
    """The secret exists but may not be read (a link out of the folder, over 1 MiB)."""


#: Kubernetes refuses Secrets over 1 MiB; a bigger file is not a Secret's key.
MAX_SECRET_BYTES = 1 << 20


class SecretSource(Protocol):
    """The secrets one run may read (its namespace's)."""

    def read(self, name: str, key: str) -> str:
        """The value of ``key`` in secret ``name``; :class:`ArgError` with Argo's text if absent."""
        ...


class SecretsByNamespace(Protocol):
    """Every namespace's secrets; a run gets the source of its own namespace."""

    def for_namespace(self, namespace: str) -> SecretSource: ...


def _safe(part: str) -> bool:
    return bool(part) and "/" not in part and "\\" not in part and part not in {".", ".."}


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


@dataclass(frozen=True, slots=True)
class DirectorySecrets:
    """Secrets mounted as files: ``<root>/<secret>/<key>``, or ``<root>/<namespace>/<secret>/<key>``
    when ``namespace`` is set. ``on_read`` learns every value read (the log redactor)."""

    root: Path
    namespace: str = ""
    on_read: Callable[[str], None] | None = None

    def _where(self, prefix: str) -> str:
        return f'{prefix} namespace "{self.namespace}"' if self.namespace else ""

    def _missing(self, name: str) -> ArgError:
        return ArgError(f'secrets "{name}" not found{self._where(" in")}')

    def _link_out(self, what: str) -> ArgError:
        return SecretRefused(f"{what} is a link out of the secrets folder; refused")

    def read(self, name: str, key: str) -> str:
        if not _safe(name) or (self.namespace and not _safe(self.namespace)):
            raise self._missing(name)
        top = os.path.realpath(self.root)
        base_path = self.root / self.namespace if self.namespace else self.root
        base = os.path.realpath(base_path)
        if not _inside(base, top):
            raise self._link_out(f'the folder of namespace "{self.namespace}"')
        folder = os.path.realpath(base_path / name)
        if not _inside(folder, base):
            raise self._link_out(f"secret '{name}'{self._where(' of')}")
        if not os.path.isdir(folder):
            raise self._missing(name)
        no_key = ArgError(f"key '{key}' does not exist in secret '{name}'{self._where(' of')}")
        if not _safe(key):
            raise no_key
        path = os.path.realpath(base_path / name / key)
        if not _inside(path, base):
            raise self._link_out(f"key '{key}' of secret '{name}'{self._where(' of')}")
        if not os.path.isfile(path):
            raise no_key
        with open(path, "rb") as file:
            data = file.read(MAX_SECRET_BYTES + 1)
        if len(data) > MAX_SECRET_BYTES:
            raise SecretRefused(f"key '{key}' of secret '{name}'{self._where(' of')} is over 1 MiB")
        value = data.decode("utf-8", errors="replace")
        if self.on_read is not None:
            self.on_read(value)
        return value


@dataclass(frozen=True, slots=True)
class SecretsDir:
    """The secrets folder with its layout: each namespace's :class:`DirectorySecrets`."""

    root: Path
    layout: SecretsLayout = "namespaced"
    on_read: Callable[[str], None] | None = None

    def for_namespace(self, namespace: str) -> DirectorySecrets:
        scoped = (namespace or "default") if self.layout == "namespaced" else ""
        return DirectorySecrets(self.root, scoped, self.on_read)


@dataclass(frozen=True, slots=True)
class MappingSecrets:
    """Secrets held in memory (tests): ``{"secret": {"key": "value"}}``, for every namespace."""

    secrets: Mapping[str, Mapping[str, str]]

    def read(self, name: str, key: str) -> str:
        if name not in self.secrets:
            raise ArgError(f'secrets "{name}" not found')
        if key not in self.secrets[name]:
            raise ArgError(f"key '{key}' does not exist in secret '{name}'")
        return self.secrets[name][key]

    def for_namespace(self, namespace: str) -> MappingSecrets:
        return self


@dataclass(slots=True)
class ProviderCredentials:
    """:class:`providers.base.Credentials` over the secrets folder and the process environment.

    The Secrets Argo's providers read from the controller's namespace (`datadog`, `newrelic`,
    ...) come from the folder of `home`, the namespace augur runs in (with the flat layout, from
    the folder itself); a namespaced `secretRef` reads the run's namespace. Every value handed
    out is kept in `seen`, so the engine redacts it from the measurements it stores, and
    `on_read` (the log redactor) learns it too; but not one read with `redact=False` (not a
    credential).
    """

    secrets: SecretsDir | None
    home: str = ""
    environ: Mapping[str, str] = field(default_factory=dict)
    on_read: Callable[[str], None] | None = None
    seen: set[str] = field(default_factory=set)

    def _keep(self, value: str) -> str:
        self.seen.add(value)
        if self.on_read is not None:
            self.on_read(value)
        return value

    def secret(
        self, name: str, key: str, *, namespace: str | None = None, redact: bool = True
    ) -> str | None:
        if self.secrets is None:
            return None
        source = self.secrets.for_namespace(namespace or self.home)
        if not redact:
            source = replace(source, on_read=None)
        try:
            value = source.read(name, key)
        except SecretRefused as exc:
            raise ConfigError(exc.message) from None
        except ArgError:
            return None
        return self._keep(value) if redact else value

    def env(self, name: str, *, redact: bool = True) -> str | None:
        value = self.environ.get(name)
        if value is None or not redact:
            return value
        return self._keep(value)
