"""How the API starts, cancels and re-composes jobs. Locally: worker processes (or this
process's threads, see `LocalLauncher`). On AWS the same port is backed by Step Functions
(StartExecution / StopExecution)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from omnigen.pipeline import steps
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.runner import LocalRunner, compose_version
from omnigen.pipeline.worker_processes import ProcessRunner
from omnigen.priority import lower_this_thread


class Launcher(Protocol):
    def start(self, job_id: str) -> None: ...

    def cancel(self, job_id: str) -> None: ...

    def compose(self, job_id: str, version: int) -> None: ...


class LocalLauncher:
    """Jobs run in worker processes that report each change through `on_change`, so rendering
    never competes with the server for its interpreter (see `worker_processes`).

    Without `on_change`, or with `in_process=True`, they run on this process's threads instead:
    the server does that when it receives Replicate's webhooks, because a webhook wakes the
    prediction waiting for it inside the receiving process (and with remote models the job's
    threads mostly wait rather than compute)."""

    def __init__(self, ctx: StepContext, on_change: Callable[[str], None] | None = None, *, in_process: bool = False):
        self.ctx = ctx
        max_jobs = ctx.settings.max_concurrent_jobs
        self.runner: ProcessRunner | LocalRunner = (
            LocalRunner(ctx, max_jobs=max_jobs)
            if in_process or on_change is None
            else ProcessRunner(ctx, max_jobs, on_change)
        )

    def start(self, job_id: str) -> None:
        self.runner.start(job_id)

    def cancel(self, job_id: str) -> None:
        steps.cancel_job(self.ctx, job_id)

    def compose(self, job_id: str, version: int) -> None:
        """Render a new version of a saved timeline in the background."""
        if isinstance(self.runner, ProcessRunner):
            self.runner.compose(job_id, version)
            return

        def target() -> None:
            lower_this_thread()
            compose_version(self.ctx, job_id, version)

        threading.Thread(target=target, name=f"compose-{job_id}-v{version}", daemon=True).start()

    def join(self, timeout: float | None = None) -> None:
        self.runner.join(timeout)

    def close(self) -> None:
        """Stop the worker processes (the server is shutting down)."""
        if isinstance(self.runner, ProcessRunner):
            self.runner.close()
