"""Keyframes on `black-forest-labs/flux-schnell` (Replicate): one still per cut, in seconds.

Only the inputs its published schema declares are sent (tests/fixtures/replicate_schemas/):
the prompt (the shot, the ad's style, the camera and mood, with the words that keep text out of
the picture), `aspect_ratio` (the ad's: 16:9, 9:16 and 1:1 are all in its enum), the ad's one
`seed` for every keyframe so the look holds across scenes, `output_format: jpg` (what Kling's
`start_image` takes), one output, four steps (its maximum and recommendation), `go_fast` and one
megapixel. The model is text-to-image only: a scene that shows the product starts on the real
product image (the step fits it to the frame), never on a generated pack whose label would be
misspelled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omnigen.providers.ports import CallContext, KeyframeRequest
from omnigen.providers.replicate.billing import bill
from omnigen.providers.replicate.client import ReplicateRunner, output_url
from omnigen.providers.replicate.video import kling_prompt

MODEL = "black-forest-labs/flux-schnell"
NO_TEXT = "No text, no captions, no logos, no watermark."
SEED_MAX = 2**31 - 1


class FluxKeyframes:
    """KeyframeGenerator port on FLUX-schnell."""

    def __init__(self, runner: ReplicateRunner, model: str = MODEL):
        self.runner = runner
        self.model = model
        self.name = f"replicate:{model}"

    def inputs(self, req: KeyframeRequest) -> dict[str, Any]:
        prompt = f"Opening frame of a shot in a TV commercial. {kling_prompt(req)} {NO_TEXT}"
        return {
            "prompt": prompt,
            "aspect_ratio": req.aspect_ratio,
            "seed": req.seed % SEED_MAX,
            "num_outputs": 1,
            "num_inference_steps": 4,
            "output_format": "jpg",
            "output_quality": 90,
            "go_fast": True,
            "megapixels": "1",
        }

    def draw(self, req: KeyframeRequest, out: Path, ctx: CallContext) -> Path:
        ctx.progress(0.05, "drawing the keyframe")
        done = self.runner.run(self.model, self.inputs(req), ctx, what=f"keyframe {req.scene.index}", slot="keyframe")
        path = self.runner.download(output_url(done.output, self.model), out.with_suffix(".jpg"), what="a keyframe")
        bill(ctx, "keyframes", done, 1)
        return path
