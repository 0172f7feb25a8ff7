"""The receivers' configuration (every mistake named with its setting and field), which
receivers hear of what, and the events a pass makes: plain functions, table-driven."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.core.addresses import AddressPolicy
from app.service.events import pass_events
from app.service.notify_config import NotifyConfigError, Receiver, load_receivers, receivers_for
from app.service.notify_formats import encode
from app.spec.status import AnalysisRunStatus
from app.store.records import NewMeasurement
from tests.support.servers import REPO

SECRET_URL = '{"secretKeyRef": {"name": "s", "key": "k"}}'


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param("receivers: [", "AUGUR_NOTIFY: not YAML or JSON at line 1", id="not-yaml"),
        pytest.param(
            '[{"name": "a", "kind": "teams", "url": "http://x"}]',
            "AUGUR_NOTIFY: receivers[0].kind: Input should be 'json', 'slack' or 'cloudevents'",
            id="kind",
        ),
        pytest.param(
            f'[{{"name": "a", "kind": "json", "url": "http://x", "urlFrom": {SECRET_URL}}}]',
            "AUGUR_NOTIFY: receivers[0]: give url or urlFrom, exactly one",
            id="both-urls",
        ),
        pytest.param(
            '[{"name": "a", "kind": "json"}]',
            "AUGUR_NOTIFY: receivers[0]: give url or urlFrom, exactly one",
            id="no-url",
        ),
        pytest.param(
            '[{"name": "Team_A", "kind": "json", "url": "http://x"}]',
            "AUGUR_NOTIFY: receivers[0].name: a receiver's name is lower-case letters, digits "
            "and '-' (at most 63), e.g. team-a-slack",
            id="name",
        ),
        pytest.param(
            '[{"name": "a", "kind": "json", "url": "http://x"},'
            ' {"name": "a", "kind": "slack", "url": "http://y"}]',
            "AUGUR_NOTIFY: receivers[1] (a): the name is used twice; give each receiver its own",
            id="twice",
        ),
        pytest.param(
            '[{"name": "a", "kind": "json", "url": "http://169.254.169.254/hook"}]',
            "AUGUR_NOTIFY: receivers[0] (a).url: 169.254.169.254 is a cloud metadata address "
            "and is always refused",
            id="metadata-address",
        ),
        pytest.param(
            '[{"name": "a", "kind": "json", "url": "ftp://x/T0KEN-in-the-path"}]',
            "AUGUR_NOTIFY: receivers[0] (a).url: the URL is not an http:// or https:// URL "
            "with a host",
            id="scheme-and-the-url-stays-out",
        ),
        pytest.param(
            f'[{{"name": "a", "kind": "json", "urlFrom": {SECRET_URL}}}]',
            "AUGUR_NOTIFY: receivers[0] (a): urlFrom and headersFrom read the secrets folder; "
            "set AUGUR_SECRETS_DIR",
            id="no-secrets-folder",
        ),
        pytest.param(
            '[{"name": "a", "kind": "json", "url": "http://x", "on": ["Failure"]}]',
            "AUGUR_NOTIFY: receivers[0].on[0]: Input should be 'Running', 'Successful', "
            "'Failed', 'Error', 'Inconclusive' or 'Judgement'",
            id="trigger",
        ),
        pytest.param(
            '[{"name": "a", "kind": "json", "url": "http://x", "when": "always"}]',
            "AUGUR_NOTIFY: receivers[0].when: Extra inputs are not permitted",
            id="unknown-field",
        ),
    ],
)
def test_a_bad_configuration_is_named(text: str, error: str) -> None:
    with pytest.raises(NotifyConfigError) as raised:
        load_receivers(inline=text, file=None, addresses=AddressPolicy(), secrets_configured=False)
    assert str(raised.value) == error


def test_the_file_and_the_variable_add_up(tmp_path: Path) -> None:
    file = tmp_path / "receivers.yaml"
    file.write_text("receivers:\n  - {name: b, kind: slack, url: 'http://hooks.test/b'}\n")
    found = load_receivers(
        inline='[{"name": "a", "kind": "json", "url": "http://hooks.test/a"}]',
        file=file,
        addresses=AddressPolicy(),
        secrets_configured=False,
    )
    every = ["Running", "Successful", "Failed", "Error", "Inconclusive", "Judgement"]
    assert [(r.name, r.kind, r.on, r.runs) for r in found] == [
        ("a", "json", every, "all"),
        ("b", "slack", every, "all"),
    ]
    with pytest.raises(NotifyConfigError) as raised:
        load_receivers(
            inline="",
            file=tmp_path / "none.yaml",
            addresses=AddressPolicy(),
            secrets_configured=False,
        )
    assert str(raised.value) == (
        f"AUGUR_NOTIFY_FILE: cannot read {tmp_path / 'none.yaml'}: No such file or directory"
    )


def test_serve_refuses_a_bad_configuration_with_exit_64(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--store", f"sqlite+aiosqlite:///{tmp_path}/a.db"],
        cwd=REPO,
        env={"AUGUR_NOTIFY": '[{"name": "a", "kind": "json"}]', "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 64
    assert done.stderr.endswith(
        "augur: invalid settings\nAUGUR_NOTIFY: receivers[0]: give url or urlFrom, exactly one\n"
    )


RECEIVERS = [
    Receiver(name="ops", kind="json", url="http://x", on=["Failed", "Error"]),
    Receiver(name="everything", kind="json", url="http://x"),
    Receiver(name="team-a", kind="slack", url="http://x", runs="annotated", namespaces=["team-a"]),
]


@pytest.mark.parametrize(
    ("namespace", "annotations", "trigger", "chosen"),
    [
        pytest.param("team-a", {}, "Failed", ["ops", "everything"], id="for-every-run"),
        pytest.param("team-a", {}, "Successful", ["everything"], id="on-filters"),
        pytest.param(
            "team-a",
            {"notifications.augur.io/on-successful": "team-a"},
            "Successful",
            ["everything", "team-a"],
            id="named",
        ),
        pytest.param(
            "team-a",
            {"notifications.augur.io/on-completed": "team-a, ops"},
            "Inconclusive",
            ["ops", "everything", "team-a"],
            id="completed-names-beyond-on",
        ),
        pytest.param(
            "team-a",
            {"notifications.augur.io/on-completed": "team-a"},
            "Running",
            ["everything"],
            id="completed-is-not-running",
        ),
        pytest.param(
            "team-b",
            {"notifications.augur.io/on-failed": "team-a"},
            "Failed",
            ["ops", "everything"],
            id="other-namespace",
        ),
    ],
)
def test_which_receivers_hear_of_what(
    namespace: str, annotations: dict[str, str], trigger: str, chosen: list[str]
) -> None:
    found = receivers_for(RECEIVERS, namespace=namespace, annotations=annotations, trigger=trigger)
    assert [r.name for r in found] == chosen


def status(phase: str | None, *metrics: tuple[str, str, int]) -> AnalysisRunStatus:
    return AnalysisRunStatus.model_validate(
        {
            "phase": phase,
            "metricResults": [
                {"name": name, "phase": p, "count": count} for name, p, count in metrics
            ],
        }
    )


def measured(metric: str, seq: int, phase: str) -> NewMeasurement:
    return NewMeasurement(metric=metric, seq=seq, phase=phase)


@pytest.mark.parametrize(
    ("before", "after", "new", "labels"),
    [
        pytest.param(
            None,
            status("Running", ("a", "Running", 1)),
            [measured("a", 1, "Successful")],
            ["measurement a Successful", "phase a Running (None)", "phase - Running (Pending)"],
            id="first-pass",
        ),
        pytest.param(
            status("Running", ("a", "Running", 1), ("b", "Running", 1)),
            status("Failed", ("a", "Running", 2), ("b", "Failed", 3)),
            [
                measured("b", 2, "Failed"),
                measured("a", 2, "Successful"),
                measured("b", 3, "Failed"),
            ],
            [
                "measurement a Successful",
                "measurement b Failed",
                "measurement b Failed",
                "phase b Failed (Running)",
                "phase - Failed (Running)",
            ],
            id="metric-by-metric-then-the-run",
        ),
        pytest.param(
            status("Running", ("a", "Running", 1)),
            status("Running", ("a", "Running", 1)),
            [],
            [],
            id="nothing-changed",
        ),
    ],
)
def test_the_events_of_a_pass(
    before: AnalysisRunStatus | None,
    after: AnalysisRunStatus,
    new: list[NewMeasurement],
    labels: list[str],
) -> None:
    found = pass_events(before, after, new)
    shown = []
    for event in found:
        label = f"{event.kind} {event.metric or '-'} {event.phase}"
        if event.kind == "phase":
            label += f" ({event.extra['previousPhase']})"
        shown.append(label)
    assert shown == labels


def test_slack_text_is_escaped() -> None:
    payload: dict[str, Any] = {
        "type": "io.augur.analysisrun.phase.v1",
        "id": "k",
        "namespace": "ns",
        "name": "r",
        "phase": "Failed",
        "previousPhase": "Running",
        "reason": "p99 <b>&</b> > 2",
        "at": "2026-01-01T00:00:00.000Z",
    }
    headers, body = encode("slack", payload)
    assert headers == {"content-type": "application/json"}
    assert b"p99 &lt;b&gt;&amp;&lt;/b&gt; &gt; 2" in body
