"""An idle SSE stream sends heartbeats (proxies and browsers drop silent connections), and a
stream ends right after the job's terminal event."""

from __future__ import annotations

import asyncio

from omnigen.api import routes_progress
from omnigen.api.app import local_services
from omnigen.brief import parse_brief
from omnigen.config import load_settings
from omnigen.pipeline.lifecycle import cancel_job, create_job

BRIEF = {
    "prompt": "A hopeful short spot about getting back to the garden",
    "duration_s": 12,
    "product": {
        "brand_name": "Veltrexa",
        "generic_name": "veltrexamab",
        "indication": "psoriasis",
        "side_effects": ["headache"],
    },
}


def test_idle_stream_heartbeats_then_ends_after_the_terminal_event(tmp_path, monkeypatch):
    monkeypatch.setattr(routes_progress, "POLL_S", 0.05)
    monkeypatch.setattr(routes_progress, "HEARTBEAT_S", 0.1)
    svc = local_services(load_settings({"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_PROVIDERS": "local"}))
    job = create_job(svc.ctx, "local", parse_brief(BRIEF))  # queued, never started

    async def read() -> list[str]:
        got: list[str] = []
        async for event in routes_progress.job_events(svc, job.job_id, 0):
            got.append("heartbeat" if event is None else event.status.value)
            if got.count("heartbeat") == 2:
                cancel_job(svc.ctx, job.job_id)
        return got

    got = asyncio.run(asyncio.wait_for(read(), timeout=10))
    assert got[0] == "queued"
    assert got.count("heartbeat") >= 2
    assert got[-1] == "cancelled"  # the iterator returned by itself after the terminal event
