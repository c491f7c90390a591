"""Jobs: create (idempotent), list, read, cancel, timeline, re-compose, compliance report."""

from __future__ import annotations

import hashlib
import json
import math
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from omnigen.api import draft_tags
from omnigen.api.access import readable_job, record_action, review_state
from omnigen.api.deps import CallerDep, Services, ServicesDep, UserDep, editable, own_job, usage_store
from omnigen.api.problems import ApiError
from omnigen.api.routes_versions import stored_report, version_urls
from omnigen.api.schemas import (
    CancelResult,
    ComposeAccepted,
    GenerateAccepted,
    JobPage,
    JobSummary,
    JobView,
)
from omnigen.brief import Brief
from omnigen.job import Job, JobStatus, new_job_id
from omnigen.keys import JobKeys, is_upload_key
from omnigen.pipeline import draft, editing, lifecycle
from omnigen.pipeline.fit import BriefDoesNotFit, require_fit
from omnigen.review.trail import reviewer_stream
from omnigen.timeline import Timeline
from omnigen.usage import month_of

router = APIRouter(tags=["jobs"])
IDEMPOTENCY_TTL_S = 24 * 3600
CLAIM_WAIT_S = 10.0
"""How long a request waits for the job another request with the same key is creating."""
CLAIM_POLL_S = 0.05


def _urls(svc: Services, job: Job) -> dict[str, str]:
    urls = {name: svc.urls.url(key) for name, key in job.assets.items() if svc.ctx.assets.exists(key)}
    keys = JobKeys(job.user_id, job.job_id)
    for record in job.versions:  # every version keeps its own artefacts beside the latest's
        urls.update({f"{name}:v{record.version}": url for name, url in version_urls(svc, record).items()})
    for v in range(1, job.renders + 1):  # renders made before versions were recorded
        if f"output:v{v}" not in urls and svc.ctx.assets.exists(keys.output(v)):
            urls[f"output:v{v}"] = svc.urls.url(keys.output(v))
    for name, track in job.tracks.items():
        if track.asset and track.state == "done":
            urls[f"track:{name}"] = svc.urls.url(track.asset)
    return urls


def view(svc: Services, job: Job) -> JobView:
    return JobView(**job.model_dump(), urls=_urls(svc, job))


def summary(svc: Services, job: Job) -> JobSummary:
    poster, output = job.assets.get("poster"), job.assets.get("output")
    return JobSummary(
        job_id=job.job_id,
        status=job.status,
        percent=job.percent,
        title=job.title,
        campaign=job.campaign,
        versions=len(job.versions),
        message=job.message,
        brand_name=job.brief.product.brand_name,
        prompt=job.brief.prompt[:200],
        duration_s=job.brief.duration_s,
        aspect_ratio=job.brief.aspect_ratio,
        cost_usd=job.cost_usd,
        created_at=job.created_at,
        poster_url=svc.urls.url(poster) if poster else None,
        output_url=svc.urls.url(output) if output else None,
    )


def _check_image_owner(user: str, brief: Brief) -> None:
    """An API brief's image is one of the caller's uploads, named exactly as POST /uploads names
    it: never a path on the server, another user's upload, or a key with `..` or a NUL."""
    image = brief.product.image
    if image and not is_upload_key(user, image):
        raise ApiError(
            422,
            "product.image must be a key returned by POST /api/v1/uploads",
            [{"field": "product.image", "message": "upload the image first (POST /uploads)"}],
        )


