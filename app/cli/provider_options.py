"""The provider options `augur check` shares: headers, auth, TLS, timeout, or a whole block.

A check reaches the same providers a template does, often behind the same auth (a TSB OAP
behind a gateway). So its options are the template's fields: `-H 'Key: value'` for `headers`,
basic or bearer credentials for `authentication`, `--insecure`, `--timeout`. Secrets never go on
the command line: a password or token is read from a folder laid out like mounted Secrets (as a
template's `secretKeyRef`) or from a file. `--provider-file` takes a block exactly as a template
holds it, and then no flag may also shape the block.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from app.cli.common import SecretsDirOption, fail_usage
from app.service.checks import Connection
from app.spec.args import DirectorySecrets
from app.spec.errors import ArgError

__all__ = [
    "CHECK_KINDS",
    "HeaderOption",
    "InsecureOption",
    "PasswordSecretOption",
    "ProviderFileOption",
    "SecretsDirOption",
    "TimeoutOption",
    "TokenFileOption",
    "TokenSecretOption",
    "UsernameOption",
    "connection",
    "connection_from",
    "flags_given",
    "read_provider_file",
    "with_provider_options",
]

CHECK_KINDS = ("skywalking", "prometheus", "web")

HeaderOption = Annotated[
    list[str] | None,
    typer.Option(
        "-H",
        "--header",
        metavar="'KEY: VALUE'",
        help="A request header, as the template's headers (repeatable), e.g. -H 'X-Scope: tsb'.",
    ),
]
UsernameOption = Annotated[
    str | None,
    typer.Option(
        "--username",
        metavar="USER",
        help="Basic auth: the user; the password from --password-secret.",
    ),
]
PasswordSecretOption = Annotated[
    str | None,
    typer.Option(
        "--password-secret",
        metavar="SECRET/KEY",
        help="Basic auth: the password in file KEY of folder SECRET under --secrets-dir, as a "
        "template's secretKeyRef.",
    ),
]
TokenSecretOption = Annotated[
    str | None,
    typer.Option(
        "--token-secret",
        metavar="SECRET/KEY",
        help="Bearer auth: the token in file KEY of folder SECRET under --secrets-dir.",
    ),
]
TokenFileOption = Annotated[
    Path | None,
    typer.Option("--token-file", metavar="FILE", help="Bearer auth: the token in this file."),
]
InsecureOption = Annotated[
    bool,
    typer.Option("--insecure/--no-insecure", help="Skip TLS certificate verification."),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option("--timeout", metavar="SECONDS", help="Give up on the request after this long."),
]
ProviderFileOption = Annotated[
    Path | None,
    typer.Option(
        "--provider-file",
        metavar="FILE",
        help="A provider block exactly as a template holds it (skywalking: {...}), YAML or "
        "JSON; it replaces every provider option.",
    ),
]

#: Options that do not shape the provider block: allowed beside --provider-file.
_NOT_THE_BLOCK = frozenset({"condition", "as_json", "provider_file", "secrets_dir"})


def flags_given(ctx: typer.Context) -> list[str]:
    """The provider options typed on the command line (their long names), in order."""
    given = []
    for param in ctx.command.params:
        if param.name in _NOT_THE_BLOCK or param.name is None:
            continue
        source = ctx.get_parameter_source(param.name)
        if source is not None and source.name == "COMMANDLINE":
            given.append(max(param.opts, key=len))
    return given


def _header(text: str) -> tuple[str, str]:
    key, colon, value = text.partition(":")
    if not colon or not key.strip():
        fail_usage([f"-H {text!r}: a header is 'Key: value'"])
    return key.strip(), value.strip()


def _secret(option: str, ref: str, secrets_dir: Path | None) -> str:
    name, slash, key = ref.partition("/")
    if not slash or not name or not key:
        fail_usage([f"{option} {ref}: name a secret and its key as SECRET/KEY"])
    if secrets_dir is None:
        fail_usage([f"{option} needs --secrets-dir (or AUGUR_SECRETS_DIR), the folder it is in"])
    try:
        value = DirectorySecrets(secrets_dir).read(name, key)
    except ArgError as exc:
        fail_usage([f"{option} {ref}: {exc.message} (in --secrets-dir {secrets_dir})"])
    return _one_line(value)


def _one_line(value: str) -> str:
    """A secret file as `echo` writes it ends in a newline that is not part of the secret."""
    return value.removesuffix("\n").removesuffix("\r")


def connection(
    *,
    headers: list[str] | None,
    username: str | None,
    password_secret: str | None,
    token_secret: str | None,
    token_file: Path | None,
    secrets_dir: Path | None,
    insecure: bool,
    timeout: float | None,
) -> Connection:
    """The options as a `Connection`, secrets read; a wrong combination exits 64."""
    if (username is None) != (password_secret is None):
        fail_usage(["basic auth takes both --username and --password-secret"])
    if token_secret is not None and token_file is not None:
        fail_usage(["bearer auth takes --token-secret or --token-file, not both"])
    bearer_given = token_secret is not None or token_file is not None
    if username is not None and bearer_given:
        fail_usage(["authentication is basic (--username) or bearer (--token-...), not both"])
    if timeout is not None and timeout <= 0:
        fail_usage([f"--timeout {timeout:g}: give a positive number of seconds"])
    basic = None
    if username is not None and password_secret is not None:
        basic = (username, _secret("--password-secret", password_secret, secrets_dir))
    bearer = ""
    if token_secret is not None:
        bearer = _secret("--token-secret", token_secret, secrets_dir)
    elif token_file is not None:
        try:
            bearer = _one_line(token_file.read_text())
        except OSError as exc:
            fail_usage([f"--token-file {token_file}: cannot read: {exc.strerror}"])
    return Connection(
        headers=tuple(_header(text) for text in headers or ()),
        basic=basic,
        bearer=bearer,
        insecure=insecure,
        timeout_seconds=timeout,
    )


def read_provider_file(path: Path, kind: str) -> dict[str, Any]:
    """The `kind: {...}` block of a YAML or JSON file (a `provider:` wrapper is allowed)."""
    where = f"--provider-file {path}"
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        fail_usage([f"{where}: cannot read: {exc.strerror}"])
    except yaml.YAMLError as exc:
        fail_usage([f"{where}: not YAML or JSON: {getattr(exc, 'problem', exc)}"])
    if isinstance(data, Mapping) and list(data) == ["provider"]:
        data = data["provider"]
    if not isinstance(data, Mapping) or len(data) != 1:
        fail_usage([f"{where}: holds one provider block, such as {kind}: {{address: ...}}"])
    key = str(next(iter(data)))
    if key != kind:
        hint = f"; use augur check {key}" if key in CHECK_KINDS else ""
        fail_usage([f"{where} holds a {key} block, not {kind}{hint}"])
    if "{{" in json.dumps(data):
        fail_usage([f"{where}: {{{{args.…}}}} is a template placeholder; write the value itself"])
    return {key: data[key]}


def connection_from(params: Mapping[str, Any]) -> Connection:
    """`connection` from a command's parsed options (`ctx.params`)."""
    return connection(
        headers=params.get("header"),
        username=params.get("username"),
        password_secret=params.get("password_secret"),
        token_secret=params.get("token_secret"),
        token_file=params.get("token_file"),
        secrets_dir=params.get("secrets_dir"),
        insecure=bool(params.get("insecure")),
        timeout=params.get("timeout"),
    )


#: The options every check takes, in the order `--help` lists them.
_SHARED: tuple[tuple[str, Any, Any], ...] = (
    ("header", HeaderOption, None),
    ("username", UsernameOption, None),
    ("password_secret", PasswordSecretOption, None),
    ("token_secret", TokenSecretOption, None),
    ("token_file", TokenFileOption, None),
    ("secrets_dir", SecretsDirOption, None),
    ("insecure", InsecureOption, False),
    ("timeout", TimeoutOption, None),
    ("provider_file", ProviderFileOption, None),
)


def with_provider_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a check command the shared provider options, before its `condition`.

    Typer reads a command's options from its signature, so they are added there; the command
    reads them back from `ctx.params` (`connection_from`, `flags_given`), not as arguments.
    """
    signature = inspect.signature(command, eval_str=True)
    params = list(signature.parameters.values())
    at = next(i for i, param in enumerate(params) if param.name == "condition")
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    added = [
        inspect.Parameter(name, kind, default=default, annotation=annotation)
        for name, annotation, default in _SHARED
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        for name, _, _ in _SHARED:
            kwargs.pop(name, None)
        command(*args, **kwargs)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*params[:at], *added, *params[at:]]
    )
    return wrapper
