"""Cost and time estimate for a brief, before anything is generated.

The prices and typical latencies live in `pricing.yaml` beside this module, so a change in
Replicate's prices is a configuration edit, not a code change; the Replicate adapters bill each
call from the same table, so the estimate and the recorded job cost cannot drift apart.

The time estimate follows the pipeline's own schedule: the script, then the scene chains (a chain
runs in order because each scene starts on the previous one's last frame; chains share the
scene-concurrency slots) side by side with the music and the voiceover (one request per line),
then the final render. Before a script exists, the scene plan is assumed from the brief's length.
"""

from __future__ import annotations

import heapq
import math
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from omnigen.brief import SHORT_SIDE, Brief
from omnigen.config import CAPABILITIES, ProviderSpec
from omnigen.pipeline.schedule import chains, lower_bound_s
from omnigen.script import Scene, Script

PRICING_FILE = Path(__file__).with_name("pricing.yaml")
KLING_CLIP_LENGTHS = (5, 10)


class ModelPrice(BaseModel):
    """What one model costs and how long one call usually takes."""

    model_config = ConfigDict(extra="forbid")

    unit: Literal["token", "video_second", "file", "thousand_characters"]
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
    return next((n for n in KLING_CLIP_LENGTHS if scene_s <= n + 1e-6), KLING_CLIP_LENGTHS[-1])


# --- the estimate -----------------------------------------------------------------------------


class EstimateLine(BaseModel):
    capability: str
    provider: str
    model: str
    quantity: float
    unit: str
    usd: float
    seconds: float
    """Expected wall time of this track (scenes: all chains under the concurrency limit)."""
    detail: str = ""


class Estimate(BaseModel):
    providers: str
    duration_s: float
    scenes: int
    continuity: str
    concurrency: int
    total_usd: float
    expected_seconds: float
    """Script, then the slowest of scenes / music / voiceover, then the final render."""
    critical_path: str
    lines: list[EstimateLine]
    assumptions: list[str] = Field(default_factory=list)


def planned_script(brief: Brief, plan: Plan | None = None) -> Script:
    """A stand-in script with the scene count, lengths and links an estimate assumes."""
    plan = plan or load_prices().plan
    n = round(brief.duration_s / plan.seconds_per_scene)
    n = max(plan.min_scenes, min(plan.max_scenes, n))
    base = round(brief.duration_s / n, 2)
    durations = [base] * (n - 1) + [round(brief.duration_s - base * (n - 1), 2)]
    scenes = [
        Scene(
            index=i + 1,
            duration_s=d,
            purpose="benefit",
            shot="planned",
            # `auto` follows the script; before one exists assume every second scene continues
            # the one before it (a two-shot move), the writer's usual pattern.
            continues_previous=i % 2 == 1,
        )
        for i, d in enumerate(durations)
    ]
    return Script(title="plan", scenes=scenes)


def _chain_wall_s(chain_costs: list[list[float]], slots: int) -> float:
    """Wall time of chains whose scenes each take a slot while they run (as the runner does):
    an event simulation, never below the schedule's lower bound."""
    if not chain_costs:
        return 0.0
    slots = max(1, slots)
    free_at = [0.0] * slots
    heapq.heapify(free_at)
    ready = [(0.0, i, 0) for i in range(len(chain_costs))]  # (ready time, chain, next scene)
    heapq.heapify(ready)
    end = 0.0
    while ready:
        t_ready, ci, si = heapq.heappop(ready)
        start = max(t_ready, heapq.heappop(free_at))
        finish = start + chain_costs[ci][si]
        heapq.heappush(free_at, finish)
        end = max(end, finish)
        if si + 1 < len(chain_costs[ci]):
            heapq.heappush(ready, (finish, ci, si + 1))
    return max(end, lower_bound_s([sum(c) for c in chain_costs], slots))


def _voice_lines(script: Script, plan: Plan) -> tuple[int, int]:
    """(lines, characters) the voiceover will send: from the script's own text when it has
    some, else from a calm read filling the ad."""
    text = " ".join(s.voiceover for s in script.scenes if s.voiceover)
    if text.strip():
        from omnigen.lines import split_lines

        lines = [ln for s in script.scenes for ln in split_lines(s.voiceover)]
        return len(lines), sum(len(ln) for ln in lines)
    words = script.duration_s * plan.words_per_second
    return max(1, math.ceil(script.duration_s / plan.seconds_per_line)), round(words * plan.characters_per_word)


