"""The library: rename an ad or put it in a campaign, delete it (its assets removed), start a new
ad from its brief (a duplicate, or a failed job started again with the change its error names),
and the caller's campaigns."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import ValidationError

from omnigen.api.deps import ServicesDep, UserDep, own_job
from omnigen.api.problems import ApiError
from omnigen.api.routes_jobs import check_startable, summary
from omnigen.api.schemas import Campaign, DuplicateRequest, GenerateAccepted, JobChanges, JobSummary
from omnigen.brief import Brief
from omnigen.job import Job
from omnigen.pipeline import lifecycle
from omnigen.validation import located_errors

router = APIRouter(tags=["library"])
SCAN_LIMIT = 1000
"""The most jobs a campaign listing reads (newest first)."""


def busy(job: Job) -> str | None:
    """What is still running on a job, in words (None: nothing)."""
    if not job.status.terminal:
        return f"it is still {job.status.value}; cancel it first"
    if job.tracks.get("compose") and job.tracks["compose"].state == "running":
        return "a new version is being composed; wait for it to finish"
    if any(t.state == "rendering" for t in job.takes):
        return "a scene is being regenerated; wait for it to finish"
    return None


@router.patch("/jobs/{job_id}", response_model=JobSummary)
def change_job(svc: ServicesDep, user: UserDep, job_id: str, body: JobChanges) -> JobSummary:
    """Rename the ad (`title`) or move it to a campaign (`campaign`; "" takes it out)."""
    own_job(svc, user, job_id)

    def change(j: Job) -> None:
        if body.title is not None:
            j.title = body.title
        if body.campaign is not None:
            j.campaign = body.campaign

    return summary(svc, svc.ctx.jobs.update(job_id, change))


@router.delete(
    "/jobs/{job_id}", status_code=204, responses={409: {"description": "the job, a compose or a take is running"}}
)
def delete_job(svc: ServicesDep, user: UserDep, job_id: str) -> Response:
    """Delete the ad and every asset it has (clips, audio, every version); it cannot be undone."""
    job = own_job(svc, user, job_id)
    why = busy(job)
    if why:
        raise ApiError(409, f"job {job_id} cannot be deleted now: {why}")
    lifecycle.delete_job(svc.ctx, job_id)
    return Response(status_code=204)


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` with `changes` laid over it, nested objects merged key by key."""
    out = dict(base)
    for k, v in changes.items():
        out[k] = merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


@router.post(
    "/jobs/{job_id}/duplicate",
    status_code=202,
    response_model=GenerateAccepted,
    responses={
        422: {"description": "the changed brief is not valid, or its risks do not fit its length"},
        429: {"description": "monthly quota used up"},
    },
)
def duplicate(svc: ServicesDep, user: UserDep, job_id: str, body: DuplicateRequest) -> GenerateAccepted:
    """A new ad from this one's brief with `changes` merged in, started at once: "duplicate" in
    the library, and "start again with this change" for a failed job (its `error.brief_changes`)."""
    old = own_job(svc, user, job_id)
    try:
        brief = Brief.model_validate(merged(old.brief.model_dump(mode="json"), body.changes))
    except ValidationError as err:
        fields = [{"field": f"changes.{f}" if f else "changes", "message": m} for f, m in located_errors(err)]
        raise ApiError(422, "the changed brief is not valid", fields) from None
    image = brief.product.image
    if image and image != old.brief.product.image and not image.startswith(f"users/{user}/uploads/"):
        field = {"field": "changes.product.image", "message": "upload the image first (POST /uploads)"}
        raise ApiError(422, "product.image must be a key returned by POST /api/v1/uploads", [field])
    check_startable(svc, user, brief)
    job = lifecycle.create_job(
        svc.ctx,
        user,
        brief,
        title=body.title if body.title is not None else old.title,
        campaign=body.campaign if body.campaign is not None else old.campaign,
        source_job=old.job_id,
    )
    svc.launcher.start(job.job_id)
    return GenerateAccepted(job_id=job.job_id, status=job.status)


@router.get("/campaigns", response_model=list[Campaign])
def campaigns(svc: ServicesDep, user: UserDep) -> list[Campaign]:
    """The caller's campaigns, by name, with how many ads each holds."""
    counts: dict[str, int] = {}
    for job in svc.ctx.jobs.list_for_user(user, limit=SCAN_LIMIT):
        if job.campaign and job.deleted_at is None:
            counts[job.campaign] = counts.get(job.campaign, 0) + 1
    return [Campaign(name=name, jobs=n) for name, n in sorted(counts.items(), key=lambda x: x[0].lower())]
