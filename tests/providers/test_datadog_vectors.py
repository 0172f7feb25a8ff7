"""Every case of Argo Rollouts' own Datadog tests (tests/data/argo-providers/vectors-datadog.jsonl),
run through augur's provider.

HTTP cases go over loopback to the fake Datadog API, which refuses what Datadog refuses; the
request each sent is compared with what Argo's test asserted, and the measurement (phase, value,
message, metadata) with what Argo stored. Credentials come from a real secrets folder and
environment through augur's credentials seam. Unit, parse, schema, validation and credentials
cases call the function that does what Argo's function does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from app.spec.status import Measurement, Phase
from providers.datadog.config import (
    AGGREGATORS,
    API_VERSIONS,
    CRD_DEFAULTS,
    SecretRef,
    parse_config,
)
from providers.datadog.credentials import find_keys, secret_keys
from providers.datadog.gojson import Node, parse
from providers.datadog.response import (
    Group,
    extract_values,
    group_name_at,
    groups_metadata,
    read_v2,
)
from providers.datadog.structs import Column, decode_v2
from providers.errors import ConfigError, QueryError
from tests.fakes.datadog import API_KEY, APP_KEY, V2, FakeDatadog, write_secret
from tests.fakes.scripted import Reply
from tests.providers.datadog_cases import (
    HOME,
    credentials_in,
    take,
    vectors,
    write_keys,
)

REDACTED_FIELDS = ("secret_address",)


def block_of(vector: dict[str, Any]) -> dict[str, Any]:
    """The template's block: a field Argo's test left to the CRD default is left out here, so
    augur's default is what applies."""
    return {
        key: value
        for key, value in vector["provider_config"].items()
        if key not in REDACTED_FIELDS and not (isinstance(value, str) and "CRD default" in value)
    }


