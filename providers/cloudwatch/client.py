"""The AWS client a CloudWatch measurement uses: aiobotocore, configured as Argo's SDK is.

**Credentials.** Argo calls ``config.LoadDefaultConfig``: static keys from the environment
first, then shared config and credentials files (``AWS_PROFILE``), web identity (IRSA),
container credentials (EKS Pod Identity, ECS) and IMDS. Here the static keys
(``AWS_ACCESS_KEY_ID``/``AWS_ACCESS_KEY``, ``AWS_SECRET_ACCESS_KEY``/``AWS_SECRET_KEY``,
``AWS_SESSION_TOKEN``) are read through the host's :class:`~providers.base.Credentials`, so every
value is redacted from whatever augur stores or logs; without both keys botocore's chain goes on
from the shared files, its own reading of the environment's keys taken out (the host decides
what environment a provider sees). No credential ever enters a message: errors are built from
AWS's answer, the endpoint and the reason, and botocore's own texts never hold one.

**Region and endpoint** are not secrets and are read from augur's process environment, as the
SDK reads them: ``AWS_REGION``, then botocore's ``AWS_DEFAULT_REGION`` and profile;
``AWS_ENDPOINT_URL_CLOUDWATCH`` or ``AWS_ENDPOINT_URL`` override the endpoint (a fake in tests,
a VPC endpoint in production).

**Where it connects.** aiobotocore does its own HTTP (aiohttp), outside the shared httpx client.
The host's address check still applies: its ``Resolve`` is handed to aiohttp as the resolver,
so every connection goes only to addresses the policy approved for the endpoint's name (resolved
once, as the shared client does); and the endpoint is checked before the call, so a refusal is
reported at once with its reason instead of being retried as a network failure. The answer's
size limit does not apply: botocore reads the answer itself (``GetMetricData``'s first page is
bounded by AWS).

**Retries** are the SDK's standard mode, as Go's standard retryer: 3 attempts, exponential
backoff with jitter, on throttling, 5xx and transient network errors.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session

from providers.aio import GuardedResolver
from providers.base import Credentials
from providers.client import GuardedClient, Resolve

__all__ = ["aws_client", "guard_of", "static_keys"]

_SESSIONS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AioSession] = (
    weakref.WeakKeyDictionary()
)
_RETRIES = {"mode": "standard", "max_attempts": 3}


def guard_of(http: httpx.AsyncClient) -> Resolve | None:
    """The host's address check, when the shared client carries one."""
    return http.guard.resolve if isinstance(http, GuardedClient) else None


def static_keys(credentials: Credentials) -> dict[str, str]:
    """The environment's static keys as `create_client` takes them; empty without both."""
    key = credentials.env("AWS_ACCESS_KEY_ID") or credentials.env("AWS_ACCESS_KEY")
    secret = credentials.env("AWS_SECRET_ACCESS_KEY") or credentials.env("AWS_SECRET_KEY")
    if not key or not secret:
        return {}
    found = {"aws_access_key_id": key, "aws_secret_access_key": secret}
    token = credentials.env("AWS_SESSION_TOKEN")
    if token:
        found["aws_session_token"] = token
    return found


def _session() -> AioSession:
    """One session per event loop (its credential cache and refresh locks belong to a loop),
    whose chain skips the environment's keys: those come through `static_keys`."""
    loop = asyncio.get_running_loop()
    session = _SESSIONS.get(loop)
    if session is None:
        session = get_session()
        session.get_component("credential_provider").remove("env")
        _SESSIONS[loop] = session
    return session


@asynccontextmanager
async def aws_client(
    credentials: Credentials, resolver: GuardedResolver | None
) -> AsyncIterator[Any]:
    """A CloudWatch client for one measurement."""
    connector: dict[str, Any] = {"resolver": resolver} if resolver is not None else {}
    config = AioConfig(connector_args=connector, retries=_RETRIES)
    async with _session().create_client(
        "cloudwatch",
        region_name=os.environ.get("AWS_REGION") or None,
        config=config,
        **static_keys(credentials),
    ) as client:
        yield client
