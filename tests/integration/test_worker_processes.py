"""Jobs in worker processes (the local server's default): a real job renders in another
process, every change it writes reaches the server's callback, a cancel from the server stops
it, and closing the runner stops its workers."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from api_harness import small_brief

from omnigen.brief import parse_brief
from omnigen.config import load_settings
from omnigen.job import Job, JobStatus
from omnigen.pipeline.context import local_context
from omnigen.pipeline.launchers.processes import ProcessRunner
from omnigen.pipeline.lifecycle import cancel_job, create_job


class Changes:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, job_id: str) -> None:
        with self.lock:
            self.ids.append(job_id)


def _context(tmp_path):  # type: ignore[no-untyped-def]
    env = {"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_PROVIDERS": "local", "OMNIGEN_MAX_CONCURRENT_SCENES": "2"}
    return local_context(load_settings(env))


@pytest.fixture
def workers(tmp_path):  # type: ignore[no-untyped-def]
    """A context on a fresh home and a one-worker ProcessRunner recording changes; closed after."""
    ctx = _context(tmp_path)
    changes = Changes()
    runner = ProcessRunner(ctx, 1, changes)
    yield ctx, runner, changes
    runner.close()


def _run_to_end(ctx, runner: ProcessRunner, **brief: object) -> Job:  # type: ignore[no-untyped-def]
    job = create_job(ctx, "local", parse_brief(small_brief(**brief)))
    handle = runner.start(job.job_id)
    handle.join(240)
    assert handle.job is not None and handle.job == ctx.jobs.get(job.job_id)
    return handle.job


def _wait_until_started(ctx, job_id: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 120
    while (current := ctx.jobs.get(job_id)) and current.status == JobStatus.QUEUED:
        assert time.monotonic() < deadline, "the worker never took the job"
        time.sleep(0.1)


def test_a_job_renders_in_a_worker_and_reports_every_change(workers):  # type: ignore[no-untyped-def]
    ctx, runner, changes = workers
    final = _run_to_end(ctx, runner)
    procs = [w.proc for w in runner._workers]
    assert procs and all(p.pid != os.getpid() for p in procs)
    assert final.status == JobStatus.COMPLETED, final.error
    written = len(ctx.jobs.events(final.job_id)) - 1  # all but the creation, made here
    assert changes.ids.count(final.job_id) == written
    assert runner.running() == []
    runner.close()
    assert not any(p.is_alive() for p in procs)


def test_a_cancel_from_the_server_stops_the_worker_job(workers):  # type: ignore[no-untyped-def]
    ctx, runner, _ = workers
    job = create_job(ctx, "local", parse_brief(small_brief(duration_s=30, continuity="chain")))
    handle = runner.start(job.job_id)
    _wait_until_started(ctx, job.job_id)
    cancel_job(ctx, job.job_id)
    handle.join(60)
    assert not handle.is_alive()
    final = ctx.jobs.get(job.job_id)
    assert final is not None and final.status == JobStatus.CANCELLED
    assert "output" not in final.assets


def test_a_worker_that_dies_fails_its_job_and_the_next_job_gets_a_new_worker(workers):  # type: ignore[no-untyped-def]
    ctx, runner, _ = workers
    doomed = create_job(ctx, "local", parse_brief(small_brief(duration_s=30, continuity="chain")))
    handle = runner.start(doomed.job_id)
    _wait_until_started(ctx, doomed.job_id)
    first = runner._workers[0].proc
    os.kill(first.pid, signal.SIGKILL)  # what an out-of-memory kill or a native crash looks like
    handle.join(30)
    failed = ctx.jobs.get(doomed.job_id)
    assert failed is not None and failed.status == JobStatus.FAILED
    assert failed.error is not None and "stopped unexpectedly" in failed.error.message
    assert str(-signal.SIGKILL) in failed.error.message

    assert _run_to_end(ctx, runner).status == JobStatus.COMPLETED
    assert runner._workers[0].proc.pid != first.pid


def test_a_worker_that_died_idle_is_replaced_when_the_next_job_comes(workers):  # type: ignore[no-untyped-def]
    ctx, runner, _ = workers
    assert _run_to_end(ctx, runner).status == JobStatus.COMPLETED
    idle = runner._workers[0].proc
    os.kill(idle.pid, signal.SIGKILL)
    idle.join(10)
    assert _run_to_end(ctx, runner).status == JobStatus.COMPLETED
