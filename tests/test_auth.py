from __future__ import annotations

from pathlib import Path

import pytest

from app.core.auth import Scope, TokenError, load_tokens

READER = "r" * 20
WRITER = "w" * 20


def test_inline_and_file_tokens_with_scopes(tmp_path: Path) -> None:
    file = tmp_path / "tokens"
    file.write_text(f"# augur tokens\nwrite {WRITER}  # the rollout controller\n\n")
    tokens = load_tokens(f"read:{READER}", file)
    assert tokens.configured
    assert tokens.scope_of(READER) is Scope.READ
    assert tokens.scope_of(WRITER) is Scope.WRITE
    assert tokens.scope_of("x" * 20) is None


def test_no_tokens_means_not_configured() -> None:
    assert not load_tokens("", None).configured


@pytest.mark.parametrize(
    ("inline", "message"),
    [
        pytest.param(
            "admin:" + "a" * 20, "entry 1 has scope 'admin'; use 'read' or 'write'", id="scope"
        ),
        pytest.param(
            "read:tiny-tok3n", "entry 1 has a token shorter than 16 characters", id="short"
        ),
        pytest.param("justatoken", "entry 1 is not 'scope:token'", id="shape"),
    ],
)
def test_bad_configuration_never_echoes_the_token(inline: str, message: str) -> None:
    with pytest.raises(TokenError) as caught:
        load_tokens(inline)
    assert message in str(caught.value)
    secret = inline.partition(":")[2]
    assert not secret or secret not in str(caught.value)


def test_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TokenError, match="AUGUR_TOKENS_FILE: cannot read"):
        load_tokens("", tmp_path / "missing")
