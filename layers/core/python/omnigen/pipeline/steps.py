"""The pipeline steps. Each is a function of (context, job id[, input]) that reads and writes
assets through the store ports and returns a small JSON-able result: keys, never bytes.

Every step is idempotent: it first looks for what a previous run stored and reuses it. That is
what lets Step Functions retry a step and the local runner resume a killed job without redoing
finished work. The local runner and the Lambda handlers call exactly these functions. Creating,
retrying and ending a job are in `lifecycle.py`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal

from omnigen.clip_plan import Takes
from omnigen.compliance import check_timeline, load_policy
from omnigen.compliance.findings import Finding
from omnigen.job import ComposeRefusal, Job, JobStatus, VersionRecord, now
from omnigen.keys import JobKeys
from omnigen.lines import speaking_rate, split_lines
from omnigen.media.ffmpeg import probe, stop_when
from omnigen.pipeline import draft
from omnigen.pipeline.audit import approved, record_render
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.fit import advice
from omnigen.pipeline.lifecycle import ComplianceFailed, QcFailed, StepFailed, error_of
from omnigen.pipeline.progress import Tracker
from omnigen.pipeline.revoice import revoice
from omnigen.pipeline.script_draft import draft_script
from omnigen.pipeline.start_images import shows_product
from omnigen.pipeline.timeline_builder import SpokenLine, build_timeline, place_lines
from omnigen.providers.ports import (
    CallContext,
    Cancelled,
    KeyframeRequest,
    MusicRequest,
    SceneRequest,
    VoiceRequest,
    clip_grid,
    is_animatic,
    needs_start_frame,
    takes_end_frame,
)
from omnigen.safe_text import STORED
from omnigen.script import Scene, Script
from omnigen.store.ports import NotFound
from omnigen.timeline import Timeline

DECLICK_S = 0.02
CONTENT_TYPES = {".mp4": "video/mp4", ".m4a": "audio/mp4", ".json": "application/json"}

log = logging.getLogger("omnigen.steps")


def _job(ctx: StepContext, job_id: str) -> Job:
    job = ctx.jobs.get(job_id)
    if job is None:
        raise NotFound(f"job {job_id} does not exist")
    return job


def _keys(job: Job) -> JobKeys:
    return JobKeys(job.user_id, job.job_id)


def _check_cancel(ctx: StepContext, job_id: str) -> None:
    if ctx.is_cancelled(job_id):
        raise Cancelled(f"job {job_id} was cancelled")


def _load_script(ctx: StepContext, keys: JobKeys) -> Script:
    return Script.model_validate_json(ctx.assets.get_bytes(keys.script), context=STORED)


def takes(ctx: StepContext, job: Job, script: Script) -> Takes:
    """The job's takes: the script's scenes on the video model's clip grid, scheduled by the
    brief's continuity for what the model takes (an end frame or not). Pure of the script, so
    every step (and every retry) computes the same plan."""
    video = ctx.providers.video
    return Takes(script, clip_grid(video), job.brief.continuity, takes_end_frame(video), needs_start_frame(video))


def _put_json(ctx: StepContext, key: str, data: Any) -> None:
    ctx.assets.put_bytes(key, json.dumps(data, indent=2).encode(), "application/json")


# --- write_script ----------------------------------------------------------------------------


def write_script(ctx: StepContext, job_id: str) -> dict[str, Any]:
    """Brief → script, checked by the compliance engine; findings go back to the writer a
    bounded number of times before the job fails with the report."""
    job = _job(ctx, job_id)
    keys = _keys(job)
    tracker = Tracker(ctx.jobs, job_id)
    if ctx.assets.exists(keys.script):
        script = _load_script(ctx, keys)
    else:
        _check_cancel(ctx, job_id)
        tracker.start("script", "writing the script")
        call = tracker.call_context("script", lambda: ctx.is_cancelled(job_id), ctx.deadline)
        with ExitStack() as stack:
            if job.brief.product.image:  # a model that sees pictures gets the product image
                call.extra["product_image"] = stack.enter_context(ctx.assets.local_path(job.brief.product.image))
            script, report, attempts = draft_script(
                ctx.providers.script,
                job.brief,
                load_policy(None),
                call,
                lambda n, of: tracker.tick("script", n / of, f"revising the script for compliance (try {n + 1})"),
            )
        if report.errors:
            _put_json(ctx, keys.compliance, json.loads(report.to_json()))
            ctx.assets.put_bytes(keys.compliance_html, report.to_html().encode(), "text/html")
            ctx.jobs.update(job_id, lambda j: j.assets.update(compliance=keys.compliance))
            fix, changes = advice(report, job.brief)
            broke = f"the script still breaks {report.errors} compliance rule(s) after {attempts} tries"
            raise ComplianceFailed(
                "write_script",
                f"{fix} ({broke})" if fix else broke,
                report.to_text(),
                fix=fix,
                brief_changes=changes,
            )
        ctx.assets.put_bytes(keys.script, script.model_dump_json(indent=2).encode(), "application/json")
    # Longest chain first: whoever runs the chains under a concurrency limit (the local runner,
    # the state machine's Map) starts the critical path first.
    plan = takes(ctx, job, script)
    links = plan.chains()
    stills = plan.keyframes()

    def record(j: Job) -> None:
        j.assets["script"] = keys.script

    ctx.jobs.update(job_id, record)
    tracker.done("script", f"script written: {len(script.scenes)} scenes, {script.duration_s:.0f} s")
    tracker.declare(
        (["keyframes"] if stills else [])
        + [f"scene_{s.index}" for s in script.scenes]
        + ["music", "voiceover", "compose"]
    )
    return {"script": keys.script, "chains": links, "keyframes": stills}


# --- keyframes -------------------------------------------------------------------------------


def make_keyframes(ctx: StepContext, job_id: str) -> dict[str, Any]:
    """One still per cut, all at once (continuity `keyframes`): the scene's opening frame from the
    keyframe model, or the product image fitted to the frame where the shot shows the product (a
    generated pack would misspell its label). Stills already stored are reused one by one."""
    from concurrent.futures import ThreadPoolExecutor

    from omnigen.images import fit_to_frame
    from omnigen.providers.local.keyframes import LocalKeyframes

    job = _job(ctx, job_id)
    keys = _keys(job)
    script = _load_script(ctx, keys)
    brief = job.brief
    plan = takes(ctx, job, script)
    wanted = plan.keyframes()
    result = {"keyframes": [keys.keyframe(i) for i in wanted]}
    todo = [i for i in wanted if not ctx.assets.exists(keys.keyframe(i))]
    if not todo:
        return result
    _check_cancel(ctx, job_id)
    tracker = Tracker(ctx.jobs, job_id)
    tracker.start("keyframes", f"drawing {len(todo)} keyframe(s)")
    drawer = ctx.providers.keyframes or LocalKeyframes()
    width, height = brief.output_size()
    call = tracker.call_context("keyframes", lambda: ctx.is_cancelled(job_id), ctx.deadline)
    done: list[int] = []

    with ExitStack() as stack, ctx.scratch(job_id) as tmp:
        product = stack.enter_context(ctx.assets.local_path(brief.product.image)) if brief.product.image else None

        def draw(index: int) -> None:
            scene = plan.unit(index)
            out = tmp / f"scene_{index}_key.jpg"
            if product is not None and shows_product(scene, brief):
                still = fit_to_frame(product, out, width, height, tolerance=-1.0)  # always a JPEG of the frame
            else:
                req = KeyframeRequest(
                    scene=scene,
                    style=brief.style,
                    width=width,
                    height=height,
                    aspect_ratio=brief.aspect_ratio,
                    seed=brief.seed,
                    scene_count=len(script.scenes),
                )
                still = drawer.draw(req, out, call.for_slot(f"scene_{index}"))
            ctx.assets.put_file(keys.keyframe(index), still, "image/jpeg")
            done.append(index)
            tracker.tick("keyframes", len(done) / len(todo), f"keyframe {len(done)} of {len(todo)}")

        with ThreadPoolExecutor(max_workers=max(1, min(len(todo), ctx.settings.max_concurrent_scenes))) as pool:
            for future in [pool.submit(draw, i) for i in todo]:
                future.result()
    tracker.done("keyframes", f"{len(wanted)} keyframe(s) drawn", asset=keys.keyframe(wanted[0]))
    return result


# --- scenes ----------------------------------------------------------------------------------


def render_scene(ctx: StepContext, job_id: str, scene_index: int) -> dict[str, Any]:
    """One take → clip + its last frame (`render_take`), then its share of compose's work ahead
    (`encode_take`): one step, as a workflow's scene task runs it."""
    result = render_take(ctx, job_id, scene_index)
    encode_take(ctx, job_id, scene_index)
    return result


