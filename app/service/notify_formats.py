"""What a notification says, and how each kind of receiver wants it said.

The payload (the generic JSON body) is built when the notification is queued, from the stored
(redacted) status, and kept in the outbox; each delivery turns it into the receiver's format:

- `json`: the payload as it is.
- `slack`: an incoming webhook's `{"text", "blocks"}`: the run, its phase and the reason.
- `cloudevents`: a CloudEvents 1.0 structured-mode JSON event (the `cloudevents` SDK), `type`
  `io.augur.analysisrun.phase.v1` or `io.augur.judgement.v1`, `source` the run's (or the
  judgement's) API path, `id` the idempotency key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cloudevents.core.bindings.http import to_structured_event
from cloudevents.core.v1.event import CloudEvent

from app.spec.models import AnalysisRun
from app.spec.status import Phase
from app.store.events import event_time

__all__ = ["JUDGEMENT_TYPE", "PHASE_TYPE", "encode", "judgement_payload", "phase_payload"]

PHASE_TYPE = "io.augur.analysisrun.phase.v1"
JUDGEMENT_TYPE = "io.augur.judgement.v1"
_NOT_GOOD = {Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE}
_EMOJI = {
    "Running": ":hourglass_flowing_sand:",
    "Successful": ":white_check_mark:",
    "Failed": ":x:",
    "Error": ":warning:",
    "Inconclusive": ":grey_question:",
}


def _reason(run: AnalysisRun) -> str:
    """Why the run is where it is: each metric that is not Successful and its last word."""
    status = run.status
    if status is None:
        return ""
    why = []
    for result in status.metric_results:
        if result.phase not in _NOT_GOOD:
            continue
        last = result.last_measurement
        detail = (last.message if last is not None else "") or result.message
        why.append(f"{result.name} {result.phase.value}" + (f": {detail}" if detail else ""))
    return "; ".join(why) or status.message


def phase_payload(
    run: AnalysisRun, *, uid: str, previous: str, key: str, now: datetime
) -> dict[str, Any]:
    status = run.status
    metrics = []
    for result in status.metric_results if status else []:
        last = result.last_measurement
        metrics.append(
            {
                "name": result.name,
                "phase": result.phase.value,
                "message": result.message,
                **{
                    k: getattr(result, k)
                    for k in ("count", "successful", "failed", "inconclusive", "error")
                },
                "last": None
                if last is None
                else {"phase": last.phase.value, "value": last.value, "message": last.message},
            }
        )
    phase = status.phase.value if status and status.phase else "Pending"
    return {
        "type": PHASE_TYPE,
        "id": key,
        "namespace": run.metadata.namespace,
        "name": run.metadata.name,
        "uid": uid,
        "phase": phase,
        "previousPhase": previous,
        "message": status.message if status else "",
        "reason": _reason(run),
        "metrics": metrics,
        "at": event_time(now),
    }


def judgement_payload(
    *,
    namespace: str,
    name: str,
    judgement: str,
    result: str,
    score: float | None,
    message: str,
    details: Mapping[str, Any],
    key: str,
    now: datetime,
) -> dict[str, Any]:
    return {
        "type": JUDGEMENT_TYPE,
        "id": key,
        "namespace": namespace,
        "name": name,
        "judgement": judgement,
        "result": result,
        "score": score,
        "message": message,
        "reason": message,
        "details": dict(details),
        "at": event_time(now),
    }


def _mrkdwn(text: str) -> str:
    """Slack's escaping: only &, < and > are special in mrkdwn text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack(payload: Mapping[str, Any]) -> dict[str, Any]:
    run = f"{payload['namespace']}/{payload['name']}"
    reason = str(payload.get("reason") or "")
    if payload["type"] == JUDGEMENT_TYPE:
        score = payload.get("score")
        shown = f" (score {score:g})" if isinstance(score, int | float) else ""
        title = f"Judgement {payload['judgement']} of {run}: {payload['result']}{shown}"
        emoji = ":scales:"
        fields = [("Judgement", str(payload["judgement"])), ("Result", str(payload["result"]))]
    else:
        title = f"AnalysisRun {run} is {payload['phase']}"
        emoji = _EMOJI.get(str(payload["phase"]), ":information_source:")
        fields = [("Run", run), ("Phase", f"{payload['previousPhase']} → {payload['phase']}")]
    text = f"{emoji} {title}" + (f": {reason}" if reason else "")
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{emoji} *{_mrkdwn(title)}*"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{label}*\n{_mrkdwn(it)}"} for label, it in fields
            ],
        },
    ]
    if reason:
        # A section's text holds at most 3000 characters.
        shown = reason if len(reason) <= 2900 else reason[:2899] + "…"
        reason_text = {"type": "mrkdwn", "text": f"*Reason*\n{_mrkdwn(shown)}"}
        blocks.append({"type": "section", "text": reason_text})
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"augur · {payload['at']}"}]}
    )
    return {"text": text, "blocks": blocks}


def _cloudevent(payload: Mapping[str, Any]) -> tuple[dict[str, str], bytes]:
    where = f"/api/v1/namespaces/{payload['namespace']}"
    if payload["type"] == JUDGEMENT_TYPE:
        source, subject = f"{where}/judgements/{payload['judgement']}", payload["result"]
    else:
        source, subject = f"{where}/analysisruns/{payload['name']}", payload["phase"]
    event = CloudEvent(
        attributes={
            "type": payload["type"],
            "source": source,
            "id": payload["id"],
            "subject": str(subject),
            "time": datetime.fromisoformat(str(payload["at"]).replace("Z", "+00:00")),
            "datacontenttype": "application/json",
        },
        data=dict(payload),
    )
    message = to_structured_event(event)
    return dict(message.headers), message.body


def encode(kind: str, payload: Mapping[str, Any]) -> tuple[dict[str, str], bytes]:
    """The headers (content type) and body a receiver of `kind` is sent."""
    if kind == "cloudevents":
        return _cloudevent(payload)
    body = _slack(payload) if kind == "slack" else dict(payload)
    return {"content-type": "application/json"}, json.dumps(body).encode()
