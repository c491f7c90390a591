"""The pipeline steps. Each is a function of (context, job id[, input]) that reads and writes
assets through the store ports and returns a small JSON-able result: keys, never bytes.

Every step is idempotent: it first looks for what a previous run stored and reuses it. That is
what lets Step Functions retry a step and the local runner resume a killed job without redoing
finished work. The local runner and the Lambda handlers call exactly these functions. Creating,
retrying and ending a job are in `lifecycle.py`.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from omnigen.compliance import check_timeline, load_policy
from omnigen.job import Job, VersionRecord, now
from omnigen.keys import JobKeys
from omnigen.lines import speaking_rate, split_lines
from omnigen.media.ffmpeg import probe
from omnigen.pipeline.audit import record_render
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
    MusicRequest,
    SceneRequest,
    VoiceRequest,
    is_animatic,
)
from omnigen.schedule import chains, previous_scene
from omnigen.script import Scene, Script
from omnigen.store.ports import NotFound
from omnigen.timeline import Timeline

DECLICK_S = 0.02


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
    return Script.model_validate_json(ctx.assets.get_bytes(keys.script))


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
    links = sorted(chains(script, job.brief.continuity), key=lambda c: -sum(script.scene(i).duration_s for i in c))

    def record(j: Job) -> None:
        j.assets["script"] = keys.script

    ctx.jobs.update(job_id, record)
    tracker.done("script", f"script written: {len(script.scenes)} scenes, {script.duration_s:.0f} s")
    tracker.declare([f"scene_{s.index}" for s in script.scenes] + ["music", "voiceover", "compose"])
    return {"script": keys.script, "chains": links}


# --- scenes ----------------------------------------------------------------------------------


def render_scene(ctx: StepContext, job_id: str, scene_index: int) -> dict[str, Any]:
    """One scene → clip + its last frame. A chained scene starts on the previous scene's last
    frame; any other on the product image where its shot shows the product, else from its text."""
    job = _job(ctx, job_id)
    keys = _keys(job)
    track = f"scene_{scene_index}"
    clip, frame = keys.clip(scene_index), keys.last_frame(scene_index)
    result = {"clip": clip, "last_frame": frame}
    if ctx.assets.exists(clip) and ctx.assets.exists(frame):
        if job.tracks.get(track) is None or job.tracks[track].state != "done":
            Tracker(ctx.jobs, job_id).done(track, "ready", asset=frame)
        return result
    _check_cancel(ctx, job_id)
    script = _load_script(ctx, keys)
    scene = script.scene(scene_index)
    tracker = Tracker(ctx.jobs, job_id)
    tracker.start(track, f"rendering: {scene.shot[:80]}")
    prev = previous_scene(script, job.brief.continuity, scene_index)
    start = keys.last_frame(prev) if prev is not None else None
    call = tracker.call_context(track, lambda: ctx.is_cancelled(job_id), ctx.deadline)
    render_clip(ctx, job, script, scene, start, (clip, frame), job.brief.seed, call)
    tracker.done(track, "rendered", asset=frame)
    return result


def render_clip(
    ctx: StepContext,
    job: Job,
    script: Script,
    scene: Scene,
    start_frame: str | None,
    out: tuple[str, str],
    seed: int,
    call: CallContext,
) -> float:
    """Render `scene` into the store as (clip key, last-frame key), starting on the frame stored
    at `start_frame` when it is chained, else on the product image where the shot shows it.
    Returns the clip's length. The pipeline's scenes and every regenerated take render here."""
    from omnigen.media.frames import extract_last_frame

    brief = job.brief
    width, height = brief.output_size()
    clip, frame = out
    with ExitStack() as stack, ctx.scratch(job.job_id) as tmp:
        product = None
        if brief.product.image:
            product = stack.enter_context(ctx.assets.local_path(brief.product.image))
        start_image = product if product is not None and shows_product(scene, brief) else None
        if start_frame is not None:
            try:
                start_image = stack.enter_context(ctx.assets.local_path(start_frame))
            except NotFound:
                raise StepFailed(
                    f"scene_{scene.index}",
                    f"the frame scene {scene.index} continues from is missing ({start_frame.rsplit('/', 1)[-1]})",
                ) from None
        req = SceneRequest(
            scene=scene,
            style=brief.style,
            width=width,
            height=height,
            fps=24,
            seed=seed,
            scene_count=len(script.scenes),
            aspect_ratio=brief.aspect_ratio,
            start_image=start_image,
            product_image=product,
            brand_name=brief.product.brand_name,
        )
        rendered = ctx.providers.video.render(req, tmp / f"scene_{scene.index}.mp4", call)
        last = extract_last_frame(rendered, tmp / f"scene_{scene.index}_last.jpg")
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
    return result


# --- compose ---------------------------------------------------------------------------------


def load_timeline(ctx: StepContext, job: Job) -> Timeline:
    """The saved edit, or the first edit built from what the steps made (and then saved)."""
    keys = _keys(job)
    if ctx.assets.exists(keys.timeline):
        return Timeline.model_validate_json(ctx.assets.get_bytes(keys.timeline))
    script = _load_script(ctx, keys)
    lines = [SpokenLine.model_validate(x) for x in json.loads(ctx.assets.get_bytes(keys.voice_lines))]
    timeline = build_timeline(
        job.brief,
        script,
        keys,
        lines,
        music=ctx.assets.exists(keys.music),
        policy=load_policy(None),
        animatic=is_animatic(ctx.providers.video),
    )
    save_draft(ctx, keys, timeline)
    return timeline


def save_draft(ctx: StepContext, keys: JobKeys, timeline: Timeline) -> None:
    """The draft: the edit the next compose renders (each version keeps its own copy)."""
    ctx.assets.put_bytes(keys.timeline, timeline.model_dump_json(indent=2).encode(), "application/json")


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
    _check_cancel(ctx, job_id)
    allow = ctx.allow_noncompliant if allow_noncompliant is None else allow_noncompliant
    tracker = Tracker(ctx.jobs, job_id)
    tracker.start("compose", f"composing version {n}")
    timeline = load_timeline(ctx, job)
    voiced = revoice(ctx, job, timeline, tracker)
    if voiced is not timeline:  # the draft names what its edited lines are now voiced with
        save_draft(ctx, keys, voiced)
        timeline = voiced
    script = _load_script(ctx, keys)
    policy = load_policy(None)
    report = check_timeline(timeline, script, job.brief, policy)
    compliance = json.loads(report.to_json()) | {"version": n, "allow_noncompliant": bool(allow and report.errors)}
    compliance_html = report.to_html()
    if report.errors and not allow:
        _record_refused(ctx, job_id, keys, compliance, compliance_html, None)
        raise ComplianceFailed(
            "compose",
            f"the timeline breaks {report.errors} compliance rule(s); fix it or re-compose with "
            "--allow-noncompliant (recorded in the report)",
            report.to_text(),
        )
    with ExitStack() as stack, ctx.scratch(job_id) as tmp:
        paths: dict[str, Path] = {}

        def resolve(key: str) -> Path:
            if key not in paths:
                paths[key] = stack.enter_context(ctx.assets.local_path(key))
            return paths[key]

        qcp = qc_policy(policy)
        res = render(
            timeline,
            resolve,
            tmp,
            tmp / "output.mp4",
            progress=lambda f: tracker.tick("compose", 0.9 * f, f"rendering version {n}"),
            brand_name=job.brief.product.brand_name,
            qc_policy=qcp,
        )
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
            _record_refused(ctx, job_id, keys, compliance, compliance_html, qc.to_dict())
            raise QcFailed(
                "compose",
                f"the rendered file fails {qc.errors} QC check(s) ({', '.join(sorted(qc.rule_ids()))}); fix the "
                "timeline or re-compose with --allow-noncompliant (recorded in the report)",
                qc.to_text(),
            )
        compliance["made"] = True
        _put_json(ctx, vk.compliance, compliance)
        ctx.assets.put_bytes(vk.compliance_html, compliance_html.encode(), "text/html")
        _put_json(ctx, vk.qc, qc.to_dict())
        ctx.assets.put_bytes(vk.timeline, timeline.model_dump_json(indent=2).encode(), "application/json")
        ctx.assets.put_bytes(vk.qc_text, qc.to_text().encode(), "text/plain; charset=utf-8")
        ctx.assets.put_file(vk.poster, Path(res.poster), "image/jpeg")
        ctx.assets.put_bytes(vk.captions, res.captions.encode(), "text/vtt")
        ctx.assets.put_bytes(vk.timeline, timeline.model_dump_json(indent=2).encode(), "application/json")
        ctx.assets.put_file(vk.output, Path(res.output), "video/mp4")  # last: its presence means the version is whole
        _put_json(ctx, keys.compliance, compliance)
        _put_json(ctx, keys.qc, qc.to_dict())

    summary = {
        "errors": report.errors,
        "warnings": report.warnings,
        "allow_noncompliant": compliance["allow_noncompliant"],
    }
    record = VersionRecord(
        version=n, created_at=now(), duration_s=res.duration_s, assets=vk.all(), compliance=summary, qc=qc.summary()
    )

    def keep(j: Job) -> None:
        j.assets.update(
            output=vk.output,
            poster=vk.poster,
            captions=vk.captions,
            timeline=keys.timeline,
            compliance=keys.compliance,
            qc=keys.qc,
        )
        j.renders = max(j.renders, n)
        j.compliance = summary
        j.qc = qc.summary()
        j.record_version(record)

    ctx.jobs.update(job_id, keep)
    _audit_render(ctx, job, n, compliance, qc.to_dict())
    verdict = "QC passed" if qc.passed else f"QC errors allowed ({qc.errors})"
    tracker.done("compose", f"version {n} rendered, {verdict}", asset=vk.output)
    return result


def _audit_render(ctx: StepContext, job: Job, n: int, compliance: dict[str, Any], qc: dict[str, Any]) -> None:
    errors = {"compliance": int(compliance.get("errors", 0)), "qc": int(qc.get("errors", 0))}
    override = bool(compliance.get("allow_noncompliant") or qc.get("allow_noncompliant"))
    record_render(ctx, job.job_id, job.user_id, n, errors, override)


def _record_refused(
    ctx: StepContext,
    job_id: str,
    keys: JobKeys,
    compliance: dict[str, Any],
    compliance_html: str,
    qc: dict[str, Any] | None,
) -> None:
    """Keep a refused compose's reports as the job's latest check (never as a version's)."""
    _put_json(ctx, keys.compliance, compliance | {"made": False})
    ctx.assets.put_bytes(keys.compliance_html, compliance_html.encode(), "text/html")
    if qc is not None:
        _put_json(ctx, keys.qc, qc)

    def keep(j: Job) -> None:
        j.assets["compliance"] = keys.compliance
        if qc is not None:
            j.assets["qc"] = keys.qc

    ctx.jobs.update(job_id, keep)


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
        Tracker(ctx.jobs, job_id).failed("compose", error["message"])
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
