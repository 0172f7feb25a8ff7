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


def test_a_scope_may_be_limited_to_namespaces(tmp_path: Path) -> None:
    file = tmp_path / "tokens"
    file.write_text(f"read@team-a+team-b {READER}\nwrite@team-a {WRITER}\nread {WRITER}\n")
    tokens = load_tokens(f"write@team-c:{'c' * 20}", file)
    reader, writer = tokens.access(READER), tokens.access(WRITER)
    assert reader is not None
    assert writer is not None
    assert reader.namespaces == frozenset({"team-a", "team-b"})
    assert (reader.scope_in("team-a"), reader.scope_in("team-c"), reader.scope_in(None)) == (
        Scope.READ,
        None,
        None,
    )
    # One token on two lines holds both grants: read everywhere, write in team-a.
    assert writer.namespaces is None
    assert (writer.scope_in("team-a"), writer.scope_in("team-b"), writer.scope_in(None)) == (
        Scope.WRITE,
        Scope.READ,
        Scope.READ,
    )
    assert tokens.scope_of("c" * 20) is Scope.WRITE
    assert tokens.access("x" * 20) is None


@pytest.mark.parametrize(
    ("inline", "message"),
    [
        pytest.param(
            "write@Team_A:" + "a" * 20,
            "AUGUR_TOKENS: entry 1 limits the token to namespace 'Team_A', which is not a "
            "namespace name (lower-case letters, digits and '-'); write scope@ns or scope@ns+ns",
            id="bad-namespace",
        ),
        pytest.param(
            "read@:" + "a" * 20,
            "AUGUR_TOKENS: entry 1 limits the token to namespace '', which is not a namespace "
            "name (lower-case letters, digits and '-'); write scope@ns or scope@ns+ns",
            id="empty-namespace",
        ),
        pytest.param(
            "admin@team-a:" + "a" * 20,
            "AUGUR_TOKENS: entry 1 has scope 'admin'; use 'read' or 'write'",
            id="bad-scope-with-namespace",
        ),
    ],
)
def test_bad_namespace_limits_are_named(inline: str, message: str) -> None:
    with pytest.raises(TokenError) as caught:
        load_tokens(inline)
    assert str(caught.value) == message
    assert "a" * 20 not in str(caught.value)
