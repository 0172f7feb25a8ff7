"""A Kayenta execution accepted just before augur is killed is finished after the restart, once.

The execution is stored when `POST /canary` answers, before anything is fetched. Here the OAP
holds every answer, so the judgement is mid-fetch when the server gets SIGKILL; after the
restart the OAP answers again, and the same execution (same id) completes: one row, run twice
(the killed attempt and the one that finished), written once.
"""

from __future__ import annotations

import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.fakes.fake_oap import FakeOAP, Fault
from tests.support.canary import canary_config, execution_request, seed
from tests.support.servers import augur_server
from tests.support.waiting import wait_for


def test_an_execution_survives_sigkill_and_completes_once(tmp_path: Path) -> None:
    store = f"sqlite+aiosqlite:///{tmp_path / 'augur.db'}"
    end = datetime.now(UTC).replace(microsecond=0)
    request = execution_request(end - timedelta(minutes=30), end)
    with FakeOAP() as oap:
        seed(oap)
        with augur_server(store_url=store, log=tmp_path / "first.log", ready=True) as served:
            reply = httpx.put(
                f"{served.base_url}/api/v1/namespaces/bookinfo/canaryconfigs/reviews",
                json=canary_config(oap.url),
                timeout=10,
            )
            assert reply.status_code == 201, reply.text
            config_id = reply.json()["id"]
            oap.set_fault(Fault(delay=120))  # every answer held: the judgement stays mid-fetch
            reply = httpx.post(f"{served.base_url}/canary/{config_id}", json=request, timeout=10)
            assert reply.status_code == 200, reply.text
            execution = reply.json()["canaryExecutionId"]
            wait_for(
                lambda: len(oap.requests),
                lambda asked: asked > 0,
                timeout=30,
                describe=lambda asked: f"the OAP was asked {asked} times",
            )
            status = httpx.get(f"{served.base_url}/canary/{execution}", timeout=10).json()
            assert (status["complete"], status["status"]) == (False, "running")
            served.proc.send_signal(signal.SIGKILL)
            served.proc.wait()
        oap.set_fault(None)
        with augur_server(store_url=store, log=tmp_path / "second.log", ready=True) as served:
            done = wait_for(
                lambda: httpx.get(f"{served.base_url}/canary/{execution}", timeout=10).json(),
                lambda status: status["complete"],
                timeout=60,
                describe=lambda status: f"status: {status}",
            )
            assert done["status"] == "succeeded"
            assert done["result"]["judgeResult"]["score"]["classification"] == "Pass"
    with sqlite3.connect(tmp_path / "augur.db") as db:
        rows = db.execute(
            "SELECT id, status, attempts, claim_owner, report IS NOT NULL FROM judgements"
        ).fetchall()
    assert rows == [(execution, "succeeded", 2, None, 1)]
