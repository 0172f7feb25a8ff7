"""The hostile corpus: malformed and malicious requests, generated as a table with ids.

Each `Attack` is one HTTP request a hostile or broken caller could send. Every one of them must be
refused with a 4xx problem+json (`POST /api/v1/validate` answers a run that cannot start with
`200 {"valid": false}` by contract, so there a refusal is either), quickly, and without anything
being stored. Inputs augur legitimately accepts are not hostile and are not here; expressions
that compile but blow a budget when evaluated are in `BOUNDED`, answered by the Argo evaluate gate
with an Error verdict.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

NS = "hostile"
#: What the corpus server accepts at most (AUGUR_MAX_BODY_BYTES), so "huge" stays cheap to send.
MAX_BODY = 256 * 1024
#: A loopback port where nothing listens: the one place a check could ever reach.
CLOSED = "http://127.0.0.1:9"
JSON = "application/json"
YAML = "application/yaml"


@dataclass(frozen=True)
class Attack:
    id: str
    method: str
    path: str
    body: bytes | Iterator[bytes] | None = None
    content_type: str | None = JSON
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None  # the exact 4xx when it is certain; else any 4xx
    auth: bool = True  # send the write token


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


# -- the doors a document comes in by --------------------------------------------------------


def template(spec: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisTemplate", "spec": spec, **top}


def metric(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "m",
        "successCondition": "result > 0",
        "provider": {"replay": {"results": [{"value": 1}]}},
    }
    return {**base, **fields}


def spec(*metrics: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"metrics": list(metrics) or [metric()], **fields}


#: Seed stored before the corpus runs: references and args resolve against it.
SEED = template(
    {
        "args": [{"name": "addr"}, {"name": "threshold", "value": "1"}],
        "metrics": [
            {
                "name": "web",
                "successCondition": "result >= {{args.threshold}}",
                "provider": {"web": {"url": "{{args.addr}}", "jsonPath": "{$.x}"}},
            }
        ],
    }
)


def put_template(name: str, body: Any, **kw: Any) -> Attack:
    return Attack("", "PUT", f"/api/v1/namespaces/{NS}/analysistemplates/{name}", body, **kw)


def body_doors(document: Any, *, as_template: Any = None) -> dict[str, Attack]:
    """The same run-shaped document sent to every door that takes one (the gates and validate
    also read `namespace` from it)."""
    raw = _json(document)
    gated = _json({"namespace": NS, **document}) if isinstance(document, dict) else raw
    doors = {
        "run": Attack("", "POST", f"/api/v1/namespaces/{NS}/analysisruns", raw),
        "validate": Attack("", "POST", "/api/v1/validate", gated),
        "argo-evaluate": Attack("", "POST", "/api/v1/gates/argo/evaluate", gated),
        "argo-key": Attack("", "POST", "/api/v1/gates/argo/hostile-key", gated),
    }
    if as_template is not None:
        doors["template"] = put_template("t", _json(as_template))
    return doors


def inline(*metrics: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"spec": spec(*metrics), **fields}


def flagger(hook: str, payload: Any) -> Attack:
    return Attack("", "POST", f"/api/v1/gates/flagger/{hook}", _json(payload))


def flagger_payload(checksum: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": "podinfo",
        "namespace": NS,
        "phase": "Progressing",
        "checksum": checksum,
        "metadata": {"template": "seed", "args.addr": CLOSED},
        **fields,
    }


def check(kind: str, **params: str) -> Attack:
    base = {
        "skywalking": {"address": CLOSED, "service": "svc"},
        "prometheus": {"address": CLOSED, "query": "up"},
        "web": {"url": CLOSED},
    }[kind]
    return Attack("", "GET", f"/api/v1/check/{kind}", None, None, {**base, **params})


def _named(prefix: str, attacks: dict[str, Attack]) -> Iterator[Attack]:
    for door, attack in attacks.items():
        path = attack.path
        if path.endswith("/hostile-key"):  # a keyed gate answers later calls with the first run
            path = path.replace("/hostile-key", f"/k-{zlib.crc32(prefix.encode()):08x}")
        yield Attack(**{**attack.__dict__, "id": f"{prefix}/{door}", "path": path})


# -- huge documents --------------------------------------------------------------------------

BODY_PATHS = {
    "template": ("PUT", f"/api/v1/namespaces/{NS}/analysistemplates/big"),
    "cluster-template": ("PUT", "/api/v1/clusteranalysistemplates/big"),
    "run": ("POST", f"/api/v1/namespaces/{NS}/analysisruns"),
    "validate": ("POST", "/api/v1/validate"),
    "argo-evaluate": ("POST", "/api/v1/gates/argo/evaluate"),
    "argo-key": ("POST", "/api/v1/gates/argo/big"),
    "flagger": ("POST", "/api/v1/gates/flagger/rollout"),
}


def _chunks(total: int) -> Iterator[bytes]:
    """A body with no Content-Length (chunked): only the streaming limit can stop it."""
    yield b'{"padding": "'
    for _ in range(total // 65536):
        yield b"x" * 65536
    yield b'"}'


def huge() -> Iterator[Attack]:
    big_json = _json({"spec": {"metrics": [metric(name=f"m{i}") for i in range(3000)]}})
    assert len(big_json) > MAX_BODY
    big_yaml = yaml.safe_dump({"padding": "y" * (MAX_BODY + 1)}).encode()
    for door, (method, path) in BODY_PATHS.items():
        yield Attack(f"huge/json/{door}", method, path, big_json, status=413)
        yield Attack(f"huge/yaml/{door}", method, path, big_yaml, YAML, status=413)
        yield Attack(f"huge/chunked/{door}", method, path, _chunks(4 * MAX_BODY), status=413)


# -- nesting, aliases, media types -----------------------------------------------------------


def nested_json(depth: int, *, as_dict: bool) -> bytes:
    if as_dict:
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b"[" * depth + b"]" * depth


def alias_bomb(levels: int = 9) -> bytes:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return ("\n".join(lines) + "\n").encode()


def merge_bomb() -> bytes:
    lines = ["base: &b {k: v}"] + [f"m{i}: {{<<: *b}}" for i in range(60)]
    return ("\n".join(lines) + "\n").encode()


def structure() -> Iterator[Attack]:
    shapes: dict[str, tuple[bytes, str, int]] = {
        "json-list-100": (nested_json(100, as_dict=False), JSON, 422),
        "json-dict-1000": (nested_json(1000, as_dict=True), JSON, 422),
        "json-list-50000": (nested_json(50000, as_dict=False), JSON, 422),
        "yaml-flow-5000": (b"[" * 5000 + b"]" * 5000, YAML, 422),
        "yaml-block-200": ("".join(f"{' ' * i}a:\n" for i in range(200)).encode(), YAML, 422),
        "yaml-alias-bomb": (alias_bomb(), YAML, 422),
        "yaml-merge-bomb": (merge_bomb(), YAML, 422),
        "yaml-python-tag": (b"!!python/object/apply:os.system ['true']\n", YAML, 422),
        "yaml-tabs": (b"spec:\n\tmetrics: []\n", YAML, 422),
        "not-utf8": (b'{"spec": "\xff\xfe"}', JSON, 422),
        "truncated-json": (b'{"spec": {"metrics": [', JSON, 422),
        "empty": (b"", JSON, 422),
        "nan": (b'{"spec": {"metrics": [{"name": "m", "count": NaN}]}}', JSON, 422),
        "text-plain": (b"{}", "text/plain", 415),
        "form": (b"a=b", "application/x-www-form-urlencoded", 415),
        "xml": (b"<spec/>", "application/xml", 415),
    }
    for name, (raw, media, status) in shapes.items():
        for door, (method, path) in BODY_PATHS.items():
            if door == "cluster-template" or (door == "flagger" and name.startswith("json-list")):
                continue
            yield Attack(f"structure/{name}/{door}", method, path, raw, media, status=status)


# -- wrong types and unknown fields ----------------------------------------------------------

WRONG_TEMPLATES: dict[str, Any] = {
    "spec-list": template([]),
    "spec-string": template("metrics"),
    "metrics-string": template({"metrics": "m"}),
    "metric-null": template({"metrics": [None]}),
    "name-number": template(spec(metric(name=5))),
    "count-float": template(spec(metric(count=1.5))),
    "count-huge": template(spec(metric(count=10**30))),
    "interval-number": template(spec(metric(interval=5))),
    "interval-overflow": template(spec(metric(interval="99999999999999h", count=2))),
    "interval-garbage": template(spec(metric(interval="soon", count=2))),
    "initial-delay-garbage": template(spec(metric(initialDelay="1e309s"))),
    "condition-number": template(spec(metric(successCondition=5))),
    "condition-list": template(spec(metric(successCondition=["result"]))),
    "provider-list": template(spec(metric(provider=[]))),
    "provider-two": template(spec(metric(provider={"replay": {}, "web": {"url": CLOSED}}))),
    "provider-none": template(spec(metric(provider={}))),
    "provider-unknown": template(spec(metric(provider={"job": {"spec": {}}}))),
    "provider-plugin-unknown": template(spec(metric(provider={"plugin": {"evil/x": {}}}))),
    "web-url-number": template(spec(metric(provider={"web": {"url": 5}}))),
    "web-method-evil": template(spec(metric(provider={"web": {"url": CLOSED, "method": "TRACE"}}))),
    "web-headers-dict": template(
        spec(metric(provider={"web": {"url": CLOSED, "headers": {"a": "b"}}}))
    ),
    "args-dict": template(spec(args={"a": "b"})),
    "arg-value-number": template(spec(args=[{"name": "a", "value": 5}])),
    "arg-no-name": template(spec(args=[{"value": "x"}])),
    "dry-run-string": template(spec(dryRun="m")),
    "kind-run": {**template(spec()), "kind": "AnalysisRun"},
    "kind-cluster": {**template(spec()), "kind": "ClusterAnalysisTemplate"},
    "api-version-v2": {**template(spec()), "apiVersion": "argoproj.io/v2"},
    "metadata-string": template(spec(), metadata="x"),
    "metadata-name-other": template(spec(), metadata={"name": "other"}),
    "metadata-namespace-other": template(spec(), metadata={"namespace": "kube-system"}),
    "top-list": [template(spec())],
    "top-string": "spec",
    "top-null": None,
    "unknown-top": template(spec(), status={"phase": "Successful"}),
    "unknown-spec": template(spec(hack=True)),
    "unknown-metric": template(spec(metric(exec="rm -rf /"))),
    "proto-pollution": template(spec(metric(__proto__={"admin": True}))),
    "constructor": template(spec(), constructor={"prototype": {}}),
}

WRONG_RUNS: dict[str, Any] = {
    "templates-string": {"templates": "seed"},
    "templates-empty": {"templates": []},
    "templates-and-spec": {"templates": [{"templateName": "seed"}], "spec": spec()},
    "neither": {"args": []},
    "template-missing": {"templates": [{"templateName": "nope"}]},
    "template-cluster-missing": {"templates": [{"templateName": "seed", "clusterScope": True}]},
    "template-name-number": {"templates": [{"templateName": 5}]},
    "args-string": {"templates": [{"templateName": "seed"}], "args": "addr=x"},
    "arg-value-object": {
        "templates": [{"templateName": "seed"}],
        "args": [{"name": "addr", "value": {"url": CLOSED}}],
    },
    "arg-missing": {"templates": [{"templateName": "seed"}]},
    "labels-list": {"spec": spec(), "labels": ["a"]},
    "labels-number-value": {"spec": spec(), "labels": {"a": 5}},
    "dry-run-object": {"spec": spec(), "dryRun": {"metricName": "m"}},
    "unknown-field": {"spec": spec(), "priority": "high"},
    "status-injected": {"spec": spec(), "status": {"phase": "Successful"}},
    "run-status-phase": {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {"name": "r"},
        "spec": {"metrics": "m"},
    },
    "run-other-namespace": {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {"name": "r", "namespace": "kube-system"},
        "spec": spec(),
    },
    "body-list": [{"templates": [{"templateName": "seed"}]}],
    "body-string": "seed",
    "body-number": 7,
    "body-null": None,
}

WRONG_FLAGGER: dict[str, Any] = {
    "list": [],
    "name-number": flagger_payload("c1", name=5),
    "name-missing": {"namespace": NS, "checksum": "c1"},
    "namespace-upper": flagger_payload("c1", namespace="Hostile"),
    "metadata-list": flagger_payload("c1", metadata=["template"]),
    "metadata-number": flagger_payload("c1", metadata={"template": "seed", "args.addr": 5}),
    "metadata-unknown": flagger_payload("c1", metadata={"template": "seed", "exec": "x"}),
    "metadata-no-template": flagger_payload("c1", metadata={"args.addr": CLOSED}),
    "template-missing": flagger_payload("c1", metadata={"template": "nope"}),
    "checksum-empty": flagger_payload(""),
    "checksum-traversal": flagger_payload("../../x"),
    "checksum-long": flagger_payload("c" * 10_000),
    "template-other-ns": flagger_payload(
        "c2", metadata={"template": "seed,kube-system/seed", "args.addr": CLOSED}
    ),
}


def wrong() -> Iterator[Attack]:
    for name, document in WRONG_TEMPLATES.items():
        yield Attack(
            f"types/template/{name}",
            "PUT",
            f"/api/v1/namespaces/{NS}/analysistemplates/t",
            _json(document),
        )
    for name, document in WRONG_RUNS.items():
        yield from _named(f"types/{name}", body_doors(document))
    for name, payload in WRONG_FLAGGER.items():
        yield Attack(
            f"types/flagger/{name}", "POST", "/api/v1/gates/flagger/rollout", _json(payload)
        )
    yield Attack(
        "types/flagger/unknown-hook",
        "POST",
        "/api/v1/gates/flagger/shell",
        _json(flagger_payload("c1")),
        status=404,
    )


# -- names ------------------------------------------------------------------------------------

BAD_NAMES = {
    "traversal-encoded": "%2e%2e%2f%2e%2e%2fetc",
    "traversal-dots": "..",
    "upper": "Seed",
    "cyrillic-a": "seеd",  # U+0435 looks like e
    "fullwidth": "ｓｅｅｄ",
    "rtl-override": "seed\u202egnp",
    "zero-width": "se\u200bed",
    "bom": "\ufeffseed",
    "nul": "seed%00",
    "space": "se ed",
    "leading-dash": "-seed",
    "trailing-dot": "seed.",
    "long-10k": "a" * 10_000,
    "long-254": "a" * 254,
    "backslash": "a%5Cb",
    "newline": "a%0Ab",
}


def names() -> Iterator[Attack]:
    for label, name in BAD_NAMES.items():
        yield Attack(
            f"names/path/{label}",
            "PUT",
            f"/api/v1/namespaces/{NS}/analysistemplates/{name}",
            _json(template(spec())),
        )
        yield Attack(
            f"names/namespace-path/{label}",
            "PUT",
            f"/api/v1/namespaces/{name}/analysistemplates/seed",
            _json(template(spec())),
        )
        decoded = name.replace("%2e", ".").replace("%2f", "/").replace("%00", "\x00")
        yield Attack(
            f"names/metadata/{label}",
            "PUT",
            f"/api/v1/namespaces/{NS}/analysistemplates/t",
            _json(template(spec(), metadata={"name": decoded})),
        )
        yield Attack(
            f"names/run/{label}",
            "POST",
            f"/api/v1/namespaces/{NS}/analysisruns",
            _json({"name": decoded, "spec": spec()}),
        )
        yield Attack(
            f"names/argo-namespace/{label}",
            "POST",
            "/api/v1/gates/argo/evaluate",
            _json({"namespace": decoded, "spec": spec()}),
        )
        yield Attack(
            f"names/flagger/{label}",
            "POST",
            "/api/v1/gates/flagger/rollout",
            _json(flagger_payload("c3", name=decoded)),
        )
    for label, key in {"long": "k" * 300, "dots": "..", "space": "a%20b", "rtl": "k\u202e"}.items():
        yield Attack(
            f"names/argo-key/{label}",
            "POST",
            f"/api/v1/gates/argo/{key}",
            _json({"namespace": NS, "spec": spec()}),
        )


# -- conditions --------------------------------------------------------------------------------

#: Refused when compiled (submission time), whatever `result` will be.
BAD_CONDITIONS = {
    "regex-backref": 'result matches "(a)\\\\1"',
    "regex-lookahead": 'result matches "(?=a)a"',
    "regex-lookbehind": 'result matches "(?<=a)b"',
    "regex-atomic": 'result matches "(?>a+)b"',
    "regex-unbalanced": 'result matches "(((a"',
    "repeat-float": 'repeat("x", 1e9) == ""',
    "range-float": "len(0..1e9) > 0",
    "range-float-map": "all(map(0..1e9, {map(0..1e9, {#})}), {true})",
    "too-long": "result > 0 && " * 800 + "true",
    "too-long-name": "r" * 50_000,
    "too-deep": "(" * 200 + "result" + ")" * 200 + " > 0",
    "not-chain": "!" * 5000 + "true",
    "minus-chain": "-" * 5000 + "1 > 0",
    "bracket-chain": "[" * 1000 + "]" * 1000,
    "import": '__import__("os").system("true")',
    "exec": 'exec("1")',
    "eval": 'eval("1")',
    "globals": "globals()",
    "open": 'open("/etc/passwd")',
    "getattr": 'getattr(result, "__class__")',
    "builtins": "__builtins__",
    "lambda": "lambda: 1",
    "walrus": "(x := 1) > 0",
    "fullwidth-result": "ｒｅｓｕｌｔ > 1",
    "cyrillic-result": "rеsult > 1",
    "rtl-override": "result\u202e > 1",
    "zero-width": "res\u200bult > 1",
    "nul": "result\x00 > 1",
    "bom": "\ufeffresult > 1",
    "unknown-func": "system(result)",
    "cel-import": "cel:__import__('os')",
    "cel-bad": "cel:result.(",
    "empty-matches": "result matches",
    "unclosed-string": 'result == "abc',
    "type-error": '"a" + 1 > 0',
    # Over the step budget whatever `result` holds: refused when submitted, located.
    "budget-nested-ranges": "len(map(0..99999, {map(0..99, {#})})) > 0",
    "budget-in-a-range": "count(0..9999, {# in 0..9999}) > 0",
    "budget-uniq-of-ranges": "len(uniq(map(0..99999, {map(0..9, {#})}))) > 0",
    "budget-sort-of-ranges": "len(sort(map(0..99999, {-#}))) > 0 && all(0..99999, {true})",
    "budget-left-of-and": "len(map(0..99999, {map(0..99, {#})})) > 0 && result > 0",
}


def conditions() -> Iterator[Attack]:
    for label, source in BAD_CONDITIONS.items():
        doors = body_doors(
            inline(metric(successCondition=source)),
            as_template=template(spec(metric(successCondition=source))),
        )
        doors["check-web"] = check("web", condition=source)
        yield from _named(f"conditions/{label}", doors)


# -- addresses (SSRF) -------------------------------------------------------------------------

SSRF = {
    "metadata-ip": "http://169.254.169.254/latest/meta-data/",
    "metadata-mapped-v6": "http://[::ffff:169.254.169.254]/",
    "metadata-mapped-hex": "http://[::ffff:a9fe:a9fe]/",
    "metadata-gce": "http://metadata.google.internal/computeMetadata/v1/",
    "metadata-gce-upper-dot": "http://METADATA.GOOGLE.INTERNAL./",
    "metadata-ideographic-dot": "http://metadata.google.internal\u3002/",
    "metadata-fullwidth": "http://ｍｅｔａｄａｔａ.google.internal/",
    "metadata-decimal": "http://2852039166/",
    "metadata-hex": "http://0xa9fea9fe/",
    "metadata-dotted-hex": "http://0xa9.0xfe.0xa9.0xfe/",
    "metadata-octal": "http://0251.0376.0251.0376/",
    "metadata-short": "http://169.254.43518/",
    "link-local-v6": "http://[fe80::1]/",
    "aws-v6": "http://[fd00:ec2::254]/",
    "file": "file:///etc/passwd",
    "gopher": "gopher://127.0.0.1:6379/_INFO",
    "dict": "dict://127.0.0.1:11211/stats",
    "ftp": "ftp://127.0.0.1/",
    "no-scheme": "169.254.169.254",
    "no-host": "http:///latest",
    "port-overflow": "http://127.0.0.1:99999/",
    "port-zero": "http://127.0.0.1:0/",
    "bad-v6": "http://[::1/",
    "long-label": "http://" + "a" * 5_000 + "/",
}


def addresses() -> Iterator[Attack]:
    for label, url in SSRF.items():
        provider_blocks = {
            "web": {"web": {"url": url}},
            "prometheus": {"prometheus": {"address": url, "query": "up"}},
            "skywalking": {"skywalking": {"address": url, "query": "{ x }", "interval": "5m"}},
        }
        doors: dict[str, Attack] = {}
        for kind, block in provider_blocks.items():
            doors[f"template-{kind}"] = put_template(
                "t", _json(template(spec(metric(provider=block))))
            )
        doors |= body_doors(inline(metric(provider=provider_blocks["web"])))
        doors["run-via-arg"] = Attack(
            "",
            "POST",
            f"/api/v1/namespaces/{NS}/analysisruns",
            _json(
                {"templates": [{"templateName": "seed"}], "args": [{"name": "addr", "value": url}]}
            ),
        )
        doors["flagger-via-arg"] = flagger(
            "rollout",
            flagger_payload(f"ssrf-{label}", metadata={"template": "seed", "args.addr": url}),
        )
        doors["check-web"] = check("web", url=url)
        doors["check-prometheus"] = check("prometheus", address=url)
        doors["check-skywalking"] = check("skywalking", address=url)
        yield from _named(f"ssrf/{label}", doors)


# -- args and secrets --------------------------------------------------------------------------


def _seed_run(*args: dict[str, Any]) -> dict[str, Any]:
    return {
        "templates": [{"templateName": "seed"}],
        "args": [{"name": "addr", "value": CLOSED}, *args],
    }


ARG_ATTACKS: dict[str, dict[str, Any]] = {
    "threshold-injects-import": _seed_run({"name": "threshold", "value": '1 || __import__("os")'}),
    "threshold-injects-syntax": _seed_run({"name": "threshold", "value": "1 ) ( "}),
    "threshold-injects-unicode": _seed_run({"name": "threshold", "value": "1\u202e"}),
    "threshold-self-reference": _seed_run({"name": "threshold", "value": "{{args.threshold}}"}),
    "threshold-other-arg": _seed_run({"name": "threshold", "value": "{{args.addr}}"}),
    "addr-is-placeholder": {
        "templates": [{"templateName": "seed"}],
        "args": [{"name": "addr", "value": "{{args.addr}}"}],
    },
    "addr-injects-metadata": {
        "templates": [{"templateName": "seed"}],
        "args": [{"name": "addr", "value": "{{args.threshold}}169.254.169.254"}],
    },
    "secret-traversal": _seed_run(
        {"name": "threshold", "valueFrom": {"secretKeyRef": {"name": "../../etc", "key": "passwd"}}}
    ),
    "secret-key-traversal": _seed_run(
        {"name": "threshold", "valueFrom": {"secretKeyRef": {"name": "s", "key": "../../passwd"}}}
    ),
    "secret-absolute": _seed_run(
        {"name": "threshold", "valueFrom": {"secretKeyRef": {"name": "/etc", "key": "passwd"}}}
    ),
    "secret-dotdot": _seed_run(
        {"name": "threshold", "valueFrom": {"secretKeyRef": {"name": "..", "key": ".."}}}
    ),
    "secret-empty": _seed_run(
        {"name": "threshold", "valueFrom": {"secretKeyRef": {"name": "", "key": ""}}}
    ),
}


def args() -> Iterator[Attack]:
    for label, document in ARG_ATTACKS.items():
        yield from _named(f"args/{label}", body_doors(document))


# -- auth -------------------------------------------------------------------------------------


def auth() -> Iterator[Attack]:
    path = f"/api/v1/namespaces/{NS}/analysistemplates/t"
    body = _json(template(spec()))
    yield Attack("auth/none", "PUT", path, body, auth=False, status=401)
    yield Attack(
        "auth/wrong",
        "PUT",
        path,
        body,
        auth=False,
        status=401,
        headers={"Authorization": "Bearer not-a-token-of-this-server"},
    )
    yield Attack(
        "auth/basic",
        "PUT",
        path,
        body,
        auth=False,
        status=401,
        headers={"Authorization": "Basic d3JpdGU6d3JpdGU="},
    )
    yield Attack(
        "auth/huge-token",
        "PUT",
        path,
        body,
        auth=False,
        headers={"Authorization": "Bearer " + "t" * 60_000},
    )
    yield Attack(
        "auth/query-token-not-on-api",
        "PUT",
        path,
        body,
        auth=False,
        status=401,
        params={"token": "write-token-for-hostile-tests-0123456789"},
    )
    yield Attack(
        "auth/read-token-writes",
        "PUT",
        path,
        body,
        auth=False,
        status=403,
        headers={"Authorization": "Bearer read-token-for-hostile-tests-0123456789"},
    )
    yield Attack(
        "auth/gate-wrong-query-token",
        "POST",
        "/api/v1/gates/argo/evaluate",
        _json(inline()),
        auth=False,
        status=401,
        params={"token": "x" * 40},
    )


GENERATORS: tuple[Callable[[], Iterator[Attack]], ...] = (
    huge,
    structure,
    wrong,
    names,
    conditions,
    addresses,
    args,
    auth,
)


def corpus() -> list[Attack]:
    from tests.hostile.input_attacks import INPUT_GENERATORS  # they build on the helpers here

    found = [attack for make in (*GENERATORS, *INPUT_GENERATORS) for attack in make()]
    ids = [a.id for a in found]
    assert len(ids) == len(set(ids)), "attack ids must be unique"
    return found


#: Expressions that compile (so a template holding them is legitimately stored) but would do
#: unbounded work when evaluated: evaluated now by the Argo evaluate gate against a replay value,
#: each must come back at once as an Error (a budget) or a plain verdict, never hang or leak.
BOUNDED = {
    "redos-nested-plus": ('result matches "(a+)+$"', "a" * 50 + "!"),
    "redos-alternation": ('result matches "(a|aa)+$"', "a" * 60 + "!"),
    "redos-const": ('repeat("a", 50) + "!" matches "(a+)+$"', 1),
    "redos-long-input": ('result matches "(x+x+)+y"', "x" * 100_000),
    "repeat-1e9": ('repeat("x", 1000000000) == ""', 1),
    "repeat-nested": ('len(repeat(repeat("x", 100000), 100000)) > 0', 1),
    "range-1e9": ("len(0..1000000000) > 0", 1),
    "range-nested-map": ("len(map(0..100000, {map(0..100000, {#})})) > 0", 1),
    "range-sum": ("sum(0..100000000) > 0", 1),
    "reduce": ("reduce(0..10000000, {#acc + #}, 0) > 0", 1),
    "sort-huge": ("len(sort(map(0..9999999, {-#}))) > 0", 1),
    "pattern-too-long": (f'result matches "{"a" * 5000}"', "a"),
    "dunder-class": ("result.__class__ != nil", {"a": 1}),
    "dunder-mro": ('result["__class__"]["__mro__"] != nil', {"a": 1}),
    "dunder-globals": ("result.__globals__ != nil", "x"),
    "dunder-subclasses": ("len(result.__subclasses__) > 0", [1]),
    # The issue's own: linear now, so it may even finish (uniq was quadratic: 7.7 s for 10,000).
    "finding-uniq-map": ('len(uniq(map(1..99999, {string(#) + "a"}))) > 0', 1),
    "uniq-10000": ("len(uniq(result)) > 0", [str(i) for i in range(10_000)]),
}

#: Conditions that spend their whole budget on the `result` they get, each naming a builtin or an
#: operator whose work the budget did not see before (the issue's list and its neighbours): the
#: Argo evaluate gate must answer each at once with an Error whose message says where.
_WORDS = [str(i) for i in range(2_000)]
_TEXT = 'let s = join(result, ","); '
BUDGET_OVERRUNS = {
    "filter-in-20000": ("len(filter(result, {# in result})) > 0", [str(i) for i in range(20_000)]),
    "in-list": ("all(result, {# in result})", _WORDS),
    "uniq-per-item": ("all(result, {len(uniq(result)) > 0})", _WORDS),
    "sort-per-item": ("all(result, {len(sort(result)) > 0})", _WORDS),
    "sortBy-per-item": ("all(result, {len(sortBy(result, {#})) > 0})", _WORDS),
    "indexOf": (_TEXT + 'all(result, {indexOf(s, "zz") < 0})', _WORDS),
    "string-plus": (_TEXT + "all(result, {len(s + s) > 0})", _WORDS),
    "join-per-item": ('all(result, {len(join(result, ",")) > 0})', _WORDS),
    "repeat-per-item": ('all(result, {len(repeat("ab", 100000)) > 0})', _WORDS),
    "replace": (_TEXT + 'all(result, {len(replace(s, "1", "22")) > 0})', _WORDS),
    "upper": (_TEXT + "all(result, {len(upper(s)) > 0})", _WORDS),
    "split": (_TEXT + 'all(result, {len(split(s, ",")) > 0})', _WORDS),
    "contains": (_TEXT + 'all(result, {!(s contains "zz")})', _WORDS),
    "matches-long-text": (_TEXT + 'all(result, {!(s matches "z+y")})', _WORDS),
    "map-filter-chain": ("len(map(result, {filter(map(result, {#}), {true})})) > 0", _WORDS),
    "groupBy-per-item": ("all(result, {len(groupBy(result, {#})) > 0})", _WORDS),
    "reduce-per-item": ("all(result, {reduce(result, {#acc}, 0) == 0})", _WORDS),
    "flatten-per-item": ("all(result, {len(flatten([result, result])) > 0})", _WORDS),
    "concat-per-item": ("all(result, {len(concat(result, result)) > 0})", _WORDS),
    "keys": ("let m = fromPairs(map(result, {[#, 1]})); all(result, {len(keys(m)) > 0})", _WORDS),
    "values": (
        "let m = fromPairs(map(result, {[#, 1]})); all(result, {len(values(m)) > 0})",
        _WORDS,
    ),
    "toJSON-per-item": ("all(result, {len(toJSON(result)) > 0})", _WORDS),
    "fromJSON-per-item": ("let j = toJSON(result); all(result, {len(fromJSON(j)) > 0})", _WORDS),
    "string-per-item": ("all(result, {len(string(result)) > 0})", _WORDS),
    "deep-equal": ("all(result, {result == result})", _WORDS),
    "cel-six-nested-maps": (
        "cel: size(result.map(a, result.map(b, result.map(c, result.map(d, result.map(e, "
        "result.map(f, a + b + c + d + e + f))))))) > 0",
        [1.0] * 10,
    ),
    "cel-in-list": ("cel: result.all(x, x in result)", _WORDS),
    "cel-string-plus": ("cel: result.all(x, size(x + x) > 0)", _WORDS),
}
