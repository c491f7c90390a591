"""A job's life around the steps: created (queued, inputs stored), retried from a failed job,
finished (completed, failed or cancelled), and how a step's failure is described.

The steps (`steps.py`) make the ad; these functions move the job record between its states. Each
runner calls them the same way: the in-process runner and the worker processes directly, Step
Functions through the step Lambda's `finalize` and `fail_job` events. A finished job never
changes status again, so every ending here is a no-op on a job that has already ended.

The user's monthly usage is recorded here too, so both runners record it the same way: a job
counts when it is created and again, once, when it ends (see `omnigen.usage`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from omnigen.brief import Brief, BriefError
from omnigen.images import MAX_BYTES, ImageRejected, check_image
from omnigen.job import Job, JobError, JobStatus, TrackProgress, now
from omnigen.keys import JobKeys
from omnigen.media.ffmpeg import MediaError
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.error_names import CANCELLED, FAILED, RETRYABLE
from omnigen.pipeline.progress import STAGE_NAMES, step_phrase
from omnigen.providers.ports import Cancelled, ProviderError
from omnigen.store.ports import StoreError
from omnigen.usage import Usage, month_of

IMAGE_TYPES = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg"}
PIPELINE_TRACKS = ("script", "music", "voiceover", "compose")
"""The tracks every job has (its scenes are known once the script is written)."""
RETRY_SKIPS = ("brief.json", "timeline.json", "compliance.json", "qc.json")
"""What a retry does not copy (besides final/): the new job's own brief, and the edit and its
report, which are made again from the reused parts."""


class StepFailed(RuntimeError):
    """A step could not finish; `message` is for the user, `detail` for whoever debugs it."""

    def __init__(
        self, step: str, message: str, detail: str = "", fix: str = "", brief_changes: dict[str, Any] | None = None
    ):
        super().__init__(f"{step}: {message}")
        self.step = step
        self.message = message
        self.detail = detail
        self.fix = fix
        """What to do about it, in plain words; the message leads with it."""
        self.brief_changes = brief_changes or {}
        """The change to the brief `fix` names, for "start again with this change"."""


class ComplianceFailed(StepFailed):
    pass


class QcFailed(StepFailed):
    """The rendered file failed the post-render QC; `detail` is the QC report as text."""


# --- creation ------------------------------------------------------------------------------------


def _store_image(ctx: StepContext, keys: JobKeys, image: str, local_files: bool) -> str:
    """Copy the product image into the job (a local file when `local_files`, or an upload
    already in the asset store, checked by content since on AWS it went straight to S3);
    returns its job key. An API request never names a file: its key is looked up in the store
    alone, so no file of the server can be copied into a job."""
    suffix = Path(image).suffix.lower()
    if suffix not in IMAGE_TYPES:
        raise BriefError([("product.image", f"{image!r} must be a PNG or JPEG file (.png, .jpg)")])
    local = Path(image)
    if local_files and local.is_file():
        data = read_image_file(local)
    elif ctx.assets.exists(image):
        data = ctx.assets.get_bytes(image)
    else:
        what = "file or upload" if local_files else "upload"
        raise BriefError([("product.image", f"no such {what}: {image}")])
    content_type, ext = checked_image(data)
    dest = keys.product_image(ext)
    ctx.assets.put_bytes(dest, data, content_type)
    return dest


def read_image_file(path: Path) -> bytes:
    """A local image file's bytes, read no further than the size limit (the check refuses it)."""
    try:
        with path.open("rb") as f:
            return f.read(MAX_BYTES + 1)
    except OSError as err:
        raise BriefError([("product.image", f"cannot read {path}: {err.strerror or err}")]) from None


def checked_image(data: bytes) -> tuple[str, str]:
    """(content type, extension) of an acceptable product image, or a BriefError on
    `product.image` saying why not: the API's and the CLI's one check (`omnigen.images`)."""
    try:
        content_type, ext, _, _ = check_image(data)
    except ImageRejected as err:
        raise BriefError([("product.image", str(err))]) from None
    return content_type, ext


