"""Editing a finished ad: check a draft, edit it by operations, restore a version's edit into the
draft, and regenerate one scene (its cost first, every take kept and selectable)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from omnigen.api import draft_tags
from omnigen.api.deps import Services, ServicesDep, UserDep, editable, own_job
from omnigen.api.problems import ApiError
from omnigen.api.schemas import EditRequest, EditResult, TakeAccepted, TakeView
from omnigen.job import Job
from omnigen.keys import JobKeys
from omnigen.pipeline import draft, editing, takes
from omnigen.pipeline.steps import load_timeline
from omnigen.pricing.takes import TakeEstimate
from omnigen.timeline import Timeline

router = APIRouter(tags=["editing"])
SceneNo = Annotated[int, Path(ge=1, le=60, description="the scene's number in the script, from 1")]
NOT_YET = {409: {"description": "the job has no timeline yet, or a compose or another take is running"}}


def _refused(err: editing.DraftRefused) -> ApiError:
    return ApiError(422, err.message, err.errors)


@router.post("/jobs/{job_id}/timeline/check", response_model=editing.DraftCheck, responses=NOT_YET)
def check_timeline(svc: ServicesDep, user: UserDep, job_id: str, timeline: Timeline) -> editing.DraftCheck:
    """The findings the compliance engine (with the text-layout and reading-time rules) has for a
    draft, without rendering or saving it: what compose would refuse, and why."""
    job = editable(svc, user, job_id)
    problems = editing.draft_problems(svc.ctx, job, timeline)
    if problems:
        raise ApiError(422, "the timeline names assets this job does not have", problems)
    return editing.check_draft(svc.ctx, job, timeline)


@router.post(
    "/jobs/{job_id}/timeline/ops",
    response_model=EditResult,
    responses=NOT_YET | draft_tags.STALE | {422: {"description": "an operation that cannot apply; nothing is saved"}},
)
def edit_timeline(
    svc: ServicesDep, user: UserDep, job_id: str, body: EditRequest, response: Response,
    if_match: draft_tags.IfMatch = None,
) -> EditResult:  # fmt: skip
    """Edit the draft by operations, in order, and save it: change a line's text (re-voiced at
    the next compose, alone), add or delete a text, delete or duplicate a clip, change a scene's
    length (what follows moves with it), choose a take. The draft's findings come back with it.
    The operations apply to the draft as it is when saved (a take finishing at the same moment
    is kept); with `If-Match`, only to the revision the client read (412 otherwise)."""
    job = editable(svc, user, job_id)
    try:
        saved = editing.edit(svc.ctx, job, list(body.ops), draft_tags.expected(if_match))
    except editing.DraftRefused as err:
        raise _refused(err) from None
    except draft.DraftStale as err:
        raise draft_tags.stale(err) from None
    draft_tags.tag(response, saved.revision)
    check = editing.check_draft(svc.ctx, job, saved.timeline)
    return EditResult(timeline=saved.timeline, revision=saved.revision, check=check)


def _kept(job: Job, k: int, timeline: Timeline | None) -> Timeline:
    """Version k's timeline, or the 404 that says why there is none."""
    if timeline is not None:
        return timeline
    if any(v.version == k for v in job.versions):
        raise ApiError(404, f"version {k} was made before versions kept their timeline; it cannot be restored")
    made = ", ".join(str(v.version) for v in job.versions) or "none yet"
    raise ApiError(404, f"job {job.job_id} has no version {k} (versions made: {made})")


@router.get("/jobs/{job_id}/versions/{k}/timeline", response_model=Timeline)
def version_timeline(svc: ServicesDep, user: UserDep, job_id: str, k: int) -> Timeline:
    """The edit version k was rendered from."""
    job = own_job(svc, user, job_id)
    return _kept(job, k, editing.version_timeline(svc.ctx, job, k))


