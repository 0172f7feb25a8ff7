"""`make demo-server`: a few canary analyses on a running augur, to watch on its dashboard.

    make run                      # in one terminal: augur on http://127.0.0.1:8080
    make demo-server              # in another: stores a template, starts four runs
    open http://127.0.0.1:8080/ui/

`python -m tests.fakes.demo_server --server URL` does the same against any augur; with tokens
configured, put a `write` token in `AUGUR_DEMO_TOKEN` (it is read from the environment, never
from the command line). The runs measure recorded SkyWalking answers (the `replay` provider),
so no cluster is needed: a healthy canary passes, a degrading one rolls back (Failed), a flaky
one keeps running for a few minutes with provider errors, and one in another namespace passes.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

import httpx

CONDITION = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"
#: (namespace, run, interval, apdex lows a measurement; None: a provider error)
RUNS: tuple[tuple[str, str, str, list[int | None]], ...] = (
    ("bookinfo", "ratings-canary", "2s", [9950, 9940, 9960, 9930, 9955, 9945, 9950, 9960]),
    (
        "bookinfo",
        "reviews-canary",
        "3s",
        [9950, 9930, 9910, 9880, 9920, 9840, 9790, 9720, 9650, 9600],
    ),
    (
        "bookinfo",
        "details-canary",
        "5s",
        [9950 + (i * 7) % 40 if i % 9 != 4 else None for i in range(60)],
    ),
    ("storefront", "checkout-canary", "2s", [9970, 9965, 9980, 9975, 9960, 9970]),
)


def _answer(low: int | None, index: int) -> dict[str, Any]:
    if low is None:
        return {"error": "dial tcp 10.0.4.17:12800: connect: connection refused"}
    points = [low + (index * 13 + k * 29) % 45 for k in range(4)] + [low]
    return {"value": {"service_apdex": {"values": {"values": [{"value": p} for p in points]}}}}


def template(name: str, interval: str, lows: Sequence[int | None]) -> dict[str, Any]:
    """An AnalysisTemplate as the seed's, its OAP answers recorded."""
    count = sum(low is not None for low in lows)
    metric = {
        "name": "apdex",
        "interval": interval,
        "count": count,
        "failureLimit": 3,
        "successCondition": CONDITION,
        "provider": {"replay": {"results": [_answer(v, i) for i, v in enumerate(lows)]}},
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": {"metrics": [metric]},
    }


def start(client: httpx.Client) -> list[str]:
    """Store each run's template and start the run; the pages of the runs started."""
    pages = []
    for namespace, name, interval, lows in RUNS:
        base = f"/api/v1/namespaces/{namespace}"
        stored = client.put(f"{base}/analysistemplates/{name}", json=template(name, interval, lows))
        stored.raise_for_status()
        body = {
            "generateName": f"{name}-",
            "templates": [{"templateName": name}],
            "labels": {"app": name.removesuffix("-canary")},
        }
        created = client.post(f"{base}/analysisruns", json=body)
        created.raise_for_status()
        run = created.json()["metadata"]["name"]
        pages.append(f"{client.base_url}ui/namespaces/{namespace}/runs/{run}")
    return pages


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--server", default="http://127.0.0.1:8080", help="augur's address")
    args = parser.parse_args(argv)
    token = os.environ.get("AUGUR_DEMO_TOKEN", "")
    headers = {"authorization": f"Bearer {token}"} if token else {}
    server = args.server.rstrip("/") + "/"
    try:
        with httpx.Client(base_url=server, headers=headers, timeout=10) as client:
            pages = start(client)
    except httpx.HTTPStatusError as exc:
        print(f"augur refused: {exc.response.status_code} {exc.response.text}", file=sys.stderr)
        return 1
    except httpx.TransportError as exc:
        print(f"cannot reach augur at {server} ({exc}); is `make run` serving?", file=sys.stderr)
        return 1
    print(f"started {len(pages)} runs; watch them at {server}ui/")
    for page in pages:
        print(f"  {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