def _with_image(brief: Brief, image: str | None) -> Brief:
    return brief.model_copy(update={"product": brief.product.model_copy(update={"image": image})})


def _record(ctx: StepContext, job: Job) -> Job:
    """Store the job: the brief in its final form, exactly once. `Job.brief` is the brief; the
    `brief.json` asset (DESIGN's key list) is its export, written here from the same value before
    the record exists, so the two never disagree and nothing rewrites either later."""
    keys = JobKeys(job.user_id, job.job_id)
    ctx.assets.put_bytes(keys.brief, job.brief.model_dump_json(indent=2).encode(), "application/json")
    job.assets["brief"] = keys.brief
    job = ctx.jobs.create(job)
    if ctx.usage is not None:
        ctx.usage.add_usage(job.user_id, job_usage(job, created=True, ended=False))
    return job


def create_job(
    ctx: StepContext,
    user_id: str,
    brief: Brief,
    *,
    local_files: bool = False,
    job_id: str | None = None,
    **library: Any,
) -> Job:
    """Record a queued job and store its inputs: the brief and, if given, the product image
    (an upload key already in the asset store, or — for the CLI, `local_files` — a file path).
    `job_id` is the id to create it under when the caller has reserved one (idempotency);
    `library` sets the job's title, campaign and source_job (a duplicate of another ad)."""
    if job_id is not None:
        library["job_id"] = job_id
    job = Job(user_id=user_id, brief=brief, **library)
    if brief.product.image:
        keys = JobKeys(user_id, job.job_id)
        job.brief = _with_image(brief, _store_image(ctx, keys, brief.product.image, local_files))
    return _record(ctx, job)


def retry_job(ctx: StepContext, old: Job) -> Job:
    """A new job with the same brief that starts from everything the old one made (all but its
    final renders), so a job that failed on a full disk or a flaky model does not start over."""
    job = Job(user_id=old.user_id, brief=old.brief)
    src, dst = JobKeys(old.user_id, old.job_id).prefix, JobKeys(job.user_id, job.job_id).prefix
    for key in ctx.assets.list(src):
        rel = key[len(src) :]
        if rel.startswith("final/") or rel in RETRY_SKIPS:
            continue
        ctx.assets.put_bytes(dst + rel, ctx.assets.get_bytes(key))
    image = old.brief.product.image
    if image:  # the old job's copy of the image, now under the new job
        job.brief = _with_image(old.brief, dst + image[len(src) :] if image.startswith(src) else image)
    return _record(ctx, job)


def delete_job(ctx: StepContext, job_id: str) -> Job:
    """The user deleted the ad: every asset of it is removed and the record is kept as a
    tombstone (`deleted_at`), which every route answers 404 for and no listing shows."""

    def change(j: Job) -> None:
        j.deleted_at = j.deleted_at or now()

    job = ctx.jobs.update(job_id, change)
    _cancel_open_predictions(ctx, job)
    for key in ctx.assets.list(JobKeys(job.user_id, job.job_id).prefix):
        ctx.assets.delete(key)
    return job


# --- endings -------------------------------------------------------------------------------------


def _end(ctx: StepContext, job_id: str, status: JobStatus, change: Callable[[Job], None]) -> Job:
    """Move an unfinished job to `status` with `change`, and add what it used to its user's
    month, once: a job that had already ended is returned as it was, and nothing is recorded."""
    ended = False

    def apply(j: Job) -> None:
        nonlocal ended
        ended = not j.status.terminal  # the last call is the one the store wrote
        if ended:
            j.set_status(status)
            change(j)

    job = ctx.jobs.update(job_id, apply)
    if ended and ctx.usage is not None:
        ctx.usage.add_usage(job.user_id, job_usage(job, created=False, ended=True))
    return job


def job_usage(job: Job, *, created: bool, ended: bool) -> Usage:
    """What a job adds to its user's month (the month it was created in): one job when it is
    created; when it ends, one completed with its seconds of finished video if it completed, and
    what its model calls cost."""
    done = ended and job.status == JobStatus.COMPLETED
    return Usage(
        month=month_of(job.created_at),
        jobs=1 if created else 0,
        completed=1 if done else 0,
        video_seconds=float(job.brief.duration_s) if done else 0.0,
        cost_usd=job.cost_usd if ended else 0.0,
    )


