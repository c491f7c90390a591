"""Scenes on a Replicate video model described in `omnigen.video_models` (Kling v2.5 Turbo Pro by
default, Kling v2.1 in pro mode where the cuts must match without waiting; OMNIGEN_MODEL_VIDEO),
and on its end-frame companion (OMNIGEN_MODEL_VIDEO_END_FRAME, Kling v2.1 by default) for the
takes that must end on the next keyframe when the configured model has no end-frame input: a
request with an end frame goes to the companion with the companion's own inputs, every other
request to the configured model. The billed call names the model that rendered it.

Both render clips of exactly 5 or 10 s, billed on that length, so each scene asks for the
shorter one that covers it and the timeline trims the rest. The start frame carries continuity:
the previous scene's last frame when the scene is chained, its keyframe, the product image where
the shot shows the product, else nothing and the scene starts from its text (the step chooses,
`SceneRequest.start_image`; a model whose schema requires a start frame is always given one by
the schedule). Where the model takes an end frame (its description's `end_input`), the next
scene's keyframe goes there. Kling ignores `aspect_ratio` when given a start image and follows
the image instead ("Ignored if start_image is provided"; v2.1 has no such input at all), so every
frame sent is first fitted to the ad's frame (`omnigen.images.fit_to_frame`: letterboxed, never
cropped, on its own border colour — a crop could cut the brand name off the pack). Neither model
takes a seed or guidance input, so none is sent.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from omnigen.images import fit_to_frame
from omnigen.media.ffmpeg import MediaError, probe
from omnigen.providers.ports import CallContext, KeyframeRequest, ProviderError, SceneRequest
from omnigen.providers.replicate.billing import bill
from omnigen.providers.replicate.client import ReplicateRunner, output_url
from omnigen.video_models import END_FRAME_KEY, NO_COMPANION, VideoModel, VideoSetup, video_model, video_setup

log = logging.getLogger(__name__)

MODEL = video_model().slug
PROMPT_MAX = 2500
NEGATIVE_PROMPT = (
    "on-screen text, captions, subtitles, watermark, logo, distorted packaging, misspelled labels, "
    "blurry, low quality, flicker, deformed hands, extra fingers, distorted faces"
)
"""Supers, the end card and the risk text are drawn by compose; text the model paints would be
illegible and unapproved, so it is kept out of the picture."""


def kling_prompt(req: SceneRequest | KeyframeRequest) -> str:
    """The text-to-video prompt: the shot, then the ad's style, the camera move and the mood."""
    scene = req.scene
    parts = [scene.shot.rstrip(". ") + "."]
    if req.style:
        parts.append(f"Style: {req.style.rstrip('. ')}.")
    if scene.camera and scene.camera != "static":
        parts.append(f"Camera: {scene.camera.rstrip('. ')}.")
    elif scene.camera == "static":
        parts.append("Camera: locked-off static shot.")
    if scene.mood and scene.mood != "neutral":
        parts.append(f"Mood: {scene.mood.rstrip('. ')}.")
    prompt = " ".join(parts)
    return prompt if len(prompt) <= PROMPT_MAX else prompt[:PROMPT_MAX].rsplit(" ", 1)[0]


