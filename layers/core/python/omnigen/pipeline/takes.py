"""Regenerating one scene of a finished ad: another take, or a new shot, camera or mood.

Every take is kept (`Job.takes`; take 1 is the pipeline's own clip) and the draft timeline names
the one the edit uses: a finished take replaces the scene's clip in the draft unless the request
said `select: false`, and any take can be chosen later (`select_take`). A scene chained to the
regenerated one (it starts on its last frame) can be regenerated from the new last frame, and so
on down the chain: by default when the script chains them, or as the request says. The cost is
known before anything runs (`estimate`), progress is on the scene's track of the job's stream,
and a take that fails is marked failed without touching the ad or its other takes.

A take here is a take of the pipeline's clip plan (`omnigen.clip_plan.Takes`): where several
shots are cut from one clip on the model's clip grid, regenerating any of them re-renders that
whole clip (recorded under its first scene, like the pipeline's own) and the draft cuts the new
clip into every scene of it at the same in points. Rendering one shot on its own instead would
need a start frame from inside the old clip, which nothing stores. Start and end frames are the
pipeline's (`take_frames`): the previous take's last frame as the draft uses it, else the
keyframe, and the next take's keyframe where the model takes an end frame.

Both runners call `render_take`: the local launchers on a thread or a worker process, AWS as one
asynchronous invocation of the media function (the step Lambda's `regenerate_scene` event).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from omnigen.brief import SHORT_SIDE
from omnigen.clip_plan import Takes, take_shot
from omnigen.job import Job, JobStatus, TakeRecord, now
from omnigen.keys import JobKeys
from omnigen.pipeline import draft
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.lifecycle import error_of
from omnigen.pipeline.progress import Tracker
from omnigen.pipeline.steps import load_timeline, render_clip, take_frames, takes
from omnigen.pricing.takes import TakeEstimate, take_estimate
from omnigen.providers.ports import ProviderCall
from omnigen.safe_text import STORED, text_field
from omnigen.script import Scene, Script
from omnigen.store.ports import NotFound
from omnigen.timeline import Timeline
from omnigen.timeline_edit import use_asset
from omnigen.validation import INPUT_MODEL

SEED_STEP = 7919
"""Take k renders with seed brief.seed + k·SEED_STEP: another take is another picture, and the
same take asked for again (a retried invocation) is the same one."""


class TakeRequest(BaseModel):
    """What to change for the new take; nothing at all asks for another take of the same shot."""

    model_config = INPUT_MODEL

    shot: text_field(1200, min_length=1) | None = None
    camera: text_field(200, min_length=1) | None = None
    mood: text_field(200, min_length=1) | None = None
    reseed_following: bool | None = Field(
        None,
        description="regenerate the scenes chained after this one from its new last frame; "
        "null follows the script's continuity (true when the next scene continues this one)",
    )
    select: bool = Field(True, description="use the new take(s) in the draft timeline once rendered")


class TakeRefused(Exception):
    """A regenerate that cannot start: `status` is the HTTP status that says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def script_of(ctx: StepContext, job: Job) -> Script:
    return Script.model_validate_json(ctx.assets.get_bytes(JobKeys(job.user_id, job.job_id).script), context=STORED)


def take_of(ctx: StepContext, job: Job, index: int) -> int:
    """The take scene `index` is cut from, named by its first scene (404 for no such scene)."""
    script = script_of(ctx, job)
    _scene(script, index)
    return takes(ctx, job, script).plan.group_of(index).head


def chained_after(plan: Takes, head: int) -> list[int]:
    """The takes that start, one from the other, on take `head`'s last frame."""
    heads = plan.plan.heads()
    out, cur = [], head
    for nxt in heads[heads.index(head) + 1 :]:
        if plan.previous(nxt) != cur:
            break
        out.append(nxt)
        cur = nxt
    return out


def _scene(script: Script, index: int) -> Scene:
    if not 1 <= index <= len(script.scenes):
        raise TakeRefused(404, f"the ad has no scene {index} (scenes 1–{len(script.scenes)})")
    return script.scene(index)


def plan(script: Script, takes_plan: Takes, index: int, req: TakeRequest) -> list[int]:
    """The takes a request renders, in order, by their first scenes: the take scene `index` is
    cut from, then the chain it re-seeds."""
    _scene(script, index)
    head = takes_plan.plan.group_of(index).head
    following = chained_after(takes_plan, head)
    reseed = bool(following) if req.reseed_following is None else req.reseed_following
    return [head, *following] if reseed else [head]


