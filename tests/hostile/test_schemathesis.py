"""Every operation in the OpenAPI spec, fuzzed by schemathesis against a running `augur serve`.

Checked for each generated request (schema-conforming ones and deliberately broken ones): no 5xx,
the status code is one the spec documents for the operation, and the body and its content type are
what the spec says for that status. Whether a schema-valid body is *accepted* is not checked:
JSON Schema cannot say everything augur validates (arg resolution, conditions, allowlist), so
schemathesis' `positive_data_acceptance` would only flag documented 422s.

Nothing is excluded. The check endpoints would call out to whatever address they are handed, so
the server's allowlist admits only one loopback port where nothing listens: a generated address
is refused (422) or, if schemathesis ever produced exactly that URL, fails to connect at once
(a 200 whose `error` says so). Unlisted host names are refused before any name lookup.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.hostile.conftest import WRITE, Hostile, start
from tests.support.servers import REPO, free_port

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    closed = free_port()  # nothing listens here: an allowed check fails fast, on loopback
    tmp = tmp_path_factory.mktemp("schemathesis")
    # Event streams end after a second, so a fuzzed stream is one whole answer to validate.
    env = {"AUGUR_ALLOWED_ADDRESSES": f"127.0.0.1:{closed}", "AUGUR_EVENTS_MAX_STREAM_SECONDS": "1"}
    yield from start(tmp, env=env)


# The operations are collected from the committed spec, which `tests/test_openapi.py` keeps equal
# to what the code serves; `served_spec` checks the running server serves exactly that.
# (schemathesis' lazy `from_fixture` loader does not run under this pytest version.)
SPEC = REPO / "openapi" / "openapi.json"
schema = schemathesis.openapi.from_path(SPEC)


@pytest.fixture(scope="module")
def served_spec(fuzzed: Hostile) -> str:
    served = fuzzed.client.get("/openapi.json").json()
    assert served == json.loads(SPEC.read_text()), "the running server serves another spec"
    return fuzzed.served.base_url


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: schemathesis.Case, served_spec: str) -> None:
    case.call_and_validate(base_url=served_spec, headers=WRITE, checks=CHECKS, timeout=10)


def test_the_server_survived(fuzzed: Hostile) -> None:
    assert fuzzed.served.proc.poll() is None
    assert fuzzed.client.get("/healthz").status_code == 200
    assert "Traceback" not in Path(fuzzed.served.log).read_text(errors="replace")
