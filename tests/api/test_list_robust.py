"""One bad stored record never breaks a list: a record an older augur stored with text no answer
can carry reads with U+FFFD in its place; one that no longer reads at all, or cannot be encoded,
is left out of the list (logged, and said in a `Warning` header), and every other item is
answered."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from app.api.lists import ListResponse
from tests.api.conftest import NS, Client, replay_metric, template


async def _create_run(client: Client, name: str) -> None:
    answer = await client.post(
        f"{NS}/analysisruns", json={"name": name, "spec": {"metrics": [replay_metric(1)]}}
    )
    assert answer.status_code == 201, answer.text


async def _write(client: Client, sql: str, **values: str) -> None:
    async with client.app.state.store.engine.begin() as conn:
        await conn.execute(text(sql), values)


async def test_records_stored_with_a_surrogate_by_an_older_augur_read_and_list(
    client: Client,
) -> None:
    await _create_run(client, "bad")
    put = await client.put(f"{NS}/analysistemplates/bad", json=template(replay_metric(1)))
    assert put.status_code == 201
    # What the old create wrote before answering 500: the escape, as json.dumps writes it.
    spec = json.dumps({"metrics": [replay_metric(1, successCondition='"\ud800" == ""')]})
    await _write(client, "UPDATE runs SET spec = :spec", spec=spec)
    body = json.dumps(template(replay_metric(1)) | {"metadata": {"annotations": {"a": "\ud800"}}})
    await _write(client, "UPDATE templates SET body = :body", body=body)
    for path in (
        f"{NS}/analysisruns/bad",
        f"{NS}/analysisruns",
        "/api/v1/analysisruns",
        f"{NS}/analysistemplates",
        f"{NS}/analysistemplates/bad",
    ):
        answer = await client.get(path)
        assert answer.status_code == 200, (path, answer.text)
        assert "\ufffd" in answer.text, path


async def test_a_run_that_no_longer_reads_is_left_out_of_the_list(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    await _create_run(client, "good")
    await _create_run(client, "broken")
    await _write(
        client, "UPDATE runs SET spec = :spec WHERE name = 'broken'", spec='{"metrics": "m"}'
    )
    with caplog.at_level(logging.ERROR, logger="app.service.runs"):
        answer = await client.get(f"{NS}/analysisruns")
    assert answer.status_code == 200, answer.text
    assert [run["metadata"]["name"] for run in answer.json()["items"]] == ["good"]
    assert [r.getMessage() for r in caplog.records] == [
        "left run default/broken out of a list: it no longer reads (ValidationError)"
    ]


def test_an_item_that_cannot_be_encoded_is_left_out_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    items = [{"metadata": {"namespace": "ns", "name": n}} for n in ("a", "b\ud800", "c")]
    with caplog.at_level(logging.ERROR, logger="app.api.lists"):
        answer = ListResponse({"kind": "List", "items": items})
    assert json.loads(answer.body) == {"kind": "List", "items": [items[0], items[2]]}
    assert answer.headers["Warning"] == (
        '299 - "1 stored item(s) could not be shown and were left out; see the server log"'
    )
    assert [r.getMessage() for r in caplog.records] == [
        "left ns/b\\ud800 out of a list: it cannot be encoded (UnicodeEncodeError)"
    ]


def test_a_list_that_encodes_has_no_warning() -> None:
    answer = ListResponse({"items": [{"a": "é"}]})
    assert json.loads(answer.body) == {"items": [{"a": "é"}]}
    assert "Warning" not in answer.headers
