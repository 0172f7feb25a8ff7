"""`notify_judgement`, the call the judgement code makes once a judgement is stored: it queues
one notification per receiver that wants judgements, once per judgement id, and the worker
delivers it in each receiver's shape."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from cloudevents.core.bindings.http import HTTPMessage, from_structured_event

from app.core.settings import Settings
from app.main import create_app
from app.service.notifications import Notifications
from tests.support.receivers import receiver
from tests.support.waiting import wait_for_async, wait_ready_async


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
