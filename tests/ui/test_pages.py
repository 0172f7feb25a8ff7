"""The pages in loopback mode (no tokens, as `make run` serves): what each shows, its live
fragment, Terminate, and what every page promises (its headers, no outside address, its size).
"""

from __future__ import annotations

import re

import pytest

from app.api.ui.render import PAGE_HEADERS
from tests.support.waiting import phase_of
from tests.ui.conftest import Client, csrf_of, seed_run

RUN = "/ui/namespaces/bench/runs/big"


async def _seeded(client: Client, count: int = 1000) -> None:
    await seed_run(client.app.state.store, namespace="bench", name="big", count=count)


async def test_a_run_with_a_thousand_measurements_is_one_light_page(client: Client) -> None:
    await _seeded(client)
    page = await client.get(RUN)
    assert page.status_code == 200
    assert len(page.content) < 300 * 1024
    html = page.text
    assert len(re.findall(r'class="pt ', html)) == 1000  # one point per measurement
    assert len(re.findall(r'<circle class="pt fail"', html)) == 40  # every 20th, not 50th
    assert len(re.findall(r'<path class="pt err"', html)) == 20
    assert html.count("<tr") == 1001  # the table: a header and every measurement
    assert "success ≥ 9900" in html  # the threshold of the success condition
    assert "each point is the lowest of the measurement&#39;s numbers" in html.lower()


async def test_every_page_loads_only_augurs_own_files(client: Client) -> None:
    await _seeded(client, count=3)
    for path in ("/ui/", RUN, "/ui/templates", "/ui/login", "/ui/nowhere"):
        page = await client.get(path)
        assert {k: page.headers[k] for k in PAGE_HEADERS} == PAGE_HEADERS, path
        # No address of another site anywhere: no CDN, no font, no analytics.
        assert re.findall(r'(?:src|href|action)="(?!/ui/)[^"#]', page.text) == [], path
        for asset in re.findall(r'(?:src|href)="(/ui/static/[^"]+)"', page.text):
            served = await client.get(asset)
            assert served.status_code == 200, asset
            assert served.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_a_page_that_does_not_exist_is_a_page(client: Client) -> None:
    page = await client.get("/ui/nowhere/at/all")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "there is no page at /ui/nowhere/at/all" in page.text


async def test_a_run_that_does_not_exist_is_a_404_page(client: Client) -> None:
    page = await client.get("/ui/namespaces/default/runs/gone")
    assert page.status_code == 404
    assert "analysisrun default/gone not found" in page.text


async def test_the_list_is_newest_first_and_filters_by_namespace_and_phase(
    client: Client,
) -> None:
    store = client.app.state.store
    for namespace, name in (("team-a", "first"), ("team-b", "second"), ("team-a", "third")):
        await seed_run(store, namespace=namespace, name=name, count=2)

    def names(html: str) -> list[str]:
        return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', html)

    assert names((await client.get("/ui/")).text) == ["third", "second", "first"]
    assert names((await client.get("/ui/?namespace=team-a")).text) == ["third", "first"]
    assert names((await client.get("/ui/?phase=Running")).text) == ["third", "second", "first"]
    empty = (await client.get("/ui/?phase=Failed")).text
    assert names(empty) == []
    assert "No run in this phase." in empty


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("namespace=Team_A", "namespace: &#39;Team_A&#39; is not a namespace name"),
        ("phase=Done", "phase: &#39;Done&#39; is not a phase"),
    ],
    ids=["namespace", "phase"],
)
async def test_a_bad_filter_is_named_on_the_page(client: Client, query: str, detail: str) -> None:
    page = await client.get(f"/ui/?{query}")
    assert page.status_code == 422
    assert detail in page.text


async def test_a_live_fragment_comes_only_when_something_changed(client: Client) -> None:
    await _seeded(client, count=5)
    page = await client.get(RUN)
    stamp = re.search(r'data-stamp="([^"]+)"', page.text)
    assert stamp is not None
    same = await client.get(f"{RUN}/live", params={"since": stamp.group(1)})
    assert same.status_code == 204
    fresh = await client.get(f"{RUN}/live", params={"since": "older"})
    assert fresh.status_code == 200
    assert fresh.headers["x-augur-stamp"] == stamp.group(1)
    assert len(re.findall(r'class="pt ', fresh.text)) == 5
    rows = await client.get("/ui/live/runs")
    assert rows.status_code == 200
    unchanged = await client.get("/ui/live/runs", params={"since": rows.headers["x-augur-stamp"]})
    assert unchanged.status_code == 204


async def _running_run(client: Client) -> None:
    metric = {
        "name": "apdex",
        "interval": "1h",
        "successCondition": "result >= 0.99",
        "provider": {"replay": {"results": [{"value": 1.0}, {"value": 1.0}]}},
    }
    created = await client.post(
        "/api/v1/namespaces/default/analysisruns",
        json={"name": "live", "spec": {"metrics": [metric]}},
    )
    assert created.status_code == 201, created.text


async def test_terminate_is_a_form_with_the_pages_token(client: Client) -> None:
    await _running_run(client)
    page = await client.get("/ui/namespaces/default/runs/live")
    assert ">Terminate</button>" in page.text
    done = await client.post(
        "/ui/namespaces/default/runs/live/terminate", data={"csrf": csrf_of(page.text)}
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/ui/namespaces/default/runs/live"
    run = (await client.get("/api/v1/namespaces/default/analysisruns/live")).json()
    assert run["spec"]["terminate"] is True
    assert phase_of(run) in ("Pending", "Running", "Successful")


@pytest.mark.parametrize(
    "data",
    [{}, {"csrf": "forged-0123456789"}],
    ids=["no-token", "forged-token"],
)
async def test_a_form_without_the_pages_token_changes_nothing(
    client: Client, data: dict[str, str]
) -> None:
    await _running_run(client)
    refused = await client.post("/ui/namespaces/default/runs/live/terminate", data=data)
    assert refused.status_code == 403
    assert "the form&#39;s security token is missing or out of date" in refused.text
    run = (await client.get("/api/v1/namespaces/default/analysisruns/live")).json()
    assert run["spec"].get("terminate") is not True


async def test_loopback_mode_refuses_a_form_another_site_sends(client: Client) -> None:
    await _running_run(client)
    page = await client.get("/ui/namespaces/default/runs/live")
    refused = await client.post(
        "/ui/namespaces/default/runs/live/terminate",
        data={"csrf": csrf_of(page.text)},
        headers={"origin": "http://evil.example"},
    )
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith(
        "Origin 'http://evil.example' is not augur's own (http://localhost)"
    )


async def test_loopback_mode_still_refuses_forms_outside_the_pages(client: Client) -> None:
    refused = await client.post(
        "/api/v1/namespaces/default/analysisruns/live/terminate", data={"csrf": "x"}
    )
    assert refused.status_code == 415
    assert refused.json()["detail"].startswith(
        "Content-Type 'application/x-www-form-urlencoded' is not accepted"
    )
