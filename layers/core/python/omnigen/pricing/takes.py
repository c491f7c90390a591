"""What regenerating scenes costs, shown before it runs: one clip per scene rendered again, billed
and timed as the pipeline's own scenes are (`estimate.py`), in order (a re-seeded chain renders
one scene after the other). A take that ends on the next take's keyframe is priced at the model
that renders it (the end-frame companion when the video model has no end-frame input)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from pydantic import BaseModel

from omnigen.pricing.table import load_prices
from omnigen.video_models import video_setup


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


def take_estimate(
    durations: dict[int, float],
    provider: str,
    pixels: float,
    models: Mapping[str, str] | None = None,
    ends: Collection[int] = (),
) -> TakeEstimate:
    """`durations`: scene → length, in render order; `pixels`: the output's area relative to 1080p;
    `models`: the configured models (`Settings.models`: the video model and its end-frame
    companion), else the table's defaults; `ends`: the takes that end on the next keyframe."""
    table = load_prices()
    pipe = table.pipeline
    if provider == "replicate":
        setup = video_setup({**(models or {}), "video": (models or {}).get("video") or table.model_for("video")})
        renders = {i: setup.renders(i in ends) for i in durations}
        clips = {i: setup.spec.clip_for(d) for i, d in durations.items()}
        billed = float(sum(clips.values()))
        usd = sum(table.price(renders[i]).cost(c) for i, c in clips.items())
        seconds = sum(
            table.price(renders[i]).latency(c) + pipe.download_s + pipe.frame_and_store_s for i, c in clips.items()
        )
        model = " + ".join(setup.used(renders.values()))
        grid = "/".join(str(g) for g in setup.clip_seconds)
        detail = f"{len(clips)} clip(s), {billed:g} s billed on {grid} s clip lengths"
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
