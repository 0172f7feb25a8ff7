"""Every query parameter of the lists is parsed defensively: a cursor of any shape this API did
not hand out, a number out of range, a selector too large, is a 422 naming the parameter, never
a 500 (`ValueError` from a 5000-digit seq, `OverflowError` from one the store cannot bind)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.api.conftest import NS, PROBLEM, Client

AFTER = "a seq from 0 to 2147483647 such as 10, or metadata.continue of the last page (metric:seq)"
CONTINUE = "pass metadata.continue of the previous page unchanged, or omit it"


def token(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def after(text: str, shown: str | None = None) -> tuple[str, dict[str, str], str, str]:
    detail = f"after: {shown if shown is not None else repr(text)} is not a measurement position"
    return (f"{NS}/analysisruns/r/measurements", {"after": text}, "after", AFTER + "|" + detail)


TIME = "2026-11-29T12:00:00+00:00"
RUN_ID = "0b0e5f3c-1f0a-4c55-9d38-1d2b8b1c0a11"
CASES = {
    "after-5000-digits": after("9" * 5000, repr("9" * 40 + "...")),
    "after-exponent": after("m:1e30"),
    "after-over-int32": after("m:2147483648"),
    "after-eleven-digits": after("99999999999"),
    "after-negative": after("-1"),
    "after-no-metric": after(":5"),
    "after-long-metric": after("m" * 254 + ":1", repr(("m" * 254 + ":1")[:40] + "...")),
    "continue-not-base64": ("/api/v1/analysisruns", {"continue": "!!!"}, "continue", CONTINUE),
    "continue-too-long": (
        "/api/v1/analysisruns",
        {"continue": token({"c": TIME, "i": RUN_ID, "pad": "x" * 600})},
        "continue",
        CONTINUE,
    ),
    "continue-list": ("/api/v1/analysisruns", {"continue": token([1])}, "continue", CONTINUE),
    "continue-deep": (
        "/api/v1/analysisruns",
        {"continue": base64.urlsafe_b64encode(b"[" * 300 + b"]" * 300).decode()},
        "continue",
        CONTINUE,
    ),
    "continue-time-number": (
        "/api/v1/analysisruns",
        {"continue": token({"c": 5, "i": RUN_ID})},
        "continue",
        CONTINUE,
    ),
    "continue-naive-time": (
        "/api/v1/analysisruns",
        {"continue": token({"c": "2026-11-29T12:00:00", "i": RUN_ID})},
        "continue",
        CONTINUE,
    ),
    "continue-id-not-a-run-id": (
        f"{NS}/analysisruns",
        {"continue": token({"c": TIME, "i": "x\u0000' OR 1=1"})},
        "continue",
        CONTINUE,
    ),
    "selector-33-requirements": (
        "/api/v1/analysisruns",
        {"labelSelector": ",".join(f"k{i}=v" for i in range(33))},
        "labelSelector",
        "33 requirements; at most 32 are allowed; write key=value, key!=value, key in (a,b), "
        "key notin (a,b), key or !key",
    ),
    "limit-zero": ("/api/v1/analysisruns", {"limit": "0"}, "limit", ""),
    "limit-over": ("/api/v1/analysisruns", {"limit": "501"}, "limit", ""),
    "limit-text": ("/api/v1/analysisruns", {"limit": "ten"}, "limit", ""),
    "limit-5000-digits": ("/api/v1/analysisruns", {"limit": "9" * 5000}, "limit", ""),
    "phase-unknown": ("/api/v1/analysisruns", {"phase": "Done"}, "phase", ""),
    "metric-too-long": (f"{NS}/analysisruns/r/measurements", {"metric": "m" * 254}, "metric", ""),
}


@pytest.mark.parametrize(
    ("path", "params", "field", "message"), CASES.values(), ids=list(CASES.keys())
)
async def test_a_bad_query_parameter_is_a_422_naming_it(
    client: Client, path: str, params: dict[str, str], field: str, message: str
) -> None:
    answer = await client.get(path, params=params)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert [e["field"] for e in problem["errors"]] == [field]
    if message:
        expected, _, detail = message.partition("|")
        assert problem["errors"][0]["message"] == expected
        if detail:
            assert problem["detail"] == detail
