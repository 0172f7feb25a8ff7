"""The pages in process (`serve`, as the API's tests use it) and what their tests share: stored
runs seeded as the scheduler writes them, the synchronizer token read off a page, logging in."""

from __future__ import annotations

import re

from benchmarks.ui_bench import seed_run
from tests.api.conftest import Client, Serve, client, serve

__all__ = ["Client", "Serve", "client", "csrf_of", "log_in", "seed_run", "serve"]

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no form token"
    return found.group(1)


async def log_in(client: Client, token: str) -> None:
    """Log in through the form, as a person does."""
    form = await client.get("/ui/login")
    answer = await client.post("/ui/login", data={"csrf": csrf_of(form.text), "token": token})
    assert answer.status_code == 303, answer.text
