"""A retried step resumes the prediction it started instead of paying for a second one; no wait
runs past the invocation's deadline (item 5); cancelling a job cancels the predictions kept with
it; the product image starts only the scenes that show the product (item 17); the risks are
read more slowly than the benefits on the production voice too (item 19)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import SHARED_BRIEFS
from fake_replicate import TOKEN, FakeReplicate
from fake_replicate import media as fake_media
from fake_replicate.testing import Recorder, png

from omnigen.brief import load_brief
from omnigen.config import load_settings
from omnigen.keys import JobKeys
from omnigen.lines import speaking_rate
from omnigen.media.ffmpeg import probe
from omnigen.pipeline import lifecycle, steps
from omnigen.pipeline.context import StepContext, local_context
from omnigen.pipeline.start_images import shows_product
from omnigen.providers.ports import CallContext, DeadlineReached, MemoryLedger, SceneRequest, VoiceRequest
from omnigen.providers.replicate.client import ReplicateRunner
from omnigen.providers.replicate.factory import build_replicate_providers
from omnigen.script import Scene, Script

KLING = "kwaivgi/kling-v2.5-turbo-pro"
BRIEF = SHARED_BRIEFS / "psoriasis_30s.yaml"


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate(scale=0.1) as f:
        yield f


def runner(fake: FakeReplicate) -> ReplicateRunner:
    return ReplicateRunner(TOKEN, fake.base_url, poll_interval_s=0.02, lookup_settle_s=0.05)


# --- the runner ------------------------------------------------------------------------------------


def test_a_wait_stops_at_the_deadline_and_the_retry_resumes_the_same_prediction(fake):
    fake.latency_s[KLING] = 30.0  # 3 s at this scale
    ledger = MemoryLedger()
    r = runner(fake)
    deadline = time.monotonic() + 0.3
    first = CallContext(job_id="j", slot="scene_1", ledger=ledger, deadline=deadline)
    with pytest.raises(DeadlineReached, match="keeps running") as err:
        r.run(KLING, {"prompt": "a rose"}, first, what="scene 1", slot="clip")
    assert err.value.retryable and time.monotonic() - deadline < 1.0  # stopped at the deadline, not later
    (pred,) = fake.created(KLING)
    assert pred.status in ("starting", "processing")  # left running, not cancelled
    assert ledger.recall("scene_1/clip").id == pred.id
    retry = CallContext(job_id="j", slot="scene_1", ledger=ledger)  # a new process, the same job record
    done = runner(fake).run(KLING, {"prompt": "a rose"}, retry, what="scene 1", slot="clip")
    assert done.id == pred.id and len(fake.created(KLING)) == 1 and fake.count("POST", r".*/predictions") == 1


def test_a_create_retry_that_would_outlast_the_run_is_left_to_the_retry(fake):
    fake.throttle_next(1, retry_after="30")
    r = runner(fake)
    ctx = CallContext(slot="scene_1", deadline=time.monotonic() + 2)
    with pytest.raises(DeadlineReached, match="nothing was started"):
        r.run(KLING, {"prompt": "a rose"}, ctx, what="scene 1")
    assert time.monotonic() < ctx.deadline and fake.created() == []


def test_a_changed_request_is_not_resumed(fake):
    ledger = MemoryLedger()
    ctx = CallContext(slot="scene_1", ledger=ledger)
    a = runner(fake).run(KLING, {"prompt": "a rose"}, ctx, what="scene 1", slot="clip")
    b = runner(fake).run(KLING, {"prompt": "a tulip"}, ctx, what="scene 1", slot="clip")
    same = runner(fake).run(KLING, {"prompt": "a tulip"}, ctx, what="scene 1", slot="clip")
    assert a.id != b.id and same.id == b.id and len(fake.created(KLING)) == 2


def test_a_failed_prediction_is_not_resumed_but_made_again(fake):
    ledger = MemoryLedger()
    ctx = CallContext(slot="music", ledger=ledger)
    fake.fail_next("minimax/music-2.6")
    inputs = {"prompt": "calm piano, instrumental", "is_instrumental": True}
    with pytest.raises(Exception, match="failed"):
        runner(fake).run("minimax/music-2.6", inputs, ctx, what="the bed")
    assert ledger.recall("music") is None
    runner(fake).run("minimax/music-2.6", inputs, ctx, what="the bed")
    assert [p.status for p in fake.created()] == ["failed", "succeeded"]


def test_a_resumed_prediction_keeps_counting_toward_its_models_timeout():
    with FakeReplicate(scale=1.0, latency_s={KLING: 100.0}) as fake:  # unscaled: Cancel-After (5 s) stays later
        ledger = MemoryLedger()
        r = ReplicateRunner(TOKEN, fake.base_url, poll_interval_s=0.02, timeouts_s={KLING: 1.5})
        ctx = CallContext(slot="s", ledger=ledger, deadline=time.monotonic() + 0.8)
        with pytest.raises(DeadlineReached):
            r.run(KLING, {"prompt": "slow"}, ctx, what="scene 1")
        t0 = time.monotonic()
        with pytest.raises(Exception, match=r"took longer than 1\.5 s"):
            r.run(KLING, {"prompt": "slow"}, CallContext(slot="s", ledger=ledger), what="scene 1")
        assert time.monotonic() - t0 < 1.2  # the 0.8 s already waited counted
        (pred,) = fake.created(KLING)
        assert pred.status == "canceled" and fake.count("POST", rf"/v1/predictions/{pred.id}/cancel") == 1


def test_the_lambda_deadline_is_its_remaining_time_less_a_margin():
    from lambdas import runtime

    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 900_000)
    deadline = runtime.deadline_of(context)
    assert deadline is not None
    assert abs(deadline - (time.monotonic() + 900 - runtime.DEADLINE_MARGIN_S)) < 1
    short = runtime.deadline_of(SimpleNamespace(get_remaining_time_in_millis=lambda: 30_000))
    assert short is not None and short - time.monotonic() == pytest.approx(22.5, abs=1)  # a quarter kept back
    assert runtime.deadline_of(object()) is None  # a context without the method: no deadline


# --- the pipeline ----------------------------------------------------------------------------------


def replicate_ctx(fake: FakeReplicate, home: Path) -> StepContext:
    """Kling v2.5 alone (its end-frame companion off): these steps run one at a time without the
    keyframe step, as `auto` did before the companion made it `keyframes` (tests/integration/
    test_keyframes.py runs the default deployment's keyframes and companion end to end)."""
    env = {
        "OMNIGEN_HOME": str(home),
        "OMNIGEN_PROVIDERS": "script=local,video=replicate,music=replicate,voice=replicate",
        "OMNIGEN_MODEL_VIDEO_END_FRAME": "none",
        "REPLICATE_API_TOKEN": TOKEN,
        "REPLICATE_BASE_URL": fake.base_url,
    }
    settings = load_settings(env=env)
    ctx = local_context(settings)
    remote = build_replicate_providers(TOKEN, fake.base_url, poll_interval_s=0.02, models=settings.models)
    ctx.providers.video, ctx.providers.music, ctx.providers.voice = remote.video, remote.music, remote.voice
    ctx.providers.cancel_prediction = remote.runner.cancel
    return ctx


def job_with_script(ctx: StepContext, scenes: list[Scene], image: Path | None = None) -> str:
    brief = load_brief(BRIEF)
    if image is not None:
        brief = brief.model_copy(update={"product": brief.product.model_copy(update={"image": str(image)})})
    job = lifecycle.create_job(ctx, "local", brief, local_files=True)  # a file path, as the CLI gives
    script = Script(title="t", scenes=scenes)
    ctx.assets.put_bytes(JobKeys(job.user_id, job.job_id).script, script.model_dump_json().encode())
    return job.job_id


def scene_cut_short(fake: FakeReplicate, home: Path, latency_s: float) -> tuple[StepContext, str]:
    """A one-scene job whose scene step ran out of time while Kling was still working."""
    fake.latency_s[KLING] = latency_s
    ctx = replicate_ctx(fake, home)
    job_id = job_with_script(ctx, [Scene(index=1, duration_s=5, purpose="hook", shot="A rose garden at dawn")])
    with pytest.raises(DeadlineReached):
        steps.render_scene(dataclasses.replace(ctx, deadline=time.monotonic() + 0.3), job_id, 1)
    return ctx, job_id


def test_a_retried_scene_step_resumes_its_prediction_and_bills_it_once(fake, tmp_path):
    ctx, job_id = scene_cut_short(fake, tmp_path / "home", 10.0)
    job = ctx.jobs.get(job_id)
    (pred,) = fake.created(KLING)
    assert job.predictions["scene_1/clip"].id == pred.id
    steps.render_scene(ctx, job_id, 1)  # the state machine's retry
    job = ctx.jobs.get(job_id)
    assert len(fake.created(KLING)) == 1
    assert [c["prediction_id"] for c in job.provider_calls] == [pred.id]
    assert job.predictions["scene_1/clip"].status == "succeeded"


def test_cancelling_a_job_cancels_the_prediction_no_step_waits_on(fake, tmp_path):
    ctx, job_id = scene_cut_short(fake, tmp_path / "home", 100.0)
    (pred,) = fake.created(KLING)
    assert pred.status in ("starting", "processing")
    lifecycle.cancel_job(ctx, job_id)
    assert pred.status == "canceled"


def test_a_job_failed_after_its_retries_cancels_what_still_runs(fake, tmp_path):
    ctx, job_id = scene_cut_short(fake, tmp_path / "home", 100.0)
    (pred,) = fake.created(KLING)
    lifecycle.fail_job(ctx, job_id, {"step": "render_scene", "message": "retries exhausted"})
    assert pred.status == "canceled"


def test_voice_lines_are_kept_per_line_and_risks_are_sent_slower_than_benefits(fake, tmp_path):
    ctx = replicate_ctx(fake, tmp_path / "home")
    scenes = [
        Scene(
            index=1,
            duration_s=8,
            purpose="benefit",
            shot="A garden",
            voiceover="Clearer skin can mean more days outside.",
        ),
        Scene(
            index=2,
            duration_s=10,
            purpose="major_statement",
            shot="A porch",
            voiceover="Veltrexa can cause serious infections. Do not use it if you have an active infection.",
        ),
    ]
    job_id = job_with_script(ctx, scenes)
    steps.make_voiceover(ctx, job_id)
    sent = {p.input["text"]: p.input["speed"] for p in fake.created("minimax/speech-02-turbo")}
    benefit = sent["Clearer skin can mean more days outside."]
    risks = [v for t, v in sent.items() if t != "Clearer skin can mean more days outside."]
    assert benefit == pytest.approx(speaking_rate(False)) and risks
    assert all(r == pytest.approx(speaking_rate(True)) and r < benefit for r in risks)
    job = ctx.jobs.get(job_id)
    assert {k for k in job.predictions if k.startswith("voiceover/")} == {
        f"voiceover/line_{n}" for n in range(1, len(sent) + 1)
    }


def test_the_speech_model_reads_the_same_line_longer_at_the_major_statement_rate(fake, tmp_path):
    p = build_replicate_providers(TOKEN, fake.base_url, poll_interval_s=0.02, models={"voice": "minimax/speech-02-hd"})
    text = "Serious infections can happen while you take it."
    fast = p.voice.speak(VoiceRequest(text=text, rate=speaking_rate(False)), tmp_path / "a.wav", Recorder().ctx())
    slow = p.voice.speak(VoiceRequest(text=text, rate=speaking_rate(True)), tmp_path / "b.wav", Recorder().ctx())
    assert probe(slow).duration_s > probe(fast).duration_s * 1.15
    assert {x.input["speed"] for x in fake.created("minimax/speech-02-hd")} == {
        speaking_rate(False),
        speaking_rate(True),
    }
    p.runner.close()


# --- item 17: the product image only where the shot shows the product ------------------------------


class RecordingRenderer:
    """A SceneRenderer that keeps each request and writes a real little clip."""

    name = "recording"

    def __init__(self) -> None:
        self.requests: list[SceneRequest] = []

    def render(self, req: SceneRequest, out: Path, ctx: CallContext) -> Path:
        self.requests.append(req)
        out.write_bytes(fake_media.video("16:9", 5))
        return out


def test_only_scenes_that_show_the_product_start_on_the_product_image(tmp_path):
    ctx = local_context(load_settings(env={"OMNIGEN_HOME": str(tmp_path / "home"), "OMNIGEN_PROVIDERS": "local"}))
    recorder = RecordingRenderer()
    ctx.providers.video = recorder
    pack = png(tmp_path / "pack.png", (400, 400))
    scenes = [
        Scene(index=1, duration_s=5, purpose="hook", shot="A woman walks through her rose garden"),
        Scene(index=2, duration_s=5, purpose="benefit", shot="She laughs with friends", continues_previous=True),
        Scene(index=3, duration_s=5, purpose="brand_close", shot="The Veltrexa pen on a kitchen table"),
        Scene(index=4, duration_s=5, purpose="brand_close", shot="A calm lake", shows_product=True),
    ]
    job_id = job_with_script(ctx, scenes, pack)
    for n in (1, 2, 3, 4):
        steps.render_scene(ctx, job_id, n)
    starts = {r.scene.index: r.start_image for r in recorder.requests}
    product = recorder.requests[0].product_image
    assert starts[1] is None  # unchained, no product in the shot: from the text alone
    assert starts[2] is not None and starts[2] != product  # chained: the previous last frame
    assert starts[3] == product and starts[4] == product


@pytest.mark.parametrize(
    ("shot", "flag", "expected"),
    [
        ("A gardener smiles at her roses", None, False),
        ("Close-up of the injection pen in her hand", None, True),
        ("The Veltrexa carton on a shelf", None, True),
        ("A product shot on a clean table", None, True),
        ("Open sky over a penthouse terrace", None, False),
        ("A gardener smiles", True, True),
        ("The Veltrexa pack", False, False),
    ],
)
def test_what_counts_as_a_shot_of_the_product(shot, flag, expected):
    scene = Scene(index=1, duration_s=5, purpose="benefit", shot=shot, shows_product=flag)
    assert shows_product(scene, load_brief(BRIEF)) is expected
