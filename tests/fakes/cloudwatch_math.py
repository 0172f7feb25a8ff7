"""CloudWatch's metric math in front of moto, for tests that need an expression answered.

moto's server mode answers ``GetMetricData``'s ``MetricStat`` queries but gives an expression no
values. This is a `ScriptedServer` reply that answers like CloudWatch: the ``MetricStat``
queries are asked of moto (every one, whether or not it returns data), each expression of the
form ``a / b`` (``+ - * /``, two query ids) is computed point by point over the timestamps both
sides have, and the queries with ``ReturnData`` not false are answered, newest point first, in
AWS's JSON 1.0 protocol.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.fakes.scripted import Recorded
from tests.support.moto import Moto

__all__ = ["metric_math"]

_BINARY = re.compile(r"\s*(\w+)\s*([-+*/])\s*(\w+)\s*\Z")
_OPERATORS: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


def _series(answer: dict[str, Any]) -> dict[str, dict[float, float]]:
    return {
        item["Id"]: {
            t.timestamp(): v for t, v in zip(item["Timestamps"], item["Values"], strict=True)
        }
        for item in answer["MetricDataResults"]
    }


def metric_math(moto: Moto) -> Callable[[Recorded], str]:
    """The reply's body for one GetMetricData request."""

    def answer(request: Recorded) -> str:
        asked = json.loads(request.body)
        queries = asked["MetricDataQueries"]
        stats = [{**q, "ReturnData": True} for q in queries if "MetricStat" in q]
        found = _series(
            moto.cloudwatch().get_metric_data(
                StartTime=datetime.fromtimestamp(asked["StartTime"], UTC),
                EndTime=datetime.fromtimestamp(asked["EndTime"], UTC),
                MetricDataQueries=stats,
            )
        )
        for query in queries:
            matched = _BINARY.match(query.get("Expression", ""))
            if matched:
                left, symbol, right = matched.groups()
                both = found[left].keys() & found[right].keys()
                found[query["Id"]] = {
                    t: _OPERATORS[symbol](found[left][t], found[right][t]) for t in both
                }
        results = []
        for query in queries:
            if query.get("ReturnData") is False:
                continue
            points = sorted(found.get(query["Id"], {}).items(), reverse=True)
            results.append(
                {
                    "Id": query["Id"],
                    "Label": query.get("Label", query["Id"]),
                    "Timestamps": [t for t, _ in points],
                    "Values": [v for _, v in points],
                    "StatusCode": "Complete",
                }
            )
        return json.dumps({"MetricDataResults": results, "Messages": []})

    return answer