def estimate(ctx: StepContext, job: Job, index: int, req: TakeRequest) -> TakeEstimate:
    """The cost and time of a regenerate, before it runs (each take billed as the clip it renders)."""
    script = script_of(ctx, job)
    takes_plan = takes(ctx, job, script)
    heads = plan(script, takes_plan, index, req)
    pixels = (SHORT_SIDE[job.brief.resolution] / 1080) ** 2
    seconds = {h: takes_plan.unit(h).duration_s for h in heads}
    ends = [h for h in heads if takes_plan.end(h) is not None]
    return take_estimate(seconds, ctx.settings.providers.video, pixels, ctx.settings.models, ends)


def take_clips(ctx: StepContext, job: Job) -> dict[tuple[int, int], str]:
    """(scene, take) → clip key of every take that can be used: take 1 of each scene (the clip of
    the pipeline's take it is cut from), and every regenerated take that is done, for each scene
    cut from it."""
    keys = JobKeys(job.user_id, job.job_id)
    takes_plan = takes(ctx, job, script_of(ctx, job))
    out: dict[tuple[int, int], str] = {}
    for group in takes_plan.plan.groups:
        for m in group.scenes:
            out[(m, 1)] = keys.clip(group.head)
            out.update({(m, t.take): t.clip for t in job.takes if t.state == "done" and t.scene_index == group.head})
    return out


def _used(job: Job, timeline: Timeline, index: int) -> TakeRecord | None:
    """The regenerated take the draft uses for scene `index` (None: the original, or none)."""
    asset = next((c.asset for c in timeline.clips if c.scene_index == index), None)
    return next((t for t in job.takes if t.clip == asset), None)


def _frame_of(job: Job, timeline: Timeline, index: int) -> str:
    """The last frame of the take the draft uses for scene `index`."""
    used = _used(job, timeline, index)
    return used.last_frame if used else JobKeys(job.user_id, job.job_id).last_frame(index)


def _new_take(
    ctx: StepContext,
    job_id: str,
    index: int,
    req: TakeRequest,
    reseed: bool,
    start_image: str | None,
    asked: int | None = None,
) -> TakeRecord:
    """Record a take of take `index` (a first scene) as rendering, after checking (in the same
    write) that neither a compose nor another take of it is running. `req.shot` is the new shot
    of scene `asked` (default `index`), the other shots of the take kept as the script has them."""
    made: list[TakeRecord] = []
    job = ctx.jobs.get(job_id)
    if job is None:
        raise TakeRefused(404, f"no job {job_id}")
    timeline, script = load_timeline(ctx, job), script_of(ctx, job)
    _scene(script, index)
    takes_plan = takes(ctx, job, script)
    scene = takes_plan.unit(index)
    shot = req.shot
    group = takes_plan.plan.group_of(index)
    if shot is not None and len(group.scenes) > 1:
        changed = script.scene(asked or index).model_copy(update={"shot": shot})
        scenes = [changed if s.index == changed.index else s for s in script.scenes]
        edited = script.model_copy(update={"scenes": scenes})
        shot = take_shot(edited, group)

    def change(j: Job) -> None:
        compose = j.tracks.get("compose")
        if compose is not None and compose.state == "running":
            raise TakeRefused(
                409,
                f"version {j.renders + 1} of the ad is being composed; regenerate the scene once it is made "
                "(or refused): a new take now would change the clips under it",
            )
        if any(t.scene_index == index and t.state == "rendering" for t in j.takes):
            raise TakeRefused(409, f"scene {index} is already being regenerated; wait for that take to finish")
        base = _used(j, timeline, index)
        number = max([1, *(t.take for t in j.takes if t.scene_index == index)]) + 1
        keys = JobKeys(j.user_id, j.job_id)
        record = TakeRecord(
            scene_index=index,
            take=number,
            shot=shot or (base.shot if base else scene.shot),
            camera=req.camera or (base.camera if base else scene.camera),
            mood=req.mood or (base.mood if base else scene.mood),
            seed=(j.brief.seed + number * SEED_STEP) % 2**31,
            start_image=start_image,
            reseed_following=reseed,
            select=req.select,
            clip=keys.clip(index, number),
            last_frame=keys.last_frame(index, number),
        )
        j.takes.append(record)
        made[:] = [record]

    ctx.jobs.update(job_id, change)
    return made[0]


def start_take(ctx: StepContext, job: Job, index: int, req: TakeRequest) -> TakeRecord:
    """Check and record a regenerate of scene `index` of a finished job: a new take of the take
    it is cut from (recorded under that take's first scene); the caller launches `render_take`
    for it."""
    if job.status != JobStatus.COMPLETED:
        raise TakeRefused(409, f"the job is {job.status.value}; regenerate scenes of a finished ad")
    script = script_of(ctx, job)
    takes_plan = takes(ctx, job, script)
    heads = plan(script, takes_plan, index, req)
    timeline = load_timeline(ctx, job)
    keys = JobKeys(job.user_id, job.job_id)
    start, _ = take_frames(keys, takes_plan, heads[0], lambda prev: _frame_of(job, timeline, prev))
    return _new_take(ctx, job.job_id, heads[0], req, len(heads) > 1, start, asked=index)


