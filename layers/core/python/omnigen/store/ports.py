"""Store ports. Pipeline steps, the API and the runner talk only to these.

`JobStore.update` is the one way to change a job: read, apply a function, write back if nobody
else wrote in between (optimistic, keyed on `Job.seq`), retrying on conflict. Each successful
write is also an ordered progress event, so SSE can resume from `Last-Event-ID`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from omnigen.job import Job, ProgressEvent


class StoreError(RuntimeError):
    """A store operation failed; the message names the operation and the key or job."""


class NotFound(StoreError):
    pass


class Conflict(StoreError):
    """Someone else changed the record first (optimistic concurrency)."""


class JobStore(Protocol):
    def create(self, job: Job) -> Job: ...

    def get(self, job_id: str) -> Job | None: ...

    def list_for_user(self, user_id: str, limit: int = 20, before: str | None = None) -> list[Job]: ...

    def update(self, job_id: str, change: Callable[[Job], None]) -> Job:
        """Apply `change` to the stored job and save it with seq+1; returns the saved job."""
        ...

    def events(self, job_id: str, after_seq: int = 0) -> list[ProgressEvent]: ...

    def unfinished(self) -> list[Job]:
        """Jobs not in a terminal status (for restart recovery)."""
        ...


class AssetStore(Protocol):
    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None: ...

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None: ...

    def get_bytes(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def list(self, prefix: str) -> list[str]: ...

    def delete(self, key: str) -> None: ...

    def local_path(self, key: str) -> AbstractContextManager[Path]:
        """A local file holding the asset for as long as the context is open (ffmpeg needs one)."""
        ...

    def open_read(self, key: str) -> AbstractContextManager[Iterator[bytes]]: ...
