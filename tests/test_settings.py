from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.settings import Settings


def test_defaults_serve_loopback_with_the_embedded_sqlite_store() -> None:
    settings = Settings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.store_url == "sqlite+aiosqlite:///.augur/augur.db"


def test_environment_prefix_is_augur(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUGUR_PORT", "9999")
    monkeypatch.setenv("AUGUR_STORE_URL", "postgresql+asyncpg://augur@db/augur")
    settings = Settings()
    assert settings.port == 9999
    assert settings.store_url == "postgresql+asyncpg://augur@db/augur"


def test_bad_port_names_the_field() -> None:
    with pytest.raises(ValidationError, match="port"):
        Settings(port=0)


def test_errors_never_echo_the_input() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(store_url="mysql://root:planted-pw@db/augur")
    assert "planted-pw" not in str(caught.value)
