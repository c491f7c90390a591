"""The local server's WebSocket follows a finished job through a re-compose.

Every event of a re-compose carries the job's terminal status ("completed"), so a stream that
ended after the first terminal event went silent while the new version rendered. A WebSocket
subscription lasts until the client unsubscribes or leaves, as on API Gateway."""

from __future__ import annotations

import pytest
from api_harness import LOCAL_WS, Keys, make_client, small_brief, wait_done


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    keys = Keys()
    client, services = make_client(tmp_path_factory.mktemp("ws"), keys)
    with client:
        alice = {"Authorization": f"Bearer {keys.token('alice')}"}
        r = client.post("/api/v1/generate", json=small_brief(duration_s=15), headers=alice)
        assert r.status_code == 202, r.text
        job = wait_done(client, r.json()["job_id"], alice)
        assert job["status"] == "completed", job.get("error")
        yield client, keys, alice, job
    services.launcher.join(30)


def _until(ws, stop):
    """Messages until `stop(msg)` holds (the test's timeout bounds a silent socket)."""
    got = []
    while True:
        msg = ws.receive_json()
        assert "error" not in msg, msg
        got.append(msg)
        if stop(msg):
            return got


@pytest.mark.timeout(300)
def test_websocket_reports_a_recompose_of_a_finished_job(world):
    client, keys, alice, job = world
    jid = job["job_id"]
    first_run = job["tracks"]["compose"]["finished_at"]
    with client.websocket_connect(f"{LOCAL_WS}/api/v1/ws?token={keys.token('alice')}") as ws:
        ws.send_json({"action": "subscribe", "job_id": jid, "last_seq": 0})
        history = _until(ws, lambda m: m["seq"] == job["seq"])
        assert history[-1]["status"] == "completed"

        r = client.post(f"/api/v1/jobs/{jid}/compose", headers=alice)
        assert r.status_code == 202, r.text
        assert r.json()["version"] == 2
        events = _until(
            ws,
            lambda m: (
                m["tracks"]["compose"]["state"] in ("done", "failed")
                and m["tracks"]["compose"]["finished_at"] != first_run
            ),
        )
    states = [e["tracks"]["compose"]["state"] for e in events]
    assert "running" in states, states
    assert states[-1] == "done", events[-1]["tracks"]["compose"]
    assert all(e["status"] == "completed" for e in events)
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs)) and seqs[0] > job["seq"]
    assert client.get(f"/api/v1/jobs/{jid}", headers=alice).json()["renders"] == 2


@pytest.mark.timeout(120)
def test_sse_still_ends_after_the_terminal_event(world):
    """SSE keeps its contract (the stream ends after a terminal status; clients resume)."""
    client, _, alice, job = world
    with client.stream("GET", f"/api/v1/jobs/{job['job_id']}/progress", headers=alice) as r:
        text = "".join(r.iter_text())
    assert '"status":"completed"' in text.replace(" ", "")
