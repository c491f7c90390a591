"""Incremental compose in the pipeline: a whole offline job encodes each scene's picture
segment in its scene step and the mastered mix once voice and music are both there, so the
compose step joins what is stored; a re-compose of an unchanged timeline encodes nothing, and an
edit of one super re-encodes only the segments it is on. A take's segments encode off its model
slot: with one slot, the next take renders while the first's segments are still encoding."""

from __future__ import annotations

import threading

import pytest
from conftest import SHARED_BRIEFS

from omnigen.brief import load_brief
from omnigen.compliance import load_policy
from omnigen.config import load_settings
from omnigen.job import JobStatus
from omnigen.keys import JobKeys
from omnigen.media.compose import picture_segments
from omnigen.media.ffmpeg import probe
from omnigen.pipeline import draft, steps
from omnigen.pipeline.context import local_context
from omnigen.pipeline.launchers.threads import LocalRunner
from omnigen.pipeline.lifecycle import create_job
from omnigen.pipeline.steps import compose, load_timeline
from omnigen.qc import qc_policy


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(tmp_path_factory.mktemp("incremental"))}))
    # What is tested here is how the picture is made, not the verdict: a QC finding of the local
    # writer's script must not stop the versions being made.
    ctx.allow_noncompliant = True
    brief = load_brief(SHARED_BRIEFS / "psoriasis_30s.yaml").model_copy(update={"resolution": "360p"})
    job = LocalRunner(ctx).run(create_job(ctx, "local", brief).job_id)
    assert job.status == JobStatus.COMPLETED, job.error
    return ctx, job


def test_the_scene_steps_leave_every_segment_and_the_mix_for_compose(made, tmp_path):
    ctx, job = made
    keys = JobKeys(job.user_id, job.job_id)
    timeline = load_timeline(ctx, job)
    planned = picture_segments(timeline, qc_policy(load_policy(None)), tmp_path)
    stored = ctx.assets.list(keys.segment(""))
    assert len([k for k in stored if k.endswith(".mp4")]) == len(planned) > len(timeline.clips) - 1
    assert len([k for k in stored if k.endswith(".m4a")]) == 1
    with ctx.assets.local_path(keys.output(1)) as out:
        assert abs(probe(out, decode=True).duration_s - timeline.duration_s) <= 1 / timeline.output.fps + 0.02


def test_recompose_of_the_same_timeline_encodes_nothing(made):
    ctx, job = made
    res = compose(ctx, job.job_id, version=2)
    assert (res["mode"], res["segments_encoded"]) == ("segments", 0), res
    assert res["segments_reused"] > 0


def test_an_edited_super_reencodes_only_the_segments_it_is_on(made, tmp_path):
    ctx, job = made
    keys = JobKeys(job.user_id, job.job_id)
    timeline = load_timeline(ctx, job)
    k = next(i for i, t in enumerate(timeline.texts) if t.kind == "super")
    edited = timeline.model_copy(deep=True)
    edited.texts[k].text = edited.texts[k].text + " Today."
    draft.update(ctx, job.job_id, lambda _: edited)
    planned = picture_segments(edited, qc_policy(load_policy(None)), tmp_path)
    touched = [s for s in planned if any(o.text == k for o in s.overlays)]
    res = compose(ctx, job.job_id, version=3)
    assert (res["mode"], res["segments_encoded"]) == ("segments", len(touched)), res
    assert res["segments_reused"] == len(planned) - len(touched)
    with ctx.assets.local_path(keys.output(3)) as out:
        assert abs(probe(out, decode=True).duration_s - edited.duration_s) <= 1 / edited.output.fps + 0.02


def test_a_take_frees_its_slot_before_its_segments_encode(tmp_path, monkeypatch):
    """One scene slot, every take its own chain: the first take's segment encode waits until the
    next take has started rendering. Were the encode done in the slot, the next take could not
    start and the wait would time out. Compose then finds every segment made ahead."""
    env = {"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_MAX_CONCURRENT_SCENES": "1"}
    ctx = local_context(load_settings(env))
    ctx.allow_noncompliant = True
    brief = load_brief(SHARED_BRIEFS / "psoriasis_30s.yaml").model_copy(
        update={"resolution": "360p", "continuity": "parallel"}
    )
    rendered: list[int] = []
    next_take_started = threading.Event()
    waited: list[bool] = []
    composed: list[dict] = []
    render_take, encode_take, compose_step = steps.render_take, steps.encode_take, steps.compose

    def rendering(ctx, job_id, index):
        if rendered:
            next_take_started.set()
        rendered.append(index)
        return render_take(ctx, job_id, index)

    def encoding(ctx, job_id, index):
        if index == rendered[0]:
            waited.append(next_take_started.wait(60))
        return encode_take(ctx, job_id, index)

    def composing(ctx, job_id, *args, **kwargs):
        composed.append(compose_step(ctx, job_id, *args, **kwargs))
        return composed[-1]

    monkeypatch.setattr(steps, "render_take", rendering)
    monkeypatch.setattr(steps, "encode_take", encoding)
    monkeypatch.setattr(steps, "compose", composing)
    job = LocalRunner(ctx).run(create_job(ctx, "local", brief).job_id)
    assert job.status == JobStatus.COMPLETED, job.error
    assert len(rendered) > 1 and waited == [True]
    assert composed[0]["mode"] == "segments" and composed[0]["segments_encoded"] == 0, composed[0]