@router.post(
    "/generate",
    status_code=202,
    response_model=GenerateAccepted,
    responses={
        409: {"description": "Idempotency-Key reused with another body"},
        422: {
            "description": "the brief is not valid, or its risks and closing card do not fit its length "
            "(`brief_changes` names the shortest length that fits)"
        },
        429: {"description": "the monthly quota is used up; `limit` and `resets_at` say which one, until when"},
    },
)
async def generate(
    svc: ServicesDep,
    user: UserDep,
    response: Response,
    brief: Brief,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> GenerateAccepted:
    """Validate the brief, create a queued job, start the pipeline; `Idempotency-Key` makes retries
    safe (the same key and body return the same job; another body with that key is a 409). A
    caller past their monthly quota gets a 429 naming the limit and when it resets."""
    # The store work blocks (SQLite here, DynamoDB and S3 on AWS), so it runs on a worker thread,
    # in one hop. A plain `def` route costs two (FastAPI also checks the response model on the
    # pool), and each hop waits its turn on a loop that may be serving hundreds of streams.
    return await run_in_threadpool(_accept, svc, user, response, brief, idempotency_key)


def _accept(
    svc: Services, user: str, response: Response, brief: Brief, idempotency_key: str | None
) -> GenerateAccepted:
    _check_image_owner(user, brief)
    if not idempotency_key:
        return _create(svc, user, brief, None)
    digest = hashlib.sha256(json.dumps(brief.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    namespace = f"idem:{user}"
    deadline = time.monotonic() + CLAIM_WAIT_S
    while True:
        # Claim the key for a job id before any job exists: of requests racing with one key,
        # exactly one wins the claim and creates the job; the others answer with its id.
        mine = {"digest": digest, "job_id": new_job_id()}
        stored = json.loads(svc.kv.kv_put_if_absent(namespace, idempotency_key, json.dumps(mine), IDEMPOTENCY_TTL_S))
        if stored["job_id"] == mine["job_id"]:
            break
        if stored["digest"] != digest:
            raise ApiError(409, "this Idempotency-Key was already used with a different brief; use a new key")
        job = svc.ctx.jobs.get(stored["job_id"])
        if job is not None:
            response.headers["Idempotent-Replayed"] = "true"
            return GenerateAccepted(job_id=job.job_id, status=job.status)
        if time.monotonic() > deadline:
            raise ApiError(
                409, "a request with this Idempotency-Key did not finish creating its job; retry with a new key"
            )
        time.sleep(CLAIM_POLL_S)  # the winner is creating the job right now (or failed and frees the key)
    try:
        return _create(svc, user, brief, mine["job_id"])
    except BaseException:
        svc.kv.kv_delete(namespace, idempotency_key)  # nothing was made under the key: a retry may use it
        raise


def _create(svc: Services, user: str, brief: Brief, job_id: str | None) -> GenerateAccepted:
    check_startable(svc, user, brief)
    job = lifecycle.create_job(svc.ctx, user, brief, job_id=job_id)
    record_action(svc, user, "job.created", job.job_id, brand_name=brief.product.brand_name)
    svc.launcher.start(job.job_id)
    return GenerateAccepted(job_id=job.job_id, status=job.status)


def check_startable(svc: Services, user: str, brief: Brief) -> None:
    """What every new job must pass before it is created: the caller's quota (429), and a brief
    whose risks and closing card fit its length (422 naming the shortest length that does, in
    `brief_changes`, the change POST /jobs/{id}/duplicate takes) — refused here, not after the
    scenes are rendered and billed."""
    _check_quota(svc, user)
    try:
        require_fit(brief)
    except BriefDoesNotFit as unfit:
        raise ApiError(
            422,
            str(unfit),
            [{"field": "duration_s", "message": str(unfit)}],
            extra={"fit": unfit.fit.model_dump(mode="json"), "brief_changes": unfit.brief_changes},
        ) from None


def _check_quota(svc: Services, user: str) -> None:
    """429 when one more job would go past the caller's monthly limits (settings.quota)."""
    now = datetime.now(UTC)
    over = svc.ctx.settings.quota.check(usage_store(svc).usage(user, month_of(now)))
    if over is None:
        return
    raise ApiError(
        429,
        over.message,
        headers={"Retry-After": str(max(1, math.ceil((over.resets_at - now).total_seconds())))},
        extra=over.model_dump(mode="json"),
    )


@router.get("/jobs", response_model=JobPage)
def list_jobs(
    svc: ServicesDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    shared: Annotated[bool | None, Query(description="jobs shared with me (a reviewer's default)")] = None,
    campaign: Annotated[str | None, Query(max_length=80, description="only this campaign's ads")] = None,
) -> JobPage:
    """The caller's jobs, newest first; pass `next_cursor` back as `cursor` for the next page.
    Deleted ads are not listed; `campaign` lists one campaign's. A reviewer (or `shared=true`)
    gets the jobs shared with them instead."""
    if shared or (shared is None and not caller.creator):
        return JobPage(items=[summary(svc, j) for j in shared_jobs(svc, caller.user_id)])
    jobs: list[Job] = []
    before, more = cursor, True
    while more and len(jobs) <= limit:  # deleted or other campaigns' jobs leave a page short: read on
        page = svc.ctx.jobs.list_for_user(caller.user_id, limit=limit + 1, before=before)
        more = len(page) > limit
        before = page[-1].job_id if page else None
        jobs += [j for j in page if j.deleted_at is None and (campaign is None or j.campaign == campaign)]
        if not page:
            break
    more = len(jobs) > limit or (more and bool(jobs))
    jobs = jobs[:limit]
    return JobPage(items=[summary(svc, j) for j in jobs], next_cursor=jobs[-1].job_id if more and jobs else None)


def shared_jobs(svc: Services, reviewer: str) -> list[Job]:
    """The jobs shared with `reviewer` (and not unshared since), newest first."""
    if svc.ctx.audit is None:
        return []
    ids = dict.fromkeys(str(e.detail["job_id"]) for e in svc.ctx.audit.entries(reviewer_stream(reviewer)))
    jobs = [j for j in (svc.ctx.jobs.get(i) for i in ids) if j is not None and j.deleted_at is None]
    jobs = [j for j in jobs if reviewer in review_state(svc, j.job_id).reviewers]
    return sorted(jobs, key=lambda j: (j.created_at, j.job_id), reverse=True)


@router.get("/jobs/{job_id}", response_model=JobView)
def get_job(svc: ServicesDep, caller: CallerDep, job_id: str) -> JobView:
    return view(svc, readable_job(svc, caller, job_id))


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=CancelResult,
    responses={409: {"description": "the job has already finished"}},
)
def cancel(svc: ServicesDep, user: UserDep, job_id: str) -> CancelResult:
    job = own_job(svc, user, job_id)
    if job.status.terminal:
        raise ApiError(409, f"job {job_id} is already {job.status.value}")
    svc.launcher.cancel(job_id)
    job = own_job(svc, user, job_id)
    return CancelResult(job_id=job_id, status=job.status)


@router.get(
    "/jobs/{job_id}/timeline",
    response_model=Timeline,
    responses={409: {"description": "the saved timeline no longer passes validation: PUT a corrected one"}},
)
def get_timeline(svc: ServicesDep, caller: CallerDep, job_id: str, response: Response) -> Timeline:
    """The draft; its `ETag` names its revision (send it as `If-Match` to save over it alone)."""
    job = readable_job(svc, caller, job_id)
    try:
        current = draft.read(svc.ctx, job)
    except ValidationError as err:  # saved before a rule that now refuses it (e.g. a non-finite time)
        raise ApiError(
            409,
            f"the saved timeline of job {job_id} is no longer valid ({err.error_count()} error(s), first at "
            f"{'.'.join(str(p) for p in err.errors()[0]['loc'])}); PUT a corrected timeline to replace it",
        ) from None
    if current is None:
        raise ApiError(404, f"job {job_id} has no timeline yet (it is made just before compose)")
    draft_tags.tag(response, current.revision)
    return current.timeline


@router.put(
    "/jobs/{job_id}/timeline",
    response_model=Timeline,
    responses={409: {"description": "the job has no timeline yet (it is still being made)"}} | draft_tags.STALE,
)
def put_timeline(
    svc: ServicesDep,
    user: UserDep,
    job_id: str,
    timeline: Timeline,
    response: Response,
    if_match: draft_tags.IfMatch = None,
) -> Timeline:
    """Save the draft. Every asset it names must be one of this job's, and exist; no clip may
    play past the end of what was rendered. Compliance findings do not stop a save (a draft may
    be work in progress): `POST …/timeline/check` lists them, and compose refuses what breaks a rule.
    With `If-Match` (the ETag of the draft as read) it saves only over that revision (412 otherwise)."""
    job = editable(svc, user, job_id)
    try:
        saved = editing.save(svc.ctx, job, timeline, draft_tags.expected(if_match))
    except editing.DraftRefused as err:
        raise ApiError(422, err.message, err.errors) from None
    except draft.DraftStale as err:
        raise draft_tags.stale(err) from None
    data = saved.timeline.model_dump_json(indent=2).encode()
    record_action(svc, user, "timeline.edited", job_id, timeline_sha256=hashlib.sha256(data).hexdigest())
    draft_tags.tag(response, saved.revision)
    return saved.timeline


@router.post(
    "/jobs/{job_id}/compose",
    status_code=202,
    response_model=ComposeAccepted,
    responses={409: {"description": "the job has not finished"}},
)
def recompose(svc: ServicesDep, user: UserDep, job_id: str) -> ComposeAccepted:
    """Render the saved timeline again as the next version; clips are never regenerated."""
    job = own_job(svc, user, job_id)
    if job.status != JobStatus.COMPLETED:
        raise ApiError(409, f"job {job_id} is {job.status.value}; re-compose a completed job")
    if job.tracks.get("compose") and job.tracks["compose"].state == "running":
        busy = f"version {job.renders + 1} of job {job_id} is being composed"
        raise ApiError(409, f"{busy}; compose again once it is made")
    rendering = sorted({t.scene_index for t in job.takes if t.state == "rendering"})
    if rendering:
        raise ApiError(409, f"scene {rendering[0]} is being regenerated; compose once its take is rendered")
    version = job.renders + 1
    record_action(svc, user, "render.requested", job_id, version=version)
    svc.launcher.compose(job_id, version)
    return ComposeAccepted(job_id=job_id, version=version, output_key=JobKeys(user, job_id).output(version))


@router.get("/jobs/{job_id}/compliance", response_model=dict[str, Any])
def compliance(svc: ServicesDep, caller: CallerDep, job_id: str) -> dict[str, Any]:
    """The compliance report: `findings` (rule, severity, scene, start_s, end_s, message, source)."""
    job = readable_job(svc, caller, job_id)
    return stored_report(svc, JobKeys(job.user_id, job_id).compliance, f"job {job_id} has no compliance report yet")
