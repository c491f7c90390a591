"""The in-process runner: DESIGN's pipeline on threads, for the embedded default (the CLI, and
the local server when it receives Replicate's webhooks). It is the `Launcher` port's thread
backing, and each worker process of `processes.ProcessRunner` runs jobs with it too.

write_script, then the scene chains (each sequential, takes under a concurrency limit), music
and voiceover side by side, then compose and finalize. A take holds its slot while its model
renders it; its picture segments then encode on a pool of their own (one x264 per core), so the
next take is not kept waiting by local CPU work. Any failure ends the job `failed` with
the error kept and partial assets left in the store; a cancel stops every branch at its next
check. Running a job again resumes it: each step reuses what is already stored.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait

from omnigen.job import Job
from omnigen.pipeline import lifecycle, steps
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.delivery import build_version_package
from omnigen.priority import lower_this_thread
from omnigen.providers.ports import Cancelled

log = logging.getLogger("omnigen.runner")


class JobHandle:
    """A job started in the background: wait for it with `join`, read the final job after."""

    def __init__(self, job_id: str):
        self.job_id = job_id
        self.job: Job | None = None
        self._done = threading.Event()

    def join(self, timeout: float | None = None) -> None:
        self._done.wait(timeout)

    def is_alive(self) -> bool:
        return not self._done.is_set()


class LocalRunner:
    IDLE_S = 30.0  # a worker with nothing to do for this long ends

    def __init__(self, ctx: StepContext, max_jobs: int = 2, *, background: bool = True):
        self.ctx = ctx
        # A server's jobs render at low CPU priority, behind the requests it answers; the CLI's
        # one job is the foreground work, so it says background=False.
        self.background = background
        # Jobs beyond this wait `queued`: one machine renders a couple of ads well, not fifty.
        # That many long-lived workers take jobs from a queue, so starting a job is a put: no
        # thread is made per job, and a request that starts one never waits for a thread to run.
        self.max_jobs = max_jobs
        self._queue: queue.SimpleQueue[tuple[JobHandle, Callable[[Job], None] | None]] = queue.SimpleQueue()
        self._workers: list[threading.Thread] = []
        self._handles: dict[str, JobHandle] = {}
        self._lock = threading.Lock()

    # -- public API ---------------------------------------------------------------------------

    def run(self, job_id: str) -> Job:
        """Run (or resume) a job to its end in this thread; returns the final job."""
        try:
            self._pipeline(job_id)
        except Cancelled:
            lifecycle.cancel_job(self.ctx, job_id)
        except BaseException as err:
            if self.ctx.is_cancelled(job_id):
                lifecycle.cancel_job(self.ctx, job_id)
            else:
                step = getattr(err, "_omnigen_step", "pipeline")
                lifecycle.fail_job(self.ctx, job_id, lifecycle.error_of(step, err))
            if not isinstance(err, Exception):
                raise
        job = self.ctx.jobs.get(job_id)
        assert job is not None
        return job

    def start(self, job_id: str, on_done: Callable[[Job], None] | None = None) -> JobHandle:
        """Queue a job for a background worker (the local server does this); it starts when one
        of the `max_jobs` workers is free."""
        with self._lock:  # a worker leaves only with this lock held and the queue empty
            if job_id in self._handles:  # already running or waiting: one run per job
                return self._handles[job_id]
            handle = self._handles[job_id] = JobHandle(job_id)
            self._queue.put((handle, on_done))
            if len(self._workers) < self.max_jobs:
                worker = threading.Thread(target=self._work, name="job-runner", daemon=True)
                self._workers.append(worker)
                worker.start()
        return handle

    def _work(self) -> None:
        if self.background:
            lower_this_thread()  # jobs render in the background of whatever serves requests
        while True:
            try:
                handle, on_done = self._queue.get(timeout=self.IDLE_S)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():  # nothing came for a while: stop; start() makes another
                        self._workers.remove(threading.current_thread())
                        return
                continue
            try:
                handle.job = self.run(handle.job_id)
                if on_done:
                    on_done(handle.job)
            except Exception:  # run() records a job's failure on the job; this is on_done's own error
                log.exception("after job %s ended, its callback failed", handle.job_id)
            finally:
                with self._lock:
                    self._handles.pop(handle.job_id, None)
                handle._done.set()

    def cancel(self, job_id: str) -> None:
        lifecycle.cancel_job(self.ctx, job_id)

    def compose(self, job_id: str, version: int) -> None:
        """Render a new version of a saved timeline on a thread of its own (a re-compose does not
        wait behind queued jobs: the user is watching the editor)."""

        def target() -> None:
            if self.background:
                lower_this_thread()
            steps.compose_version(self.ctx, job_id, version)

        threading.Thread(target=target, name=f"compose-{job_id}-v{version}", daemon=True).start()

    def regenerate(self, job_id: str, scene: int, take: int) -> None:
        """Render a take of one scene on a thread of its own, like a re-compose."""
        from omnigen.pipeline.takes import render_take

        def target() -> None:
            if self.background:
                lower_this_thread()
            render_take(self.ctx, job_id, scene, take)

        threading.Thread(target=target, name=f"take-{job_id}-s{scene}-t{take}", daemon=True).start()

    def package(self, job_id: str, version: int, build_id: str) -> None:
        package_on_thread(self.ctx, job_id, version, build_id, background=self.background)

    def running(self) -> list[str]:
        """Jobs started here that have not ended: running or waiting for a worker."""
        with self._lock:
            return list(self._handles)

    def join(self, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        for handle in list(self._handles.values()):
            handle.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        """Nothing to stop: the workers are daemon threads that end when idle or with the process
        (a job cut short is resumed by the next start)."""

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

        encoders = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix=f"segments-{job_id}")

        def run_chain(chain: list[int]) -> None:
            encoding: list[Future] = []
            with scene_slots:
                for index in chain:
                    if ctx.is_cancelled(job_id):
                        raise Cancelled(job_id)
                    self._step(f"scene_{index}", steps.render_take, job_id, index)
                    encoding.append(encoders.submit(self._step, f"scene_{index}", steps.encode_take, job_id, index))
            for future in encoding:  # the chain is done when its segments are
                future.result()

        workers = len(chains) + 3  # the chains, music, voice, keyframes
        with encoders, ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"job-{job_id}") as pool:
            futures: list[Future] = [
                pool.submit(self._step, "music", steps.make_music, job_id),
                pool.submit(self._step, "voiceover", steps.make_voiceover, job_id),
            ]
            # keyframes first when the mode uses them (all at once, seconds; music and voice are
            # already under way), then every chain at once from its keyframe
            stills = (
                [pool.submit(self._step, "keyframes", steps.make_keyframes, job_id)] if script.get("keyframes") else []
            )
            wait(stills)
            futures += stills
            if not any(f.exception() for f in stills):
                futures += [pool.submit(run_chain, c) for c in chains]
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
        self._step("finalize", lifecycle.finalize, job_id)


def package_on_thread(ctx: StepContext, job_id: str, version: int, build_id: str, *, background: bool) -> None:
    """Build a version's export package on a thread of its own: light work (a PDF, a zip of
    stored files), so it runs in this process whichever runner renders the jobs."""

    def target() -> None:
        if background:
            lower_this_thread()
        build_version_package(ctx, job_id, version, build_id)

    threading.Thread(target=target, name=f"package-{job_id}-v{version}", daemon=True).start()


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
