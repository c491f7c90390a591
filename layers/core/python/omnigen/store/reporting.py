"""A JobStore that reports the job id of every write it makes.

What changed is what progress streams need to hear: the local server's caching store reports
to its change feed, and a job worker process reports to the server over a pipe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from omnigen.job import Job
from omnigen.store.ports import JobStore


class ReportingJobStore:
    def __init__(self, inner: JobStore, report: Callable[[str], None]):
        self.inner = inner
        self._report = report

    def create(self, job: Job) -> Job:
        saved = self.inner.create(job)
        self._report(saved.job_id)
        return saved

    def update(self, job_id: str, change: Callable[[Job], None]) -> Job:
        saved = self.inner.update(job_id, change)
        self._report(job_id)
        return saved

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
