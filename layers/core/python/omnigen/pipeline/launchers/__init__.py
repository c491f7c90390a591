"""How jobs are started, cancelled, re-composed, have scenes regenerated and versions packaged: one
port, three backings.

- `threads.LocalRunner`: the pipeline on this process's threads (the CLI; the local server when
  it receives Replicate's webhooks, which wake predictions waiting in the receiving process).
- `processes.ProcessRunner`: the same runner in worker processes (the local server otherwise),
  so rendering never competes with the server for its interpreter.
- `step_functions.StepFunctionsLauncher`: one Step Functions execution per job (AWS).

Whoever builds the services picks the backing once; callers (the API's routes, the CLI, restart
recovery) only ever see the `Launcher` port. A backing may return a handle from `start` and
`compose` for its own callers (the local runners do, for tests to wait on); the port promises
nothing about it.
"""

from __future__ import annotations

from typing import Protocol


class Launcher(Protocol):
    def start(self, job_id: str) -> object:
        """Run (or resume) the job in the background; starting a job already started is a no-op."""
        ...

    def cancel(self, job_id: str) -> None:
        """Mark the job cancelled (running steps stop at their next check) and stop its run."""
        ...

    def compose(self, job_id: str, version: int) -> object:
        """Render version `version` of a finished job's saved timeline in the background."""
        ...

    def regenerate(self, job_id: str, scene: int, take: int) -> object:
        """Render take `take` of scene `scene` (recorded by `takes.start_take`) in the background."""
        ...

    def package(self, job_id: str, version: int, build_id: str) -> object:
        """Build the export package `build_id` of a version (recorded by `delivery.request_build`)
        in the background."""
        ...

    def running(self) -> list[str]:
        """Jobs this launcher runs in this process that have not ended (none for a backing whose
        runs live elsewhere)."""
        ...

    def join(self, timeout: float | None = None) -> None:
        """Wait, at most `timeout` seconds, for what this launcher runs in this process."""
        ...

    def close(self) -> None:
        """Stop what runs in this process (the server is shutting down); unfinished jobs are left
        as they are, for the next start to resume."""
        ...
