"""Text that cannot be stored or sent, found and (where it must be kept anyway) replaced.

Two kinds of character break augur's stores and answers: an unpaired UTF-16 surrogate
(U+D800..U+DFFF, which a JSON `\\ud800` escape decodes to in Python) cannot be encoded as UTF-8,
so any answer holding one fails; and NUL (U+0000), which PostgreSQL refuses in `text` and `jsonb`.
NUL is refused in SQLite too, so both stores take exactly the same text.

Requests holding either are refused at the door (`app.api.body`, `app.api.urltext`); text augur
must keep although it came from elsewhere (a provider's answer) is scrubbed at the store's seam,
each bad character replaced with U+FFFD, the Unicode replacement character.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["REPLACEMENT", "bad_char", "describe", "escape", "scrub", "scrub_text"]

REPLACEMENT = "\ufffd"
_BAD = re.compile("[\x00\ud800-\udfff]")


def bad_char(text: str) -> tuple[int, str] | None:
    """The position and character of the first NUL or unpaired surrogate in ``text``."""
    if text.isascii() and "\x00" not in text:
        return None
    match = _BAD.search(text)
    return None if match is None else (match.start(), match.group())


def escape(text: str) -> str:
    """``text`` with each bad character written as its escape, so it can be shown safely."""
    if bad_char(text) is None:
        return text
    return _BAD.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def describe(found: tuple[int, str]) -> str:
    """What is wrong, and the fix: ``contains an unpaired surrogate \\ud800 at position 12``."""
    position, char = found
    if char == "\x00":
        return (
            f"contains a NUL character (\\u0000) at position {position}; "
            "remove it: no store augur runs on can hold it"
        )
    return (
        f"contains an unpaired surrogate \\u{ord(char):04x} at position {position}; "
        "send valid UTF-8"
    )


def scrub_text(text: str) -> str:
    return text if bad_char(text) is None else _BAD.sub(REPLACEMENT, text)


def scrub(value: Any) -> tuple[Any, int]:
    """``value`` (decoded JSON) with every bad character of its strings and keys replaced, and
    how many strings changed. Iterative: stored documents are bounded, but no depth can break it.
    """
    changed = 0

    def fix(item: Any) -> Any:
        nonlocal changed
        if isinstance(item, str) and bad_char(item) is not None:
            changed += 1
            return _BAD.sub(REPLACEMENT, item)
        return item

    root: list[Any] = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        parent, key = stack.pop()
        item = fix(parent[key])
        if isinstance(item, dict):
            item = {fix(k): v for k, v in item.items()}
            stack.extend((item, k) for k in item)
        elif isinstance(item, list):
            item = list(item)
            stack.extend((item, i) for i in range(len(item)))
        parent[key] = item
    return root[0], changed
