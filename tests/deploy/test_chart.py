"""The Helm chart, rendered by the real Helm engine and checked against Kubernetes' schemas.

Scenarios: the default values (one replica on the embedded SQLite store), the production values in
helm/augur/ci/production-values.yaml (PostgreSQL from a Secret, 3 replicas, ServiceMonitor, PDB,
NetworkPolicy) and a few variations. Every rendered manifest is validated with kubernetes-validate
against Kubernetes 1.30's schemas, strictly (unknown fields are errors). The ServiceMonitor is a
CRD kubernetes-validate has no schema for, so it is skipped there and checked by hand below.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.deploy.chart import NAMESPACE, Rendered, load_values, render, render_error
from tests.deploy.tools import CHART, KUBERNETES_VERSION, REPO, python_tool

PRODUCTION = CHART / "ci" / "production-values.yaml"
#: Kinds kubernetes-validate has no schema for (CRDs), checked structurally instead.
CRD_KINDS = {"ServiceMonitor"}
PLANTED = "planted-Secret-value-4f1c9e"

SCENARIOS: dict[str, dict[str, Any]] = {
    "default": {},
    "production": load_values(PRODUCTION),
    "sqlite-on-emptydir": {"persistence": {"enabled": False}},
    "sqlite-existing-claim": {"persistence": {"existingClaim": "augur-old-data"}},
    "inline-postgres-url": {
        "replicaCount": 2,
        "store": {"url": f"postgresql+asyncpg://augur:{PLANTED}@db.databases:5432/augur"},
    },
    "flat-secrets": {
        "secretsLayout": "flat",
        "secrets": ["oap-auth", {"name": "shared.creds", "secretName": "cluster-creds"}],
    },
    "tokens-from-env": {
        "tokens": {"existingSecret": ""},
        "env": [
            {
                "name": "AUGUR_TOKENS",
                "valueFrom": {"secretKeyRef": {"name": "augur-api", "key": "tokens"}},
            }
        ],
    },
}

EXPECTED_KINDS = {
    "default": [
        "Deployment",
        "PersistentVolumeClaim",
        "Service",
        "ServiceAccount",
    ],
    "production": [
        "Deployment",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
    ],
    "sqlite-on-emptydir": ["Deployment", "Service", "ServiceAccount"],
    "sqlite-existing-claim": ["Deployment", "Service", "ServiceAccount"],
    "inline-postgres-url": ["Deployment", "Secret", "Service", "ServiceAccount"],
    "tokens-from-env": ["Deployment", "PersistentVolumeClaim", "Service", "ServiceAccount"],
    "flat-secrets": ["Deployment", "PersistentVolumeClaim", "Service", "ServiceAccount"],
}


@pytest.fixture(scope="module")
def rendered() -> dict[str, Rendered]:
    return {name: render(values) for name, values in SCENARIOS.items()}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_chart_renders_the_expected_objects(
    rendered: dict[str, Rendered], scenario: str
) -> None:
    assert rendered[scenario].kinds() == EXPECTED_KINDS[scenario]


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_manifest_is_valid_for_kubernetes(
    rendered: dict[str, Rendered], scenario: str
) -> None:
    validator = python_tool("kubernetes_validate", "kubernetes-validate")
    checked = []
    for doc in rendered[scenario].manifests:
        if doc["kind"] in CRD_KINDS:
            continue
        try:
            version = validator.validate(doc, KUBERNETES_VERSION, strict=True)
        except validator.ValidationError as exc:
            where = ".".join(str(part) for part in exc.path)
            pytest.fail(f"{doc['kind']} {doc['metadata']['name']}: {where}: {exc.message}")
        assert version == KUBERNETES_VERSION
        checked.append(doc["kind"])
    assert checked == [
        k for k in (d["kind"] for d in rendered[scenario].manifests) if k not in CRD_KINDS
    ]


@pytest.mark.parametrize(
    "values", ["helm/augur/values.yaml", "helm/augur/ci/production-values.yaml"]
)
def test_helm_lint_reports_nothing_above_info(values: str) -> None:
    helm = python_tool("helm_python", "helm-python-sdk")
    report = helm.lint(
        str(CHART),
        load_values(REPO / values),
        strict=True,
        namespace=NAMESPACE,
        kube_version=f"v{KUBERNETES_VERSION}.0",
    )
    assert report["errors"] == []
    # severity 1 is INFO ("icon is recommended"); 2 is WARNING, 3 ERROR
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


# -- refusals ---------------------------------------------------------------------------------

REFUSALS = [
    pytest.param(
        {"replicaCount": 3},
        "replicaCount > 1 needs PostgreSQL: set store.url or store.existingSecret.name "
        "(replicaCount is 3; the embedded SQLite store is one file on one volume, for one replica)",
        id="sqlite-with-3-replicas",
    ),
    pytest.param(
        {"replicaCount": 2, "persistence": {"enabled": False}},
        "replicaCount > 1 needs PostgreSQL: set store.url or store.existingSecret.name "
        "(replicaCount is 2; the embedded SQLite store is one file on one volume, for one replica)",
        id="sqlite-on-emptydir-with-2-replicas",
    ),
    pytest.param(
        {"store": {"url": "mysql://augur@db/augur"}},
        "store.url must start with postgresql+asyncpg:// "
        "(leave it empty for the embedded SQLite store)",
        id="store-url-not-postgres",
    ),
    pytest.param(
        {"secrets": ["oap-auth"]},
        'secrets: entry "oap-auth" names no namespace: with secretsLayout namespaced a run '
        "reads only its own namespace's secrets, so write {namespace: <the runs' namespace>, "
        "name: oap-auth} (or set secretsLayout: flat to let every namespace read it)",
        id="secret-without-namespace",
    ),
    pytest.param(
        {"secretsLayout": "flat", "secrets": [{"namespace": "bookinfo", "name": "oap-auth"}]},
        'secrets: entry "oap-auth" names namespace "bookinfo", but secretsLayout is flat '
        "(every namespace reads every secret): drop the namespace or set secretsLayout: "
        "namespaced",
        id="flat-secret-with-namespace",
    ),
    pytest.param(
        {"secretsLayout": "per-team"},
        'secretsLayout must be namespaced or flat, got "per-team"',
        id="unknown-secrets-layout",
    ),
    pytest.param(
        {"tokens": {"existingSecret": ""}},
        "tokens.existingSecret is empty: without API tokens augur serves on 127.0.0.1 only "
        "(its probes would fail). Create a Secret of `scope token` lines and name it in "
        "tokens.existingSecret",
        id="no-tokens",
    ),
]


@pytest.mark.parametrize(("values", "message"), REFUSALS)
def test_values_that_cannot_work_are_refused_at_render_time(
    values: dict[str, Any], message: str
) -> None:
    assert render_error(values) == (
        f"execution error at (augur/templates/deployment.yaml:1:4): {message}"
    )


def test_one_replica_on_sqlite_renders_and_postgres_allows_many(
    rendered: dict[str, Rendered],
) -> None:
    assert rendered["default"].deployment()["spec"]["replicas"] == 1
    assert rendered["production"].deployment()["spec"]["replicas"] == 3


# -- the pod -----------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_pod_meets_the_restricted_pod_security_standard(
    rendered: dict[str, Rendered], scenario: str
) -> None:
    pod = rendered[scenario].deployment()["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    context = rendered[scenario].container()["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["privileged"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert not any("hostPath" in volume for volume in pod["volumes"])


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_probes_ask_healthz_for_liveness_and_readyz_for_readiness(
    rendered: dict[str, Rendered], scenario: str
) -> None:
    container = rendered[scenario].container()
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    env = rendered[scenario].env()
    assert env["AUGUR_HOST"]["value"] == "0.0.0.0"
    assert env["AUGUR_PORT"]["value"] == "8080"
    assert container["args"] == ["serve"]


def test_the_default_store_is_sqlite_on_a_claim_with_one_writer(
    rendered: dict[str, Rendered],
) -> None:
    default = rendered["default"]
    assert default.env()["AUGUR_STORE_URL"] == {
        "name": "AUGUR_STORE_URL",
        "value": "sqlite+aiosqlite:////var/lib/augur/augur.db",
    }
    spec = default.deployment()["spec"]
    assert spec["strategy"] == {"type": "Recreate"}
    volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
    claim = default.one("PersistentVolumeClaim")
    assert volumes["data"]["persistentVolumeClaim"] == {"claimName": claim["metadata"]["name"]}
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    mounts = {m["name"]: m["mountPath"] for m in default.container()["volumeMounts"]}
    assert mounts == {
        "tmp": "/tmp",
        "data": "/var/lib/augur",
        "tokens": "/var/run/augur/tokens",
    }
    assert "emptyDir" in volumes["tmp"]


def test_production_reads_postgres_tokens_and_provider_secrets_from_secrets(
    rendered: dict[str, Rendered],
) -> None:
    prod = rendered["production"]
    env = prod.env()
    assert env["AUGUR_STORE_URL"]["valueFrom"] == {
        "secretKeyRef": {"name": "augur-postgres", "key": "url"}
    }
    assert env["AUGUR_TOKENS_FILE"]["value"] == "/var/run/augur/tokens/tokens"
    assert env["AUGUR_SECRETS_DIR"]["value"] == "/var/run/augur/secrets"
    assert env["AUGUR_SECRETS_LAYOUT"]["value"] == "namespaced"
    assert env["AUGUR_ALLOWED_ADDRESSES"]["value"].startswith("*.skywalking.svc.cluster.local")
    assert env["AUGUR_ANONYMOUS_READS"]["value"] == "false"
    assert env["AUGUR_LEASE_SECONDS"]["value"] == "30"
    assert env["AUGUR_REPLICA_ID"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    spec = prod.deployment()["spec"]
    assert spec["strategy"]["type"] == "RollingUpdate"
    pod = spec["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["tokens"]["secret"]["secretName"] == "augur-tokens"
    mounts = {m["name"]: m for m in prod.container()["volumeMounts"]}
    assert "data" not in mounts
    # Each Secret in the folder of the namespace whose runs may read it.
    assert {
        name: (volumes[name]["secret"]["secretName"], mounts[name]["mountPath"])
        for name in volumes
        if name.startswith("secret-")
    } == {
        "secret-bookinfo-oap-auth": ("oap-auth", "/var/run/augur/secrets/bookinfo/oap-auth"),
        "secret-bookinfo-prometheus-auth": (
            "prometheus-auth",
            "/var/run/augur/secrets/bookinfo/prometheus-auth",
        ),
        "secret-payments-oap-auth": (
            "payments-oap-auth",
            "/var/run/augur/secrets/payments/oap-auth",
        ),
    }
    assert all(m.get("readOnly") for name, m in mounts.items() if name != "tmp")
    assert prod.one("PodDisruptionBudget")["spec"]["minAvailable"] == 2


def test_the_service_monitor_scrapes_the_services_http_port(
    rendered: dict[str, Rendered],
) -> None:
    """Checked by hand: kubernetes-validate has no schema for this CRD."""
    prod = rendered["production"]
    monitor = prod.one("ServiceMonitor")
    service = prod.one("Service")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert monitor["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    assert monitor["spec"]["endpoints"] == [
        {"port": "http", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}
    ]
    assert [p["name"] for p in service["spec"]["ports"]] == ["http"]
    assert set(monitor["spec"]) == {"selector", "namespaceSelector", "endpoints"}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_service_and_policies_select_the_pods(
    rendered: dict[str, Rendered], scenario: str
) -> None:
    doc = rendered[scenario]
    pod_labels = doc.deployment()["spec"]["template"]["metadata"]["labels"]
    selector = doc.deployment()["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod_labels.items()
    service = doc.one("Service")
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}
    ]
    assert service["spec"]["selector"] == selector
    for kind in ("PodDisruptionBudget", "NetworkPolicy"):
        for found in (d for d in doc.manifests if d["kind"] == kind):
            key = "podSelector" if kind == "NetworkPolicy" else "selector"
            assert found["spec"][key]["matchLabels"] == selector


def test_the_network_policy_admits_the_callers_and_limits_egress(
    rendered: dict[str, Rendered],
) -> None:
    policy = rendered["production"].one("NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["ingress"][0]["ports"] == [{"port": "http", "protocol": "TCP"}]
    callers = [p["namespaceSelector"]["matchLabels"] for p in policy["ingress"][0]["from"]]
    assert {c["kubernetes.io/metadata.name"] for c in callers} == {
        "argo-rollouts",
        "flagger-system",
        "monitoring",
    }
    assert policy["egress"][0]["ports"] == [
        {"port": 53, "protocol": "UDP"},
        {"port": 53, "protocol": "TCP"},
    ]
    assert [rule["ports"][0]["port"] for rule in policy["egress"][1:]] == [12800, 9090, 5432]


# -- secrets stay secret -------------------------------------------------------------------------


def test_tokens_are_only_ever_a_secret_reference(rendered: dict[str, Rendered]) -> None:
    """The chart has no value that takes a token: only the name of the Secret holding them."""
    with (CHART / "values.yaml").open() as handle:
        defaults = load_values(CHART / "values.yaml")
        assert handle.read().count("AUGUR_TOKENS=") == 0
    assert set(defaults["tokens"]) == {"existingSecret", "key"}
    for scenario, doc in rendered.items():
        env = doc.env()
        assert "value" not in env.get("AUGUR_TOKENS", {}), scenario
        for kind in ("Secret", "ConfigMap"):
            for found in (d for d in doc.manifests if d["kind"] == kind):
                assert "tokens" not in str(found.get("data", {})), scenario
                assert "tokens" not in str(found.get("stringData", {})), scenario


def test_a_planted_store_password_appears_only_inside_the_charts_secret(
    rendered: dict[str, Rendered],
) -> None:
    doc = rendered["inline-postgres-url"]
    secret = doc.one("Secret")
    assert secret["stringData"]["url"].startswith("postgresql+asyncpg://augur:")
    assert doc.env()["AUGUR_STORE_URL"]["valueFrom"] == {
        "secretKeyRef": {"name": secret["metadata"]["name"], "key": "url"}
    }
    outside = [d for d in doc.manifests if d["kind"] != "Secret"]
    assert PLANTED not in str(outside)
    assert PLANTED not in doc.notes
    assert doc.text.count(PLANTED) == 1
    annotations = doc.deployment()["spec"]["template"]["metadata"]["annotations"]
    assert re.fullmatch(r"[0-9a-f]{64}", annotations["checksum/store"])


# -- what the release tells its users ----------------------------------------------------------


def test_notes_point_argo_and_flagger_at_the_release(rendered: dict[str, Rendered]) -> None:
    notes = render(release="canary-gate").notes
    base = f"http://canary-gate-augur.{NAMESPACE}:8080"
    assert f"REST API base:    {base}/api/v1\n" in notes
    assert f"url: {base}/api/v1/gates/argo/<key>" in notes
    assert f"url: {base}/api/v1/gates/flagger/<hook>?token=<write token>" in notes
    assert 'jsonPath "{$.phase}"' in notes
    assert "kubectl -n augur create secret generic augur-tokens" in notes
    assert "Store: embedded SQLite on a PersistentVolumeClaim, one replica." in notes
    assert "Store: PostgreSQL from Secret augur-postgres, 3 replica(s)." in (
        rendered["production"].notes
    )


def test_chart_metadata_matches_the_package() -> None:
    chart = load_values(CHART / "Chart.yaml")
    project = (REPO / "pyproject.toml").read_text()
    version = re.search(r'^version = "([^"]+)"$', project, re.MULTILINE)
    assert version is not None
    assert chart["apiVersion"] == "v2"
    assert chart["appVersion"] == version.group(1) == "0.1.0"
    assert render().container()["image"] == f"augur:{chart['appVersion']}"


# -- values.yaml documents itself ----------------------------------------------------------------

KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z][A-Za-z0-9_.-]*):(?: |$)")


def undocumented_keys(text: str) -> list[str]:
    """Keys with no comment right above them, unless an ancestor's comment starts with `-- `:
    such a key's whole value is its default, documented as one (helm-docs' convention)."""
    missing: list[str] = []
    stack: list[tuple[int, str, bool]] = []  # (indent, key, documented as a whole)
    block: list[str] = []  # the comment lines right above the current line
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            block.append(stripped)
            continue
        match = KEY.match(line)
        if match is not None:
            indent = len(match["indent"])
            while stack and stack[-1][0] >= indent:
                stack.pop()
            covered = any(whole for _, _, whole in stack)
            if not block and not covered:
                missing.append(".".join([*(key for _, key, _ in stack), match["key"]]))
            stack.append((indent, match["key"], bool(block) and block[0].startswith("# --")))
        block = []
    return missing


def test_every_key_of_values_yaml_is_commented() -> None:
    assert undocumented_keys((CHART / "values.yaml").read_text()) == []


def test_the_comment_check_finds_an_undocumented_key() -> None:
    text = (
        "# the section\nsection:\n  # -- documented\n  a: 1\n  b: 2\n"
        "# -- whole,\n# over two lines\nc:\n  d: 1\n\ne: 1\n"
    )
    assert undocumented_keys(text) == ["section.b", "e"]


def test_flat_secrets_are_mounted_at_the_top_of_the_folder(rendered: dict[str, Rendered]) -> None:
    flat = rendered["flat-secrets"]
    assert flat.env()["AUGUR_SECRETS_LAYOUT"]["value"] == "flat"
    volumes = flat.deployment()["spec"]["template"]["spec"]["volumes"]
    mounts = {m["name"]: m["mountPath"] for m in flat.container()["volumeMounts"]}
    found = {v["name"]: v["secret"]["secretName"] for v in volumes if "secret" in v}
    assert found == {
        "tokens": "augur-tokens",
        "secret-oap-auth": "oap-auth",
        "secret-shared-creds": "cluster-creds",
    }
    assert mounts["secret-oap-auth"] == "/var/run/augur/secrets/oap-auth"
    assert mounts["secret-shared-creds"] == "/var/run/augur/secrets/shared.creds"
