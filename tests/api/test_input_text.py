"""Text no store can hold is refused at the door, naming the field: an unpaired surrogate (a JSON
`\\ud800` escape) or NUL anywhere in a body, keys included and at any depth, in JSON or YAML,
and in the URL's path segments and query parameters. Nothing of such a request is stored, and
the lists still answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import NS, PROBLEM, Client, replay_metric, template

SURROGATE = "contains an unpaired surrogate \\ud800 at position {}; send valid UTF-8"
LOW = "contains an unpaired surrogate \\udc00 at position {}; send valid UTF-8"
NUL = (
    "contains a NUL character (\\u0000) at position {}; "
    "remove it: no store augur runs on can hold it"
)


def run_with(**metric_fields: Any) -> dict[str, Any]:
    return {"spec": {"metrics": [replay_metric(1, name="m", **metric_fields)]}}


def seeded_run(**request: Any) -> dict[str, Any]:
    return {"templates": [{"templateName": "seed"}], **request}


# (id, path, body as a Python value: json.dumps writes a lone surrogate as its \ud800 escape,
#  expected field, expected message)
BODIES = [
    (
        "condition",
        f"{NS}/analysisruns",
        run_with(successCondition='result > 0 || "\ud800" == ""'),
        "spec.metrics[0].successCondition",
        SURROGATE.format(15),
    ),
    (
        "metric-name",
        f"{NS}/analysisruns",
        {"spec": {"metrics": [replay_metric(1, name="m\ud800")]}},
        "spec.metrics[0].name",
        SURROGATE.format(1),
    ),
    (
        "replayed-value",
        f"{NS}/analysisruns",
        {"spec": {"metrics": [replay_metric("x\ud800", name="m")]}},
        "spec.metrics[0].provider.replay.results[0].value",
        SURROGATE.format(1),
    ),
    (
        "arg-value",
        f"{NS}/analysisruns",
        seeded_run(args=[{"name": "who", "value": "\ud800"}]),
        "args[0].value",
        SURROGATE.format(0),
    ),
    (
        "label-key",
        f"{NS}/analysisruns",
        run_with() | {"labels": {"team\udc00": "x"}},
        "labels.team\\udc00",
        "the key " + LOW.format(4),
    ),
    (
        "label-value-nul",
        f"{NS}/analysisruns",
        run_with() | {"labels": {"team": "a\x00b"}},
        "labels.team",
        NUL.format(1),
    ),
    (
        "metric-name-nul",
        f"{NS}/analysisruns",
        {"spec": {"metrics": [replay_metric(1, name="m\x00")]}},
        "spec.metrics[0].name",
        NUL.format(1),
    ),
    (
        "template-name-nul",
        f"{NS}/analysisruns",
        {"templates": [{"templateName": "seed\x00"}]},
        "templates[0].templateName",
        NUL.format(4),
    ),
    (
        "annotation",
        f"{NS}/analysistemplates/t",
        template(replay_metric(1)) | {"metadata": {"annotations": {"note": "\ud800"}}},
        "metadata.annotations.note",
        SURROGATE.format(0),
    ),
    (
        "annotation-nul",
        f"{NS}/analysistemplates/t",
        template(replay_metric(1)) | {"metadata": {"annotations": {"note": "a\x00"}}},
        "metadata.annotations.note",
        NUL.format(1),
    ),
    (
        "deep-provider-key",
        f"{NS}/analysistemplates/t",
        template(
            replay_metric(1, provider={"web": {"url": "http://x", "headers": [{"\ud800": 1}]}})
        ),
        "spec.metrics[0].provider.web.headers[0].\\ud800",
        "the key " + SURROGATE.format(0),
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [case[1:] for case in BODIES],
    ids=[case[0] for case in BODIES],
)
async def test_a_body_holding_unusable_text_is_refused_naming_the_field(
    client: Client, path: str, body: Any, field: str, message: str
) -> None:
    seeded = await client.put(f"{NS}/analysistemplates/seed", json=template(replay_metric(1)))
    assert seeded.status_code == 201, seeded.text
    raw = json.dumps(body)
    method = "PUT" if "analysistemplates" in path else "POST"
    answer = await client.request(
        method, path, content=raw, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["errors"] == [{"field": field, "message": message}]
    assert answer.json()["detail"] == "the body holds text that cannot be stored"
    await assert_nothing_stored(client)


async def assert_nothing_stored(client: Client) -> None:
    runs = await client.get("/api/v1/analysisruns")
    assert runs.status_code == 200, runs.text
    assert runs.json()["items"] == []
    templates = await client.get(f"{NS}/analysistemplates")
    assert templates.status_code == 200, templates.text
    assert [t["metadata"]["name"] for t in templates.json()["items"]] in ([], ["seed"])


YAML = [
    ("double-quoted-escape", 'spec:\n  metrics:\n  - name: "m\\ud800"\n', "spec.metrics[0].name"),
    ("nul-escape", 'spec:\n  metrics:\n  - name: "m\\0"\n', "spec.metrics[0].name"),
]


@pytest.mark.parametrize(("text", "field"), [c[1:] for c in YAML], ids=[c[0] for c in YAML])
async def test_yaml_escapes_are_refused_as_json_ones(client: Client, text: str, field: str) -> None:
    answer = await client.put(
        f"{NS}/analysistemplates/t",
        content=text.encode(),
        headers={"Content-Type": "application/yaml"},
    )
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]


async def test_every_place_is_named_at_once_up_to_twenty(client: Client) -> None:
    metrics = [replay_metric(1, name=f"m{i}\ud800") for i in range(25)]
    answer = await client.post(
        f"{NS}/analysisruns",
        content=json.dumps({"spec": {"metrics": metrics}}),  # escapes, as a JSON client would
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["detail"] == (
        "the body holds text that cannot be stored (25 places; the first 20 are named)"
    )
    assert len(problem["errors"]) == 20


URLS = [
    (
        "selector-nul",
        "/api/v1/analysisruns?labelSelector=team%3Da%00",
        [{"field": "labelSelector", "message": NUL.format(6)}],
    ),
    (
        "selector-encoded-surrogate",
        "/api/v1/analysisruns?labelSelector=%ED%A0%80",
        [
            {
                "field": "labelSelector",
                "message": "is not valid UTF-8 once percent-decoded; send valid UTF-8 (byte 0)",
            }
        ],
    ),
    (
        "continue-nul",
        "/api/v1/analysisruns?continue=%00",
        [{"field": "continue", "message": NUL.format(0)}],
    ),
    (
        "metric-not-utf8",
        f"{NS}/analysisruns/r/measurements?metric=%FF",
        [
            {
                "field": "metric",
                "message": "is not valid UTF-8 once percent-decoded; send valid UTF-8 (byte 0)",
            }
        ],
    ),
    (
        "parameter-name",
        "/api/v1/analysisruns?%00=1",
        [{"field": "query", "message": 'the parameter name "%00" ' + NUL.format(0)}],
    ),
    (
        "path-segment",
        "/api/v1/gates/argo/key%00",
        [{"field": "path", "message": 'the segment "key%00" ' + NUL.format(3)}],
    ),
    (
        "path-surrogate",
        f"{NS}/analysisruns/a%ED%A0%80",
        [
            {
                "field": "path",
                "message": 'the segment "a%ED%A0%80" is not valid UTF-8 once percent-decoded; '
                "send valid UTF-8 (byte 1)",
            }
        ],
    ),
]


@pytest.mark.parametrize(("url", "errors"), [c[1:] for c in URLS], ids=[c[0] for c in URLS])
async def test_a_url_holding_unusable_text_is_refused_naming_the_parameter(
    client: Client, url: str, errors: list[dict[str, str]]
) -> None:
    method = "POST" if "/gates/" in url else "GET"
    answer = await client.request(method, url, json={} if method == "POST" else None)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["errors"] == errors
