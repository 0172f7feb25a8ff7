"""Request documents: JSON or YAML, bounded; every refusal names the fix."""

from __future__ import annotations

import json

import pytest

from app.api.body import MAX_DEPTH, parse_document
from app.core.errors import InvalidInput

YAML = "application/yaml"
JSON = "application/json"


def test_yaml_and_json_give_the_same_document() -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: apdex, creationTimestamp: 2026-11-29T12:00:00Z}
spec:
  metrics:
    - name: apdex
      interval: 5m
      failureLimit: 3
"""
    from_yaml = parse_document(text.encode(), YAML)
    assert from_yaml["metadata"]["creationTimestamp"] == "2026-11-29T12:00:00Z"
    assert parse_document(json.dumps(from_yaml).encode(), JSON) == from_yaml


LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("raw", "media_type", "message"),
    [
        pytest.param(b"{", JSON, "the body is not valid JSON: ", id="bad-json"),
        pytest.param(b"a: [", YAML, "the body is not valid YAML: ", id="bad-yaml"),
        pytest.param(b"\xff\xfe", JSON, "the body is not UTF-8 text", id="not-utf8"),
        pytest.param(
            b"[" * 100_000 + b"]" * 100_000, JSON, "nested more than 64 levels", id="deep-json"
        ),
        pytest.param(
            ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)).encode(),
            JSON,
            "nested more than 64 levels",
            id="just-too-deep",
        ),
        pytest.param(LAUGHS.encode(), YAML, "more than 50 YAML aliases", id="billion-laughs"),
        pytest.param(b"!!python/object:os.system {}", YAML, "not valid YAML", id="python-tag"),
    ],
)
def test_refused_documents(raw: bytes, media_type: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_document(raw, media_type)
    assert message in caught.value.detail
    assert caught.value.problems[0].field == "body"


def test_few_aliases_that_expand_hugely_are_still_bounded() -> None:
    # 48 aliases (under the alias limit), each level doubling the last: 2**25 values expanded.
    lines = ["l0: &l0 [x, x]"] + [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, 25)]
    with pytest.raises(InvalidInput, match="more than 100000 values"):
        parse_document("\n".join(lines).encode(), YAML)
