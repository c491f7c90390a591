"""The price table: what each Replicate model costs per unit and how long a call usually takes,
the local providers' and the pipeline's own typical times, and the scene plan an estimate assumes
before a script exists.

The numbers live in `omnigen/pricing.yaml`, so a change in Replicate's prices is a configuration
edit, not a code change; the Replicate adapters bill each call from the same table (`call_cost`),
so the estimate and the recorded job cost cannot drift apart.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from omnigen.video_models import KLING_V25_TURBO_PRO, fit_clip

PRICING_FILE = Path(__file__).resolve().parents[1] / "pricing.yaml"
KLING_CLIP_LENGTHS = KLING_V25_TURBO_PRO.clip_seconds


class ModelPrice(BaseModel):
    """What one model costs and how long one call usually takes."""

    model_config = ConfigDict(extra="forbid")

    unit: Literal["token", "video_second", "file", "image", "thousand_characters"]
    usd_per_unit: float = 0.0
    input_usd_per_million: float = 0.0
    output_usd_per_million: float = 0.0
    latency_s: float = Field(ge=0)
    latency_s_per_unit: float = Field(0.0, ge=0)
    timeout_s: float = Field(gt=0)
    """Wall-time limit of one call, from create to the end (queueing included)."""

    def cost(self, quantity: float, output_quantity: float = 0.0) -> float:
        """USD for one call: tokens in/out for `token`, else `quantity` units."""
        if self.unit == "token":
            return (quantity * self.input_usd_per_million + output_quantity * self.output_usd_per_million) / 1e6
        return quantity * self.usd_per_unit

    def latency(self, quantity: float = 0.0) -> float:
        return self.latency_s + self.latency_s_per_unit * quantity


class ReplicatePrices(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: dict[str, str]
    prices: dict[str, ModelPrice]


class LocalTimes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    script_s: float
    scene_s_per_video_second: float
    music_s: float
    voice_s_per_line: float
    keyframe_s: float = 0.1


class PipelineTimes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    frame_and_store_s: float
    download_s: float
    compose_s_per_video_second: float
    compliance_retries_expected: int = 0


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds_per_scene: float = Field(gt=0)
    min_scenes: int = Field(ge=1)
    max_scenes: int = Field(ge=1)
    words_per_second: float = Field(gt=0)
    characters_per_word: float = Field(gt=0)
    seconds_per_line: float = Field(gt=0)
    script_input_tokens: int
    script_output_tokens_per_scene: int


class PriceTable(BaseModel):
    """The whole of `pricing.yaml`, checked once at load."""

    model_config = ConfigDict(extra="forbid")

    replicate: ReplicatePrices
    local: LocalTimes
    pipeline: PipelineTimes
    plan: Plan

    def price(self, model: str) -> ModelPrice:
        """The entry of `owner/name` (a pinned `owner/name:version` bills like its model)."""
        try:
            return self.replicate.prices[model.split(":", 1)[0]]
        except KeyError:
            raise KeyError(f"{model} has no price in {PRICING_FILE.name}; add it under replicate.prices") from None

    def model_for(self, capability: str) -> str:
        return self.replicate.models[capability]


@cache
def load_prices(path: Path = PRICING_FILE) -> PriceTable:
    """The price table (read once per process; it is configuration, not data)."""
    return PriceTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def call_cost(model: str, quantity: float, output_quantity: float = 0.0) -> float:
    """USD for one Replicate call, rounded to a hundredth of a cent (what the job records)."""
    return round(load_prices().price(model).cost(quantity, output_quantity), 6)


def kling_clip_seconds(scene_s: float) -> int:
    """The clip length to ask Kling for: the shortest of 5 or 10 s that covers the scene; a scene
    longer than 10 s still gets 10 s (the timeline holds the clip to the scene's length)."""
    return fit_clip(KLING_CLIP_LENGTHS, scene_s)