def encode_take(ctx: StepContext, job_id: str, scene_index: int) -> dict[str, Any]:
    """The picture segments showing take `scene_index` whose clips have all arrived, encoded now
    so compose only has to join them. Local CPU work: the in-process runner does it off the
    take's model slot, so the next take starts while this one's segments encode."""
    return prepare_ahead(ctx, job_id, scene_index, audio=False)


def render_take(ctx: StepContext, job_id: str, scene_index: int) -> dict[str, Any]:
    """One take → clip + its last frame. A take is a scene, or several consecutive shots cut from
    one clip on the model's clip grid (`omnigen.clip_plan`), named by its first scene. A chained
    take starts on the previous take's last frame; a keyframed one on its keyframe (and ends on
    the next take's where the model takes an end frame); any other on the product image where its
    shot shows the product, else from its text."""
    job = _job(ctx, job_id)
    keys = _keys(job)
    track = f"scene_{scene_index}"
    clip, frame = keys.clip(scene_index), keys.last_frame(scene_index)
    result = {"clip": clip, "last_frame": frame}
    if ctx.assets.exists(clip) and ctx.assets.exists(frame):
        members = takes(ctx, job, _load_script(ctx, keys)).members(scene_index)
        for n in members:
            t = f"scene_{n}"
            if job.tracks.get(t) is None or job.tracks[t].state != "done":
                Tracker(ctx.jobs, job_id).done(t, "ready", asset=frame)
        return result
    _check_cancel(ctx, job_id)
    script = _load_script(ctx, keys)
    plan = takes(ctx, job, script)
    members = plan.members(scene_index)
    tracker = Tracker(ctx.jobs, job_id)
    what = f"rendering: {script.scene(scene_index).shot[:80]}"
    for n in members:
        tracker.start(f"scene_{n}", what if n == scene_index else f"cut from scene {scene_index}'s shot")
    start, end = take_frames(keys, plan, scene_index, lambda prev: keys.last_frame(prev))
    call = tracker.call_context(track, lambda: ctx.is_cancelled(job_id), ctx.deadline)
    render_clip(ctx, job, script, plan.unit(scene_index), (clip, frame), call, start=start, end=end)
    for n in members:
        done = "rendered" if n == scene_index else f"cut from scene {scene_index}'s shot"
        tracker.done(f"scene_{n}", done, asset=frame)
    return result