def estimate(brief: Brief, providers_spec: ProviderSpec, concurrency: int, script: Script | None = None) -> Estimate:
    """Cost (USD) and expected wall time for `brief` with these providers and scene concurrency.

    `script`, when one exists already, replaces the assumed scene plan and voiceover length.
    """
    table = load_prices()
    plan, pipe, local = table.plan, table.pipeline, table.local
    planned = script is None
    script = script or planned_script(brief, plan)
    assumptions: list[str] = []
    if planned:
        assumptions.append(
            f"{len(script.scenes)} scenes of about {script.scenes[0].duration_s:g} s (the script decides the real plan)"
        )
        if brief.continuity == "auto":
            assumptions.append("continuity auto: every second scene assumed to continue the one before")
    lines: list[EstimateLine] = []
    kind = {c: getattr(providers_spec, c) for c in CAPABILITIES}
    rounds = 1 + pipe.compliance_retries_expected

    # script
    if kind["script"] == "replicate":
        model = table.model_for("script")
        price = table.price(model)
        tok_in = plan.script_input_tokens * rounds
        tok_out = plan.script_output_tokens_per_scene * len(script.scenes) * rounds
        lines.append(
            EstimateLine(
                capability="script",
                provider="replicate",
                model=model,
                quantity=tok_in + tok_out,
                unit="tokens",
                usd=price.cost(tok_in, tok_out),
                seconds=price.latency() * rounds,
                detail=f"{tok_in:,} in + {tok_out:,} out",
            )
        )
    else:
        lines.append(_local_line("script", 1, "script", local.script_s * rounds))

    # scenes
    pixels = (SHORT_SIDE[brief.resolution] / 1080) ** 2
    if kind["video"] == "replicate":
        model = table.model_for("video")
        price = table.price(model)
        clip = {s.index: kling_clip_seconds(s.duration_s) for s in script.scenes}
        per_scene = {i: price.latency(c) + pipe.download_s + pipe.frame_and_store_s for i, c in clip.items()}
        billed = sum(clip.values())
        usd = price.cost(billed)
        unit, quantity = "video seconds", float(billed)
        detail = f"{len(clip)} clips, {billed} s billed on 5/10 s clip lengths"
    else:
        model = "local"
        per_scene = {
            s.index: s.duration_s * local.scene_s_per_video_second * pixels + pipe.frame_and_store_s
            for s in script.scenes
        }
        usd, unit, quantity = 0.0, "scenes", float(len(script.scenes))
        detail = ""
    groups = chains(script, brief.continuity)
    scenes_s = _chain_wall_s([[per_scene[i] for i in g] for g in groups], concurrency)
    longest = max(len(g) for g in groups)
    detail = ", ".join(x for x in (detail, f"{len(groups)} chain(s), longest {longest}, {concurrency} at a time") if x)
    lines.append(
        EstimateLine(
            capability="video",
            provider=kind["video"],
            model=model,
            quantity=quantity,
            unit=unit,
            usd=usd,
            seconds=scenes_s,
            detail=detail,
        )
    )

    # music
    if kind["music"] == "replicate":
        model = table.model_for("music")
        price = table.price(model)
        lines.append(
            EstimateLine(
                capability="music",
                provider="replicate",
                model=model,
                quantity=1,
                unit="file",
                usd=price.cost(1),
                seconds=price.latency() + pipe.download_s,
            )
        )
    else:
        lines.append(_local_line("music", 1, "file", local.music_s))

    # voiceover: one request per line, in order
    n_lines, chars = _voice_lines(script, plan)
    if kind["voice"] == "replicate":
        model = table.model_for("voice")
        price = table.price(model)
        lines.append(
            EstimateLine(
                capability="voice",
                provider="replicate",
                model=model,
                quantity=chars,
                unit="characters",
                usd=price.cost(chars / 1000),
                seconds=n_lines * (price.latency() + pipe.download_s / 2),
                detail=f"{n_lines} lines",
            )
        )
    else:
        lines.append(_local_line("voice", n_lines, "lines", n_lines * local.voice_s_per_line))

    compose_s = brief.duration_s * pipe.compose_s_per_video_second * pixels
    lines.append(_local_line("compose", 1, "render", compose_s))

    by_cap = {ln.capability: ln for ln in lines}
    middle = max(("video", "music", "voice"), key=lambda c: by_cap[c].seconds)
    expected = by_cap["script"].seconds + by_cap[middle].seconds + compose_s
    total = round(sum(ln.usd for ln in lines), 4)
    for ln in lines:
        ln.usd = round(ln.usd, 4)
        ln.seconds = round(ln.seconds, 1)
    return Estimate(
        providers=str(providers_spec),
        duration_s=float(brief.duration_s),
        scenes=len(script.scenes),
        continuity=brief.continuity,
        concurrency=concurrency,
        total_usd=total,
        expected_seconds=round(expected, 1),
        critical_path=f"script → {'scenes' if middle == 'video' else middle} → compose",
        lines=lines,
        assumptions=assumptions,
    )


def _local_line(capability: str, quantity: float, unit: str, seconds: float) -> EstimateLine:
    return EstimateLine(
        capability=capability, provider="local", model="local", quantity=quantity, unit=unit, usd=0.0, seconds=seconds
    )


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def format_estimate(est: Estimate) -> str:
    """A plain-text table a person reads in a terminal or a log."""
    head = (
        f"Estimate: {est.duration_s:g} s ad, {est.scenes} scenes, continuity {est.continuity}, "
        f"providers {est.providers}, {est.concurrency} scene(s) at a time"
    )
    rows = [("track", "provider", "model", "quantity", "USD", "time", "")]
    for ln in est.lines:
        qty = f"{ln.quantity:,.0f} {ln.unit}"
        rows.append((ln.capability, ln.provider, ln.model, qty, f"${ln.usd:.4f}", _duration(ln.seconds), ln.detail))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    out = [head, ""]
    for r in rows:
        cells = [r[i].ljust(widths[i]) if i != 4 else r[i].rjust(widths[i]) for i in range(6)]
        out.append("  ".join([*cells, r[6]]).rstrip())
    out.append("")
    out.append(f"total ${est.total_usd:.2f}, expected about {_duration(est.expected_seconds)} ({est.critical_path})")
    out.extend(f"assumes {a}" for a in est.assumptions)
    return "\n".join(out)
