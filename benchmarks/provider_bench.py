"""Per-measurement cost of augur's SkyWalking provider vs a bare httpx POST (the floor).

    python -m benchmarks.provider_bench            # ~20 s, from the repository root
    python -m benchmarks.provider_bench --quick    # smoke run
    python -m benchmarks.provider_bench --json

Both sides send the seed's `readMetricsValues` query for `canary|reviews|bookinfo|cp-cluster-1|-`
to the same schema-validating fake OAP (tests/fakes), served on loopback from a thread of this
process, over one shared `httpx.AsyncClient`:

    floor     httpx POST of the query with its $duration variable, then `response.json()`
    provider  `SkyWalkingProvider.measure`: window, POST, Go-style decoding, no-data inspection,
              Go-style value string, metadata
    judged    the provider plus the seed condition compiled once (what one measurement costs
              the engine before the store write)
    served    the provider over the client `augur serve` builds instead (app/service/outbound.py:
              every connection's address resolved and checked once, answers read under a size
              limit); its connections are pooled as the bare client's are

Rounds alternate between the four so background load hits them alike; each figure is the
median over rounds of the mean latency within a round. The target is provider/floor <= 1.5.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from app.core.addresses import AddressPolicy
from app.engine.conditions import compile_conditions, evaluate_result
from app.service.outbound import outbound_client
from benchmarks.timing import interleaved_medians
from providers.base import MeasureContext
from providers.skywalking import SkyWalkingProvider
from tests.fakes.fake_oap import FakeOAP, seed_demo

SERVICE = "canary|reviews|bookinfo|cp-cluster-1|-"
QUERY = (
    "query queryData($duration: Duration!) {\n"
    "  service_apdex: readMetricsValues(\n"
    '    condition: {name: "service_apdex", entity: {scope: Service, '
    f'serviceName: "{SERVICE}", normal: true}}}},\n'
    "    duration: $duration) { label values { values { value } } }\n"
    "}"
)
CONDITION = "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"


async def bench(rounds: int, per_round: int) -> dict[str, float]:
    oap = FakeOAP()
    seed_demo(oap)
    with oap:
        async with httpx.AsyncClient() as http, outbound_client(AddressPolicy(local=True)) as ours:
            config = {"address": oap.url, "query": QUERY, "interval": "5m"}
            provider = SkyWalkingProvider(config, http=http)
            guarded = SkyWalkingProvider(config, http=ours)
            conditions = compile_conditions(success=CONDITION)
            now = datetime.now(UTC)
            body = {
                "query": QUERY,
                "variables": {
                    "duration": {
                        "start": (now - timedelta(minutes=5)).strftime("%Y-%m-%d %H%M"),
                        "end": now.strftime("%Y-%m-%d %H%M"),
                        "step": "MINUTE",
                    }
                },
            }
            url = f"{oap.url}/graphql"

            async def floor() -> None:
                response = await http.post(url, json=body)
                response.json()

            async def measure() -> None:
                await provider.measure(MeasureContext(now=now, metric_name="apdex"))

            async def judged() -> None:
                measured = await provider.measure(MeasureContext(now=now, metric_name="apdex"))
                evaluation = evaluate_result(measured.result, conditions)
                if evaluation.phase.value != "Successful":
                    raise SystemExit(f"the seed condition did not pass: {evaluation}")

            async def served() -> None:
                await guarded.measure(MeasureContext(now=now, metric_name="apdex"))

            cases: dict[str, Callable[[], Awaitable[None]]] = {
                "floor": floor,
                "provider": measure,
                "judged": judged,
                "served": served,
            }
            medians = await interleaved_medians(cases, rounds=rounds, per_round=per_round)
            await provider.aclose()
    return medians


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a few requests; smoke test only")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    options = parser.parse_args(argv)
    rounds, per_round = (3, 10) if options.quick else (15, 100)
    medians = asyncio.run(bench(rounds, per_round))
    floor = medians["floor"]
    rows: list[dict[str, Any]] = [
        {"path": name, "ms": medians[name] * 1000, "ratio": medians[name] / floor}
        for name in ("floor", "provider", "judged", "served")
    ]
    if options.json:
        print(json.dumps({"rounds": rounds, "per_round": per_round, "rows": rows}, indent=2))
        return 0
    print(f"SkyWalking measurement vs bare httpx POST ({rounds} rounds x {per_round} requests)")
    print(f"{'path':<10} {'ms/measurement':>15} {'x floor':>8}")
    for row in rows:
        print(f"{row['path']:<10} {row['ms']:>15.3f} {row['ratio']:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