def take_frames(
    keys: JobKeys, plan: Takes, head: int, last_frame_of: Callable[[int], str]
) -> tuple[str | None, str | None]:
    """The stored frames take `head` starts and ends on: the previous take's last frame when it
    is chained (`last_frame_of(previous head)`: the pipeline's own, or the take the draft uses),
    else its keyframe when it has one; and the next take's keyframe where the model takes an end
    frame. The pipeline's takes and every regenerated one are framed here."""
    prev, nxt = plan.previous(head), plan.end(head)
    if prev is not None:
        start: str | None = last_frame_of(prev)
    else:
        start = keys.keyframe(head) if head in plan.keyframes() else None
    return start, keys.keyframe(nxt) if nxt is not None else None


def render_clip(
    ctx: StepContext,
    job: Job,
    script: Script,
    unit: Scene,
    out: tuple[str, str],
    call: CallContext,
    *,
    start: str | None = None,
    end: str | None = None,
    seed: int | None = None,
) -> float:
    """Render a take (`unit`: the take as one scene, numbered as its head, `Takes.unit`) into the store as (clip
    key, last-frame key): starting on the frame stored at `start`, else on the product image
    where the shot shows it; ending on the frame at `end` when given. Returns the clip's length.
    The pipeline's takes (`render_scene`) and every regenerated take render here."""
    from omnigen.media.frames import extract_last_frame

    brief = job.brief
    width, height = brief.output_size()
    clip, frame = out
    head = unit.index

    with ExitStack() as stack, ctx.scratch(job.job_id) as tmp:

        def stored(key: str, what: str) -> Path:
            try:
                return stack.enter_context(ctx.assets.local_path(key))
            except NotFound:
                raise StepFailed(
                    f"scene_{head}", f"{what} ({key.rsplit('/', 1)[-1]}) is missing; scene {head} needs it"
                ) from None

        product = None
        if brief.product.image:
            product = stack.enter_context(ctx.assets.local_path(brief.product.image))
        start_image = product if product is not None and shows_product(unit, brief) else None
        if start is not None:
            start_image = stored(start, f"the frame scene {head} starts on")
        end_image = stored(end, f"the frame scene {head} ends on") if end is not None else None
        req = SceneRequest(
            scene=unit,
            style=brief.style,
            width=width,
            height=height,
            fps=24,
            seed=brief.seed if seed is None else seed,
            scene_count=len(script.scenes),
            aspect_ratio=brief.aspect_ratio,
            start_image=start_image,
            product_image=product,
            brand_name=brief.product.brand_name,
            end_image=end_image,
        )
        rendered = ctx.providers.video.render(req, tmp / f"scene_{head}.mp4", call)
        last = extract_last_frame(rendered, tmp / f"scene_{head}_last.jpg")
        seconds = probe(rendered).duration_s
        ctx.assets.put_file(frame, last, "image/jpeg")
        ctx.assets.put_file(clip, rendered, "video/mp4")
    return seconds


