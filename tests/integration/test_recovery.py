"""The job database lost (issue 14 item 12): the server says so at start, and `omnigen recover`
rebuilds the jobs' records from their stored assets — the finished job watchable again, the
unfinished one failed with a reason and retryable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from api_harness import small_brief

from omnigen.api.devserver import free_port, start_local_server, stop
from omnigen.brief import parse_brief
from omnigen.config import load_settings
from omnigen.keys import JobKeys
from omnigen.pipeline.context import local_context
from omnigen.pipeline.lifecycle import create_job
from omnigen.pipeline.recovery import orphaned_jobs


def _two_jobs(home: Path) -> tuple[str, str]:
    """One job with a rendered version 2 (as compose leaves it) and one that never finished."""
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(home), "OMNIGEN_PROVIDERS": "local"}))
    done = create_job(ctx, "local", parse_brief(small_brief()))
    keys = JobKeys("local", done.job_id)
    for version in (1, 2):
        vk = keys.version(version)
        ctx.assets.put_bytes(vk.output, b"mp4 bytes", "video/mp4")
        ctx.assets.put_bytes(vk.poster, b"jpeg bytes", "image/jpeg")
    ctx.assets.put_bytes(keys.timeline, b"{}", "application/json")
    for revision in (1, 3):  # saved edits: the newest is the draft the rebuilt record names
        ctx.assets.put_bytes(keys.draft(revision, f"t{revision}"), b"{}", "application/json")
    unfinished = create_job(ctx, "local", parse_brief(small_brief(prompt="A second spot that never finished")))
    ctx.assets.put_bytes(JobKeys("local", unfinished.job_id).clip(1), b"a clip", "video/mp4")
    return done.job_id, unfinished.job_id


def _lose_database(home: Path) -> None:
    for name in ("omnigen.db", "omnigen.db-wal", "omnigen.db-shm"):
        (home / name).unlink(missing_ok=True)


def test_start_up_names_the_orphans_and_recover_rebuilds_them(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done, unfinished = _two_jobs(home)
    _lose_database(home)

    port = free_port()
    server = start_local_server(home, port)
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/jobs", timeout=10).json()["items"] == []
    finally:
        stop(server)
    log = (home / "serve.log").read_text()
    assert "no record of 2 job(s)" in log and "omnigen recover" in log and str(home / "omnigen.db") in log

    env = os.environ | {"OMNIGEN_HOME": str(home), "OMNIGEN_PROVIDERS": "local"}
    run = subprocess.run([sys.executable, "-m", "omnigen.cli", "recover"], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "rebuilt 2 job(s)" in run.stderr and done in run.stdout and unfinished in run.stdout

    ctx = local_context(load_settings({"OMNIGEN_HOME": str(home), "OMNIGEN_PROVIDERS": "local"}))
    assert orphaned_jobs(ctx) == []
    job = ctx.jobs.get(done)
    assert job is not None and job.status == "completed" and job.renders == 2
    assert job.assets["output"] == JobKeys("local", done).output(2) and "timeline" in job.assets
    newest = JobKeys("local", done).draft(3, "t3")
    assert job.draft is not None and job.draft.revision == 3 and job.draft.key == newest == job.assets["timeline"]
    assert job.brief.prompt == small_brief()["prompt"]
    lost = ctx.jobs.get(unfinished)
    assert lost is not None and lost.status == "failed" and "retry" in lost.error.message

    port = free_port()
    server = start_local_server(home, port)
    try:
        items = httpx.get(f"http://127.0.0.1:{port}/api/v1/jobs", timeout=10).json()["items"]
        assert {i["job_id"] for i in items} == {done, unfinished}
    finally:
        stop(server)
    assert "no record of" not in (home / "serve.log").read_text().split("OmniGen on http")[-1]


def test_a_second_recover_changes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _two_jobs(home)
    env = os.environ | {"OMNIGEN_HOME": str(home), "OMNIGEN_PROVIDERS": "local"}
    run = subprocess.run([sys.executable, "-m", "omnigen.cli", "recover"], env=env, capture_output=True, text=True)
    assert run.returncode == 0 and "rebuilt 0 job(s)" in run.stderr
