"""The in-process runner's queue: at most `max_jobs` jobs run at once on that many long-lived
workers, the rest wait `queued` in order, and a job cancelled while it waits never starts."""

from __future__ import annotations

import os
import threading
import time

from api_harness import small_brief

from omnigen.brief import parse_brief
from omnigen.config import load_settings
from omnigen.job import JobStatus
from omnigen.pipeline.context import local_context
from omnigen.pipeline.launchers.threads import LocalRunner
from omnigen.pipeline.lifecycle import cancel_job, create_job
from omnigen.priority import BACKGROUND_NICE


class RecordingRunner(LocalRunner):
    """The real queue and workers around a pipeline that only records when it ran (the
    pipeline itself is tested on real providers elsewhere; here the subject is scheduling)."""

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lock = threading.Lock()
        self.active = 0
        self.most_active = 0
        self.order: list[str] = []
        self.nice: set[int] = set()

    def _pipeline(self, job_id: str) -> None:
        job = self.ctx.jobs.get(job_id)
        if job is None or job.status.terminal:
            return
        with self.lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
            self.order.append(job_id)
            self.nice.add(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        time.sleep(0.2)
        with self.lock:
            self.active -= 1


def test_jobs_beyond_the_limit_wait_in_order_on_a_fixed_set_of_workers(tmp_path):
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_PROVIDERS": "local"}))
    runner = RecordingRunner(ctx, max_jobs=2)
    ids = [create_job(ctx, "local", parse_brief(small_brief())).job_id for _ in range(5)]
    before = set(threading.enumerate())
    t0 = time.perf_counter()
    handles = [runner.start(job_id) for job_id in ids]
    started_in = time.perf_counter() - t0
    assert set(runner.running()) == set(ids)
    for handle in handles:
        handle.join(10)
    assert not any(h.is_alive() for h in handles)
    assert runner.most_active == 2
    # first come, first served: two at a time (the two of a pair may record in either order)
    assert [set(runner.order[i : i + 2]) for i in (0, 2, 4)] == [set(ids[i : i + 2]) for i in (0, 2, 4)]
    made = set(threading.enumerate()) - before
    assert made == set(runner._workers) and len(made) == 2  # no thread per job
    assert started_in < 0.2  # queuing five jobs did not wait for any of them
    assert runner.running() == []


def test_idle_workers_end_and_a_new_job_gets_a_new_one(tmp_path, monkeypatch):
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_PROVIDERS": "local"}))
    runner = RecordingRunner(ctx, max_jobs=2)
    monkeypatch.setattr(runner, "IDLE_S", 0.1)
    runner.start(create_job(ctx, "local", parse_brief(small_brief())).job_id).join(10)
    deadline = time.monotonic() + 5
    while runner._workers and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runner._workers == []
    later = runner.start(create_job(ctx, "local", parse_brief(small_brief())).job_id)
    later.join(10)
    assert later.job is not None and len(runner.order) == 2


def test_jobs_run_as_background_work(tmp_path):
    """Renders yield the CPU to requests: the workers run at the background nice value."""
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_PROVIDERS": "local"}))
    runner = RecordingRunner(ctx, max_jobs=1)
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    runner.start(create_job(ctx, "local", parse_brief(small_brief())).job_id).join(10)
    assert runner.nice == {max(own, BACKGROUND_NICE)}
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own  # the caller is untouched


def test_a_job_cancelled_while_queued_never_runs(tmp_path):
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_PROVIDERS": "local"}))
    runner = RecordingRunner(ctx, max_jobs=1)
    first, second = (create_job(ctx, "local", parse_brief(small_brief())).job_id for _ in range(2))
    runner.start(first)
    waiting = runner.start(second)
    cancel_job(ctx, second)
    waiting.join(10)
    assert runner.order == [first]
    assert waiting.job is not None and waiting.job.status == JobStatus.CANCELLED


def test_a_job_started_twice_runs_once_and_the_cli_runs_in_the_foreground(tmp_path):
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_PROVIDERS": "local"}))
    runner = RecordingRunner(ctx, max_jobs=2, background=False)
    job_id = create_job(ctx, "local", parse_brief(small_brief())).job_id
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    first, again = runner.start(job_id), runner.start(job_id)
    first.join(10)
    assert again is first and runner.order == [job_id]
    assert runner.nice == {own}  # background=False: the job is the caller's own work
