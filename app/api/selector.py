"""Kubernetes' label selector syntax for the run lists' `labelSelector`, checked as Kubernetes
checks it: a selector that no label could ever match (bad syntax, an over-long key or value, a
key prefix that is not a DNS subdomain) is a 422 naming `labelSelector` and the mistake, never
a 200 with an empty list.
"""

from __future__ import annotations

import re

from app.core.errors import FieldProblem, InvalidInput
from app.core.limits import MAX_SELECTOR_REQUIREMENTS
from app.store.runs import LabelRequirement

__all__ = ["SELECTOR_HELP", "parse_selector"]

_KEY = r"(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_NOT = re.compile(rf"!\s*({_KEY})")
_COMPARE = re.compile(rf"({_KEY})\s*(==|=|!=)\s*({_VALUE})")
_SET = re.compile(rf"({_KEY})\s+(in|notin)\s*\(\s*({_VALUE}(?:\s*,\s*{_VALUE})*)\s*\)")
_EXISTS = re.compile(_KEY)
_DNS_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")
SELECTOR_HELP = "write key=value, key!=value, key in (a,b), key notin (a,b), key or !key"


def _requirements(text: str) -> list[str]:
    """Split on the commas that separate requirements, not those inside `in (a,b)`."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth not in (0, 1):
            raise ValueError("parentheses do not match")
        if char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    if depth:
        raise ValueError("parentheses do not match")
    return [*parts, text[start:]]


def parse_selector(text: str) -> list[LabelRequirement]:
    """Kubernetes' label selector syntax; `InvalidInput` naming `labelSelector` otherwise."""
    found: list[LabelRequirement] = []
    try:
        parts = _requirements(text) if text.strip() else []
    except ValueError as exc:
        raise _bad_selector(f"{_shown(text)}: {exc}") from None
    if len(parts) > MAX_SELECTOR_REQUIREMENTS:  # each is a subquery: counted before any is built
        raise _bad_selector(
            f"{len(parts)} requirements; at most {MAX_SELECTOR_REQUIREMENTS} are allowed"
        )
    for raw in parts:
        part = raw.strip()
        if (match := _NOT.fullmatch(part)) is not None:
            found.append((match[1], "!", ()))
        elif (match := _COMPARE.fullmatch(part)) is not None:
            found.append((match[1], "=" if match[2] == "==" else match[2], (match[3],)))
        elif (match := _SET.fullmatch(part)) is not None:
            if not match[3].strip():
                raise _bad_selector(f"{part!r} has an empty set; {match[2]} needs a value")
            values = tuple(v.strip() for v in match[3].split(","))
            found.append((match[1], match[2], values))
        elif _EXISTS.fullmatch(part) is not None:
            found.append((part, "exists", ()))
        else:
            raise _bad_selector(f"{_shown(part)} is not a label requirement")
        key, _, values = found[-1]
        _check_label(key, values)
    return found


def _check_label(key: str, values: tuple[str, ...]) -> None:
    """Kubernetes' limits on label keys and values: no label can match a key or value beyond
    them, so one is a mistake to name, never an empty list to answer."""
    prefix, _, name = key.rpartition("/")
    if prefix and not all(_DNS_LABEL.fullmatch(part) for part in prefix.split(".")):
        raise _bad_selector(f"the key prefix {prefix!r} is not a DNS subdomain such as example.com")
    for what, text, most in (
        ("key prefix", prefix, 253),
        ("key name", name, 63),
        *(("value", value, 63) for value in values),
    ):
        if len(text) > most:
            raise _bad_selector(
                f"a {what} of {len(text)} characters ({text[:16]}...); at most {most} are allowed"
            )


def _shown(text: str) -> str:
    """A part of the selector as a message quotes it: at most 60 characters of it."""
    return repr(text) if len(text) <= 60 else repr(text[:60]) + f"... ({len(text)} characters)"


def _bad_selector(what: str) -> InvalidInput:
    return InvalidInput(
        f"labelSelector: {what}", [FieldProblem("labelSelector", f"{what}; {SELECTOR_HELP}")]
    )