# --- music -----------------------------------------------------------------------------------


def make_music(ctx: StepContext, job_id: str) -> dict[str, Any]:
    """Mood prompt → a bed exactly the ad's length with fades (trimmed or looped)."""
    from omnigen.media.audio import fit_music

    job = _job(ctx, job_id)
    keys = _keys(job)
    if ctx.assets.exists(keys.music):
        return {"music": keys.music}
    _check_cancel(ctx, job_id)
    script = _load_script(ctx, keys)
    tracker = Tracker(ctx.jobs, job_id)
    tracker.start("music", "composing the music bed")
    prompt = script.music_prompt or job.brief.music_mood or job.brief.style or "calm uplifting"
    duration = float(job.brief.duration_s)
    with ctx.scratch(job_id) as tmp:
        call = tracker.call_context("music", lambda: ctx.is_cancelled(job_id), ctx.deadline)
        raw = ctx.providers.music.compose(
            MusicRequest(prompt=prompt, duration_s=duration, seed=job.brief.seed), tmp / "music.wav", call
        )
        # only a de-click at the ends: the timeline's own fades (editable) are applied by compose
        fitted = fit_music(raw, tmp / "background.mp3", duration, DECLICK_S, DECLICK_S)
        ctx.assets.put_file(keys.music, fitted, "audio/mpeg")
    tracker.done("music", "music bed ready", asset=keys.music)
    prepare_ahead(ctx, job_id, segments=False)  # the mastered mix, once the voice is there too
    return {"music": keys.music}


# --- voiceover -------------------------------------------------------------------------------


def _script_lines(script: Script) -> list[tuple[int, str, bool]]:
    out = []
    for s in script.scenes:
        for text in split_lines(s.voiceover):
            out.append((s.index, text, s.purpose == "major_statement"))
    return out