def _cancel_open_predictions(ctx: StepContext, job: Job) -> None:
    """Stop the model calls a finished job still has running (Replicate bills until they stop),
    even those no step waits on any more (a step whose run ended at its deadline)."""
    for ref in job.predictions.values():
        if not ref.finished:
            ctx.providers.cancel_prediction(ref.id)


def finalize(ctx: StepContext, job_id: str) -> dict[str, Any]:
    def change(j: Job) -> None:
        j.percent = 100.0
        j.message = STAGE_NAMES[JobStatus.COMPLETED]

    job = _end(ctx, job_id, JobStatus.COMPLETED, change)
    return {"status": job.status.value, "output": job.assets.get("output")}


def fail_job(ctx: StepContext, job_id: str, error: dict[str, Any]) -> dict[str, Any]:
    """End the job `failed`, keep the error (its fix first) and every asset made so far; the
    tracks that will not run now are marked skipped; stop its open model calls."""
    changes = error.get("brief_changes")
    err = JobError(
        step=str(error.get("step", "pipeline")),
        message=str(error.get("message", "unknown error"))[:2000],
        detail=str(error.get("detail", ""))[-8000:],
        fix=str(error.get("fix", ""))[:500],
        brief_changes=changes if isinstance(changes, dict) else {},
    )

    def change(j: Job) -> None:
        j.error = err
        j.message = " ".join(w for w in ("Failed", step_phrase(err.step)) if w) + f": {err.message}"
        for t in j.tracks.values():
            if t.state == "running":
                t.state = "failed"
            elif t.state == "pending":
                t.state = "skipped"
                t.message = "not run: the job failed before it"
        for name in PIPELINE_TRACKS:  # a job that failed before it declared its tracks
            if name not in j.tracks:
                j.tracks[name] = TrackProgress(state="skipped", message="not run: the job failed before it")

    job = _end(ctx, job_id, JobStatus.FAILED, change)
    _cancel_open_predictions(ctx, job)
    return {"status": job.status.value, "error": err.model_dump()}


def cancel_job(ctx: StepContext, job_id: str) -> dict[str, Any]:
    """Mark the job cancelled; running steps notice and stop; what was made is kept; its open
    model calls are cancelled."""
    ctx.cancelled.add(job_id)

    def change(j: Job) -> None:
        j.message = STAGE_NAMES[JobStatus.CANCELLED]
        for t in j.tracks.values():
            if t.state in ("running", "pending"):
                t.state = "cancelled"

    job = _end(ctx, job_id, JobStatus.CANCELLED, change)
    _cancel_open_predictions(ctx, job)
    return {"status": job.status.value}


# --- describing failures -------------------------------------------------------------------------


def error_of(step: str, err: BaseException) -> dict[str, Any]:
    """The error record of a failed step: a user-facing message and the technical detail."""
    if isinstance(err, StepFailed):
        out: dict[str, Any] = {"step": err.step, "message": err.message, "detail": err.detail}
        if err.fix:
            out |= {"fix": err.fix, "brief_changes": err.brief_changes}
        return out
    if isinstance(err, MediaError):
        return {"step": step, "message": str(err).split("\n")[0], "detail": err.stderr_tail}
    if isinstance(err, StoreError):
        return {"step": step, "message": str(err), "detail": ""}
    return {"step": step, "message": str(err) or type(err).__name__, "detail": type(err).__name__}


def error_name(err: BaseException) -> str:
    """The name a failed step reports to the workflow engine: the state machine retries
    RETRYABLE (a provider's transient fault, a store fault such as throttling) and sends the
    rest to fail_job (see `omnigen.pipeline.error_names`, which stacks/pipeline.py matches)."""
    if isinstance(err, Cancelled):
        return CANCELLED
    if isinstance(err, ProviderError) and err.retryable:
        return RETRYABLE
    if isinstance(err, StoreError) and not isinstance(err, StepFailed):
        return RETRYABLE
    return FAILED