class ReplicateSceneRenderer:
    """SceneRenderer port on one described video model (`omnigen.video_models`), with the takes
    that end on a keyframe on its end-frame companion when it has one."""

    def __init__(self, runner: ReplicateRunner, model: str = MODEL, end_frame_model: str | None = None):
        """`end_frame_model`: the companion (None: none). Refused (VideoSetupError) when it
        cannot serve `model`; ignored when `model` takes an end frame itself."""
        self.runner = runner
        self.model = model
        """As configured: `owner/name`, or a pinned `owner/name:version` of it."""
        self.setup: VideoSetup = video_setup({"video": model, END_FRAME_KEY: end_frame_model or NO_COMPANION})
        self.spec: VideoModel = self.setup.spec
        self.name = f"replicate:{model}" + (f"+{self.setup.end_frame_model}" if self.setup.end_frame_model else "")

    @property
    def clip_seconds(self) -> tuple[int, ...]:
        """The clip lengths the model makes, billed on the length asked (its `duration` enum)."""
        return self.spec.clip_seconds

    @property
    def end_frame(self) -> bool:
        """Whether a take can end on a given frame: the model's published schema has an end-frame
        input, or a companion's does (Kling v2.5 Turbo Pro's has none: without a companion,
        continuity `keyframes` runs its hybrid there)."""
        return self.setup.end_frame

    @property
    def start_frame_required(self) -> bool:
        return self.spec.start_required

    def model_for(self, req: SceneRequest) -> str:
        """The configured name of the model that renders `req`: the companion for a take that
        ends on a given frame when the configured model has no end-frame input, else the model."""
        return self.setup.renders(req.end_image is not None)

    def inputs(self, req: SceneRequest, work: Path | None = None) -> dict[str, Any]:
        """The prediction input for one scene on the model that renders it (`model_for`; no seed,
        no guidance: the models have neither). Frames are files (`Path`), fitted to the ad's
        frame in `work` when their shape differs."""
        model = self.model_for(req)
        spec, index = video_model(model), req.scene.index
        inputs: dict[str, Any] = {
            "prompt": kling_prompt(req),
            "negative_prompt": NEGATIVE_PROMPT,
            "duration": spec.clip_for(req.scene.duration_s),
            **spec.extras,
        }
        if spec.aspect_input:
            inputs[spec.aspect_input] = req.aspect_ratio
        if req.end_image is not None and spec.end_input is None:
            raise ProviderError(f"scene {index}: {model} takes no end frame; the schedule must not ask")
        if req.start_image is None and spec.start_required:
            raise ProviderError(
                f"scene {index}: {model} needs a start frame (its schema requires {spec.start_input}); "
                "the schedule must give every scene a keyframe or the previous scene's last frame"
            )
        frames = {spec.start_input: (req.start_image, "start"), spec.end_input: (req.end_image, "end")}
        for name, (frame, what) in frames.items():
            if name is None or frame is None:
                continue
            path = Path(frame)
            if not path.is_file():
                raise ProviderError(f"scene {index}: {what} image {path} does not exist")
            folder = work or path.parent
            inputs[name] = fit_to_frame(path, folder / f"{what}_{index}.jpg", req.width, req.height)
        return inputs

    def render(self, req: SceneRequest, out: Path, ctx: CallContext) -> Path:
        """Render the scene's clip to `out` (5 or 10 s; the timeline trims it to the scene)."""
        scene = req.scene
        model = self.model_for(req)
        inputs = self.inputs(req, out.parent)
        clip = inputs["duration"]
        if scene.duration_s > clip:
            log.warning(
                "scene %d lasts %.1f s but %s clips are at most %d s; the timeline must hold or slow the clip",
                scene.index,
                scene.duration_s,
                model,
                clip,
            )
        ending = " to the next keyframe" if req.end_image is not None else ""
        ctx.progress(0.02, f"{video_model(model).slug}: rendering a {clip} s clip{ending}")
        done = self.runner.run(model, inputs, ctx, what=f"rendering scene {scene.index}", slot="clip")
        self.runner.download(output_url(done.output, model), out, what=f"scene {scene.index}")
        bill(ctx, "video", done, clip)
        self._check_video(out, scene.index, done.id, model)
        return out

    @staticmethod
    def _check_video(path: Path, scene_index: int, prediction_id: str, model: str = MODEL) -> None:
        """Refuse a download that is not a video with a message naming the prediction. An MP4's
        `ftyp` box is enough (no ffmpeg run on the chained scenes' critical path); anything else
        is probed."""
        with path.open("rb") as f:
            if f.read(12)[4:8] == b"ftyp":
                return
        try:
            info = probe(path)
        except MediaError as err:
            raise ProviderError(
                f"{model} returned a file that is not a video for scene {scene_index} "
                f"(prediction {prediction_id}): {err.what}; try again.",
                retryable=True,
            ) from None
        if info.video is None:
            raise ProviderError(
                f"{model} returned no video stream for scene {scene_index} (prediction {prediction_id}); try again.",
                retryable=True,
            )