def make_voiceover(ctx: StepContext, job_id: str) -> dict[str, Any]:
    """Each line → speech, measured; lines placed on the clock; the whole track assembled.

    Lines already stored are reused one by one, so a resumed job only speaks what is missing.
    """
    from omnigen.media.audio import concat_voice

    job = _job(ctx, job_id)
    keys = _keys(job)
    result = {"voiceover": keys.voiceover, "lines": keys.voice_lines}
    if ctx.assets.exists(keys.voice_lines) and ctx.assets.exists(keys.voiceover):
        return result
    _check_cancel(ctx, job_id)
    script = _load_script(ctx, keys)
    tracker = Tracker(ctx.jobs, job_id)
    tracker.start("voiceover", "recording the voiceover")
    todo = _script_lines(script)
    spoken: list[SpokenLine] = []
    call = tracker.call_context("voiceover", lambda: ctx.is_cancelled(job_id), ctx.deadline)
    with ctx.scratch(job_id) as tmp:
        for n, (scene_index, text, ms) in enumerate(todo, start=1):
            key = keys.voice_line(n)
            if not ctx.assets.exists(key):
                call.check()
                wav = ctx.providers.voice.speak(
                    VoiceRequest(text=text, seed=job.brief.seed, rate=speaking_rate(ms)),
                    tmp / f"l{n}.wav",
                    call.for_slot(f"line_{n}"),
                )
                ctx.assets.put_file(key, wav, "audio/wav")
            with ctx.assets.local_path(key) as path:
                duration = probe(path).duration_s
            spoken.append(SpokenLine(n=n, scene_index=scene_index, text=text, duration_s=duration, major_statement=ms))
            tracker.tick("voiceover", n / len(todo), f"recording line {n} of {len(todo)}")
        placed = place_lines(script, spoken)
        with ExitStack() as stack:
            parts = [(stack.enter_context(ctx.assets.local_path(keys.voice_line(ln.n))), ln.start_s) for ln in placed]
            track = concat_voice(parts, tmp / "voiceover.wav", float(job.brief.duration_s))
            ctx.assets.put_file(keys.voiceover, track, "audio/wav")
    _put_json(ctx, keys.voice_lines, [ln.model_dump() for ln in placed])
    tracker.done("voiceover", f"voiceover ready: {len(placed)} lines", asset=keys.voiceover)
    # The texts are placed now: the segments of the clips already here, and the mastered mix.
    prepare_ahead(ctx, job_id)
    return result


# --- compose ---------------------------------------------------------------------------------


def _built_timeline(ctx: StepContext, job: Job, music: bool) -> Timeline:
    keys = _keys(job)
    script = _load_script(ctx, keys)
    lines = [SpokenLine.model_validate(x) for x in json.loads(ctx.assets.get_bytes(keys.voice_lines))]
    return build_timeline(
        job.brief,
        script,
        keys,
        lines,
        music=music,
        policy=load_policy(None),
        animatic=is_animatic(ctx.providers.video),
        plan=takes(ctx, job, script).plan,
    )


def load_draft(ctx: StepContext, job: Job) -> draft.Draft:
    """The saved edit and its revision, or the first edit built from what the steps made (then
    kept as revision 0)."""
    current = draft.read(ctx, job)
    if current is not None:
        return current
    return draft.save_first(ctx, job, _built_timeline(ctx, job, music=ctx.assets.exists(_keys(job).music)))


def load_timeline(ctx: StepContext, job: Job) -> Timeline:
    """The saved edit, or the first edit built from what the steps made (and then saved)."""
    return load_draft(ctx, job).timeline


def draft_timeline(ctx: StepContext, job: Job) -> Timeline | None:
    """The edit compose will render, as far as it is known before compose: the saved one, or the
    one the script and the measured voice lines make (not saved: the music may still be coming;
    the bed only changes the audio, never the picture). None before the voice lines exist."""
    current = draft.read(ctx, job)
    if current is not None:
        return current.timeline
    if not ctx.assets.exists(_keys(job).voice_lines):
        return None
    return _built_timeline(ctx, job, music=True)


def _resolver(ctx: StepContext, stack: ExitStack) -> Callable[[str], Path]:
    """Asset key → a local file, each fetched once and held until `stack` closes."""
    paths: dict[str, Path] = {}

    def resolve(key: str) -> Path:
        if key not in paths:
            paths[key] = stack.enter_context(ctx.assets.local_path(key))
        return paths[key]

    return resolve


