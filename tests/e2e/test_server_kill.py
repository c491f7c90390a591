"""A `kill -9` of the real local server mid-render leaves nothing running: its workers end and
their ffmpegs die with them; the next start removes the scratch folders the killed steps left
and resumes the job to its end (issue 14 item 5)."""

from __future__ import annotations

import signal
import time

import httpx
from api_harness import small_brief
from procs import of_home, wait_until

from omnigen.api.devserver import free_port, start_local_server, stop


def test_a_sigkilled_server_leaves_no_ffmpeg_and_the_next_start_cleans_its_scratch(tmp_path):
    home = tmp_path / "home"
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    server = start_local_server(home, port)
    try:
        r = httpx.post(f"{base}/generate", json=small_brief(duration_s=15), timeout=30)
        assert r.status_code == 202, r.text
        job_id = r.json()["job_id"]

        def mid_step():  # type: ignore[no-untyped-def]
            scratch = list((home / "tmp").iterdir()) if (home / "tmp").is_dir() else []
            ffmpeg = [p for p in of_home(home) if p.comm.startswith("ffmpeg")]
            return (ffmpeg, scratch) if ffmpeg and scratch else None

        caught = wait_until(mid_step, timeout=300, poll=0.02)
        assert caught, "the job never ran an ffmpeg inside a step"
        _, scratch = caught
        server.send_signal(signal.SIGKILL)
        server.wait(30)
        left = wait_until(lambda: not of_home(home), timeout=15)
        assert left, f"still running after the server's SIGKILL: {of_home(home)}"
        stale = [p.name for p in scratch if p.exists()]
        assert stale, "the killed step left no scratch folder to clean"
        server = start_local_server(home, port)
        assert not any((home / "tmp" / name).exists() for name in stale), "the killed steps' scratch survived a start"
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            job = httpx.get(f"{base}/jobs/{job_id}", timeout=30).json()
            if job["status"] in ("completed", "failed", "cancelled"):
                break
            time.sleep(1)
        assert job["status"] in ("completed", "failed"), job["status"]
        assert job["status"] == "completed" or job["error"]["message"]
    finally:
        stop(server)
    assert wait_until(lambda: not of_home(home), timeout=15), of_home(home)
