"""The templates' pages: the list, one template as YAML, and Validate, which shows what
`POST /api/v1/validate` finds for the template with the args typed beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.servers import REPO
from tests.ui.conftest import Client, Serve, csrf_of, log_in

SEED = (REPO / "examples" / "skywalking-apdex.yaml").read_text()
YAML = {"content-type": "application/yaml"}
READER = "reader-token-0123456789abcdef"


async def _store_seed(client: Client, path: str = "namespaces/default/analysistemplates") -> None:
    text = (
        SEED
        if "cluster" not in path
        else SEED.replace("kind: AnalysisTemplate", "kind: ClusterAnalysisTemplate")
    )
    stored = await client.put(f"/api/v1/{path}/apdex", content=text, headers=YAML)
    assert stored.status_code == 201, stored.text


async def test_the_list_shows_a_namespaces_and_the_clusters_templates(client: Client) -> None:
    await _store_seed(client)
    await _store_seed(client, "clusteranalysistemplates")
    page = await client.get("/ui/templates")
    assert page.status_code == 200
    assert '<a href="/ui/namespaces/default/templates/apdex">apdex</a>' in page.text
    assert '<a href="/ui/clustertemplates/apdex">apdex</a>' in page.text
    other = await client.get("/ui/templates?namespace=team-b")
    assert "/ui/namespaces/default/templates/apdex" not in other.text
    assert '<a href="/ui/clustertemplates/apdex">apdex</a>' in other.text


async def test_a_template_shows_as_yaml(client: Client) -> None:
    await _store_seed(client)
    page = await client.get("/ui/namespaces/default/templates/apdex")
    assert page.status_code == 200
    assert "resourceVersion: &#39;1&#39;" in page.text
    assert (
        "successCondition: all(result.service_apdex.values.values, {asFloat(.value) &gt;= 9900})"
        in (page.text)
    )


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        ("", "<code>spec.args</code>: args.service-name was not resolved"),
        ("service-name", "<code>args[0]</code>: &#39;service-name&#39; is not name=value"),
        ("service-name=canary|reviews|bookinfo|cp-cluster-1|-", "Valid: the template can run"),
    ],
    ids=["missing-arg", "not-name-value", "valid"],
)
async def test_validate_shows_every_problem_or_that_there_is_none(
    client: Client, args: str, shown: str
) -> None:
    await _store_seed(client)
    page = await client.get("/ui/namespaces/default/templates/apdex")
    checked = await client.post(
        "/ui/namespaces/default/templates/apdex/validate",
        data={"csrf": csrf_of(page.text), "args": args},
    )
    assert checked.status_code == 200
    assert shown in checked.text


async def test_validate_needs_a_login_even_with_anonymous_reads(serve: Serve) -> None:
    async with serve(tokens=f"write:{READER}", anonymous_reads=True) as client:
        headers = {**YAML, "authorization": f"Bearer {READER}"}
        await client.put(
            "/api/v1/namespaces/default/analysistemplates/apdex", content=SEED, headers=headers
        )
        page = await client.get("/ui/namespaces/default/templates/apdex")
        assert page.status_code == 200
        assert "Log in to validate this template." in page.text
        await log_in(client, READER)
        page = await client.get("/ui/namespaces/default/templates/apdex")
        assert ">Validate</button>" in page.text


def test_the_pages_are_package_data() -> None:
    from app.api.ui.render import STATIC

    assert {p.name for p in STATIC.iterdir()} == {"favicon.svg", "ui.css", "ui.js"}
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"api/ui/html/*.html", "api/ui/static/*"' in pyproject
    assert Path(STATIC.parent / "html" / "base.html").exists()
