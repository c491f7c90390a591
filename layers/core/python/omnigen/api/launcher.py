"""How the API starts, cancels and re-composes jobs. Locally: the in-process runner's threads.
On AWS the same port is backed by Step Functions (StartExecution / StopExecution)."""

from __future__ import annotations

import threading
from typing import Protocol

from omnigen.pipeline import steps
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.progress import Tracker
from omnigen.pipeline.runner import LocalRunner
from omnigen.priority import lower_this_thread


class Launcher(Protocol):
    def start(self, job_id: str) -> None: ...

    def cancel(self, job_id: str) -> None: ...

    def compose(self, job_id: str, version: int) -> None: ...


class LocalLauncher:
    def __init__(self, ctx: StepContext):
        self.ctx = ctx
        self.runner = LocalRunner(ctx, max_jobs=ctx.settings.max_concurrent_jobs)

    def start(self, job_id: str) -> None:
        self.runner.start(job_id)

    def cancel(self, job_id: str) -> None:
        self.runner.cancel(job_id)

    def compose(self, job_id: str, version: int) -> None:
        """Render a new version of a saved timeline; a failure marks the compose track failed
        and leaves the finished job (and its earlier versions) as they were."""

        def target() -> None:
            lower_this_thread()
            try:
                steps.compose(self.ctx, job_id, version=version)
            except Exception as err:  # reported on the track, not raised into a dead thread
                Tracker(self.ctx.jobs, job_id).failed("compose", steps.error_of("compose", err)["message"])

        threading.Thread(target=target, name=f"compose-{job_id}-v{version}", daemon=True).start()

    def join(self, timeout: float | None = None) -> None:
        self.runner.join(timeout)