@router.post(
    "/jobs/{job_id}/versions/{k}/restore",
    response_model=Timeline,
    responses={404: {"description": "no version k"}} | draft_tags.STALE,
)
def restore_version(
    svc: ServicesDep, user: UserDep, job_id: str, k: int, response: Response, if_match: draft_tags.IfMatch = None
) -> Timeline:
    """Version k's timeline becomes the draft (the versions themselves never change); with
    `If-Match`, only over the draft revision the client read (412 otherwise)."""
    job = own_job(svc, user, job_id)
    try:
        restored = editing.restore(svc.ctx, job, k, draft_tags.expected(if_match))
    except draft.DraftStale as err:
        raise draft_tags.stale(err) from None
    timeline = _kept(job, k, restored.timeline if restored else None)
    if restored is not None:
        draft_tags.tag(response, restored.revision)
    return timeline


def _take_view(svc: Services, job: Job, used: set[str], scene: int, take: int, **fields: object) -> TakeView:
    view = TakeView(scene_index=scene, take=take, **fields)  # type: ignore[arg-type]
    view.in_draft = view.clip in used
    view.urls = {name: svc.urls.url(key) for name, key in (("clip", view.clip), ("last_frame", view.last_frame))
                 if view.state == "done" and svc.ctx.assets.exists(key)}  # fmt: skip
    return view


@router.get("/jobs/{job_id}/scenes/{n}/takes", response_model=list[TakeView], responses=NOT_YET)
def list_takes(svc: ServicesDep, user: UserDep, job_id: str, n: SceneNo) -> list[TakeView]:
    """Every take of scene n, the original first; `in_draft` marks the one the draft uses
    (choose another with the `select_take` operation or by PUTting the timeline). Where scene n
    is cut from a clip of several shots, these are the takes of that clip (`scene_index` is its
    first scene)."""
    job = editable(svc, user, job_id)
    try:
        head = takes.take_of(svc.ctx, job, n)
    except takes.TakeRefused as err:
        raise ApiError(err.status, err.message) from None
    keys = JobKeys(user, job_id)
    used = {c.asset for c in load_timeline(svc.ctx, job).clips}
    scene = takes.script_of(svc.ctx, job).scene(n)
    first = _take_view(
        svc, job, used, head, 1, state="done", shot=scene.shot, camera=scene.camera, mood=scene.mood,
        clip=keys.clip(head), last_frame=keys.last_frame(head),
    )  # fmt: skip
    rest = [_take_view(svc, job, used, head, t.take, **t.model_dump(exclude={"scene_index", "take"}))
            for t in job.takes if t.scene_index == head]  # fmt: skip
    return [first, *rest]


@router.post("/jobs/{job_id}/scenes/{n}/regenerate/estimate", response_model=TakeEstimate, responses=NOT_YET)
def estimate_take(svc: ServicesDep, user: UserDep, job_id: str, n: SceneNo, body: takes.TakeRequest) -> TakeEstimate:
    """What the regenerate would cost and take, before it runs (the scenes it re-seeds included)."""
    job = editable(svc, user, job_id)
    try:
        return takes.estimate(svc.ctx, job, n, body)
    except takes.TakeRefused as err:
        raise ApiError(err.status, err.message) from None


@router.post("/jobs/{job_id}/scenes/{n}/regenerate", status_code=202, response_model=TakeAccepted, responses=NOT_YET)
def regenerate(svc: ServicesDep, user: UserDep, job_id: str, n: SceneNo, body: takes.TakeRequest) -> TakeAccepted:
    """A new take of scene n (a new shot, camera or mood, or just another take): 202 with its
    cost. Where scene n is cut from a clip of several shots, that clip is rendered again (`scene`
    in the reply is its first scene, which names the take); progress is on that scene's track of
    the job's stream. A take chained after it is re-seeded from the new last frame when
    `reseed_following` says so (null: as the script chains them). Refused (409) while the ad is
    being composed or the scene is being regenerated."""
    job = editable(svc, user, job_id)
    try:
        cost = takes.estimate(svc.ctx, job, n, body)
        record = takes.start_take(svc.ctx, job, n, body)
    except takes.TakeRefused as err:
        raise ApiError(err.status, err.message) from None
    svc.launcher.regenerate(job_id, record.scene_index, record.take)
    return TakeAccepted(
        job_id=job_id, scene=record.scene_index, take=record.take, reseeds=cost.scenes[1:], estimate=cost
    )
