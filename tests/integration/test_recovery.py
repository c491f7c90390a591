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


def test_recover_rebuilds_every_version_and_the_usage_of_a_job_rendered_twice(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from omnigen.pipeline.launchers.threads import LocalRunner
    from omnigen.pipeline.recovery import rebuild_jobs
    from omnigen.pipeline.steps import compose
    from omnigen.usage import month_of

    home = tmp_path / "home"
    settings = load_settings({"OMNIGEN_HOME": str(home), "OMNIGEN_PROVIDERS": "local"})
    ctx = local_context(settings)
    job = LocalRunner(ctx).run(create_job(ctx, "local", parse_brief(small_brief())).job_id)
    assert job.status == "completed", job.error
    compose(ctx, job.job_id, version=2)
    before = ctx.jobs.get(job.job_id)
    month = month_of(datetime.now(UTC))
    usage = ctx.usage.usage("local", month)
    assert before is not None and [v.version for v in before.versions] == [1, 2] and usage.completed == 1

    _lose_database(home)
    ctx = local_context(settings)
    assert ctx.jobs.get(job.job_id) is None and ctx.usage.usage("local", month).jobs == 0
    rebuilt, skipped = rebuild_jobs(ctx)
    assert skipped == [] and [j.job_id for j in rebuilt] == [job.job_id]

    after = ctx.jobs.get(job.job_id)
    assert after is not None and after.status == "completed" and after.renders == 2
    assert [v.version for v in after.versions] == [1, 2]
    for old, new in zip(before.versions, after.versions, strict=True):
        assert new.assets == old.assets and new.compliance == old.compliance and new.qc == old.qc
        assert abs(new.duration_s - old.duration_s) < 0.05
        assert abs((new.created_at - old.created_at).total_seconds()) < 5  # dated by the MP4 compose wrote
    assert after.assets["output"] == JobKeys("local", job.job_id).output(2)
    assert after.compliance == before.compliance and after.qc == before.qc
    assert abs((after.created_at - before.created_at).total_seconds()) < 5  # dated by its brief.json
    again = ctx.usage.usage("local", month)
    assert (again.jobs, again.completed, again.video_seconds) == (usage.jobs, usage.completed, usage.video_seconds)