class AssetSegments:
    """Compose's `SegmentStore` on the job's asset store (`segments/` under the job)."""

    def __init__(self, ctx: StepContext, keys: JobKeys):
        self.ctx, self.keys = ctx, keys

    def find(self, name: str) -> str | None:
        key = self.keys.segment(name)
        return key if self.ctx.assets.exists(key) else None

    def keep(self, name: str, path: Path) -> None:
        self.ctx.assets.put_file(self.keys.segment(name), path, CONTENT_TYPES.get(path.suffix))


def prepare_ahead(
    ctx: StepContext, job_id: str, scene_index: int | None = None, segments: bool = True, audio: bool = True
) -> dict[str, Any]:
    """Compose's work that can be done before the last clip: the picture segments whose clips
    have all arrived (with `scene_index`, those showing that scene: its scene worker's share) and,
    with `audio` once the voice and the music are both there, the premixed, measured, mastered
    audio. Each kept under `segments/` by what it is made of, so compose (any version) reuses it.

    Work ahead is an optimisation: when it fails, compose does it (and reports any real error),
    so the failure is logged here and the step carries on."""
    from omnigen.media.compose import mastered_audio, prepare_segments
    from omnigen.media.ffmpeg import MediaError
    from omnigen.qc import qc_policy

    job = _job(ctx, job_id)
    timeline = draft_timeline(ctx, job)
    done = {"segments_encoded": 0, "audio": False}
    if timeline is None or ctx.is_cancelled(job_id):
        return done
    store = AssetSegments(ctx, _keys(job))
    # A take's clip is kept under its first scene and cut into that take's scenes (clip_plan)
    take = None if scene_index is None else _keys(job).clip(scene_index)
    clips = None if take is None else {i for i, c in enumerate(timeline.clips) if c.asset == take}
    audio_assets = [v.asset for v in timeline.voice] + ([timeline.music.asset] if timeline.music else [])
    try:
        with ExitStack() as stack, ctx.scratch(job_id) as tmp:
            resolve = _resolver(ctx, stack)
            if segments and clips != set():
                policy = qc_policy(load_policy(None))
                done["segments_encoded"] = prepare_segments(
                    timeline, resolve, tmp, store, policy, clips=clips, ready=ctx.assets.exists
                )
            if audio and all(ctx.assets.exists(k) for k in audio_assets):
                mastered_audio(timeline, resolve, tmp / "audio", store)
                done["audio"] = True
    except (MediaError, NotFound, OSError) as err:
        log.warning("compose work ahead for job %s failed; compose will do it: %s", job_id, err)
    return done


