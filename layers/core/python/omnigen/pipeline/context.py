"""What a pipeline step needs: the stores, the providers, the settings and a scratch folder.

The local runner and the Lambda handlers build the same `StepContext`; only the adapters differ.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from omnigen.config import Settings, load_settings
from omnigen.job import JobStatus
from omnigen.providers.factory import build_providers
from omnigen.providers.ports import Providers
from omnigen.store.ports import AssetStore, AuditLog, JobStore, UsageStore

if TYPE_CHECKING:
    from omnigen.store.sqlite import SqliteJobStore


@dataclass
class StepContext:
    jobs: JobStore
    assets: AssetStore
    providers: Providers
    settings: Settings
    scratch_root: Path | None = None
    usage: UsageStore | None = None
    """Where each user's monthly usage is recorded as jobs start and end (None: not recorded)."""
    audit: AuditLog | None = None
    """The append-only audit trail (renders are recorded there; None: no trail on this backing)."""
    allow_noncompliant: bool = False
    cancelled: set[str] = field(default_factory=set)
    """Job ids this process has been told to cancel (checked before the store is read)."""
    deadline: float | None = None
    """`time.monotonic()` by which a step's model waits must give up (a Lambda's remaining time
    less a margin); None on the local runner, which waits as long as each model's timeout."""

    def is_cancelled(self, job_id: str) -> bool:
        if job_id in self.cancelled:
            return True
        job = self.jobs.get(job_id)
        return job is None or job.status == JobStatus.CANCELLED

    @contextmanager
    def scratch(self, job_id: str) -> Iterator[Path]:
        """A private temporary folder for one step, removed afterwards whatever happens. Its name
        holds this process's id, so when a process is killed (and `finally` never runs) the next
        start finds it stale (`clean_stale_scratch`)."""
        root = self.scratch_root
        if root is not None:
            root.mkdir(parents=True, exist_ok=True)
        d = Path(tempfile.mkdtemp(prefix=f"{job_id}-{os.getpid()}-", dir=root))
        try:
            yield d
        finally:
            shutil.rmtree(d, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether `pid` still runs. A zombie does not: a worker killed with its server is reparented
    to PID 1, and an init that reaps late (a container's, a microVM's) leaves it a zombie that
    `kill(pid, 0)` still finds, which kept the killed step's scratch through the next start."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # ended just now (Linux), or no /proc to ask (macOS): kill() has answered
        return not Path("/proc").is_dir()
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def clean_stale_scratch(root: Path) -> list[str]:
    """Remove the scratch folders (`StepContext.scratch`) of processes that no longer run — a
    server or worker killed mid-step leaves its folder behind — and of the old naming that held
    no process id. Folders of live processes (a CLI job beside the server) are left alone.
    Returns the names removed."""
    removed: list[str] = []
    if not root.is_dir():
        return removed
    for d in root.iterdir():
        parts = d.name.rsplit("-", 2)
        owner = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None
        if not d.is_dir() or (owner is not None and _alive(owner)):
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d.name)
    return removed


def local_context(settings: Settings, store: SqliteJobStore | None = None) -> StepContext:
    """The embedded default: SQLite (jobs and usage; `store` when the caller holds it already,
    for its key-value table) and files under OMNIGEN_HOME."""
    from omnigen.store.audit_sqlite import SqliteAuditLog
    from omnigen.store.filesystem import FileAssetStore
    from omnigen.store.sqlite import SqliteJobStore

    store = store or SqliteJobStore(settings.db_path)
    clean_stale_scratch(settings.home / "tmp")  # every process that starts on OMNIGEN_HOME tidies it
    return StepContext(
        jobs=store,
        assets=FileAssetStore(settings.assets_dir),
        providers=build_providers(settings),
        settings=settings,
        scratch_root=settings.home / "tmp",
        usage=store,
        audit=SqliteAuditLog(store),
    )


def aws_context(settings: Settings) -> StepContext:
    """DynamoDB and S3, as the Lambdas run it."""
    from omnigen.store.audit_dynamodb import DynamoAuditLog
    from omnigen.store.dynamodb import DynamoJobStore, DynamoUsageStore
    from omnigen.store.s3 import S3AssetStore

    return StepContext(
        jobs=DynamoJobStore(settings.jobs_table, settings.kv_table),
        assets=S3AssetStore(settings.assets_bucket),
        providers=build_providers(settings),
        settings=settings,
        scratch_root=None,
        usage=DynamoUsageStore(settings.usage_table),
        audit=DynamoAuditLog(settings.audit_table) if settings.audit_table else None,
    )


def for_task(ctx: StepContext, task_id: str | None) -> StepContext:
    """The context whose Replicate providers call back with this task's id (`?task=`), so the
    webhook can find the workflow task waiting on the prediction; `ctx` itself when webhooks are
    off or no model is Replicate's."""
    base = ctx.settings.webhook_url
    if not task_id or not base or not ctx.settings.providers.uses("replicate"):
        return ctx
    sep = "&" if "?" in base else "?"
    settings = ctx.settings.model_copy(update={"webhook_url": f"{base}{sep}task={task_id}"})
    return dataclasses.replace(ctx, providers=build_providers(settings), settings=settings, cancelled=set())


def context_from_env() -> StepContext:
    settings = load_settings()
    return aws_context(settings) if settings.store == "aws" else local_context(settings)
