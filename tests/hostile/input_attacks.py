"""Hostile input of the kind that once broke a list or blocked the server: text no store can hold
(unpaired surrogates and NUL in every kind of field, keys included, and in the URL), sizes
(20,000 args, too many metrics, labels, rules), numbers outside Argo's CRD (`count: "abc"`,
10^30, -1), and cursors of every shape. Each is refused with a 4xx by every door it can use;
`tests/hostile/test_corpus.py` also checks, after each, that the lists still answer."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from tests.hostile.corpus import (
    NS,
    Attack,
    _json,
    _named,
    body_doors,
    inline,
    metric,
    put_template,
    spec,
    template,
)

__all__ = ["INPUT_GENERATORS"]

#: A JSON body with each of these in one field; json.dumps writes them as `\ud800`, `\u0000`.
BAD_TEXT = {"surrogate": "\ud800", "low-surrogate": "x\udfff", "nul": "a\x00b"}


def _text_documents(bad: str) -> dict[str, tuple[dict[str, Any], dict[str, Any] | None]]:
    """(run request, the same as a template) per field kind holding ``bad``."""
    replay = {"replay": {"results": [{"value": bad}]}}
    return {
        "condition": (
            inline(metric(successCondition=f'result > 0 || "{bad}" == ""')),
            template(spec(metric(successCondition=f'"{bad}" == ""'))),
        ),
        "metric-name": (inline(metric(name=bad)), template(spec(metric(name=bad)))),
        "replayed-value": (
            inline(metric(provider=replay)),
            template(spec(metric(provider=replay))),
        ),
        "arg-value": (
            {"templates": [{"templateName": "seed"}], "args": [{"name": "addr", "value": bad}]},
            template(spec(args=[{"name": "a", "value": bad}])),
        ),
        "arg-name": (
            {"templates": [{"templateName": "seed"}], "args": [{"name": bad, "value": "1"}]},
            template(spec(args=[{"name": bad}])),
        ),
        "label-value": (inline(metric(), labels={"team": bad}), None),
        "label-key": (inline(metric(), labels={bad: "x"}), None),
        "annotation": (None, template(spec(), metadata={"annotations": {"note": bad}})),
        "annotation-key": (None, template(spec(), metadata={"annotations": {bad: "x"}})),
        "template-ref": ({"templates": [{"templateName": bad}]}, None),
        "provider-key": (
            inline(metric(provider={"web": {"url": "http://127.0.0.1:9", bad: 1}})),
            template(spec(metric(provider={"web": {"url": "http://127.0.0.1:9", bad: 1}}))),
        ),
        "deep-key": (inline(metric(), **{"x": [[{"y": {bad: 1}}]]}), None),
    }


def text() -> Iterator[Attack]:
    for label, bad in BAD_TEXT.items():
        for kind, (run, as_template) in _text_documents(bad).items():
            doors: dict[str, Attack] = {}
            if run is not None:
                doors |= body_doors(run)
            if as_template is not None:
                doors["template"] = put_template("t", _json(as_template))
            yield from _named(f"text/{label}/{kind}", doors)
    yield Attack(
        "text/yaml-escape",
        "PUT",
        f"/api/v1/namespaces/{NS}/analysistemplates/t",
        b'spec:\n  metrics:\n  - name: "m\\ud800"\n',
        "application/yaml",
        status=422,
    )
    urls = {
        "selector-nul": ("/api/v1/analysisruns", {"labelSelector": "a=\x00"}),
        "continue-nul": ("/api/v1/analysisruns", {"continue": "\x00"}),
        "metric-nul": (f"/api/v1/namespaces/{NS}/analysisruns/r/measurements", {"metric": "\x00"}),
    }
    for label, (path, params) in urls.items():
        yield Attack(f"text/url/{label}", "GET", path, params=params, status=422)
    for label, raw in {"nul": "k%00", "surrogate": "k%ED%A0%80", "not-utf8": "k%FF"}.items():
        yield Attack(
            f"text/path/{label}",
            "POST",
            f"/api/v1/gates/argo/{raw}",
            _json({"namespace": NS, **inline(metric())}),
            status=422,
        )
        yield Attack(
            f"text/path/template-{label}",
            "GET",
            f"/api/v1/namespaces/{NS}/analysistemplates/{raw}",
            status=422,
        )


def _args(count: int) -> list[dict[str, str]]:
    return [{"name": f"a{i}", "value": "x"} for i in range(count)]


SIZES: dict[str, dict[str, Any]] = {
    "args-20000-given": {"templates": [{"templateName": "seed"}], "args": _args(20_000)},
    "args-20000-inline": {"spec": spec(args=_args(20_000)), "args": _args(20_000)},
    "args-1001": {"spec": spec(args=_args(1001))},
    "metrics-101": {"spec": spec(*[metric(name=f"m{i}") for i in range(101)])},
    "dry-run-101": {"spec": spec(), "dryRun": [{"metricName": f"m{i}"} for i in range(101)]},
    "retention-101": {
        "spec": spec(),
        "measurementRetention": [{"metricName": f"m{i}", "limit": 1} for i in range(101)],
    },
    "retention-limit-huge": {
        "spec": spec(),
        "measurementRetention": [{"metricName": "m", "limit": 10**9}],
    },
    "templates-51": {"templates": [{"templateName": f"t{i}"} for i in range(51)]},
    "labels-65": {"spec": spec(), "labels": {f"k{i}": "v" for i in range(65)}},
    "label-value-254": {"spec": spec(), "labels": {"k": "v" * 254}},
    "metric-name-254": {"spec": spec(metric(name="m" * 254))},
}

NUMBERS: dict[str, dict[str, Any]] = {
    "count-abc": {"count": "abc", "interval": "1m"},
    "count-empty": {"count": "", "interval": "1m"},
    "count-1e30": {"count": 10**30, "interval": "1m"},
    "count-int32-plus-one": {"count": 2**31, "interval": "1m"},
    "count-string-huge": {"count": "9" * 30, "interval": "1m"},
    "count-negative": {"count": -1, "interval": "1m"},
    "failure-limit-abc": {"failureLimit": "abc"},
    "inconclusive-limit-huge": {"inconclusiveLimit": 10**12},
    "error-limit-negative": {"consecutiveErrorLimit": -5},
    "success-limit-string": {"consecutiveSuccessLimit": "many"},
    "interval-zero": {"interval": "0s", "count": 3},
    "interval-negative": {"interval": "-1m", "count": 3},
    "interval-week": {"interval": "168h", "count": 3},
    "interval-nanoseconds": {"interval": "1ns", "count": 3},
    "initial-delay-negative": {"initialDelay": "-1h"},
    "initial-delay-year": {"initialDelay": "8760h"},
}


def bounds() -> Iterator[Attack]:
    for label, document in SIZES.items():
        yield from _named(f"bounds/{label}", body_doors(document))
    big = template(spec(*[metric(name=f"m{i}") for i in range(101)], args=_args(1001)))
    yield replace(put_template("t", _json(big), status=422), id="bounds/template-caps")
    for label, fields in NUMBERS.items():
        yield from _named(
            f"numbers/{label}",
            body_doors(inline(metric(**fields)), as_template=template(spec(metric(**fields)))),
        )
    yield from _named(
        "numbers/ttl-huge",
        body_doors(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "AnalysisRun",
                "metadata": {"name": "r"},
                "spec": spec(ttlStrategy={"secondsAfterSuccess": 10**12}),
            }
        ),
    )


def _token(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def cursors() -> Iterator[Attack]:
    measurements = f"/api/v1/namespaces/{NS}/analysisruns/r/measurements"
    afters = {
        "5000-digits": "9" * 5000,
        "exponent": "m:1e30",
        "int64": "m:" + "9" * 19,
        "int32-plus-one": "m:2147483648",
        "negative": "-1",
        "no-metric": ":1",
        "long-metric": "m" * 300 + ":1",
        "empty-seq": "m:",
    }
    for label, value in afters.items():
        yield Attack(f"cursors/after/{label}", "GET", measurements, params={"after": value})
    tokens = {
        "not-base64": "%%%",
        "empty-json": _token({}),
        "list": _token([1, 2]),
        "string": _token("c"),
        "deep": base64.urlsafe_b64encode(b"[" * 300 + b"]" * 300).decode(),
        "huge": _token({"c": "x" * 5000}),
        "time-number": _token({"c": 1, "i": "x"}),
        "naive-time": _token({"c": "2026-01-01T00:00:00", "i": "x"}),
        "year-0": _token({"c": "0000-01-01T00:00:00+00:00", "i": "x"}),
        "id-injection": _token({"c": "2026-01-01T00:00:00+00:00", "i": "' OR 1=1 --"}),
        "id-nul": _token({"c": "2026-01-01T00:00:00+00:00", "i": "\x00"}),
        "id-surrogate": _token({"c": "2026-01-01T00:00:00+00:00", "i": "\ud800"}),
    }
    for label, value in tokens.items():
        for where, path in (
            ("all", "/api/v1/analysisruns"),
            ("ns", f"/api/v1/namespaces/{NS}/analysisruns"),
        ):
            yield Attack(
                f"cursors/continue/{label}/{where}", "GET", path, params={"continue": value}
            )
    params = {
        "limit-zero": {"limit": "0"},
        "limit-huge": {"limit": "9" * 5000},
        "limit-float": {"limit": "1.5"},
        "phase-bogus": {"phase": "Done"},
        "selector-many": {"labelSelector": ",".join(f"k{i}" for i in range(1000))},
        "selector-long-value": {"labelSelector": "k=" + "v" * 5000},
        "selector-unbalanced": {"labelSelector": "k in (a,(b)"},
    }
    for label, given in params.items():
        yield Attack(f"cursors/params/{label}", "GET", "/api/v1/analysisruns", params=given)


INPUT_GENERATORS: tuple[Callable[[], Iterator[Attack]], ...] = (text, bounds, cursors)
