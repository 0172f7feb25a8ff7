"""Which receivers augur notifies, and of what: read once at start-up from `AUGUR_NOTIFY`
(YAML or JSON text) and `AUGUR_NOTIFY_FILE` (a YAML file), checked as a whole.

    receivers:
      - name: team-a-slack
        kind: slack                      # json | slack | cloudevents
        urlFrom: {secretKeyRef: {name: slack-team-a, key: url}}    # or url: https://...
        headers: {X-Source: augur}
        headersFrom: {Authorization: {secretKeyRef: {name: hook, key: header}}}
        on: [Failed, Error, Inconclusive]  # default: every phase and Judgement
        runs: annotated                  # all (default) | annotated: only runs that name it
        namespaces: [team-a]             # default: runs of every namespace

A run names receivers in its annotations, as Argo's notifications do:
`notifications.augur.io/on-failed: team-a-slack` (triggers: `on-running`, `on-successful`,
`on-failed`, `on-error`, `on-inconclusive`, `on-completed` for the four final phases, and
`on-judgement`). Annotations name receivers only, never a URL: whoever can start a run could
otherwise make augur post anywhere. A receiver limited to `namespaces` is refused to runs of
any other namespace.

Secrets (`urlFrom`, `headersFrom`) are read from the secrets folder of augur's own namespace
(`AUGUR_SECRETS_DIR`, `AUGUR_NAMESPACE`) at every delivery, so a rotated Secret is used at once;
a literal `url` is checked against the address policy here, and every POST goes through the
shared guarded client, so the policy holds for URLs from secrets too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from app.core.addresses import AddressPolicy, AddressRefused

__all__ = [
    "ANNOTATION_PREFIX",
    "TRIGGERS",
    "NotifyConfigError",
    "Receiver",
    "SecretRef",
    "annotation_problems",
    "load_receivers",
    "receivers_for",
]

ANNOTATION_PREFIX = "notifications.augur.io/on-"
#: What a receiver can be notified of: a run reaching a phase, or a finished judgement.
Trigger = Literal["Running", "Successful", "Failed", "Error", "Inconclusive", "Judgement"]
TRIGGERS: tuple[Trigger, ...] = (
    "Running",
    "Successful",
    "Failed",
    "Error",
    "Inconclusive",
    "Judgement",
)
#: Annotation suffixes and the triggers each stands for.
ANNOTATION_TRIGGERS: dict[str, tuple[str, ...]] = {
    **{t.lower(): (t,) for t in TRIGGERS},
    "completed": ("Successful", "Failed", "Error", "Inconclusive"),
}
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


class NotifyConfigError(ValueError):
    """The receivers' configuration cannot be used; the message names the setting and field."""


class _Config(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class _KeyRef(_Config):
    name: str
    key: str


class SecretRef(_Config):
    secret_key_ref: _KeyRef


class Receiver(_Config):
    name: str
    kind: Literal["json", "slack", "cloudevents"]
    url: str | None = None
    url_from: SecretRef | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    headers_from: dict[str, SecretRef] = Field(default_factory=dict)
    on: list[Trigger] = Field(default_factory=lambda: list(TRIGGERS))
    runs: Literal["all", "annotated"] = "all"
    namespaces: list[str] | None = None

    @field_validator("name")
    @classmethod
    def _label(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(
                "a receiver's name is lower-case letters, digits and '-' (at most 63), "
                "e.g. team-a-slack"
            )
        return name

    @model_validator(mode="after")
    def _one_url(self) -> Receiver:
        if (self.url is None) == (self.url_from is None):
            raise ValueError("give url or urlFrom, exactly one")
        return self

    def serves(self, namespace: str) -> bool:
        return self.namespaces is None or namespace in self.namespaces


class _Document(_Config):
    receivers: list[Receiver] = Field(default_factory=list)


def _parse(text: str, origin: str) -> list[tuple[str, Receiver]]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise NotifyConfigError(f"{origin}: not YAML or JSON{where}") from None
    if document is None:
        return []
    if isinstance(document, list):
        document = {"receivers": document}
    try:
        receivers = _Document.model_validate(document).receivers
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_input=False, include_url=False):
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"{origin}: {path.lstrip('.') or 'document'}: {message}")
        raise NotifyConfigError("\n".join(lines)) from None
    return [(f"{origin}: receivers[{i}] ({r.name})", r) for i, r in enumerate(receivers)]


