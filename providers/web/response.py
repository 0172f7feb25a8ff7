"""What Argo's web provider makes of an answer, kept here.

A status outside 200-299 is an error (``received non 2xx response code: <code>``, body ignored;
5xx is retryable); a body that is not JSON (empty included) is the result as a string and
``jsonPath`` is ignored (but JSON nested deeper than augur reads is an error, not a string);
otherwise the first value of the first non-empty JSONPath result is the result and ``value`` is
its Go ``json.Marshal`` text.
"""

from __future__ import annotations

from typing import Any

import httpx

from providers.base import Measured
from providers.errors import NoDataError, QueryError, UnavailableError
from providers.golang import GoJSONError, GoJSONTooDeep, decode_json, marshal
from providers.jsonpath import JSONPathError, Template
from providers.web.config import PROVIDER

__all__ = ["measured", "select"]


def select(template: Template, data: Any) -> Any:
    """Argo's rule: the first value of the first non-empty result set."""
    try:
        results = template.find_results(data)
    except JSONPathError as exc:
        raise QueryError(f"Could not find JSONPath in body: {exc}", provider=PROVIDER) from exc
    for found in results:
        if found:
            return found[0]
    raise NoDataError("result of web metric produced no value", provider=PROVIDER)


def measured(response: httpx.Response, template: Template, *, latency: float) -> Measured:
    """The measurement an answer makes, or the ProviderError Argo would record."""
    status = response.status_code
    if not 200 <= status < 300:
        error = UnavailableError if status >= 500 else QueryError
        raise error(
            f"received non 2xx response code: {status}",
            provider=PROVIDER,
            status=status,
            upstream_message=response.content.decode("utf-8", errors="replace"),
        )
    metadata = {"statusCode": str(status), "latencySeconds": f"{latency:.6f}"}
    try:
        data = decode_json(response.content)
    except GoJSONTooDeep as exc:  # JSON all the same, but deeper than augur reads: no text result
        raise QueryError(
            f"Could not parse JSON body: {exc}", provider=PROVIDER, status=status
        ) from exc
    except GoJSONError:
        text = response.content.decode("utf-8", errors="replace")
        return Measured(result=text, value=text, metadata=metadata, latency_seconds=latency)
    result = select(template, data)
    return Measured(
        result=result, value=marshal(result), metadata=metadata, latency_seconds=latency
    )