def _finish(ctx: StepContext, job_id: str, index: int, take: int, **fields: Any) -> Job:
    def change(j: Job) -> None:
        t = j.take(index, take)
        if t is not None:
            for k, v in fields.items():
                setattr(t, k, v)
            t.finished_at = now()

    return ctx.jobs.update(job_id, change)


def fail_take(ctx: StepContext, job_id: str, index: int, take: int, message: str, cost_usd: float = 0.0) -> None:
    """Mark a take failed, on the take and on its scene's track; the ad and other takes stay."""
    _finish(ctx, job_id, index, take, state="failed", error=message, cost_usd=cost_usd)
    Tracker(ctx.jobs, job_id).failed(f"scene_{index}", f"take {take} failed: {message}")


def render_take(ctx: StepContext, job_id: str, index: int, take: int) -> dict[str, Any]:
    """Render take `take` of scene `index` (recorded by `start_take`), put it in the draft if it
    was asked to be, and re-seed the chain after it if it was. Idempotent: a take already done is
    not rendered again. A failure marks the take and the scene's track failed and leaves the ad
    as it was; the error is returned (the caller is a background worker, nobody waits on it)."""
    job = ctx.jobs.get(job_id)
    rec = job.take(index, take) if job else None
    if job is None or rec is None:
        raise NotFound(f"job {job_id} has no take {take} of scene {index}")
    track = f"scene_{index}"
    tracker = Tracker(ctx.jobs, job_id)
    result: dict[str, Any] = {"scene": index, "take": take, "clip": rec.clip, "last_frame": rec.last_frame}
    if rec.state == "done" and ctx.assets.exists(rec.clip) and ctx.assets.exists(rec.last_frame):
        return result
    spent: list[float] = []
    models: list[str] = []

    def record(call: ProviderCall) -> None:
        spent.append(call.cost_usd)
        if call.capability == "video":
            models.append(call.model)
        tracker.record_call(call)

    try:
        script = script_of(ctx, job)
        takes_plan = takes(ctx, job, script)
        unit = takes_plan.unit(index).model_copy(update={"shot": rec.shot, "camera": rec.camera, "mood": rec.mood})
        nxt = takes_plan.end(index)  # ends on the next take's keyframe, as the pipeline's take did
        end = JobKeys(job.user_id, job.job_id).keyframe(nxt) if nxt is not None else None
        tracker.start(track, f"rendering take {take}: {rec.shot[:80]}")
        call = tracker.call_context(track, lambda: ctx.is_cancelled(job_id), ctx.deadline).for_slot(f"take_{take}")
        call.record = record
        out = (rec.clip, rec.last_frame)
        seconds = render_clip(ctx, job, script, unit, out, call, start=rec.start_image, end=end, seed=rec.seed)
    except Exception as err:
        error = error_of(track, err)
        fail_take(ctx, job_id, index, take, error["message"], round(sum(spent), 4))
        return {**result, "error": error}
    if rec.select:  # every scene cut from the take plays the new clip, at the same in points

        def cut_in(timeline: Timeline) -> Timeline:
            for m in takes_plan.members(index):
                if any(c.scene_index == m for c in timeline.clips):
                    timeline = use_asset(timeline, m, rec.clip)
            return timeline

        load_timeline(ctx, job)
        draft.update(ctx, job_id, cut_in)  # atomic: another take or an edit saved meanwhile is kept
    # Done once the draft uses it: a client that sees the take done reads a draft that has it.
    _finish(
        ctx,
        job_id,
        index,
        take,
        state="done",
        clip_s=round(seconds, 3),
        cost_usd=round(sum(spent), 4),
        model=models[-1] if models else None,
    )
    tracker.done(track, f"take {take} rendered", asset=rec.last_frame)
    if rec.reseed_following:
        follow = TakeRequest(reseed_following=True, select=rec.select)
        chained = chained_after(takes_plan, index)
        if chained:
            try:
                nxt = _new_take(ctx, job_id, chained[0], follow, len(chained) > 1, rec.last_frame)
            except TakeRefused as err:
                tracker.failed(f"scene_{chained[0]}", f"not re-seeded: {err.message}")
                return result
            result["following"] = render_take(ctx, job_id, nxt.scene_index, nxt.take)
    return result
