"""Jobs in worker processes, for the local server.

The offline providers render in Python (frames, music, speech). In the server's own process
that work shares one interpreter lock with the event loop that answers requests and feeds
progress streams (py-spy showed render threads holding it while requests waited), a crash in
a native library (eSpeak is loaded with ctypes) would take the server down with it, and the
renders' memory would be the server's. In worker processes none of that holds.

The server keeps what it had: it starts, cancels and re-composes jobs through the same
`Launcher` port (this is its process backing), and still learns of every change at once, because each worker reports the
job ids it writes on a pipe that a server thread turns into feed notifications. A worker
lives as long as its server: it exits when the server process ends, however it ends, so a job
is never run twice after a restart.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from omnigen.config import Settings
from omnigen.pipeline import lifecycle
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.launchers.threads import JobHandle, LocalRunner, package_on_thread
from omnigen.pipeline.progress import Tracker
from omnigen.pipeline.steps import compose_version
from omnigen.pipeline.takes import fail_take, render_take
from omnigen.priority import lower_this_thread
from omnigen.store.reporting import ReportingJobStore

log = logging.getLogger("omnigen.workers")

Task = tuple[str, str, str, tuple[int, ...]]  # (key, kind: run | compose | take, job_id, numbers)


def _exit_with_parent() -> None:
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the server process has ended, however it ended
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker_main(settings: Settings, inbox: Connection, outbox: Connection) -> None:
    """A worker process: run the tasks the server sends until it sends None or goes away."""
    from omnigen.pipeline.context import local_context

    _exit_with_parent()
    lower_this_thread()  # the whole process: renders yield the CPU to the server
    ctx = local_context(settings)
    sending = threading.Lock()  # a job's threads all report on the one connection

    def send(message: tuple[str, str]) -> None:
        with sending:
            outbox.send(message)

    ctx.jobs = ReportingJobStore(ctx.jobs, lambda job_id: send(("changed", job_id)))
    runner = LocalRunner(ctx, max_jobs=1)
    while True:
        try:
            task: Task | None = inbox.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        key, kind, job_id, numbers = task
        try:
            if kind == "run":
                runner.run(job_id)
            elif kind == "take":
                render_take(ctx, job_id, *numbers)
            else:
                compose_version(ctx, job_id, *numbers)
        except BaseException:  # run(), compose_version and render_take record failures on the job
            log.exception("worker: %s of job %s ended with an error", kind, job_id)
        finally:
            send(("done", key))


@dataclass
class _Worker:
    proc: BaseProcess
    inbox: Connection  # the server sends tasks here
    outbox: Connection  # and hears changes and ends of tasks here
    task: Task | None = None


class ProcessRunner:
    """Up to `max_jobs` worker processes, started as jobs come, each running one task at a time;
    the rest wait in order. Each worker has its own pipes, so a worker that dies (a crash in a
    native library, an out-of-memory kill) cannot wedge the others: its job is marked failed
    with the reason, and the next job gets a new worker."""

    def __init__(self, ctx: StepContext, max_jobs: int, on_change: Callable[[str], None]):
        self.ctx = ctx
        self.max_jobs = max_jobs
        self._on_change = on_change
        self._mp = multiprocessing.get_context("spawn")  # never fork a server that has threads
        self._workers: list[_Worker] = []
        self._pending: deque[Task] = deque()
        self._handles: dict[str, JobHandle] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._reader = threading.Thread(target=self._serve_workers, name="worker-reports", daemon=True)

    # -- what the launcher calls --------------------------------------------------------------

    def start(self, job_id: str) -> JobHandle:
        return self._submit("run", job_id)

    def cancel(self, job_id: str) -> None:
        """The job is marked cancelled in the store, where the worker running it looks."""
        lifecycle.cancel_job(self.ctx, job_id)

    def compose(self, job_id: str, version: int) -> JobHandle:
        return self._submit("compose", job_id, version)

    def regenerate(self, job_id: str, scene: int, take: int) -> JobHandle:
        return self._submit("take", job_id, scene, take)

    def package(self, job_id: str, version: int, build_id: str) -> None:
        """On a thread of the server's own: a package is a PDF and a zip, no rendering."""
        package_on_thread(self.ctx, job_id, version, build_id, background=True)

    def running(self) -> list[str]:
        """Jobs with a task running or waiting here."""
        with self._lock:
            return sorted({h.job_id for h in self._handles.values()})

    def join(self, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        for handle in list(self._handles.values()):
            handle.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    def close(self, timeout: float = 5.0) -> None:
        """Stop the workers. A job still running is left as it is; the next server resumes it."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._workers)
        for w in workers:
            w.proc.terminate()
        for w in workers:
            w.proc.join(timeout)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(timeout)
        if self._reader.ident is not None:
            self._reader.join(timeout)
        for w in workers:
            w.inbox.close()
            w.outbox.close()

    # -- dispatch -----------------------------------------------------------------------------

    def _submit(self, kind: str, job_id: str, *numbers: int) -> JobHandle:
        key = ":".join([kind, job_id, *map(str, numbers)])
        with self._lock:
            if self._closed:
                raise RuntimeError("the job runner has been closed")
            if key in self._handles:  # already running or waiting
                return self._handles[key]
            handle = self._handles[key] = JobHandle(job_id)
            self._pending.append((key, kind, job_id, numbers))
            self._dispatch()
        return handle

    def _dispatch(self) -> None:
        """Hand waiting tasks to idle workers, starting workers up to the limit (lock held)."""
        idle = [w for w in self._workers if w.task is None]
        while self._pending and (idle or len(self._workers) < self.max_jobs):
            worker = idle.pop() if idle else self._spawn()
            try:
                worker.inbox.send(self._pending[0])
            except OSError:  # it died idle, before its end was noticed: drop it, keep the task
                self._workers.remove(worker)
                worker.proc.kill()
                continue
            worker.task = self._pending.popleft()

    def _spawn(self) -> _Worker:
        task_out, task_in = self._mp.Pipe(duplex=False)
        report_out, report_in = self._mp.Pipe(duplex=False)
        proc = self._mp.Process(
            target=_worker_main, args=(self.ctx.settings, task_out, report_in), name="omnigen-worker", daemon=True
        )
        proc.start()
        task_out.close()  # the worker's ends, now in the worker
        report_in.close()
        worker = _Worker(proc, task_in, report_out)
        self._workers.append(worker)
        if self._reader.ident is None:  # started with the first worker: an idle server polls nothing
            self._reader.start()
        return worker

    # -- what the workers say -----------------------------------------------------------------

    def _serve_workers(self) -> None:
        while not self._closed:
            with self._lock:
                by_conn = {w.outbox: w for w in self._workers}
            if not by_conn:
                time.sleep(0.05)
                continue
            for conn in wait(list(by_conn), timeout=0.5):
                worker = by_conn[conn]
                try:
                    kind, value = conn.recv()
                except (EOFError, OSError):
                    self._lost(worker)
                    continue
                if kind == "changed":
                    try:
                        self._on_change(value)
                    except Exception:  # a listener's fault must not stop the reports
                        log.exception("reporting a change of job %s failed", value)
                elif kind == "done":
                    self._ended(worker, value)

    def _ended(self, worker: _Worker, key: str) -> None:
        with self._lock:
            worker.task = None
            handle = self._handles.pop(key, None)
            self._dispatch()
        if handle is not None:
            self._finish(handle)

    def _finish(self, handle: JobHandle) -> None:
        handle.job = self.ctx.jobs.get(handle.job_id)  # what the worker left in the store
        handle._done.set()

    def _lost(self, worker: _Worker) -> None:
        """A worker died. Unless the server is closing, its task's job fails with the reason."""
        worker.proc.join(5)
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            task, closing = worker.task, self._closed
            handle = self._handles.pop(task[0], None) if task else None
            if not closing:
                self._dispatch()
        if task is not None and not closing:
            _, kind, job_id, _ = task
            message = (
                f"the worker process rendering this job stopped unexpectedly (exit code {worker.proc.exitcode}); "
                "retry the job"
            )
            if kind == "run":
                lifecycle.fail_job(self.ctx, job_id, {"step": "worker", "message": message})
            elif kind == "take":
                fail_take(self.ctx, job_id, *task[3], message)
            else:
                Tracker(self.ctx.jobs, job_id).failed("compose", message)
        if handle is not None:
            self._finish(handle)
