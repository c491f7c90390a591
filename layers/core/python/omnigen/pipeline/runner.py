"""The in-process runner: DESIGN's pipeline on threads, for the embedded default.

write_script, then the scene chains (each sequential, scenes under a concurrency limit), music
and voiceover side by side, then compose and finalize. Any failure ends the job `failed` with
the error kept and partial assets left in the store; a cancel stops every branch at its next
check. Running a job again resumes it: each step reuses what is already stored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait

from omnigen.job import Job
from omnigen.pipeline import steps
from omnigen.pipeline.context import StepContext
from omnigen.providers.ports import Cancelled


class LocalRunner:
    def __init__(self, ctx: StepContext, max_jobs: int = 2):
        self.ctx = ctx
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        # Jobs beyond this wait `queued`: one machine renders a couple of ads well, not fifty.
        self._job_slots = threading.Semaphore(max_jobs)

    # -- public API ---------------------------------------------------------------------------

    def run(self, job_id: str) -> Job:
        """Run (or resume) a job to its end in this thread; returns the final job."""
        try:
            self._pipeline(job_id)
        except Cancelled:
            steps.cancel_job(self.ctx, job_id)
        except BaseException as err:
            if self.ctx.is_cancelled(job_id):
                steps.cancel_job(self.ctx, job_id)
            else:
                step = getattr(err, "_omnigen_step", "pipeline")
                steps.fail_job(self.ctx, job_id, steps.error_of(step, err))
            if not isinstance(err, Exception):
                raise
        job = self.ctx.jobs.get(job_id)
        assert job is not None
        return job

    def start(self, job_id: str, on_done: Callable[[Job], None] | None = None) -> threading.Thread:
        """Run a job in a background thread (the local server does this)."""

        def target() -> None:
            try:
                with self._job_slots:
                    job = self.run(job_id)
                if on_done:
                    on_done(job)
            finally:
                with self._lock:
                    self._threads.pop(job_id, None)

        t = threading.Thread(target=target, name=f"job-{job_id}", daemon=True)
        with self._lock:
            self._threads[job_id] = t
        t.start()
        return t

    def cancel(self, job_id: str) -> None:
        steps.cancel_job(self.ctx, job_id)

    def running(self) -> list[str]:
        with self._lock:
            return list(self._threads)

    def join(self, timeout: float | None = None) -> None:
        for t in list(self._threads.values()):
            t.join(timeout)

    # -- the pipeline -------------------------------------------------------------------------

    def _step(self, name: str, fn: Callable[..., dict], *args: object) -> dict:
        try:
            return fn(self.ctx, *args)
        except BaseException as err:
            if not hasattr(err, "_omnigen_step"):
                err._omnigen_step = name  # type: ignore[attr-defined]
            raise

    def _pipeline(self, job_id: str) -> None:
        ctx = self.ctx
        job = ctx.jobs.get(job_id)
        if job is None or job.status.terminal:
            return
        script = self._step("write_script", steps.write_script, job_id)
        # Chains come longest first; a chain keeps its slot from its first scene to its last: a
        # chain is sequential anyway, and a slot handed between chains scene by scene lets a
        # short chain delay a long one past the critical path.
        chains: list[list[int]] = script["chains"]
        scene_slots = threading.Semaphore(ctx.settings.max_concurrent_scenes)

        def run_chain(chain: list[int]) -> None:
            with scene_slots:
                for index in chain:
                    if ctx.is_cancelled(job_id):
                        raise Cancelled(job_id)
                    self._step(f"scene_{index}", steps.render_scene, job_id, index)

        workers = len(chains) + 2
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"job-{job_id}") as pool:
            futures: list[Future] = [pool.submit(run_chain, c) for c in chains]
            futures.append(pool.submit(self._step, "music", steps.make_music, job_id))
            futures.append(pool.submit(self._step, "voiceover", steps.make_voiceover, job_id))
            done, pending = wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in done if f.exception() is not None]
            if failed:
                # Stop the siblings at their next check, then report the first real error.
                ctx.cancelled.add(job_id)
                wait(pending)
                ctx.cancelled.discard(job_id)
                errors = [f.exception() for f in futures if f.done() and f.exception() is not None]
                real = [e for e in errors if not isinstance(e, Cancelled)]
                raise (real or errors)[0]  # type: ignore[misc]
        self._step("compose", steps.compose, job_id)
        self._step("finalize", steps.finalize, job_id)


def wait_for(ctx: StepContext, job_id: str, timeout_s: float = 600, poll_s: float = 0.2) -> Job:
    """Poll a job until it reaches a terminal status (tests and the CLI's --detach use this)."""
    deadline = time.monotonic() + timeout_s
    while True:
        job = ctx.jobs.get(job_id)
        if job and job.status.terminal:
            return job
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} did not finish within {timeout_s:.0f} s")
        time.sleep(poll_s)
