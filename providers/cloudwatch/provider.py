"""The CloudWatch provider: one ``GetMetricData`` call per measurement, as Argo makes it.

``EndTime`` is the measurement's time and ``StartTime`` ``interval`` before it (not aligned);
only the first page is read (no ``NextToken``), with AWS's default order, newest point first.
``result`` is the list of ``MetricDataResult`` structs with Go's field names (``Id``,
``Label``, ``Timestamps``, ``Values``, ``StatusCode``, ``Messages``), ``value`` Go's ``%+v`` of
the values (``[[0.1 0.2] []]``), kept when a condition cannot be evaluated, as Argo keeps it.
AWS's top-level ``Messages`` go to ``metadata.messages``. Errors read as the Go SDK's:
``operation error CloudWatch: GetMetricData, https response error StatusCode: 400, RequestID:
…, api error ValidationError: …``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from botocore.exceptions import BotoCoreError, ClientError, NoRegionError
from botocore.exceptions import ConnectionError as AWSConnectionError

from providers.aio import GuardedResolver
from providers.base import NO_CREDENTIALS, Credentials, MeasureContext, Measured
from providers.cloudwatch.client import aws_client, guard_of
from providers.cloudwatch.config import PROVIDER, parse_config
from providers.errors import ProviderError, QueryError, UnavailableError
from providers.golang import format_float_v

__all__ = ["CloudWatchProvider", "measured", "results"]

_OPERATION = "operation error CloudWatch: GetMetricData"
#: Go's text when no region is configured (the SDK fails before it sends anything).
_NO_REGION = (
    f"{_OPERATION}, failed to resolve service endpoint, an AWS region is required, "
    "but was not found"
)


def _utc(moment: Any) -> datetime:
    return moment.astimezone(UTC) if isinstance(moment, datetime) else moment


def results(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``MetricDataResults`` as Go's structs: every field present (absent pointers None,
    absent lists empty), times aware in UTC, values floats."""
    return [
        {
            "Id": item.get("Id"),
            "Label": item.get("Label"),
            "Timestamps": [_utc(t) for t in item.get("Timestamps") or []],
            "Values": [float(v) for v in item.get("Values") or []],
            "StatusCode": item.get("StatusCode") or "",
            "Messages": [
                {"Code": m.get("Code"), "Value": m.get("Value")} for m in item.get("Messages") or []
            ],
        }
        for item in answer.get("MetricDataResults") or []
    ]


def _messages(messages: Sequence[Mapping[str, Any]]) -> str:
    """Go's ``%+v`` of ``[]MessageData``, with the strings where Go prints pointers."""
    return (
        "[" + " ".join(f"{{Code:{m.get('Code')} Value:{m.get('Value')}}}" for m in messages) + "]"
    )


def measured(answer: Mapping[str, Any], *, latency: float = 0.0) -> Measured:
    """What Argo makes of a ``GetMetricData`` answer."""
    found = results(answer)
    value = (
        "["
        + " ".join(
            "[" + " ".join(format_float_v(v) for v in item["Values"]) + "]" for item in found
        )
        + "]"
    )
    metadata = {"messages": _messages(answer["Messages"])} if answer.get("Messages") else {}
    times: dict[tuple[str | int, ...], Sequence[datetime]] = {
        (index, "Values"): item["Timestamps"]
        for index, item in enumerate(found)
        if len(item["Timestamps"]) == len(item["Values"])
    }
    return Measured(
        result=found,
        value=value,
        metadata=metadata,
        go_type="[]types.MetricDataResult",
        keep_value_on_error=True,
        point_times=times,
        latency_seconds=latency,
    )


def _client_error(exc: ClientError) -> ProviderError:
    """The Go SDK's text for an error AWS answered."""
    meta = exc.response.get("ResponseMetadata") or {}
    error = exc.response.get("Error") or {}
    status = int(meta.get("HTTPStatusCode") or 0)
    code, reason = error.get("Code", ""), error.get("Message", "")
    message = (
        f"{_OPERATION}, https response error StatusCode: {status}, "
        f"RequestID: {meta.get('RequestId', '')}, api error {code}: {reason}"
    )
    retryable = status >= 500 or "Throttl" in str(code)
    kind = UnavailableError if retryable else QueryError
    return kind(message, provider=PROVIDER, status=status or None, upstream_message=reason)


class CloudWatchProvider:
    """``provider.cloudWatch``: see :mod:`providers.cloudwatch.config` for the fields."""

    kind = PROVIDER

    def __init__(self, config: Mapping[str, Any], *, http: httpx.AsyncClient) -> None:
        self._config = parse_config(config)
        resolve = guard_of(http)
        self._resolver = GuardedResolver(resolve) if resolve is not None else None

    async def measure(self, ctx: MeasureContext) -> Measured:
        started = time.perf_counter()
        answer = await self._get_metric_data(ctx.now, ctx.credentials)
        return measured(answer, latency=time.perf_counter() - started)

    async def check(self) -> None:
        """CloudWatch answers the template's queries over the last interval (with the
        credentials of botocore's chain: a probe has no measurement's environment)."""
        await self._get_metric_data(datetime.now(UTC), NO_CREDENTIALS)

    async def aclose(self) -> None:
        """Each measurement's client is closed with it."""

    async def _endpoint_allowed(self, endpoint: str) -> None:
        if self._resolver is None:
            return
        url = httpx.URL(endpoint)
        try:
            await self._resolver.check(url.host, url.port or (443 if url.scheme == "https" else 80))
        except OSError as exc:
            raise UnavailableError(
                f'{_OPERATION}, request send failed, Post "{endpoint}": {exc}', provider=PROVIDER
            ) from None

    async def _get_metric_data(self, now: datetime, credentials: Credentials) -> Mapping[str, Any]:
        cfg = self._config
        try:
            async with aws_client(credentials, self._resolver) as client:
                endpoint = str(client.meta.endpoint_url)
                await self._endpoint_allowed(endpoint)
                answer: Mapping[str, Any] = await client.get_metric_data(
                    StartTime=now - cfg.interval, EndTime=now, MetricDataQueries=cfg.queries
                )
                return answer
        except ClientError as exc:
            raise _client_error(exc) from None
        except NoRegionError:
            raise UnavailableError(_NO_REGION, provider=PROVIDER) from None
        except AWSConnectionError as exc:
            raise UnavailableError(
                f"{_OPERATION}, exceeded maximum number of attempts, 3, request send failed, {exc}",
                provider=PROVIDER,
            ) from None
        except BotoCoreError as exc:
            raise QueryError(f"{_OPERATION}, {exc}", provider=PROVIDER) from None
