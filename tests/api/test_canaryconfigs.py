"""`/api/v1/namespaces/{ns}/canaryconfigs`: Kayenta's configs kept by augur, checked first.

Every problem of a config is a 422 naming its field, the judge's settings and each metric's query
alike, so a config that could never be fetched or judged is refused when it is stored, not at
the next rollout.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import NS, PROBLEM, Client, Serve
from tests.support.canary import canary_config

OAP = "http://127.0.0.1:12800"
PATH = f"{NS}/canaryconfigs"


def with_metric(**changes: Any) -> dict[str, Any]:
    """The seed config with its first metric changed (`query=...`, `analysisConfigurations=`)."""
    config = canary_config(OAP)
    config["metrics"][0] = {**config["metrics"][0], **changes}
    return config


async def test_put_get_list_delete(client: Client) -> None:
    created = await client.put(f"{PATH}/reviews-canary", json=canary_config(OAP))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "reviews-canary"
    assert isinstance(body["updatedTimestamp"], int)
    assert body["createdTimestampIso"].endswith("Z")
    config_id = body["id"]
    replaced = await client.put(
        f"{PATH}/reviews-canary", json={**canary_config(OAP), "id": config_id}
    )
    assert replaced.status_code == 200
    assert replaced.json()["id"] == config_id  # kept: Argo finds the config by its id
    read = await client.get(f"{PATH}/reviews-canary")
    assert read.json()["metrics"] == canary_config(OAP)["metrics"]
    listed = await client.get(PATH)
    assert [item["name"] for item in listed.json()["items"]] == ["reviews-canary"]
    assert (await client.delete(f"{PATH}/reviews-canary")).status_code == 204
    gone = await client.get(f"{PATH}/reviews-canary")
    assert gone.status_code == 404
    assert (
        gone.json()["detail"] == 'canary config "reviews-canary" not found in namespace "default"'
    )


async def test_yaml_and_kayentas_own_names_and_ids(client: Client) -> None:
    yaml_body = (
        "id: bf9795c0-170f-403e-bb7f-fef3f9a44d42\n"
        "metrics:\n"
        "- name: apdex\n"
        f"  query: {{type: skywalking, metricName: service_apdex, address: '{OAP}'}}\n"
    )
    reply = await client.put(
        f"{PATH}/ValidationCanaryConfigTest3",
        content=yaml_body,
        headers={"Content-Type": "application/yaml"},
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["id"] == "bf9795c0-170f-403e-bb7f-fef3f9a44d42"
    taken = await client.put(
        f"{NS.replace('default', 'other')}/canaryconfigs/copy",
        json={**canary_config(OAP), "id": "bf9795c0-170f-403e-bb7f-fef3f9a44d42"},
    )
    assert taken.status_code == 409
    assert taken.json()["detail"] == (
        'another canary config has the id "bf9795c0-170f-403e-bb7f-fef3f9a44d42"'
    )


INVALID = [
    (
        "critical-as-text",
        with_metric(analysisConfigurations={"canary": {"critical": "true"}}),
        [
            (
                "metrics[0].analysisConfigurations.canary.critical",
                'must be a boolean, got "true"',
            )
        ],
    ),
    (
        "unknown-judge",
        {**canary_config(OAP), "judge": {"name": "Mann-Whitney"}},
        [
            (
                "judge.name",
                'unknown judge "Mann-Whitney": one of NetflixACAJudge-v1.0, augur-v1',
            )
        ],
    ),
    (
        "no-query-type",
        with_metric(query={"metricName": "service_apdex"}),
        [("metrics[0].query", 'must name its metric source in "type" (a string)')],
    ),
    (
        "unknown-source",
        with_metric(query={"type": "atlas", "q": "x"}),
        [("metrics[0].query", "type: must be one of prometheus, skywalking, got 'atlas'")],
    ),
    (
        "both-metric-and-mqe",
        with_metric(
            query={"type": "skywalking", "metricName": "a", "expression": "b", "address": OAP}
        ),
        [
            (
                "metrics[0].query",
                "skywalking: set one of metricName (service_apdex) or expression (an MQE)",
            )
        ],
    ),
    (
        "misspelt-field",
        with_metric(query={"type": "skywalking", "mqe": "service_sla", "address": OAP}),
        [
            (
                "metrics[0].query",
                "skywalking: unknown field(s) mqe; known: address, bearerTokenSecret, "
                "expression, insecure, metricName, normal, timeoutSeconds, timezone, type",
            )
        ],
    ),
    (
        "no-address",
        with_metric(query={"type": "skywalking", "metricName": "service_apdex"}),
        [
            (
                "metrics[0].query",
                "address: required: the query names no address and no default is set for "
                "skywalking (AUGUR_SKYWALKING_ADDRESS)",
            )
        ],
    ),
    (
        "unknown-placeholder",
        with_metric(query={"type": "prometheus", "query": "up{pod='${pod}'}", "address": OAP}),
        [
            (
                "metrics[0].query",
                "prometheus: query: unknown placeholder ${pod}; known: ${scope}, ${location}",
            )
        ],
    ),
    (
        "cloud-metadata-address",
        with_metric(
            query={
                "type": "skywalking",
                "metricName": "service_apdex",
                "address": "http://169.254.169.254",
            }
        ),
        [("metrics[0].query.address", "PLACEHOLDER")],
    ),
    (
        "name-differs",
        {**canary_config(OAP), "name": "other"},
        [("name", 'must be "reviews", the name in the path')],
    ),
    (
        "no-metrics",
        {**canary_config(OAP), "metrics": []},
        [("metrics", "must list at least one metric")],
    ),
]


@pytest.mark.parametrize(
    ("config", "problems"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID]
)
async def test_every_problem_names_its_field(
    client: Client, config: dict[str, Any], problems: list[tuple[str, str]]
) -> None:
    reply = await client.put(f"{PATH}/reviews", json=config)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == PROBLEM
    found = [(e["field"], e["message"]) for e in reply.json()["errors"]]
    if problems[0][1] == "PLACEHOLDER":  # the allowlist's own words
        assert [field for field, _ in found] == [problems[0][0]]
        assert "169.254.169.254" in found[0][1]
    else:
        assert found == problems
    assert (await client.get(f"{PATH}/reviews")).status_code == 404


async def test_the_id_cannot_change(client: Client) -> None:
    await client.put(f"{PATH}/reviews", json=canary_config(OAP))
    reply = await client.put(f"{PATH}/reviews", json={**canary_config(OAP), "id": "another"})
    assert reply.status_code == 422
    first = (await client.get(f"{PATH}/reviews")).json()["id"]
    assert reply.json()["errors"] == [{"field": "id", "message": f'is "{first}" and cannot change'}]


async def test_a_default_address_stands_in_for_the_querys(serve: Serve) -> None:
    async with serve(skywalking_address=OAP) as client:
        config = with_metric(query={"type": "skywalking", "metricName": "service_apdex"})
        assert (await client.put(f"{PATH}/reviews", json=config)).status_code == 201


async def test_tokens_read_and_write(serve: Serve) -> None:
    reader, writer = "r" * 20, "w" * 20
    async with serve(tokens=f"read:{reader},write:{writer}") as client:
        put = await client.put(
            f"{PATH}/reviews",
            json=canary_config(OAP),
            headers={"Authorization": f"Bearer {reader}"},
        )
        assert put.status_code == 403
        put = await client.put(
            f"{PATH}/reviews",
            json=canary_config(OAP),
            headers={"Authorization": f"Bearer {writer}"},
        )
        assert put.status_code == 201
        read = await client.get(f"{PATH}/reviews", headers={"Authorization": f"Bearer {reader}"})
        assert read.status_code == 200
        assert (await client.get(f"{PATH}/reviews")).status_code == 401
