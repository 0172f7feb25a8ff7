"""Finding secret values in text, in the forms they travel in, to replace them with ``*****``.

A secret read for a run (a ``secretKeyRef`` arg) reaches providers as a header, a credential, a
URL, query text or a body, and an upstream may echo any of them back, in its answer or in its
error; augur itself re-encodes what it stores (Go's JSON escapes ``<``, ``>`` and ``&``, error
texts quote). Replacing the raw value alone misses those, so every secret becomes one pattern
that matches, character by character, any of:

- the character itself;
- its UTF-8 bytes percent-encoded (either hex case, ``%2F`` or ``%2f``), or ``+`` for a space;
- a JSON or Go escape of it: ``\\uXXXX`` (either case, surrogate pairs past the BMP),
  ``\\UXXXXXXXX``, ``\\xXX``, ``\\"``, ``\\/``, ``\\n`` and the like, with any number of
  backslashes, so text escaped twice (an upstream's JSON string holding an echoed JSON body)
  matches as well.

Raw, JSON-escaped, URL-encoded and mixed forms are therefore all found. Two more:

- **base64** (standard and URL-safe alphabets) of any text that contains the secret, such as an
  echoed ``Authorization: Basic`` header: for each of the three byte alignments, the characters
  that depend on the secret's bytes alone. Only when those are at least 8 characters (a secret of
  about 7 bytes or more), so a short value never redacts ordinary words.
- **a cut secret**: the secret's first characters (at least 4, raw) right before ``…``, where
  augur shortened a long text.

Not covered, and said so in the README: other encodings (hex, hashes, HTML entities, base64 with
line breaks or of a transformed value), a secret split across two texts, changes of case.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["REDACTED", "redact_text"]

REDACTED = "*****"
#: What augur puts where it shortens a long text (``providers.errors.clip``, ``app.expr.show``).
ELLIPSIS = "…"
MIN_CUT_PREFIX = 4
MIN_BASE64_CORE = 8
_BACKSLASHES = r"\\+"
_SHORT_ESCAPES = {
    '"': '"',
    "/": "/",
    "\a": "a",
    "\b": "b",
    "\f": "f",
    "\n": "n",
    "\r": "r",
    "\t": "t",
    "\v": "v",
}
_URLSAFE = str.maketrans("+/", "-_")


def _hex(digits: str) -> str:
    """Hex digits matching either case: ``2f`` -> ``2[fF]``."""
    return "".join(f"[{d.lower()}{d.upper()}]" if d.isalpha() else d for d in digits)


def _escape(code: int) -> str:
    if code < 0x10000:
        return _BACKSLASHES + "u" + _hex(f"{code:04x}")
    high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
    return f"{_BACKSLASHES}u{_hex(f'{high:04x}')}{_BACKSLASHES}u{_hex(f'{low:04x}')}"


def _char(char: str) -> str:
    """Every form of one character this module finds (see the module's docstring)."""
    code = ord(char)
    options = [_BACKSLASHES if char == "\\" else re.escape(char)]
    options.append("".join("%" + _hex(f"{b:02x}") for b in char.encode("utf-8", "surrogatepass")))
    options.append(_escape(code))
    if code >= 0x10000:
        options.append(_BACKSLASHES + "U" + _hex(f"{code:08x}"))
    if code < 0x80:
        options.append(_BACKSLASHES + "x" + _hex(f"{code:02x}"))
    if char in _SHORT_ESCAPES:
        options.append(_BACKSLASHES + re.escape(_SHORT_ESCAPES[char]))
    if char == " ":
        options.append(r"\+")
    return "(?:" + "|".join(options) + ")"


def _base64_cores(secret: str) -> list[str]:
    """The base64 characters fixed by the secret's bytes alone, for each byte alignment."""
    data = secret.encode("utf-8", "surrogatepass")
    cores: list[str] = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data).decode("ascii")
        core = encoded[-(-8 * shift // 6) : 8 * (shift + len(data)) // 6]
        if len(core) >= MIN_BASE64_CORE:
            cores += [core, core.translate(_URLSAFE)]
    return cores


@lru_cache(maxsize=128)
def _pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    forms: list[str] = []
    for secret in sorted(secrets, key=len, reverse=True):
        forms.append("".join(_char(c) for c in secret))
        forms += [re.escape(core) for core in _base64_cores(secret)]
    return re.compile("|".join(forms)) if forms else None


def _cut(text: str, secrets: tuple[str, ...]) -> str:
    """Redact a secret's first characters where augur cut the text right after them."""
    if ELLIPSIS not in text:
        return text
    pieces = text.split(ELLIPSIS)
    for index, piece in enumerate(pieces[:-1]):
        for secret in secrets:
            if len(secret) <= MIN_CUT_PREFIX:
                continue
            head = secret[:MIN_CUT_PREFIX]
            # Only a tail shorter than the secret can be a cut one.
            start = piece.find(head, max(0, len(piece) - len(secret) + 1))
            while start >= 0 and not secret.startswith(piece[start:]):
                start = piece.find(head, start + 1)
            if start >= 0:
                pieces[index] = piece[:start] + REDACTED
                break
    return ELLIPSIS.join(pieces)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every non-empty secret in ``secrets``, in every form above, as ``*****``."""
    known = tuple(sorted({s for s in secrets if s}))
    pattern = _pattern(known)
    if pattern is None or not text:
        return text
    return _cut(pattern.sub(REDACTED, text), known)
