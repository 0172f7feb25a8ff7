"""Settings read from the environment (prefix ``AUGUR_``) or passed in by the caller.

There is no module-level instance: `create_app()` and the CLI build one, so tests construct
exactly the settings they need and nothing leaks between them.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path(".augur")
DEFAULT_MAX_UPSTREAM_BYTES = 4 * 1024 * 1024

__all__ = [
    "DEFAULT_DATA_DIR",
    "DEFAULT_MAX_UPSTREAM_BYTES",
    "Settings",
    "default_store_url",
    "describe_errors",
]


def default_store_url(data_dir: Path = DEFAULT_DATA_DIR) -> str:
    """The embedded SQLite store: one file under the data directory, zero set-up."""
    return f"sqlite+aiosqlite:///{data_dir / 'augur.db'}"


class Settings(BaseSettings):
    """Every knob augur has. The README's configuration table lists the same fields."""

    # Inputs can hold credentials (a store URL with a password): never echo them in errors.
    model_config = SettingsConfigDict(
        env_prefix="AUGUR_", extra="ignore", hide_input_in_errors=True
    )

    host: str = Field(default="127.0.0.1", description="Address `augur serve` binds to.")
    port: int = Field(default=8080, ge=1, le=65535, description="Port `augur serve` listens on.")
    store_url: str = Field(
        default_factory=default_store_url,
        description=(
            "SQLAlchemy URL of the store: sqlite+aiosqlite:///path/augur.db (default, under "
            "./.augur/) or postgresql+asyncpg://user@host/db."
        ),
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Log level of the server."
    )
    tokens: str = Field(
        default="",
        description=(
            "API tokens as scope:token pairs, comma-separated (scope read or write; "
            "scope@ns+ns limits a token to those namespaces)."
        ),
    )
    tokens_file: Path | None = Field(
        default=None, description="File of `scope token` lines (a mounted Secret)."
    )
    anonymous_reads: bool = Field(
        default=False, description="Let GET requests through without a token."
    )
    allowed_addresses: str = Field(
        default="*",
        description="Hosts providers may call: globs, host:port or CIDR blocks, comma-separated.",
    )
    secrets_dir: Path | None = Field(
        default=None,
        description="Folder of the Secrets that secretKeyRef args read (see secrets_layout).",
    )
    secrets_layout: Literal["namespaced", "flat"] = Field(
        default="namespaced",
        description=(
            "namespaced: <secrets_dir>/<namespace>/<secret>/<key>, a run reads its own "
            "namespace's only; flat: <secrets_dir>/<secret>/<key>, every run reads every secret."
        ),
    )
    namespace: str = Field(
        default="augur",
        description=(
            "The namespace augur runs in (the chart sets it to the release's): with the "
            "namespaced layout, provider credentials that Argo reads from its controller's "
            "namespace (the datadog, newrelic, influxdb, wavefront Secrets) come from "
            "<secrets_dir>/<namespace>/."
        ),
    )
    lease_seconds: float = Field(
        default=30.0, gt=0, description="How long a replica holds a run it is measuring."
    )
    max_concurrent_measurements: int = Field(
        default=64, ge=1, description="Measurements in flight at once in this process."
    )
    per_address_concurrency: int = Field(
        default=8, ge=1, description="Measurements in flight at once against one upstream address."
    )
    kayenta_poll_seconds: float = Field(
        default=15.0,
        gt=0,
        description=(
            "How long a kayenta measurement waits before it asks Kayenta again whether the "
            "canary execution is complete (Argo's 15 s; shorter for tests)."
        ),
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body accepted."
    )
    max_upstream_bytes: int = Field(
        default=DEFAULT_MAX_UPSTREAM_BYTES,
        ge=1024,
        description="Largest provider answer read (an Error measurement beyond).",
    )
    condition_steps: int = Field(
        default=1_000_000, ge=1000, description="Step budget of one condition evaluation."
    )
    condition_milliseconds: float = Field(
        default=100.0, ge=1, description="CPU time budget of one condition evaluation, in ms."
    )
    events_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often an event stream looks for events another replica stored.",
    )
    events_keepalive_seconds: float = Field(
        default=15.0, gt=0, le=300, description="Quiet time after which a stream sends a comment."
    )
    events_max_streams: int = Field(
        default=100, ge=1, description="Event streams open at once in this process (503 beyond)."
    )
    events_max_stream_seconds: float = Field(
        default=3600.0,
        ge=1,
        description="How long one event stream stays open; the client then resumes by its id.",
    )
    events_retention_days: float = Field(
        default=7.0,
        gt=0,
        description="Events and finished notifications older than this are deleted.",
    )
    notify: str = Field(
        default="",
        description="Notification receivers, YAML or JSON (the AUGUR_NOTIFY_FILE document).",
    )
    notify_file: Path | None = Field(
        default=None, description="YAML file listing notification receivers."
    )
    notify_timeout_seconds: float = Field(
        default=10.0, gt=0, le=300, description="How long one notification attempt may take."
    )
    notify_attempts: int = Field(
        default=5, ge=1, le=50, description="Attempts at a notification before it is given up."
    )
    notify_backoff_seconds: float = Field(
        default=8.0,
        gt=0,
        description="Wait after the first failed attempt; it doubles after each further one.",
    )
    skywalking_address: str = Field(
        default="",
        description=(
            "The OAP a canary config's skywalking queries ask when they name no address "
            "(http://oap.skywalking:12800)."
        ),
    )
    prometheus_address: str = Field(
        default="",
        description="The Prometheus a canary config's prometheus queries ask when they name none.",
    )
    replica_id: str = Field(
        default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}",
        description="Name of this process when it leases runs (host-pid by default).",
    )
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Processes `augur serve` starts on one port (more than 1 needs PostgreSQL).",
    )

    @field_validator("store_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "store_url must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                f"(got {value.split('://', 1)[0]!r}://...)"
            )
        return value


def describe_errors(exc: ValidationError) -> str:
    """One line per bad setting, naming its environment variable; input values left out."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        name = ".".join(str(part) for part in error["loc"]) or "settings"
        lines.append(f"AUGUR_{name.upper()} ({name}): {error['msg']}")
    return "\n".join(lines)
