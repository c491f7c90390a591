"""`omnigen serve` as a user runs it: loopback without login, a token beyond loopback, and a
restart in the middle of a job that the new server finishes."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest
from api_harness import make_client, small_brief

from omnigen.api.devserver import free_port, start_local_server
from omnigen.api.server import serve
from omnigen.config import ConfigError, load_settings


def _children(pid: int) -> list[int]:
    """Live (non-zombie) processes whose parent is `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _serve(home: Path, port: int):  # type: ignore[no-untyped-def]
    return start_local_server(home, port, {"OMNIGEN_MAX_CONCURRENT_SCENES": "1"})


def test_beyond_loopback_needs_a_token(tmp_path):
    settings = load_settings({"OMNIGEN_HOME": str(tmp_path)})
    with pytest.raises(ConfigError, match="OMNIGEN_API_TOKEN"):
        serve("0.0.0.0", 0, settings)
    client, _ = make_client(tmp_path, host="0.0.0.0", OMNIGEN_API_TOKEN="s3cret-token")
    assert client.get("/api/v1/jobs").status_code == 401
    assert client.get("/api/v1/jobs", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/v1/jobs", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


def test_restart_during_a_job_finishes_it(tmp_path):
    home, port = tmp_path / "home", free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    server = _serve(home, port)
    try:
        brief = small_brief(duration_s=20, continuity="chain")
        job_id = httpx.post(f"{base}/generate", json=brief, timeout=10).json()["job_id"]
        deadline = time.monotonic() + 120
        while True:
            job = httpx.get(f"{base}/jobs/{job_id}", timeout=10).json()
            if any(k.startswith("scene_") and t["state"] == "done" for k, t in job["tracks"].items()):
                break
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        workers = _children(server.pid)
        assert workers, "the job should render in a worker process of the server"
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    assert job["status"] not in ("completed", "failed", "cancelled")
    # the killed server's workers end with it: the job must not go on rendering twice
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)

    server = _serve(home, port)  # the new server resumes the job at start
    try:
        deadline = time.monotonic() + 300
        while True:
            job = httpx.get(f"{base}/jobs/{job_id}", timeout=10).json()
            if job["status"] in ("completed", "failed", "cancelled"):
                break
            assert time.monotonic() < deadline
            time.sleep(0.3)
        assert job["status"] == "completed", job.get("error")
        video = httpx.get(f"http://127.0.0.1:{port}{job['urls']['output']}", timeout=30)
        assert video.status_code == 200 and len(video.content) > 10_000
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(20)
