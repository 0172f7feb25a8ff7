"""The pages with tokens configured: the login, the session cookie it sets, and who may see and
do what, namespace limits included, in the API's words."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from tests.ui.conftest import Client, Serve, csrf_of, log_in, seed_run

WRITER = "writer-token-0123456789abcdef"
READER = "reader-token-0123456789abcdef"
TEAM_A = "team-a-read-token-0123456789"
TOKENS = f"write:{WRITER},read:{READER},read@team-a:{TEAM_A}"


@pytest.fixture
async def secured(serve: Serve) -> AsyncIterator[Client]:
    async with serve(tokens=TOKENS) as client:
        store = client.app.state.store
        await seed_run(store, namespace="team-a", name="run-a", count=3)
        await seed_run(store, namespace="team-b", name="run-b", count=3)
        yield client


async def test_without_a_session_a_page_sends_to_the_login_and_back(secured: Client) -> None:
    answer = await secured.get("/ui/?phase=Running")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/login?next=%2Fui%2F%3Fphase%3DRunning"
    form = await secured.get(answer.headers["location"])
    assert 'name="next" value="/ui/?phase=Running"' in form.text
    logged = await secured.post(
        "/ui/login",
        data={"csrf": csrf_of(form.text), "token": READER, "next": "/ui/?phase=Running"},
    )
    assert logged.status_code == 303
    assert logged.headers["location"] == "/ui/?phase=Running"
    assert (await secured.get("/ui/?phase=Running")).status_code == 200


async def test_the_session_cookie_is_httponly_strict_and_not_the_token(secured: Client) -> None:
    form = await secured.get("/ui/login")
    logged = await secured.post("/ui/login", data={"csrf": csrf_of(form.text), "token": WRITER})
    cookies = [v for k, v in logged.headers.multi_items() if k == "set-cookie"]
    [session] = [c for c in cookies if c.startswith("augur_session=")]
    assert "HttpOnly" in session
    assert "SameSite=strict" in session
    assert "Max-Age=43200" in session
    assert WRITER not in session
    page = await secured.get("/ui/")
    assert WRITER not in page.text
    assert "Logged in: write" in page.text


@pytest.mark.parametrize("token", ["", "not-a-token-0123456789abcdef"], ids=["empty", "unknown"])
async def test_a_wrong_token_is_refused_and_never_shown(secured: Client, token: str) -> None:
    form = await secured.get("/ui/login")
    refused = await secured.post("/ui/login", data={"csrf": csrf_of(form.text), "token": token})
    assert refused.status_code == 401
    assert "That token is not valid." in refused.text
    assert token not in refused.text or not token
    assert "augur_session" not in refused.headers.get("set-cookie", "")


async def test_the_login_form_needs_its_token_too(secured: Client) -> None:
    await secured.get("/ui/login")
    refused = await secured.post("/ui/login", data={"token": WRITER})
    assert refused.status_code == 403
    assert "augur_session" not in refused.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    ("next_page", "lands"),
    [
        ("/ui/namespaces/team-a/runs/run-a", "/ui/namespaces/team-a/runs/run-a"),
        ("https://evil.example/ui/", "/ui/"),
        ("//evil.example/ui/", "/ui/"),
        ("/ui//evil.example", "/ui/"),
        ("/api/v1/analysisruns", "/ui/"),
        ("/ui/\\evil", "/ui/"),
    ],
    ids=["a-page", "other-site", "scheme-relative", "double-slash", "not-a-page", "backslash"],
)
async def test_the_login_sends_only_to_a_page(secured: Client, next_page: str, lands: str) -> None:
    form = await secured.get("/ui/login")
    logged = await secured.post(
        "/ui/login", data={"csrf": csrf_of(form.text), "token": READER, "next": next_page}
    )
    assert logged.headers["location"] == lands


async def test_logout_ends_the_session(secured: Client) -> None:
    await log_in(secured, READER)
    page = await secured.get("/ui/")
    out = await secured.post("/ui/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    assert out.headers["location"] == "/ui/login?out=1"
    assert (await secured.get("/ui/")).status_code == 303


async def test_a_reader_sees_no_terminate_and_is_refused_one(secured: Client) -> None:
    await log_in(secured, READER)
    page = await secured.get("/ui/namespaces/team-a/runs/run-a")
    assert ">Terminate</button>" not in page.text
    assert "needs a token with <code>write</code> scope" in page.text
    refused = await secured.post(
        "/ui/namespaces/team-a/runs/run-a/terminate", data={"csrf": csrf_of(page.text)}
    )
    assert refused.status_code == 403
    assert "your token has read scope; this needs write in namespace &#34;team-a&#34;" in (
        refused.text
    )


async def test_a_writer_terminates(secured: Client) -> None:
    await log_in(secured, WRITER)
    page = await secured.get("/ui/namespaces/team-a/runs/run-a")
    done = await secured.post(
        "/ui/namespaces/team-a/runs/run-a/terminate", data={"csrf": csrf_of(page.text)}
    )
    assert done.status_code == 303
    run = await secured.app.state.runs.get_run("team-a", "run-a")
    assert run.spec.terminate is True


async def test_a_form_from_another_origin_is_refused(secured: Client) -> None:
    await log_in(secured, WRITER)
    page = await secured.get("/ui/namespaces/team-a/runs/run-a")
    refused = await secured.post(
        "/ui/namespaces/team-a/runs/run-a/terminate",
        data={"csrf": csrf_of(page.text)},
        headers={"origin": "https://evil.example"},
    )
    assert refused.status_code == 403
    assert "the form came from &#39;https://evil.example&#39;, not from augur" in refused.text


async def test_a_namespace_token_sees_its_namespaces_only(secured: Client) -> None:
    await log_in(secured, TEAM_A)
    listed = await secured.get("/ui/")
    assert re.findall(r">(run-[ab])</a>", listed.text) == ["run-a"]
    assert '<option value="">all of mine</option>' in listed.text
    other = await secured.get("/ui/namespaces/team-b/runs/run-b")
    assert other.status_code == 403
    assert "your token is limited to namespaces team-a" in other.text
    filtered = await secured.get("/ui/?namespace=team-b")
    assert filtered.status_code == 403
    fragment = await secured.get("/ui/live/runs", params={"namespace": "team-b"})
    assert fragment.status_code == 403


async def test_anonymous_reads_show_the_pages_but_not_the_controls(serve: Serve) -> None:
    async with serve(tokens=TOKENS, anonymous_reads=True) as client:
        await seed_run(client.app.state.store, namespace="team-a", name="run-a", count=3)
        page = await client.get("/ui/namespaces/team-a/runs/run-a")
        assert page.status_code == 200
        assert ">Terminate</button>" not in page.text
        assert "Log in with a <code>write</code> token to terminate this run." in page.text
        form = await client.get("/ui/login")  # a genuine form token of this visitor
        refused = await client.post(
            "/ui/namespaces/team-a/runs/run-a/terminate", data={"csrf": csrf_of(form.text)}
        )
        assert refused.status_code == 403
        assert "this needs a token with write scope in namespace" in refused.text
