"""The draft timeline, saved so that no save is ever lost to another made at the same moment.

Several writers change the draft: the editor's PUT, edit operations, a restore, a regenerated
take finishing (it puts itself in the draft), compose recording the lines it re-voiced. Each one
reads the draft, changes it and saves it; two at once used to both read revision n and the second
save silently dropped the first's change (two takes finishing together kept only one).

A save here is compare-and-set on the job record, which both job stores already do atomically
(SQLite: one `UPDATE … WHERE seq=?` in a write transaction; DynamoDB: a transaction conditioned
on `seq`). The new timeline is first written as an object of its own that nothing else ever
writes (`JobKeys.draft(revision, token)`: S3 and the disk store both write an object whole or not
at all); then the job's `draft` reference moves to it, only if the revision is still the one the
change was applied to. A writer that lost the race deletes its object and applies its change again
to what the winner saved (server-side changes), or is told the draft moved (`DraftStale`: a
client that sent `If-Match` gets 412 with the current revision, so it can merge and retry).

Revision 0 is the first draft the pipeline builds (`timeline.json`, DESIGN's key); every save
after it is revision 1, 2, … The object a save replaced is deleted once the reference has moved
(a reader that still held the old reference reads the job again).
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from omnigen.job import DraftRef, Job, now
from omnigen.keys import JobKeys
from omnigen.pipeline.context import StepContext
from omnigen.safe_text import STORED
from omnigen.store.ports import NotFound, StoreError
from omnigen.timeline import Timeline

MAX_ATTEMPTS = 50
READ_ATTEMPTS = 5


@dataclass(frozen=True)
class Draft:
    revision: int
    timeline: Timeline
    key: str
    """The object it was read from."""

    @property
    def etag(self) -> str:
        return etag(self.revision)


def etag(revision: int) -> str:
    """The draft's entity tag (RFC 9110, strong): what `If-Match` must name to save over it."""
    return f'"r{revision}"'


class DraftStale(Exception):
    """The draft is no longer the revision the caller based its change on."""

    def __init__(self, job_id: str, current: int):
        super().__init__(
            f"the draft of job {job_id} has changed since you read it (it is revision {current} now): "
            "read it again, re-apply your change and save with the new ETag"
        )
        self.current = current


class _Moved(Exception):
    """Raised inside the job update when another save won the race."""


def _revision(job: Job) -> int:
    return job.draft.revision if job.draft else 0


def read(ctx: StepContext, job: Job) -> Draft | None:
    """The current draft and its revision; None before the pipeline has built the first one.
    A saved draft's object is deleted once another replaces it, so a `job` read before that save
    finds it gone and reads the job again; one read before any save is read again at once."""
    keys = JobKeys(job.user_id, job.job_id)
    if job.draft is None:  # a record read before the first save: the save may be there now
        job = ctx.jobs.get(job.job_id) or job
    for _ in range(READ_ATTEMPTS):
        ref = job.draft
        key = ref.key if ref else keys.timeline
        try:
            data = ctx.assets.get_bytes(key)
        except NotFound:
            if ref is None:
                return None
            fresh = ctx.jobs.get(job.job_id)
            if fresh is None or fresh.draft == ref:
                raise StoreError(
                    f"the draft of job {job.job_id} (revision {ref.revision}) is missing from the asset store: {key}"
                ) from None
            job = fresh  # a newer save replaced (and deleted) the one we held: read that one
            continue
        return Draft(_revision(job), Timeline.model_validate_json(data, context=STORED), key)
    raise StoreError(f"reading the draft of job {job.job_id} failed: it changed {READ_ATTEMPTS} times while being read")


def save_first(ctx: StepContext, job: Job, timeline: Timeline) -> Draft:
    """Keep the pipeline's first edit as revision 0. Building it is deterministic, so two builds
    racing write the same thing; once any save has been made, that one is the draft."""
    key = JobKeys(job.user_id, job.job_id).timeline
    ctx.assets.put_bytes(key, _json(timeline), "application/json")
    return Draft(0, timeline, key)


def _json(timeline: Timeline) -> bytes:
    return timeline.model_dump_json(indent=2).encode()


def update(
    ctx: StepContext,
    job_id: str,
    change: Callable[[Timeline], Timeline],
    expected: Collection[int] | None = None,
) -> tuple[Job, Draft]:
    """Apply `change` to the current draft and save the result as the next revision, atomically.

    `expected` None: a server-side change, applied again to the newer draft when another save
    wins the race, until it lands. Otherwise the revisions the caller read (its `If-Match`):
    `DraftStale` when the draft is none of them, before or during the save. `change` may raise
    to refuse (nothing is saved). Returns the job as saved and the new draft."""
    for attempt in range(MAX_ATTEMPTS):
        job = ctx.jobs.get(job_id)
        if job is None or job.deleted_at is not None:  # a take finishing after a delete saves nothing
            raise NotFound(f"job {job_id} does not exist")
        current = read(ctx, job)
        if current is None:
            raise NotFound(f"job {job_id} has no draft timeline yet")
        if expected is not None and current.revision not in expected:
            raise DraftStale(job_id, current.revision)
        edited = change(current.timeline)
        keys = JobKeys(job.user_id, job.job_id)
        revision = current.revision + 1
        key = keys.draft(revision, secrets.token_hex(6))
        ctx.assets.put_bytes(key, _json(edited), "application/json")

        def move(j: Job, base: int = current.revision, key: str = key, revision: int = revision) -> None:
            if _revision(j) != base:
                raise _Moved
            j.draft = DraftRef(revision=revision, key=key, saved_at=now())
            j.assets["timeline"] = key

        try:
            saved = ctx.jobs.update(job_id, move)
        except _Moved:
            ctx.assets.delete(key)
            if expected is not None:
                latest = ctx.jobs.get(job_id)
                raise DraftStale(job_id, _revision(latest) if latest else revision) from None
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2 ** min(attempt, 6))))
            continue
        # Any other failure leaves the object: the write may have landed all the same (a store
        # that timed out after committing), and an object nothing names costs nothing.
        if current.revision:  # the object this save replaced: nothing refers to it now
            ctx.assets.delete(current.key)
        return saved, Draft(revision, edited, key)
    raise StoreError(f"saving the draft of job {job_id} failed: {MAX_ATTEMPTS} saves in a row lost to other saves")


def restore_ref(ctx: StepContext, keys: JobKeys) -> DraftRef | None:
    """The newest saved draft among a job's assets (for rebuilding a lost job record)."""
    found = sorted(k for k in ctx.assets.list(keys.prefix + "drafts/") if k.rsplit("/", 1)[1].startswith("timeline.r"))
    if not found:
        return None
    key = found[-1]
    revision = int(key.rsplit("/", 1)[1].split(".")[1].removeprefix("r"))
    return DraftRef(revision=revision, key=key, saved_at=now())
