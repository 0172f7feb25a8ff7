"""A new user's first hour against a real `augur serve` (uvicorn on loopback, SQLite): the
documented template validates as the YAML it is, a misspelt arg is refused by name at every
door (REST, Argo's web gate, Flagger's webhooks), every problem of a template comes back in one
answer, a bad `labelSelector` is named, and `/docs` and `/redoc` need nothing from the internet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.deploy.examples import TEMPLATE_ARGS
from tests.support.servers import REPO, augur_server

EXAMPLES = REPO / "examples"
SEED = (EXAMPLES / "skywalking-apdex.yaml").read_text()
PROBLEM = "application/problem+json"
UNRESOLVED = "was not resolved (declared without a value; supply one)"
MISSPELT = (
    'unknown arg "oap-adress"; the templates declare service-name, oap-address; '
    "did you mean oap-address?"
)
FIVE = """\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: five}
spec:
  args: [{name: a1}, {name: a2}, {name: a3}]
  metrics:
    - name: reachable
      failurLimit: 3
      successCondition: result == "{{args.a1}}"
      provider: {web: {url: "http://example.test/{{args.a2}}/{{args.a3}}"}}
    - name: fast
      successCondition: asFlaot(result) > 1
      provider: {web: {url: "http://example.test/"}}
"""
CARET = (
    "unknown name asFlaot (1:1); did you mean asFloat?\n | asFlaot(result) > 1\n | ^ "
    "(an expr-lang expression over `result` that yields a bool)"
)


def five_problems(unknown_field: str, args: str) -> list[dict[str, str]]:
    return [
        {"field": unknown_field, "message": "unknown field (did you mean failureLimit?)"},
        *({"field": args, "message": f"args.{name} {UNRESOLVED}"} for name in ("a1", "a2", "a3")),
        {"field": "spec.metrics[1].successCondition", "message": CARET},
    ]


@pytest.fixture(scope="module")
def augur(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    folder = tmp_path_factory.mktemp("served")
    store = f"sqlite+aiosqlite:///{folder / 'augur.db'}"
    with (
        augur_server(store_url=store, log=folder / "augur.log", ready=True) as served,
        httpx.Client(base_url=served.base_url, timeout=30) as client,
    ):
        stored = client.put(
            "/api/v1/namespaces/default/analysistemplates/apdex",
            content=SEED,
            headers={"content-type": "application/yaml"},
        )
        assert stored.status_code in (200, 201), stored.text
        yield client


def validate(augur: httpx.Client, body: str, media: str, args: dict[str, str]) -> httpx.Response:
    params = [("arg", f"{name}={value}") for name, value in args.items()]
    return augur.post(
        "/api/v1/validate", content=body, params=params, headers={"content-type": media}
    )


@pytest.mark.parametrize("media", ["application/yaml", "text/yaml"])
@pytest.mark.parametrize(
    "example",
    ["skywalking-apdex.yaml", "prometheus-success-rate.yaml", "argo-rollout-web-gate.yaml"],
)
def test_every_example_validates_as_the_yaml_it_is(
    augur: httpx.Client, example: str, media: str
) -> None:
    text = (EXAMPLES / example).read_text()
    (name,) = re.findall(r"kind: AnalysisTemplate\nmetadata:\n  name: (\S+)", text)
    reply = validate(augur, text, media, TEMPLATE_ARGS[name])
    assert (reply.status_code, reply.json()) == (200, {"valid": True, "problems": []})


def test_an_example_with_no_template_says_so(augur: httpx.Client) -> None:
    reply = validate(augur, (EXAMPLES / "flagger-canary.yaml").read_text(), "text/yaml", {})
    assert reply.json() == {
        "valid": False,
        "problems": [
            {
                "field": "body",
                "message": "no AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun found "
                "(only Canary)",
            }
        ],
    }


@pytest.mark.parametrize(
    ("body", "media", "args", "problems"),
    [
        pytest.param(
            SEED,
            "application/yaml",
            {"oap-adress": "http://x", "service-name": "x"},
            [{"field": "arg[0]", "message": MISSPELT}],
            id="misspelt-arg",
        ),
        pytest.param(
            SEED,
            "application/yaml",
            {},
            [{"field": "spec.args", "message": f"args.service-name {UNRESOLVED}"}],
            id="missing-arg",
        ),
        pytest.param(
            FIVE,
            "application/yaml",
            {},
            five_problems("spec.metrics[0].failurLimit", "spec.args"),
            id="five-problems",
        ),
        pytest.param(
            f"{SEED}---\n{FIVE}",
            "application/yaml",
            {"service-name": "x"},
            [
                {
                    "field": "documents[1].spec.metrics[0].failurLimit",
                    "message": "unknown field (did you mean failureLimit?)",
                },
                *five_problems("", "spec.args")[1:4],
                # The run's metrics: the seed's apdex, then the two of the second document.
                {"field": "spec.metrics[2].successCondition", "message": CARET},
            ],
            id="several-documents-named-by-index",
        ),
    ],
)
def test_validate_lists_every_problem(
    augur: httpx.Client, body: str, media: str, args: dict[str, str], problems: list[dict[str, str]]
) -> None:
    reply = validate(augur, body, media, args)
    assert (reply.status_code, reply.json()) == (200, {"valid": False, "problems": problems})


def test_validate_reads_a_json_list_of_documents(augur: httpx.Client) -> None:
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "json"},
        "spec": {"metrics": [{"name": "m", "provider": {"web": {"url": "http://example.test/"}}}]},
    }
    reply = augur.post(
        "/api/v1/validate", json=[template, {**template, "kind": "ClusterAnalysisTemplate"}]
    )
    assert reply.json() == {
        "valid": False,
        "problems": [{"field": "spec", "message": "two metrics have the same name 'm'"}],
    }


@pytest.mark.parametrize(
    ("params", "body", "field", "detail"),
    [
        pytest.param(
            {"arg": "no-equals-sign"}, SEED, "arg[0]", "an arg is not name=value", id="bad"
        ),
        pytest.param(
            {"arg": "service-name=x"},
            '{"templates": [{"templateName": "apdex"}]}',
            "arg",
            "?arg= gives args to template documents; this body names its own args",
            id="request-form-takes-body-args",
        ),
    ],
)
def test_a_bad_arg_query_is_a_422_naming_it(
    augur: httpx.Client, params: dict[str, str], body: str, field: str, detail: str
) -> None:
    reply = augur.post(
        "/api/v1/validate",
        content=body,
        params=params,
        headers={"content-type": "application/yaml"},
    )
    assert reply.status_code == 422
    assert reply.headers["content-type"] == PROBLEM
    assert reply.json()["detail"] == detail
    assert [e["field"] for e in reply.json()["errors"]] == [field]


def problem(reply: httpx.Response) -> list[dict[str, Any]]:
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == PROBLEM
    return list(reply.json()["errors"])


MISSPELT_ARGS = [
    {"name": "oap-adress", "value": "http://x"},
    {"name": "service-name", "value": "x"},
]


def test_rest_refuses_a_misspelt_arg_by_name(augur: httpx.Client) -> None:
    reply = augur.post(
        "/api/v1/namespaces/default/analysisruns",
        json={"templates": [{"templateName": "apdex"}], "args": MISSPELT_ARGS},
    )
    assert problem(reply) == [{"field": "args[0]", "message": MISSPELT}]
    assert augur.get("/api/v1/analysisruns").json()["items"] == []


def test_rest_answers_five_problems_of_an_inline_spec_at_once(augur: httpx.Client) -> None:
    spec = {
        "args": [{"name": "a1"}, {"name": "a2"}, {"name": "a3"}],
        "metrics": [
            {
                "name": "reachable",
                "failurLimit": 3,
                "successCondition": 'result == "{{args.a1}}"',
                "provider": {"web": {"url": "http://example.test/{{args.a2}}/{{args.a3}}"}},
            },
            {
                "name": "fast",
                "successCondition": "asFlaot(result) > 1",
                "provider": {"web": {"url": "http://example.test/"}},
            },
        ],
    }
    reply = augur.post("/api/v1/namespaces/default/analysisruns", json={"spec": spec})
    assert problem(reply) == five_problems("spec.metrics[0].failurLimit", "args")


@pytest.mark.parametrize("path", ["/api/v1/gates/argo/evaluate", "/api/v1/gates/argo/first-hour"])
def test_the_argo_gate_refuses_a_misspelt_arg(augur: httpx.Client, path: str) -> None:
    body = {"namespace": "default", "templates": [{"templateName": "apdex"}], "args": MISSPELT_ARGS}
    assert problem(augur.post(path, json=body)) == [{"field": "args[0]", "message": MISSPELT}]


def test_flagger_refuses_an_args_key_naming_an_undeclared_arg(augur: httpx.Client) -> None:
    payload = {
        "name": "podinfo",
        "namespace": "default",
        "phase": "Progressing",
        "checksum": "85d557f47b",
        "metadata": {"template": "apdex", "args.servce-name": "x", "args.service-name": "x"},
    }
    reply = augur.post("/api/v1/gates/flagger/confirm-rollout", json=payload)
    assert problem(reply) == [
        {
            "field": "metadata.args.servce-name",
            "message": 'unknown arg "servce-name"; the templates declare service-name, '
            "oap-address; did you mean service-name?",
        }
    ]


def test_an_invalid_label_selector_is_named(augur: httpx.Client) -> None:
    reply = augur.get("/api/v1/analysisruns", params={"labelSelector": "app=" + "x" * 64})
    assert problem(reply) == [
        {
            "field": "labelSelector",
            "message": "a value of 64 characters (xxxxxxxxxxxxxxxx...); at most 63 are allowed; "
            "write key=value, key!=value, key in (a,b), key notin (a,b), key or !key",
        }
    ]


LINK = re.compile(r"""(?:src|href|spec-url)="([^"]*)"|url: '([^']*)'""")


@pytest.mark.parametrize(
    ("page", "links"),
    [
        pytest.param(
            "/docs",
            [
                "/docs/static/swagger-ui.css",
                "/docs/static/favicon.png",
                "/docs/static/swagger-ui-bundle.js",
                "/openapi.json",
            ],
            id="swagger-ui",
        ),
        pytest.param(
            "/redoc",
            ["/docs/static/favicon.png", "/openapi.json", "/docs/static/redoc.standalone.js"],
            id="redoc",
        ),
    ],
)
def test_docs_pages_load_everything_from_augur(
    augur: httpx.Client, page: str, links: list[str]
) -> None:
    reply = augur.get(page)
    assert reply.status_code == 200
    html = reply.text
    assert "http://" not in html
    assert "https://" not in html
    assert [a or b for a, b in LINK.findall(html)] == links
    for link in links:
        asset = augur.get(link)
        assert asset.status_code == 200, link
        assert asset.content
