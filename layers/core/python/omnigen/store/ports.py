"""Store ports. Pipeline steps, the API and the runner talk only to these.

`JobStore.update` is the one way to change a job: read, apply a function, write back if nobody
else wrote in between (optimistic, keyed on `Job.seq`), retrying on conflict. Each successful
write is also an ordered progress event, so SSE can resume from `Last-Event-ID`.

Beside jobs and assets: small expiring values (`KeyValue`: idempotency keys, webhook ids, task
tokens), each user's monthly usage (`UsageStore`), links a browser can use (`AssetUrls`), the
WebSocket connections on AWS (`Connections`, `WebSocketPush`) and the workflow runs there
(`Executions`, `Tasks`). Each port has its local adapter (SQLite, disk, HMAC-signed URLs) and
its AWS one (DynamoDB, S3, API Gateway, Step Functions), except those only AWS has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from omnigen.job import Job, ProgressEvent
from omnigen.review.trail import AuditEntry, NewEntry, StoredEntry
from omnigen.usage import Usage


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

    def modified(self, key: str) -> datetime:
        """When the asset was last written (UTC): what a record rebuilt from the assets dates from."""
        ...

    def list(self, prefix: str) -> list[str]: ...

    def delete(self, key: str) -> None: ...

    def local_path(self, key: str) -> AbstractContextManager[Path]:
        """A local file holding the asset for as long as the context is open (ffmpeg needs one)."""
        ...

    def open_read(self, key: str, start: int = 0, end: int | None = None) -> AbstractContextManager[Iterator[bytes]]:
        """Chunks of the asset from byte `start` to `end` inclusive (HTTP Range semantics)."""
        ...


class KeyValue(Protocol):
    """Small string values under (namespace, key), each optionally expiring after `ttl_s`."""

    def kv_get(self, namespace: str, key: str) -> str | None: ...

    def kv_put(self, namespace: str, key: str, value: str, ttl_s: float | None = None) -> None: ...

    def kv_put_if_absent(self, namespace: str, key: str, value: str, ttl_s: float | None = None) -> str:
        """Store `value` unless the key exists (and has not expired); return what is stored."""
        ...

    def kv_delete(self, namespace: str, key: str) -> None: ...


class UsageStore(Protocol):
    """Each user's usage per calendar month (UTC), added to as jobs start and end."""

    def add_usage(self, user_id: str, change: Usage) -> None:
        """Add `change`'s counts to the user's totals for `change.month`."""
        ...

    def usage(self, user_id: str, month: str) -> Usage:
        """The user's totals for `month` ("YYYY-MM"); zeros when nothing was recorded."""
        ...


class AssetUrls(Protocol):
    """Links to assets that a browser can use without our credentials, valid for `ttl_s`."""

    def url(self, key: str, ttl_s: int = 3600) -> str: ...

    def upload_url(self, key: str, content_type: str, size_bytes: int, ttl_s: int = 3600) -> tuple[str, dict[str, str]]:
        """Where to PUT exactly `size_bytes` of `content_type`, and the headers to send with it."""
        ...

    def valid(self, key: str, exp: str | int | None, sig: str | None) -> bool:
        """Whether a link to this server's own asset route (`url`'s local form) is authentic and
        unexpired. A backing whose links point elsewhere (S3) never hands out such links."""
        ...


class Connections(Protocol):
    """WebSocket connections (each of one user) and the jobs each has subscribed to."""

    def add(self, connection_id: str, user_id: str) -> None: ...

    def user(self, connection_id: str) -> str | None: ...

    def subscribe(self, connection_id: str, user_id: str, job_id: str) -> None: ...

    def subscribers(self, job_id: str) -> list[str]: ...

    def remove(self, connection_id: str) -> None:
        """Forget the connection and all its subscriptions."""
        ...


class WebSocketPush(Protocol):
    """Messages to WebSocket connections held by someone else (API Gateway on AWS)."""

    def send(self, connection_id: str, data: bytes) -> bool:
        """Deliver `data`; False when the connection has gone (the client left)."""
        ...


class Executions(Protocol):
    """Runs of the pipeline in a workflow engine, one per name (a job id)."""

    def start(self, name: str, payload: dict[str, Any]) -> None:
        """Start a run; one already started under that name is left as it is."""
        ...

    def stop(self, name: str, error: str, cause: str) -> None:
        """Stop the run; one that has ended (or never was) is left as it is."""
        ...

    def invoke(self, event: dict[str, Any]) -> None:
        """Run one step outside any run, asynchronously (a re-compose)."""
        ...


class Tasks(Protocol):
    """The workflow engine's waiting tasks, each known by its token. Every call returns False,
    without raising, when the task has ended already (stopped, timed out): nobody waits for it."""

    def heartbeat(self, token: str) -> bool: ...

    def succeed(self, token: str, output: dict[str, Any]) -> bool: ...

    def fail(self, token: str, error: str, cause: str) -> bool: ...


class AuditLog(Protocol):
    """The append-only audit trail: ordered entries per stream (a job, a reviewer's shares). The
    store refuses to update or delete an entry; `append` never overwrites one either."""

    def append(self, entry: NewEntry) -> AuditEntry:
        """Write `entry` as the stream's next one (seq stamped by the store) and return it."""
        ...

    def entries(self, stream: str, after_seq: int = 0) -> list[AuditEntry]: ...

    def stored(self, stream: str, after_seq: int = 0) -> list[StoredEntry]:
        """The entries as stored, unparsed (what `review.chain.verify` checks)."""
        ...


def parse_entries(stream: str, stored: list[StoredEntry]) -> list[AuditEntry]:
    """The stored entries as `AuditEntry`s; a StoreError naming the first that is not one (text
    written into the store around OmniGen), rather than a bare validation error."""
    out = []
    for row in stored:
        try:
            out.append(AuditEntry.model_validate_json(row.data))
        except ValidationError:
            raise StoreError(
                f"entry {row.seq} of the audit trail of {stream} is not an audit entry: it was written outside "
                "OmniGen (verify the trail: GET /jobs/{job_id}/audit/verify)"
            ) from None
    return out
