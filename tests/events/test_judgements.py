"""Judgements announced: a Kayenta execution's outcome by the execution worker, in the
transaction that stores it, and `notify_judgement`, the call other judgement code makes once a
judgement is stored: one notification per receiver that wants judgements, once per judgement
id, delivered in each receiver's shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from cloudevents.core.bindings.http import HTTPMessage, from_structured_event

from app.core.settings import Settings
from app.main import create_app
from app.service.notifications import Notifications
from tests.fakes.fake_oap import FakeOAP
from tests.support.canary import canary_config, execution_request, seed
from tests.support.receivers import receiver
from tests.support.servers import augur_server
from tests.support.waiting import wait_for, wait_for_async, wait_ready_async


async def test_a_judgement_is_announced_once_per_receiver(tmp_path: Path) -> None:
    with receiver() as events, receiver() as slack, receiver() as phases_only:
        hooks = [
            {"name": "events", "kind": "cloudevents", "url": events.url},
            {"name": "slack", "kind": "slack", "url": slack.url, "on": ["Judgement"]},
            {"name": "phases", "kind": "json", "url": phases_only.url, "on": ["Failed"]},
            {"name": "team-a", "kind": "json", "url": phases_only.url, "runs": "annotated"},
        ]
        settings = Settings(
            store_url=f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}",
            notify=json.dumps(hooks),
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://localhost"
            ) as client:
                await wait_ready_async(client)
            notifications: Notifications = app.state.notifications
            judged = {
                "namespace": "bookinfo",
                "name": "reviews-canary",
                "judgement": "j-1",
                "result": "Fail",
                "score": 41.5,
                "message": "latency: canary higher than baseline",
                "details": {"metrics": {"latency": "High"}},
            }
            assert await notifications.notify_judgement(**judged) == 2
            assert await notifications.notify_judgement(**judged) == 2  # queued once all the same
            await wait_for_async(
                app.state.store.notification_states,
                lambda states: states == {"delivered": 2},
                timeout=20,
                describe=lambda states: f"the outbox holds {states}",
            )
    assert phases_only.seen() == []
    (posted,) = events.seen()
    event = from_structured_event(HTTPMessage(headers=posted.headers, body=posted.body))
    assert event.get_type() == "io.augur.judgement.v1"
    assert event.get_subject() == "Fail"
    assert event.get_id() == posted.key
    data = event.get_data()
    assert isinstance(data, dict)
    assert (data["judgement"], data["score"], data["details"]) == (
        "j-1",
        41.5,
        {"metrics": {"latency": "High"}},
    )
    (message,) = slack.seen()
    assert message.json()["text"] == (
        ":scales: Judgement j-1 of bookinfo/reviews-canary: Fail (score 41.5): "
        "latency: canary higher than baseline"
    )


def test_a_kayenta_execution_is_announced_with_its_outcome(tmp_path: Path) -> None:
    """Queued with the outcome, in its transaction: a Pass by a real server, end to end."""
    end = datetime.now(UTC).replace(microsecond=0)
    request = execution_request(end - timedelta(minutes=30), end)
    hooks = json.dumps(
        [{"name": "judged", "kind": "cloudevents", "url": "{url}", "on": ["Judgement"]}]
    )
    with FakeOAP() as oap, receiver() as judged:
        seed(oap)
        with augur_server(
            store_url=f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}",
            log=tmp_path / "augur.log",
            env={"AUGUR_NOTIFY": hooks.replace("{url}", judged.url)},
            ready=True,
        ) as served:
            reply = httpx.put(
                f"{served.base_url}/api/v1/namespaces/bookinfo/canaryconfigs/reviews",
                json=canary_config(oap.url),
                timeout=10,
            )
            assert reply.status_code == 201, reply.text
            reply = httpx.post(f"{served.base_url}/canary/{reply.json()['id']}", json=request)
            execution = reply.json()["canaryExecutionId"]
            wait_for(
                lambda: judged.seen(),
                lambda seen: len(seen) == 1,
                timeout=60,
                describe=lambda seen: f"the receiver saw {len(seen)} requests",
            )
    (posted,) = judged.seen()
    event = from_structured_event(HTTPMessage(headers=posted.headers, body=posted.body))
    assert event.get_type() == "io.augur.judgement.v1"
    assert event.get_source() == f"/api/v1/namespaces/bookinfo/judgements/{execution}"
    assert event.get_subject() == "Pass"
    data = event.get_data()
    assert isinstance(data, dict)
    assert (data["name"], data["judgement"], data["result"]) == ("reviews", execution, "Pass")
    assert data["details"]["origin"] == "kayenta"