def load_receivers(
    *,
    inline: str,
    file: Path | None,
    addresses: AddressPolicy,
    secrets_configured: bool,
) -> list[Receiver]:
    """Every receiver of `AUGUR_NOTIFY` and `AUGUR_NOTIFY_FILE`, checked: names unique, literal
    URLs allowed by the address policy, secret references only with a secrets folder."""
    found = _parse(inline, "AUGUR_NOTIFY") if inline.strip() else []
    if file is not None:
        try:
            text = file.read_text()
        except OSError as exc:
            raise NotifyConfigError(
                f"AUGUR_NOTIFY_FILE: cannot read {file}: {exc.strerror}"
            ) from None
        found += _parse(text, f"AUGUR_NOTIFY_FILE ({file})")
    problems: list[str] = []
    seen: set[str] = set()
    for where, receiver in found:
        if receiver.name in seen:
            problems.append(f"{where}: the name is used twice; give each receiver its own")
        seen.add(receiver.name)
        if receiver.url is not None:
            try:
                addresses.check_url(receiver.url, field=f"{where}.url")
            except AddressRefused as exc:
                # The URL itself stays out of the message: a webhook's URL is its secret.
                problems.append(str(exc).replace(repr(receiver.url[:200]), "the URL"))
        if (receiver.url_from or receiver.headers_from) and not secrets_configured:
            problems.append(
                f"{where}: urlFrom and headersFrom read the secrets folder; set AUGUR_SECRETS_DIR"
            )
    if problems:
        raise NotifyConfigError("\n".join(problems))
    return [receiver for _, receiver in found]


def _named(annotations: Mapping[str, str], trigger: str) -> list[str]:
    names: list[str] = []
    for key, value in annotations.items():
        if not key.startswith(ANNOTATION_PREFIX):
            continue
        if trigger in ANNOTATION_TRIGGERS.get(key.removeprefix(ANNOTATION_PREFIX), ()):
            names += [n.strip() for n in value.split(",") if n.strip()]
    return names


def receivers_for(
    receivers: Sequence[Receiver],
    *,
    namespace: str,
    annotations: Mapping[str, str],
    trigger: str,
) -> list[Receiver]:
    """The receivers to notify of `trigger` for a run: those for every run that want it, and
    those the run's annotations name for it; each once, only where it serves the namespace."""
    named = set(_named(annotations, trigger))
    return [
        r
        for r in receivers
        if r.serves(namespace) and (r.name in named or (r.runs == "all" and trigger in r.on))
    ]


def annotation_problems(
    receivers: Sequence[Receiver], *, namespace: str, annotations: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(annotation key, what is wrong) for each notification annotation augur cannot honour."""
    known = {r.name: r for r in receivers}
    names = ", ".join(sorted(known)) or "none: configure AUGUR_NOTIFY or AUGUR_NOTIFY_FILE"
    problems: list[tuple[str, str]] = []
    for key, value in annotations.items():
        if not key.startswith(ANNOTATION_PREFIX):
            continue
        if key.removeprefix(ANNOTATION_PREFIX) not in ANNOTATION_TRIGGERS:
            choices = ", ".join(ANNOTATION_PREFIX + t for t in ANNOTATION_TRIGGERS)
            problems.append((key, f"not a notification trigger; use one of {choices}"))
            continue
        for name in (n.strip() for n in value.split(",")):
            receiver = known.get(name)
            if receiver is None:
                problems.append((key, f"{name!r} is not a configured receiver; receivers: {names}"))
            elif not receiver.serves(namespace):
                problems.append((key, f"receiver {name!r} does not serve namespace {namespace!r}"))
    return problems
