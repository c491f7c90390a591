"""Regenerating a scene with the video on Replicate (the fake of its HTTP API, Kling's published
schema enforced): the take is one new Kling prediction of the clip-plan take the scene is cut
from, started on the previous take's last frame when the script chains them, billed on the take
and the job, kept beside take 1, and cut into every scene of the take in the draft."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_harness import small_brief
from conftest import SHARED_BRIEFS
from fake_replicate import TOKEN, FakeReplicate

from omnigen.brief import load_brief, parse_brief
from omnigen.config import load_settings
from omnigen.job import JobStatus
from omnigen.keys import JobKeys
from omnigen.pipeline.context import local_context
from omnigen.pipeline.launchers.threads import LocalRunner
from omnigen.pipeline.lifecycle import create_job
from omnigen.pipeline.steps import load_timeline, takes
from omnigen.pipeline.takes import TakeRequest, estimate, render_take, script_of, start_take

KLING = "kwaivgi/kling-v2.5-turbo-pro"
COMPANION = "kwaivgi/kling-v2.1"


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate(scale=0.2) as f:
        yield f


def _context(fake: FakeReplicate, tmp_path):  # type: ignore[no-untyped-def]
    """A local context with only the video on Replicate (the fake)."""
    settings = load_settings(
        {
            "OMNIGEN_HOME": str(tmp_path),
            "OMNIGEN_PROVIDERS": "script=local,video=replicate,music=local,voice=local",
            "REPLICATE_API_TOKEN": TOKEN,
            "REPLICATE_BASE_URL": fake.base_url,
            "REPLICATE_POLL_INTERVAL": "0.05",
        }
    )
    return local_context(settings)


def test_a_take_on_replicate_is_one_kling_prediction_from_the_chained_frame(fake, tmp_path):
    ctx = _context(fake, tmp_path)
    brief = parse_brief(small_brief(duration_s=20, continuity="chain"))
    job = LocalRunner(ctx, background=False).run(create_job(ctx, "local", brief).job_id)
    assert job.status == JobStatus.COMPLETED, job.error
    before = len(fake.created(KLING))
    # Scenes on Kling's clip grid: a take may hold several shots. Regenerate the last shot of the
    # first take that continues another one: the whole take it is cut from renders again.
    keys = JobKeys(job.user_id, job.job_id)
    plan = takes(ctx, job, script_of(ctx, job))
    head = next(h for h in plan.plan.heads() if plan.previous(h) is not None)
    asked = plan.members(head)[-1]
    req = TakeRequest(shot="the gardener laughs, roses in the foreground", reseed_following=False)
    cost = estimate(ctx, job, asked, req)
    assert cost.scenes == [head] and cost.model == KLING and cost.billed_seconds in (5.0, 10.0) and cost.usd > 0

    take = start_take(ctx, job, asked, req)
    assert take.scene_index == head
    result = render_take(ctx, job.job_id, head, take.take)
    assert "error" not in result, result
    made = fake.created(KLING)[before:]
    assert len(made) == 1 and "the gardener laughs" in made[0].input["prompt"], made[0].input
    assert made[0].input.get("start_image"), made[0].input  # chained: it starts on the previous take's last frame
    after = ctx.jobs.get(job.job_id)
    done = after.take(head, take.take)
    assert done.state == "done" and done.start_image == keys.last_frame(plan.previous(head))
    assert done.model == KLING  # no end frame: the configured model rendered it
    assert done.cost_usd > 0 and after.cost_usd == pytest.approx(job.cost_usd + done.cost_usd, abs=1e-4)
    assert ctx.assets.exists(done.clip) and ctx.assets.exists(keys.clip(head))
    # the draft cuts the new clip into every scene of the take, at the pipeline's in points
    draft = load_timeline(ctx, after)
    cut = [c for c in draft.clips if c.scene_index in plan.members(head)]
    assert cut and all(c.asset == done.clip for c in cut)
    assert render_take(ctx, job.job_id, head, take.take)["clip"] == done.clip  # idempotent: no second prediction
    assert len(fake.created(KLING)) == before + 1


def test_a_take_that_ends_on_the_next_keyframe_renders_on_the_companion_and_says_so(fake, tmp_path):
    """Continuity `keyframes` on the default video setup: a take before a continuous cut ends on
    the next take's keyframe, so its new take is a Kling v2.1 prediction (start and end image,
    pro mode) and the take's record names that model."""
    ctx = _context(fake, tmp_path)
    brief = load_brief(SHARED_BRIEFS / "psoriasis_30s.yaml").model_copy(
        update={"continuity": "keyframes", "resolution": "360p"}
    )  # the example marks some of its cuts continuous
    job = LocalRunner(ctx, background=False).run(create_job(ctx, "local", brief).job_id)
    assert job.status == JobStatus.COMPLETED, job.error
    plan = takes(ctx, job, script_of(ctx, job))
    head = next(h for h in plan.plan.heads() if plan.end(h) is not None)
    before = len(fake.created(COMPANION))
    take = start_take(ctx, job, head, TakeRequest(shot="the gardener turns to the light", reseed_following=False))
    result = render_take(ctx, job.job_id, head, take.take)
    assert "error" not in result, result
    made = fake.created(COMPANION)[before:]
    assert len(made) == 1 and made[0].input.get("end_image") and made[0].input.get("mode") == "pro", made[0].input
    done = ctx.jobs.get(job.job_id).take(head, take.take)
    assert done.state == "done" and done.model == COMPANION and done.cost_usd > 0
