"""Argument resolution exactly as Argo does it (``utils/template``, ``ResolveMetricArgs``).

Argo serialises the whole metric to JSON, substitutes ``{{args.name}}`` placeholders in that text
(each value escaped as the inside of a Go string literal) and parses it back. Every string field,
provider bodies included, is therefore substituted, and the error texts
(``failed to resolve {{args.x}}``, ``argument "x" was not supplied``) are Argo's.

Secrets are read by :mod:`app.spec.secrets` (the run's namespace's folder). Their values never
leave the process: :func:`resolve_metrics` returns them beside the metrics so the engine can
redact every measurement (:func:`redact`, every form :mod:`app.core.redaction` finds) before it
is stored, served or logged, and its own errors are redacted before they are raised.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.core.redaction import REDACTED, redact_text
from app.spec.errors import ArgError
from app.spec.models import Argument, Metric
from app.spec.secrets import (
    DirectorySecrets,
    MappingSecrets,
    SecretsByNamespace,
    SecretsDir,
    SecretSource,
)
from providers.golang import go_quote, marshal

__all__ = [
    "REDACTED",
    "TEMP_FOR_SECRET",
    "ArgValues",
    "DirectorySecrets",
    "MappingSecrets",
    "ResolvedArgs",
    "SecretSource",
    "SecretsByNamespace",
    "SecretsDir",
    "arg_values",
    "go_quote",
    "placeholders",
    "redact",
    "resolve_arg_values",
    "resolve_metric",
    "resolve_metrics",
    "substitute",
]

#: What Argo substitutes for secret args when it only validates and schedules.
TEMP_FOR_SECRET = "temp-for-secret"  # noqa: S105 (a placeholder, not a credential)
_OPEN, _CLOSE = "{{", "}}"
_STRING_FIELDS = ("interval", "initialDelay", "successCondition", "failureCondition")


#: Arg values by tag (``args.name``), as :func:`arg_values` builds them once per run.
ArgValues = Mapping[str, str]


def arg_values(args: Sequence[Argument] | None) -> dict[str, str]:
    """The value of each arg by its tag; :class:`ArgError` names the first arg without one."""
    values: dict[str, str] = {}
    for arg in args or ():
        if arg.value is None:
            raise ArgError(f'argument "{arg.name}" was not supplied')
        values["args." + arg.name] = arg.value
    return values


def substitute(
    template: str, args: Sequence[Argument] | ArgValues | None, *, quoted: bool = False
) -> str:
    """``ResolveArgs`` (``quoted=False``) / ``ResolveQuotedArgs`` (``quoted=True``).

    ``args`` may be the values :func:`arg_values` built already, so a run's metrics share one
    table. The text is scanned once by position (no copies of what is left), so the work is
    linear in the text, however many placeholders it holds.
    """
    values = args if isinstance(args, Mapping) else arg_values(args)
    out: list[str] = []
    unresolved: str | None = None
    at = 0
    while True:
        start = template.find(_OPEN, at)
        if start < 0:
            out.append(template[at:])
            break
        out.append(template[at:start])
        inside = start + len(_OPEN)
        end = template.find(_CLOSE, inside)
        if end < 0:
            raise ArgError(
                f"Cannot find end tag={go_quote(_CLOSE)} in the template={go_quote(template)} "
                f"starting from {go_quote(template[inside:])}"
            )
        tag, at = template[inside:end], end + len(_CLOSE)
        replacement = values.get(tag.strip())
        if replacement is None:
            unresolved = f"failed to resolve {{{{{tag}}}}}"
            out.append(_OPEN + tag + _CLOSE)
        else:
            out.append(go_quote(replacement)[1:-1] if quoted else replacement)
    if unresolved is not None:
        raise ArgError(unresolved)
    return "".join(out)


def placeholders(text: str) -> list[str]:
    """The tags of the ``{{tag}}`` placeholders in ``text`` as written (``" args.x "``), found
    as :func:`substitute` finds them; an unterminated ``{{`` ends the search."""
    tags: list[str] = []
    at = 0
    while (start := text.find(_OPEN, at)) >= 0:
        inside = start + len(_OPEN)
        end = text.find(_CLOSE, inside)
        if end < 0:
            break
        tags.append(text[inside:end])
        at = end + len(_CLOSE)
    return tags


@dataclass(frozen=True, slots=True)
class ResolvedArgs:
    args: list[Argument] | None
    secrets: list[str] = field(default_factory=list)


def resolve_arg_values(
    args: Sequence[Argument] | None, *, secrets: SecretSource | None
) -> ResolvedArgs:
    """Fill secret args; ``secrets=None`` puts ``temp-for-secret`` in (validation pass)."""
    if args is None:
        return ResolvedArgs(None)
    resolved: list[Argument] = []
    found: list[str] = []
    for arg in args:
        ref = arg.value_from.secret_key_ref if arg.value_from else None
        if ref is None:
            resolved.append(arg)
            continue
        value = TEMP_FOR_SECRET if secrets is None else secrets.read(ref.name, ref.key)
        if secrets is not None:
            found.append(value)
        resolved.append(arg.model_copy(update={"value": value}))
    return ResolvedArgs(resolved, found)


def _metric_json(metric: Metric) -> str:
    data: dict[str, Any] = metric.model_dump(mode="json", by_alias=True, exclude_none=True)
    for name in _STRING_FIELDS:
        if data.get(name) == "":
            del data[name]
    return marshal(data, sort_keys=False)


def _json_error(exc: json.JSONDecodeError) -> str:
    if exc.msg.startswith("Invalid \\escape") and exc.pos + 1 < len(exc.doc):
        return f"invalid character '{exc.doc[exc.pos + 1]}' in string escape code"
    if exc.msg.startswith("Invalid control character"):
        return f"invalid character {go_quote(exc.doc[exc.pos])[1:-1]!r} in string literal"
    return exc.msg


def resolve_metric(metric: Metric, args: Sequence[Argument] | ArgValues | None) -> Metric:
    """``ResolveMetricArgs``: substitute in the metric's Go JSON text and parse it back."""
    text = substitute(_metric_json(metric), args, quoted=True)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArgError(_json_error(exc)) from None
    try:
        return Metric.model_validate(data)
    except ValidationError as exc:
        raise ArgError(str(exc.errors(include_url=False)[0]["msg"])) from None


@dataclass(frozen=True, slots=True)
class ResolvedMetrics:
    metrics: list[Metric]
    secrets: list[str]


def resolve_metrics(
    metrics: Sequence[Metric],
    args: Sequence[Argument] | None,
    *,
    secrets: SecretSource | None = None,
) -> ResolvedMetrics:
    """Resolve every metric; :class:`ArgError` carries Argo's text (the run message's tail)."""
    values = resolve_arg_values(args, secrets=secrets)
    table = arg_values(values.args) if metrics else {}  # once for the run, not per metric
    try:
        return ResolvedMetrics([resolve_metric(m, table) for m in metrics], values.secrets)
    except ArgError as exc:  # a parse error may quote the text a secret was put into
        raise ArgError(redact(exc.message, values.secrets), path=exc.path) from None


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every non-empty secret value, raw or encoded, replaced by ``*****``."""
    return redact_text(text, secrets)
