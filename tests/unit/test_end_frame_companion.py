"""The end-frame companion (issue 15): on the default video model (Kling v2.5 Turbo Pro, no
end-frame input on Replicate) the takes that must end on the next keyframe go to a second
described model (Kling v2.1 by default), so `auto`/`keyframes` render every take at once. The
configuration refuses, at start and at synth, a companion that is undescribed, takes no end frame
or makes other clip lengths; `none` turns it off (the hybrid); a model that takes end frames
itself ignores it. The adapter sends each request to its model with that model's own inputs;
regenerating a take is priced at the model that renders it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_script
from PIL import Image

from omnigen import video_models
from omnigen.clip_plan import Takes
from omnigen.config import ConfigError, load_settings
from omnigen.pricing.takes import take_estimate
from omnigen.providers.ports import ProviderError, SceneRequest, clip_grid, needs_start_frame, takes_end_frame
from omnigen.providers.replicate.client import ReplicateRunner
from omnigen.providers.replicate.factory import build_replicate_providers, chosen_models
from omnigen.providers.replicate.video import ReplicateSceneRenderer
from omnigen.script import Scene
from omnigen.video_models import VideoModel, VideoSetupError, video_setup
from stacks import config as stack_config

V25, V21 = "kwaivgi/kling-v2.5-turbo-pro", "kwaivgi/kling-v2.1"
TOKEN_ENV = {"OMNIGEN_PROVIDERS": "replicate", "REPLICATE_API_TOKEN": "r8_x"}
# scene 1 → 2 continuous, 2 | 3 a hard cut, 3 → 4 → 5 continuous; each shot long enough for its own take
SCRIPT = make_script([False, True, False, True, True], [5, 10, 5, 5, 10])


def default_renderer() -> ReplicateSceneRenderer:
    """The video adapter as the factory builds it from the default settings."""
    providers = build_replicate_providers("r8_x", models=load_settings(TOKEN_ENV).models)
    providers.runner.close()
    return providers.video


def test_the_default_deployment_takes_end_frames_through_the_companion():
    video = default_renderer()
    assert (video.model, video.setup.end_frame_model) == (V25, V21)
    assert takes_end_frame(video) and not needs_start_frame(video) and clip_grid(video) == (5, 10)
    assert chosen_models({})["video_end_frame"] == V21


@pytest.mark.parametrize("mode", ["auto", "keyframes"])
def test_with_a_companion_every_take_starts_at_once_and_the_continuous_cuts_end_on_a_keyframe(mode):
    video = default_renderer()
    takes = Takes(SCRIPT, clip_grid(video), mode, takes_end_frame(video), needs_start_frame(video))
    assert takes.plan.heads() == [1, 2, 3, 4, 5]  # one take a shot: the schedule reads per scene
    assert takes.chains() and all(len(c) == 1 for c in takes.chains())
    assert takes.keyframes() == [1, 2, 3, 4, 5]
    assert {h: takes.end(h) for h in takes.plan.heads()} == {1: 2, 2: None, 3: 4, 4: 5, 5: None}
    # which model renders each: the companion exactly for the takes that end on a keyframe
    renders = {h: video.setup.renders(takes.end(h) is not None) for h in takes.plan.heads()}
    assert renders == {1: V21, 2: V25, 3: V21, 4: V21, 5: V25}


def test_none_turns_the_companion_off_and_the_hybrid_chains_the_continuous_cuts():
    loaded = load_settings({**TOKEN_ENV, "OMNIGEN_MODEL_VIDEO_END_FRAME": "none"})
    providers = build_replicate_providers("r8_x", models=loaded.models)
    providers.runner.close()
    video = providers.video
    assert video.setup.end_frame_model is None and not takes_end_frame(video)
    takes = Takes(SCRIPT, clip_grid(video), "keyframes", takes_end_frame(video), needs_start_frame(video))
    assert sorted(takes.chains()) == [[1, 2], [3, 4, 5]]
    assert all(takes.end(h) is None for h in takes.plan.heads())
    assert stack_config.Settings(video_model_end_frame="none").video_model_end_frame == "none"


def test_a_model_that_takes_end_frames_itself_ignores_the_companion():
    setup = video_setup({"video": V21, "video_end_frame": V21})
    assert setup.end_frame_model is None and setup.ignored_end_frame_model == V21
    assert setup.end_frame and setup.renders(True) == V21 and setup.renders(False) == V21
    loaded = load_settings({**TOKEN_ENV, "OMNIGEN_MODEL_VIDEO": V21})
    assert "video_end_frame" not in chosen_models(loaded.models)


def test_an_undescribed_companion_is_refused_at_start_and_at_synth():
    with pytest.raises(ConfigError, match=r"OMNIGEN_MODEL_VIDEO_END_FRAME.*google/veo-3.*kwaivgi/kling-v2\.1.*'none'"):
        load_settings({**TOKEN_ENV, "OMNIGEN_MODEL_VIDEO_END_FRAME": "google/veo-3"})
    with pytest.raises(ConfigError, match="OMNIGEN_MODEL_VIDEO_END_FRAME"):
        build_replicate_providers("r8_x", models={"video_end_frame": "google/veo-3"})
    with pytest.raises(ValueError, match=r"cdk\.json context videoModelEndFrame.*google/veo-3"):
        stack_config.Settings.from_context({"videoModelEndFrame": "google/veo-3"}.get)


def test_a_companion_without_an_end_frame_is_refused():
    with pytest.raises(ConfigError, match=r"OMNIGEN_MODEL_VIDEO_END_FRAME.*takes no end frame"):
        load_settings({**TOKEN_ENV, "OMNIGEN_MODEL_VIDEO_END_FRAME": V25})
    with pytest.raises(ValueError, match=r"videoModelEndFrame.*takes no end frame"):
        stack_config.Settings(video_model_end_frame=V25)


def test_a_companion_on_another_clip_grid_is_refused(monkeypatch):
    """The one clip plan must hold for both models: a companion making 4/8 s clips is refused."""
    other = VideoModel(slug="acme/frames-4-8", clip_seconds=(4, 8), start_required=True, end_input="last_frame")
    monkeypatch.setitem(video_models.VIDEO_MODELS, other.slug, other)
    with pytest.raises(ConfigError, match=r"OMNIGEN_MODEL_VIDEO_END_FRAME.*4/8 s clips.*5/10 s"):
        load_settings({**TOKEN_ENV, "OMNIGEN_MODEL_VIDEO_END_FRAME": other.slug})
    with pytest.raises(ValueError, match=r"videoModelEndFrame.*clip plan must hold for both"):
        stack_config.Settings(video_model_end_frame=other.slug)
    with pytest.raises(VideoSetupError):
        ReplicateSceneRenderer(ReplicateRunner("r8_x"), model=V25, end_frame_model=other.slug)


def _request(tmp_path: Path, end: bool) -> SceneRequest:
    frame = tmp_path / "frame.png"
    Image.new("RGB", (1280, 720), (200, 180, 160)).save(frame)
    scene = Scene(index=3, duration_s=7.0, purpose="benefit", shot="A gardener among roses")
    return SceneRequest(
        scene=scene, width=1280, height=720, aspect_ratio="16:9", start_image=frame, end_image=frame if end else None
    )


def test_each_request_goes_to_its_model_with_that_models_own_inputs(tmp_path):
    video = default_renderer()
    ending = video.inputs(_request(tmp_path, end=True), tmp_path)
    assert video.model_for(_request(tmp_path, end=True)) == V21
    assert set(ending) == {"prompt", "negative_prompt", "duration", "mode", "start_image", "end_image"}
    assert ending["mode"] == "pro" and ending["duration"] == 10
    plain = video.inputs(_request(tmp_path, end=False), tmp_path)
    assert video.model_for(_request(tmp_path, end=False)) == V25
    assert set(plain) == {"prompt", "negative_prompt", "duration", "aspect_ratio", "start_image"}


def test_without_a_companion_an_end_frame_request_is_refused(tmp_path):
    video = ReplicateSceneRenderer(ReplicateRunner("r8_x"), model=V25)
    with pytest.raises(ProviderError, match="takes no end frame"):
        video.inputs(_request(tmp_path, end=True), tmp_path)


def test_regenerating_takes_prices_each_at_the_model_that_renders_it():
    durations = {1: 7.0, 2: 4.0}  # a 10 s clip that ends on a keyframe, then a 5 s one that does not
    both = take_estimate(durations, "replicate", 1.0, {}, ends=[1])
    assert both.model == f"{V25} + {V21}" and both.billed_seconds == 15
    assert both.usd == pytest.approx(10 * 0.09 + 5 * 0.07)
    hybrid = take_estimate(durations, "replicate", 1.0, {"video_end_frame": "none"}, ends=[1])
    assert hybrid.model == V25 and hybrid.usd == pytest.approx(15 * 0.07)
