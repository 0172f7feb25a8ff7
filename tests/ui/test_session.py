"""The session cookie and the form tokens of app/api/session.py, and `StreamReader`: the cookie
as good as the token it was made from, for reads only, until it expires or its token goes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request

from app.api.deps import visible_namespaces
from app.api.problems import install
from app.api.session import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    StreamReader,
    csrf_matches,
    csrf_token,
    form_key,
    issue_session,
    read_session,
)
from app.core.auth import Scope, load_tokens
from app.core.settings import Settings

WRITER = "writer-token-0123456789abcdef"
TEAM_A = "team-a-read-token-0123456789"
TOKENS = load_tokens(f"write:{WRITER},read@team-a:{TEAM_A}")
NOW = 1_800_000_000.0


def test_a_session_gives_what_its_token_gives() -> None:
    cookie = issue_session(TEAM_A, now=NOW)
    session = read_session(TOKENS, cookie, now=NOW + 60)
    assert session is not None
    assert session.access == TOKENS.access(TEAM_A)
    assert session.access.scope_in("team-a") is Scope.READ
    assert session.access.scope_in("team-b") is None
    assert session.expires == int(NOW) + SESSION_SECONDS
    assert TEAM_A not in cookie


@pytest.mark.parametrize(
    ("cookie", "tokens", "at"),
    [
        (issue_session(WRITER, now=NOW), TOKENS, NOW + SESSION_SECONDS),
        (issue_session(WRITER, now=NOW), load_tokens(f"write:{TEAM_A}"), NOW),
        (issue_session(WRITER, now=NOW)[:-2] + "xx", TOKENS, NOW),
        (f"{int(NOW) + 10**6}." + issue_session(WRITER, now=NOW).split(".", 1)[1], TOKENS, NOW),
        (issue_session("unknown-token-0123456789abc", now=NOW), TOKENS, NOW),
        ("a.b", TOKENS, NOW),
        ("x" * 500, TOKENS, NOW),
    ],
    ids=["expired", "token-removed", "tampered-mac", "extended-expiry", "unknown", "short", "long"],
)
def test_a_cookie_that_is_not_a_live_session_gives_nothing(
    cookie: str, tokens: object, at: float
) -> None:
    assert read_session(tokens, cookie, now=at) is None  # type: ignore[arg-type]


def test_form_tokens_are_bound_and_replicas_agree_on_their_key() -> None:
    key = form_key(TOKENS)
    assert key == form_key(load_tokens(f"write:{WRITER},read@team-a:{TEAM_A}"))
    assert key != form_key(load_tokens(f"write:{WRITER}"))
    token = csrf_token(key, "nonce-one")
    assert csrf_matches(key, "nonce-one", token)
    assert not csrf_matches(key, "nonce-two", token)
    open_mode = load_tokens("")
    assert form_key(open_mode) != form_key(open_mode)  # one local process: random


@pytest.fixture
async def stream_app() -> AsyncIterator[httpx.AsyncClient]:
    """A route guarded as the event streams are: `StreamReader`."""
    app = FastAPI()
    app.state.tokens = TOKENS
    app.state.settings = Settings(tokens=f"write:{WRITER}")
    install(app)

    @app.get("/api/v1/namespaces/{namespace}/events", dependencies=[StreamReader])
    async def run_events(namespace: str) -> dict[str, str]:
        return {"namespace": namespace}

    @app.get("/api/v1/events", dependencies=[StreamReader])
    async def all_events(request: Request) -> dict[str, list[str] | None]:
        namespaces = visible_namespaces(request)  # None: every namespace
        return {"namespaces": None if namespaces is None else sorted(namespaces)}

    @app.post("/api/v1/namespaces/{namespace}/events", dependencies=[StreamReader])
    async def posted(namespace: str) -> dict[str, str]:
        return {"namespace": namespace}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://augur") as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "token", "how", "status", "detail"),
    [
        ("GET", "/api/v1/namespaces/team-a/events", TEAM_A, "cookie", 200, None),
        ("GET", "/api/v1/namespaces/team-a/events", TEAM_A, "bearer", 200, None),
        ("GET", "/api/v1/events?namespace=team-a", TEAM_A, "cookie", 200, None),
        ("GET", "/api/v1/events", WRITER, "cookie", 200, None),
        (
            "GET",
            "/api/v1/namespaces/team-b/events",
            TEAM_A,
            "cookie",
            403,
            'the token is limited to namespaces team-a; namespace "team-b" is not one of them',
        ),
        # a namespace-limited token follows every run of its own namespaces
        ("GET", "/api/v1/events", TEAM_A, "cookie", 200, None),
        (
            "GET",
            "/api/v1/events",
            None,
            "none",
            401,
            "this endpoint needs a token: send an Authorization: Bearer header or ?token=, or "
            "log in at /ui/login",
        ),
        (
            "GET",
            "/api/v1/events",
            "wrong-token-0123456789abcd",
            "bearer",
            401,
            "the token is not valid",
        ),
        (
            "POST",
            "/api/v1/namespaces/team-a/events",
            WRITER,
            "cookie",
            401,
            "this endpoint needs a token",
        ),
    ],
    ids=[
        "cookie",
        "bearer",
        "query-namespace",
        "cluster-wide",
        "other-namespace",
        "limited-cluster-wide",
        "nothing",
        "bad-bearer",
        "cookie-not-for-writes",
    ],
)
async def test_the_streams_take_the_session_cookie_for_reads(
    stream_app: httpx.AsyncClient,
    method: str,
    path: str,
    token: str | None,
    how: str,
    status: int,
    detail: str | None,
) -> None:
    headers = {}
    if how == "cookie" and token is not None:
        stream_app.cookies.set(SESSION_COOKIE, issue_session(token))
    elif how == "bearer" and token is not None:
        headers["authorization"] = f"Bearer {token}"
    answer = await stream_app.request(method, path, headers=headers)
    assert answer.status_code == status, answer.text
    if path == "/api/v1/events" and status == 200:
        assert answer.json() == {"namespaces": ["team-a"] if token == TEAM_A else None}
    if detail is not None:
        assert answer.json()["detail"].startswith(detail)