def arrange(vector: dict[str, Any], fake: FakeDatadog, folder: Path) -> tuple[dict[str, str], str]:
    """Secrets and environment as the vector describes; the environment and the run's
    namespace to measure with."""
    given = vector.get("credentials") or ""
    address = vector["provider_config"].get("secret_address", fake.base_url)
    if given.startswith("env "):
        return {"DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY, "DD_ADDRESS": address}, "namespace"
    if given.startswith("secret 'secret'"):
        write_keys(folder, "namespace", "secret", address)
    else:
        write_keys(folder, HOME, "datadog", address)
    return {}, "namespace"


def check_request(vector: dict[str, Any], fake: FakeDatadog) -> None:
    expect = vector["request_expect"]
    if expect is None:
        assert fake.requests == []
        return
    (sent,) = fake.requests
    assert fake.violations == []
    assert (sent.method, sent.path) == (expect["method"], expect["path"])
    for name, value in expect.get("headers", {}).items():
        assert sent.headers[name.lower()] == value
    if "query_params" in expect:
        assert parse_qs(sent.query) == {k: [v] for k, v in expect["query_params"].items()}
    if "json_body" in expect:
        body, wanted = json.loads(sent.body), expect["json_body"]
        for document in (body, wanted):  # Go sends the queries in map order: compare as a set
            document["data"]["attributes"]["queries"].sort(key=lambda q: q["name"])
        assert body == wanted


def check_message(
    expected: dict[str, Any], measurement: Measurement, condition: dict[str, str]
) -> None:
    wanted, message = expected.get("message"), measurement.message
    if wanted is None and measurement.phase in (Phase.FAILED, Phase.INCONCLUSIVE):
        # augur names the condition that decided (docs/argo-compat.md); Argo leaves it empty
        given = [f"{kind}Condition {text} " for kind, text in condition.items() if text]
        assert message.startswith(tuple(given)), message
    elif expected.get("message_match") == "exact" or wanted is None:
        assert message == (wanted or "")
    else:
        assert wanted in message


@pytest.mark.parametrize("vector", vectors("http"))
async def test_argo_http_cases(
    vector: dict[str, Any], datadog: FakeDatadog, tmp_path: Path
) -> None:
    answer = vector["response"]
    if answer is not None:
        delay = answer.get("delay_ms", 0) / 1000
        reply = Reply(answer["status"], answer["body"], answer["content_type"], delay=delay)
        datadog.answer(vector["request_expect"]["path"], reply)
    environ, namespace = arrange(vector, datadog, tmp_path)
    condition = vector["condition"]
    taken = await take(
        block_of(vector),
        credentials_in(tmp_path, environ),
        success=condition["success"],
        failure=condition["failure"],
        namespace=namespace,
    )
    check_request(vector, datadog)
    expected, measurement = vector["expected"], taken.measurement
    assert measurement.phase == Phase(expected["phase"])
    check_message(expected, measurement, condition)
    if "full_message_expected" in vector:
        assert measurement.message == vector["full_message_expected"]
    if expected["value"] is not None:
        assert measurement.value == expected["value"]
    elif measurement.phase is Phase.ERROR:
        assert measurement.value == ""  # Argo keeps no value on an error
    assert measurement.metadata == vector.get("expected_metadata")


def columns(raw: Any) -> list[Column]:
    """A vector's columns as Argo's struct holds them (the entries' text kept)."""
    document = json.dumps({"data": {"attributes": {"columns": raw}}})
    return decode_v2(parse(document)).columns or []


def entries(raw: list[Any]) -> list[Node]:
    return list(parse(json.dumps(raw)).children)


def generated(spec: str) -> list[Group]:
    """``"150 entries {name:'g%d'%i, value:i} for i in 0..149"`` as the groups it describes."""
    found = re.match(r"(\d+) entries \{name:'([^']*)'", spec)
    assert found is not None, spec
    count, name = int(found.group(1)), found.group(2)
    return [Group(name % i if "%d" in name else name, float(i)) for i in range(count)]


@pytest.mark.parametrize("vector", vectors("unit"))
def test_argo_unit_cases(vector: dict[str, Any]) -> None:
    expected, given = vector["expected"], vector["input"]
    function = vector["function"].partition("(")[0]
    if function == "groupNameAt":
        group_columns = [Column(type="group", values=entries(c)) for c in given["columns"]]
        label = group_name_at(group_columns, given["idx"])
        assert (label is not None, label) == (expected["ok"], expected.get("label"))
    elif function == "groupsMetadata":
        groups = (
            generated(given["generate"])
            if "generate" in given
            else [Group(g["name"], float(g["value"])) for g in given]
        )
        text, truncated = groups_metadata(groups)
        kept = json.loads(text)
        assert truncated == expected["truncated"]
        if "json_equivalent" in expected:
            assert kept == json.loads(expected["json_equivalent"])
        if "len" in expected:
            assert len(kept) == expected["len"]
        names = {group["name"] for group in kept}
        assert set(expected.get("contains_names", [])) <= names
        assert not set(expected.get("not_contains_names", [])) & names
    elif "error_contains" in expected:
        with pytest.raises(QueryError, match=re.escape(expected["error_contains"])):
            extract_values(columns(given))
    else:
        values, groups, grouped = extract_values(columns(given))
        assert grouped == expected["grouped"]
        if "values" in expected:
            assert values == expected["values"]
        assert [{"name": g.name, "value": g.value} for g in groups] == (expected["groups"] or [])


@pytest.mark.parametrize("vector", vectors("parse"))
async def test_argo_parse_cases(
    vector: dict[str, Any], datadog: FakeDatadog, tmp_path: Path
) -> None:
    expected, answer = vector["expected"], vector["response"]
    if "body_read_error" in answer:  # the answer breaks off before its Content-Length
        datadog.answer(V2, Reply(answer["status"], b'{"data": {"attr'), cut=True)
        write_keys(tmp_path, HOME, "datadog", datadog.base_url)
        taken = await take({"query": "q", "apiVersion": "v2"}, credentials_in(tmp_path))
        assert taken.measurement.phase is Phase.ERROR
        assert expected["message"] in taken.measurement.message
        return
    read = read_v2(answer["body"].encode())
    assert len(read.result) == expected["value_element_count"]
    assert read.metadata["groups_truncated"] == expected["metadata"]["groups_truncated"]
    assert len(json.loads(read.metadata["groups"])) == expected["metadata"]["groups_len"]


@pytest.mark.parametrize("vector", vectors("schema"))
def test_argo_crd_schema_cases(vector: dict[str, Any]) -> None:
    field, _, rule = vector["field"].rpartition(".")
    name = field.rpartition(".")[2]
    if rule == "default":
        assert CRD_DEFAULTS[name] == vector["expected"]
        assert name not in {"apiVersion"} or parse_config({"query": "q"}).api_version == "v1"
    else:
        assert {"apiVersion": API_VERSIONS, "aggregator": AGGREGATORS}[name] == tuple(
            vector["expected"]
        )
        with pytest.raises(ConfigError, match=f'datadog: {name}: Unsupported value: "bogus"'):
            parse_config({"query": "q", "apiVersion": "v2", name: "bogus"})


@pytest.mark.parametrize("vector", vectors("validation"))
def test_argo_validation_cases(vector: dict[str, Any]) -> None:
    expected = vector["expected"]
    if not expected["error"]:
        parse_config(vector["provider_config"])
        return
    with pytest.raises(ConfigError) as caught:
        parse_config(vector["provider_config"])
    assert expected["message"] in str(caught.value)


@pytest.mark.parametrize("vector", vectors("credentials"))
def test_argo_credentials_cases(vector: dict[str, Any], tmp_path: Path) -> None:
    expected, data = vector["expected"], vector["secret_data"]
    ref = vector.get("secretRef")
    namespace = vector.get("run_namespace", HOME) if ref and ref["namespaced"] else HOME
    if data is not None:
        write_secret(tmp_path, namespace, (ref or {}).get("name") or "datadog", data)
    credentials = credentials_in(tmp_path)
    if ref is None:  # Argo's secretFinder on its own
        found = secret_keys(credentials, "datadog", None)
    elif expected["error"]:
        with pytest.raises(ConfigError) as caught:
            find_keys(SecretRef(**ref), credentials, vector["run_namespace"])
        assert str(caught.value).startswith(expected["message"])
        return
    else:
        found = find_keys(SecretRef(**ref), credentials, vector["run_namespace"])
    wanted = (expected["address"], expected["api-key"], expected["app-key"])
    assert (found.address, found.api_key, found.app_key) == wanted
