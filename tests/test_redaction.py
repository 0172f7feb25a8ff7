"""A secret is found in every form a provider, an upstream or augur itself can carry it in
(`app.core.redaction`), and ordinary text around it is left alone."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import pytest

from app.core.logs import Redactor
from app.core.redaction import redact_text
from providers.golang import marshal

#: Characters that every encoding treats differently: quote, ampersand (Go's JSON writes
#: \u0026), slash, plus, space, equals, a non-ASCII letter and one beyond the BMP.
SECRET = 's3cr3t"&/+ =é🙂x'
PLAIN = "pl4nted-0a7f93c1e5"


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(SECRET, id="raw"),
        pytest.param(json.dumps(SECRET, ensure_ascii=False)[1:-1], id="json"),
        pytest.param(json.dumps(SECRET)[1:-1], id="json-ascii"),
        pytest.param(marshal(SECRET)[1:-1], id="go-json"),
        pytest.param(json.dumps(json.dumps(SECRET)[1:-1])[1:-1], id="json-twice"),
        pytest.param(quote(SECRET, safe=""), id="url"),
        pytest.param(quote(SECRET, safe="").lower(), id="url-lower-hex"),
        pytest.param(quote_plus(SECRET), id="url-form"),
        pytest.param(quote(SECRET, safe="/&="), id="url-partly"),
    ],
)
def test_every_encoded_form_is_redacted(form: str) -> None:
    assert redact_text(f"before {form} after", [SECRET]) == "before ***** after"


@pytest.mark.parametrize(
    ("prefix", "suffix"),
    [
        pytest.param("augur:", "", id="basic-auth"),
        pytest.param("a:", "", id="shifted-by-2"),
        pytest.param("ab:", "...", id="shifted-by-3"),
        pytest.param("{", "}", id="shifted-by-1"),
    ],
)
@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(base64.b64encode, id="standard"),
        pytest.param(base64.urlsafe_b64encode, id="url-safe"),
    ],
)
def test_base64_of_a_text_holding_the_secret_loses_the_secret(
    prefix: str, suffix: str, encode: Callable[[bytes], bytes]
) -> None:
    encoded = encode(f"{prefix}{PLAIN}{suffix}".encode()).decode()
    redacted = redact_text(f"Authorization: Basic {encoded}", [PLAIN])
    left, right = redacted.removeprefix("Authorization: Basic ").split("*****")
    assert encoded.startswith(left)
    assert encoded.endswith(right)
    # Only the characters that carry the prefix and the suffix are left (each base64
    # character holds 6 bits; one more may straddle the suffix's edge).
    assert len(left) <= math.ceil(8 * len(prefix) / 6)
    assert len(right.rstrip("=")) <= math.ceil(8 * len(suffix) / 6) + 1


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        pytest.param("a cut pl4nted-0a…", [PLAIN], "a cut *****…", id="cut-before-ellipsis"),
        pytest.param("ends pl4…", [PLAIN], "ends pl4…", id="three-characters-are-kept"),
        pytest.param("pl4nted-0a7f93c1e5", [PLAIN], "*****", id="whole"),
        pytest.param("no secret here", [PLAIN], "no secret here", id="nothing"),
        pytest.param("x-short-x", ["short"], "x-*****-x", id="short-value"),
        pytest.param("ab", ["a", ""], "*****b", id="one-character-as-argo-does"),
        pytest.param("keep", [], "keep", id="no-secrets"),
        pytest.param(
            "Zm9vYmE=",  # base64 of "fooba": too short a secret to look for in base64
            ["fooba"],
            "Zm9vYmE=",
            id="short-base64-left-alone",
        ),
    ],
)
def test_what_is_and_is_not_redacted(text: str, secrets: list[str], expected: str) -> None:
    assert redact_text(text, secrets) == expected


def test_the_longer_of_two_overlapping_secrets_wins() -> None:
    assert redact_text("token-abc-def", ["token-abc", "token-abc-def"]) == "*****"


def test_log_lines_are_redacted_in_their_json_form() -> None:
    redactor = Redactor()
    redactor.add(SECRET)
    line = json.dumps({"message": f"upstream said {SECRET}"})
    assert SECRET not in redactor(line)
    assert json.loads(redactor(line))["message"] == "upstream said *****"
