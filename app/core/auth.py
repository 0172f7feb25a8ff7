"""Bearer tokens with a `read` or `write` scope, for the API (the operational endpoints stay open).

Tokens come from `AUGUR_TOKENS` (`scope:token,scope:token`) and/or `AUGUR_TOKENS_FILE` (one
`scope token` pair a line; `#` starts a comment), the shape a mounted Kubernetes Secret gives.
`write` includes `read`. Flagger cannot send headers, so gate URLs may carry `?token=`; the access
log never shows query strings (see `app/core/logs.py`), so the token is never written anywhere.

With no token configured at all, augur is a local tool: the API is open and `augur serve` binds
to loopback only, saying so at start-up.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

__all__ = ["Scope", "TokenError", "Tokens", "load_tokens"]


class Scope(IntEnum):
    READ = 1
    WRITE = 2


class TokenError(ValueError):
    """The token configuration is malformed; the message never contains a token."""


@dataclass(frozen=True)
class Tokens:
    """The configured tokens; `scope_of` compares in constant time."""

    entries: tuple[tuple[Scope, bytes], ...]

    @property
    def configured(self) -> bool:
        return bool(self.entries)

    def scope_of(self, presented: str) -> Scope | None:
        candidate = presented.encode()
        best: Scope | None = None
        for scope, token in self.entries:
            # Check every entry (no early exit) so timing does not tell which one matched.
            if hmac.compare_digest(candidate, token) and (best is None or scope > best):
                best = scope
        return best


def _parse(pairs: Iterable[tuple[str, str]], where: str) -> list[tuple[Scope, bytes]]:
    found = []
    for number, (scope, token) in enumerate(pairs, start=1):
        try:
            parsed = Scope[scope.strip().upper()]
        except KeyError:
            raise TokenError(
                f"{where}: entry {number} has scope {scope.strip()!r}; use 'read' or 'write'"
            ) from None
        if len(token.strip()) < 16:
            raise TokenError(f"{where}: entry {number} has a token shorter than 16 characters")
        found.append((parsed, token.strip().encode()))
    return found


def load_tokens(inline: str = "", file: Path | None = None) -> Tokens:
    entries: list[tuple[Scope, bytes]] = []
    if inline.strip():
        pairs = []
        for number, item in enumerate(inline.split(","), start=1):
            scope, sep, token = item.partition(":")
            if not sep:
                raise TokenError(f"AUGUR_TOKENS: entry {number} is not 'scope:token'")
            pairs.append((scope, token))
        entries += _parse(pairs, "AUGUR_TOKENS")
    if file is not None:
        try:
            lines = file.read_text().splitlines()
        except OSError as exc:
            raise TokenError(f"AUGUR_TOKENS_FILE: cannot read {file}: {exc.strerror}") from None
        pairs = []
        for number, line in enumerate(lines, start=1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            parts = text.split()
            if len(parts) != 2:
                raise TokenError(f"AUGUR_TOKENS_FILE: line {number} is not 'scope token'")
            pairs.append((parts[0], parts[1]))
        entries += _parse(pairs, "AUGUR_TOKENS_FILE")
    return Tokens(entries=tuple(entries))
