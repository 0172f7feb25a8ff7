"""openapi/openapi.json is what the code serves; regenerate it with `make openapi`."""

from __future__ import annotations

from app.cli import openapi_document
from tests.support.servers import REPO


def test_committed_openapi_spec_is_current() -> None:
    committed = (REPO / "openapi" / "openapi.json").read_text()
    assert committed == openapi_document(), (
        "openapi/openapi.json is stale: run `make openapi` and commit the result"
    )
