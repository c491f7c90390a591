"""What regenerating scenes costs, shown before it runs: one clip per scene rendered again, billed
and timed as the pipeline's own scenes are (`estimate.py`), in order (a re-seeded chain renders
one scene after the other)."""

from __future__ import annotations

from pydantic import BaseModel

from omnigen.pricing.table import kling_clip_seconds, load_prices


class TakeEstimate(BaseModel):
    scenes: list[int]
    """The scenes that will be rendered again: the one asked for, then any re-seeded after it."""
    provider: str
    model: str
    billed_seconds: float
    """Video seconds the model bills (Kling on 5 or 10 s clips); 0 for the offline renderer."""
    usd: float
    expected_seconds: float
    detail: str


def take_estimate(durations: dict[int, float], provider: str, pixels: float) -> TakeEstimate:
    """`durations`: scene → length, in render order; `pixels`: the output's area relative to 1080p."""
    table = load_prices()
    pipe = table.pipeline
    if provider == "replicate":
        model = table.model_for("video")
        price = table.price(model)
        clips = {i: kling_clip_seconds(d) for i, d in durations.items()}
        billed = float(sum(clips.values()))
        usd = price.cost(billed)
        seconds = sum(price.latency(c) + pipe.download_s + pipe.frame_and_store_s for c in clips.values())
        detail = f"{len(clips)} clip(s), {billed:g} s billed on 5/10 s clip lengths"
    else:
        model, billed, usd = "local", 0.0, 0.0
        seconds = sum(
            d * table.local.scene_s_per_video_second * pixels + pipe.frame_and_store_s for d in durations.values()
        )
        detail = f"{len(durations)} clip(s) drawn offline, no charge"
    return TakeEstimate(
        scenes=list(durations),
        provider=provider,
        model=model,
        billed_seconds=billed,
        usd=round(usd, 4),
        expected_seconds=round(seconds, 1),
        detail=detail,
    )