def compose(
    ctx: StepContext, job_id: str, version: int | None = None, allow_noncompliant: bool | None = None
) -> dict[str, Any]:
    """Timeline → checked for compliance → one ffmpeg render → QC of the rendered file →
    version k: its output, poster, captions, compliance and QC reports, each under its own key.

    `version` None is the pipeline's first render; the API's re-compose passes the next version
    number. A timeline with compliance errors is not rendered, and a render that fails QC is not
    kept, unless `allow_noncompliant`, which the stored reports record. A refused compose makes
    no version: its reports are only the job's latest check (`compliance.json`, `qc.json`, marked
    `made: false`), and every earlier version keeps its own artefacts untouched.
    """
    from omnigen.media.compose import compose as render
    from omnigen.media.qc import inspect
    from omnigen.qc import qc_policy

    job = _job(ctx, job_id)
    keys = _keys(job)
    n = version or 1
    vk = keys.version(n)
    result = {"output": vk.output, "poster": vk.poster, "captions": vk.captions, "qc": vk.qc, "version": n}
    if ctx.assets.exists(vk.output) and ctx.assets.exists(vk.qc):
        made = json.loads(ctx.assets.get_bytes(vk.qc))
        _audit_render(ctx, job, n, json.loads(ctx.assets.get_bytes(vk.compliance)), made)
        return result
    if approved(ctx, job_id, n):
        raise StepFailed("compose", f"version {n} is approved and can never be rendered again; compose a new version")
    _check_cancel(ctx, job_id)
    allow = ctx.allow_noncompliant if allow_noncompliant is None else allow_noncompliant
    tracker = Tracker(ctx.jobs, job_id)
    tracker.start("compose", f"composing version {n}")
    loaded = load_draft(ctx, job)
    timeline = revoice(ctx, job, loaded.timeline, tracker)
    if timeline is not loaded.timeline:  # the draft names what its edited lines are now voiced with
        # Edited meanwhile (DraftStale): that edit stays; the next compose re-voices it, and the
        # same words reuse the take made now.
        with contextlib.suppress(draft.DraftStale):
            draft.update(ctx, job_id, lambda _: timeline, expected={loaded.revision})
    script = _load_script(ctx, keys)
    policy = load_policy(None)
    report = check_timeline(timeline, script, job.brief, policy)
    compliance = json.loads(report.to_json()) | {"version": n, "allow_noncompliant": bool(allow and report.errors)}
    compliance_html = report.to_html()
    if report.errors and not allow:
        _record_refused(ctx, job_id, n, timeline, "compliance", list(report.findings), compliance, None)
        raise ComplianceFailed(
            "compose",
            f"the timeline breaks {report.errors} compliance rule(s); fix it or re-compose with "
            "--allow-noncompliant (recorded in the report)",
            report.to_text(),
        )
    with ExitStack() as stack, ctx.scratch(job_id) as tmp:
        resolve = _resolver(ctx, stack)
        stack.enter_context(stop_when(lambda: ctx.is_cancelled(job_id)))  # a cancel kills ffmpeg at once
        qcp = qc_policy(policy)
        res = render(
            timeline,
            resolve,
            tmp,
            tmp / "output.mp4",
            progress=lambda f: tracker.tick("compose", 0.9 * f, f"rendering version {n}"),
            brand_name=job.brief.product.brand_name,
            qc_policy=qcp,
            store=AssetSegments(ctx, keys),
        )
        result |= {"mode": res.mode, "segments_reused": res.segments_reused, "segments_encoded": res.segments_encoded}
        tracker.tick("compose", 0.92, "checking the rendered file (QC)")
        qc = inspect(
            Path(res.output),
            timeline,
            job.brief,
            qcp,
            tmp / "qc",
            version=n,
            cards=res.cards,
        )
        qc.allow_noncompliant = bool(allow and qc.errors)
        if qc.errors and not allow:
            qc.made = False
            _record_refused(ctx, job_id, n, timeline, "qc", qc.findings, compliance, qc.to_dict())
            raise QcFailed(
                "compose",
                f"the rendered file fails {qc.errors} QC check(s) ({', '.join(sorted(qc.rule_ids()))}); fix the "
                "timeline or re-compose with --allow-noncompliant (recorded in the report)",
                qc.to_text(),
            )
        _check_cancel(ctx, job_id)  # nothing is published onto a job cancelled while it rendered
        compliance["made"] = True
        _put_json(ctx, vk.compliance, compliance)
        ctx.assets.put_bytes(vk.compliance_html, compliance_html.encode(), "text/html")
        _put_json(ctx, vk.qc, qc.to_dict())
        ctx.assets.put_bytes(vk.timeline, timeline.model_dump_json(indent=2).encode(), "application/json")
        ctx.assets.put_bytes(vk.qc_text, qc.to_text().encode(), "text/plain; charset=utf-8")
        ctx.assets.put_file(vk.poster, Path(res.poster), "image/jpeg")
        ctx.assets.put_bytes(vk.captions, res.captions.encode(), "text/vtt")
        ctx.assets.put_file(vk.output, Path(res.output), "video/mp4")  # last: its presence means the version is whole
        _put_json(ctx, keys.compliance, compliance)
        _put_json(ctx, keys.qc, qc.to_dict())

    summary = compliance_summary(compliance)
    record = VersionRecord(
        version=n, created_at=now(), duration_s=res.duration_s, assets=vk.all(), compliance=summary, qc=qc.summary()
    )

    def keep(j: Job) -> None:
        if j.status == JobStatus.CANCELLED:  # cancelled after the last check: the job names none of it
            return
        j.assets.update(
            output=vk.output,
            poster=vk.poster,
            captions=vk.captions,
            timeline=j.draft.key if j.draft else keys.timeline,
            compliance=keys.compliance,
            qc=keys.qc,
        )
        j.renders = max(j.renders, n)
        j.refusal = None
        j.compliance = summary
        j.qc = qc.summary()
        j.record_version(record)

    ctx.jobs.update(job_id, keep)
    _audit_render(ctx, job, n, compliance, qc.to_dict())
    verdict = "QC passed" if qc.passed else f"QC errors allowed ({qc.errors})"
    tracker.done("compose", f"version {n} rendered, {verdict}", asset=vk.output)
    return result


