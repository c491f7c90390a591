"""Scenes on `kwaivgi/kling-v2.5-turbo-pro` (Replicate).

Kling renders clips of exactly 5 or 10 s, billed on that length, so each scene asks for the
shorter one that covers it and the timeline trims the rest. `start_image` carries continuity: the
previous scene's last frame when the scene is chained, the product image where the shot shows
the product, else nothing and the scene starts from its text (the step chooses,
`SceneRequest.start_image`). Kling ignores `aspect_ratio` when given a start image and follows
the image instead ("Ignored if start_image is provided"), so a start image of another shape is
first fitted to the ad's frame (`omnigen.images.fit_to_frame`: letterboxed, never cropped, on
its own border colour — a crop could cut the brand name off the pack). The model takes no seed or
guidance input, so none is sent.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from omnigen.images import fit_to_frame
from omnigen.media.ffmpeg import MediaError, probe
from omnigen.pricing import kling_clip_seconds
from omnigen.providers.ports import CallContext, KeyframeRequest, ProviderError, SceneRequest
from omnigen.providers.replicate.billing import bill
from omnigen.providers.replicate.client import ReplicateRunner, output_url

log = logging.getLogger(__name__)

MODEL = "kwaivgi/kling-v2.5-turbo-pro"
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


class KlingSceneRenderer:
    """SceneRenderer port on Kling v2.5 Turbo Pro."""

    clip_seconds = (5, 10)
    """The clip lengths Kling makes, billed on the length asked (its schema's `duration` enum)."""
    end_frame = False
    """Replicate's published schema for this model has no end-frame input (only `start_image`;
    see the fixture's `_source.end_frame`), so continuity `keyframes` runs its hybrid here."""

    def __init__(self, runner: ReplicateRunner, model: str = MODEL):
        self.runner = runner
        self.model = model
        self.name = f"replicate:{model}"

    def inputs(self, req: SceneRequest, work: Path | None = None) -> dict[str, Any]:
        """The prediction input for one scene (no seed, no guidance: the model has neither). A
        start image is a file (`Path`), fitted to the ad's frame in `work` when its shape differs."""
        inputs: dict[str, Any] = {
            "prompt": kling_prompt(req),
            "negative_prompt": NEGATIVE_PROMPT,
            "duration": kling_clip_seconds(req.scene.duration_s),
            "aspect_ratio": req.aspect_ratio,
        }
        if req.end_image is not None:
            raise ProviderError(f"scene {req.scene.index}: {self.model} takes no end frame; the schedule must not ask")
        if req.start_image is not None:
            start = Path(req.start_image)
            if not start.is_file():
                raise ProviderError(f"scene {req.scene.index}: start image {start} does not exist")
            folder = work or start.parent
            inputs["start_image"] = fit_to_frame(start, folder / f"start_{req.scene.index}.jpg", req.width, req.height)
        return inputs

    def render(self, req: SceneRequest, out: Path, ctx: CallContext) -> Path:
        """Render the scene's clip to `out` (5 or 10 s; the timeline trims it to the scene)."""
        scene = req.scene
        inputs = self.inputs(req, out.parent)
        clip = inputs["duration"]
        if scene.duration_s > clip:
            log.warning(
                "scene %d lasts %.1f s but Kling clips are at most %d s; the timeline must hold or slow the clip",
                scene.index,
                scene.duration_s,
                clip,
            )
        ctx.progress(0.02, f"Kling: rendering a {clip} s clip")
        done = self.runner.run(self.model, inputs, ctx, what=f"rendering scene {scene.index}", slot="clip")
        self.runner.download(output_url(done.output, self.model), out, what=f"scene {scene.index}")
        bill(ctx, "video", done, clip)
        self._check_video(out, scene.index, done.id)
        return out

    @staticmethod
    def _check_video(path: Path, scene_index: int, prediction_id: str) -> None:
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
                f"{MODEL} returned a file that is not a video for scene {scene_index} "
                f"(prediction {prediction_id}): {err.what}; try again.",
                retryable=True,
            ) from None
        if info.video is None:
            raise ProviderError(
                f"{MODEL} returned no video stream for scene {scene_index} (prediction {prediction_id}); try again.",
                retryable=True,
            )
