"""The `Launcher` port on AWS: each job is one execution of the pipeline's state machine, named
after the job (so a retried start is a no-op and cancel can find it); a re-compose is one
asynchronous invocation of the media function, outside any execution. The AWS calls are the
`Executions` adapter's (store/step_functions.py); what they mean for a job is decided here."""

from __future__ import annotations

from omnigen.pipeline import lifecycle
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.error_names import CANCELLED
from omnigen.store.ports import Executions


class StepFunctionsLauncher:
    def __init__(self, ctx: StepContext, executions: Executions):
        self.ctx = ctx
        self.executions = executions

    def start(self, job_id: str) -> None:
        self.executions.start(job_id, {"job_id": job_id})

    def cancel(self, job_id: str) -> None:
        """Mark the job cancelled (running steps see it and cancel their predictions), then stop
        the execution so no further step starts."""
        lifecycle.cancel_job(self.ctx, job_id)
        self.executions.stop(job_id, CANCELLED, "cancelled by the user")

    def compose(self, job_id: str, version: int) -> None:
        # `source: api` tells the step Lambda to report a failure on the track (compose_version),
        # not to fail the finished job.
        self.executions.invoke({"step": "compose", "job_id": job_id, "version": version, "source": "api"})

    def regenerate(self, job_id: str, scene: int, take: int) -> None:
        """One asynchronous invocation of the media function (it has ffmpeg for the last frame),
        outside any execution, like a re-compose: it renders the take and any re-seeded chain."""
        self.executions.invoke({"step": "regenerate_scene", "job_id": job_id, "scene": scene, "take": take})

    def package(self, job_id: str, version: int, build_id: str) -> None:
        """One asynchronous invocation of the media function, which reports on the build's record."""
        self.executions.invoke({"step": "package", "job_id": job_id, "version": version, "build_id": build_id})

    def running(self) -> list[str]:
        return []  # executions run in Step Functions, not in this process

    def join(self, timeout: float | None = None) -> None:
        """Nothing runs here to wait for."""

    def close(self) -> None:
        """Nothing runs here to stop."""