def compliance_summary(compliance: dict[str, Any]) -> dict[str, Any]:
    """What a job record and a version record keep of a compose's compliance report (as stored)."""
    return {k: compliance[k] for k in ("errors", "warnings", "allow_noncompliant")}


def _audit_render(ctx: StepContext, job: Job, n: int, compliance: dict[str, Any], qc: dict[str, Any]) -> None:
    errors = {"compliance": int(compliance.get("errors", 0)), "qc": int(qc.get("errors", 0))}
    override = bool(compliance.get("allow_noncompliant") or qc.get("allow_noncompliant"))
    record_render(ctx, job.job_id, job.user_id, n, errors, override)


def timeline_digest(timeline: Timeline) -> str:
    """What names a draft's content (a refusal holds for this draft and no other)."""
    return hashlib.sha256(timeline.model_dump_json().encode()).hexdigest()


def _record_refused(
    ctx: StepContext,
    job_id: str,
    n: int,
    timeline: Timeline,
    check: Literal["compliance", "qc"],
    findings: list[Finding],
    compliance: dict[str, Any],
    qc: dict[str, Any] | None,
) -> None:
    """Keep a refused compose as a finding of the draft (`Job.refusal`, its full reports under
    `refused`), never as a report of a version: the job's reports stay the last made version's."""
    keys = _keys(_job(ctx, job_id))
    errors = [f for f in findings if f.severity == "error"]
    rules = ", ".join(sorted({f.rule for f in errors}))
    what = "The rendered file fails QC" if check == "qc" else "The edit breaks compliance rules"
    first = errors[0] if errors else None
    todo = f" First: {first.message}{' ' + first.fix if first.fix else ''}" if first else ""
    message = f"{what} ({rules}).{todo} Fix the draft and compose again; the earlier versions are unchanged."
    _put_json(ctx, keys.refused, {"version": n, "check": check, "compliance": compliance | {"made": False}, "qc": qc})
    refusal = ComposeRefusal(
        version=n,
        at=now(),
        check=check,
        message=message,
        findings=[f.to_dict() | {"fix": f.fix} for f in errors],
        timeline_sha256=timeline_digest(timeline),
    )
    ctx.jobs.update(job_id, lambda j: setattr(j, "refusal", refusal))


def compose_version(ctx: StepContext, job_id: str, version: int) -> dict[str, Any]:
    """Render a new version of a finished job's saved timeline (the API's re-compose, whichever
    runner serves it). A failure is reported on the compose track and in the result, and leaves
    the finished job and its earlier versions as they were: the caller is a background worker or
    an asynchronous Lambda invocation, with nobody waiting to be told otherwise."""
    try:
        return compose(ctx, job_id, version=version)
    except Exception as err:
        _drop_unmade(ctx, job_id, version)
        error = error_of("compose", err)
        job = ctx.jobs.get(job_id)
        refused = job.refusal if job and isinstance(err, (ComplianceFailed, QcFailed)) else None
        Tracker(ctx.jobs, job_id).failed("compose", refused.message if refused else error["message"])
        return {"error": error}


def _drop_unmade(ctx: StepContext, job_id: str, version: int) -> None:
    """A compose that failed part-way (a full disk, a lost store) may have written some of its
    version's artefacts: remove them, so no report is left for a version that was not made."""
    job = ctx.jobs.get(job_id)
    if job is None or any(v.version == version for v in job.versions):
        return
    for key in _keys(job).version(version).all().values():
        if ctx.assets.exists(key):
            ctx.assets.delete(key)
