"""The cost and time estimate for a brief, before anything is generated.

The time follows the pipeline's own schedule (`omnigen.schedule`): the script, then the scene
chains (a chain runs in order because each scene starts on the previous one's last frame; chains
share the scene-concurrency slots) side by side with the music and the voiceover (one request per
line), then the final render. Before a script exists, the scene plan is assumed from the brief's
length. Prices and typical times come from the price table (`table.py`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pydantic import BaseModel, Field

from omnigen.brief import SHORT_SIDE, Brief
from omnigen.clip_plan import ClipGroup, Takes
from omnigen.config import CAPABILITIES, ProviderSpec
from omnigen.lines import split_lines
from omnigen.pricing.table import Plan, load_prices
from omnigen.script import Scene, Script
from omnigen.simulation import Latencies, simulate
from omnigen.video_models import video_setup


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
    generation_seconds: float = 0.0
    """The same without the final render: script start → the last take, music or voice done."""
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


def _voice_lines(script: Script, plan: Plan) -> tuple[int, int]:
    """(lines, characters) the voiceover will send: from the script's own text when it has
    some, else from a calm read filling the ad."""
    text = " ".join(s.voiceover for s in script.scenes if s.voiceover)
    if text.strip():
        lines = [ln for s in script.scenes for ln in split_lines(s.voiceover)]
        return len(lines), sum(len(ln) for ln in lines)
    words = script.duration_s * plan.words_per_second
    return max(1, math.ceil(script.duration_s / plan.seconds_per_line)), round(words * plan.characters_per_word)


def estimate(
    brief: Brief,
    providers_spec: ProviderSpec,
    concurrency: int,
    script: Script | None = None,
    models: Mapping[str, str] | None = None,
) -> Estimate:
    """Cost (USD) and expected wall time for `brief` with these providers and scene concurrency.

    `script`, when one exists already, replaces the assumed scene plan and voiceover length;
    `models` are the configured Replicate models (`Settings.models`, OMNIGEN_MODEL_*), each
    priced instead of the table's default — the video model (with its end-frame companion,
    `video_end_frame`) also sets the clip grid and whether the cuts can match without waiting,
    and each take is priced and timed at the model that renders it (`omnigen.video_models`).
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
    chosen = {c: (models or {}).get(c) or table.model_for(c) for c in CAPABILITIES}
    chosen["keyframes"] = table.model_for("keyframes")
    rounds = 1 + pipe.compliance_retries_expected

    # script
    if kind["script"] == "replicate":
        model = chosen["script"]
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

    # scenes: the takes the pipeline will render (the script on the model's clip grid), scheduled
    # as the runners schedule them, keyframes first when the mode draws them
    pixels = (SHORT_SIDE[brief.resolution] / 1080) ** 2
    remote = kind["video"] == "replicate"
    setup = video_setup({**(models or {}), "video": chosen["video"]})
    if remote:  # as the Replicate adapter schedules its models (`omnigen.video_models`)
        takes = Takes(script, setup.clip_seconds, brief.continuity, setup.end_frame, setup.start_required)
    else:  # the offline renderer renders any length and takes an end frame
        takes = Takes(script, None, brief.continuity, True)
    cut = takes.plan
    stills = takes.keyframes()
    keyframe_s = 0.0
    if remote:
        renders = {g.head: setup.renders(takes.end(g.head) is not None) for g in cut.groups}
        per_take = {
            g.head: table.price(renders[g.head]).latency(g.seconds) + pipe.download_s + pipe.frame_and_store_s
            for g in cut.groups
        }
        billed = cut.billed_s
        used = setup.used(renders.values())
        model = " + ".join(used)
        usd = sum(table.price(renders[g.head]).cost(g.seconds) for g in cut.groups)
        unit, quantity = "video seconds", float(billed)
        grid = "/".join(str(g) for g in setup.clip_seconds)
        detail = f"{len(cut.groups)} takes for {len(script.scenes)} scenes, {billed} s billed on {grid} s clip lengths"
        if len(used) > 1:
            detail += " (" + "; ".join(_takes_on(m, cut.groups, renders) for m in used) + ")"
        if stills:
            kf_model = chosen["keyframes"]
            kf_price = table.price(kf_model)
            keyframe_s = kf_price.latency() + pipe.download_s
            lines.append(
                EstimateLine(
                    capability="keyframes",
                    provider="replicate",
                    model=kf_model,
                    quantity=len(stills),
                    unit="images",
                    usd=kf_price.cost(len(stills)),
                    seconds=keyframe_s * math.ceil(len(stills) / max(1, concurrency)),
                    detail=f"one still per cut, {min(len(stills), concurrency)} at a time",
                )
            )
    else:
        model = "local"
        per_take = {
            g.head: g.content_s * local.scene_s_per_video_second * pixels + pipe.frame_and_store_s for g in cut.groups
        }
        usd, unit, quantity = 0.0, "scenes", float(len(script.scenes))
        detail = ""
        keyframe_s = local.keyframe_s if stills else 0.0
    timed = simulate(takes, concurrency, Latencies(script_s=0.0, scene_s=per_take, keyframe_s=keyframe_s))
    scenes_s = timed.scenes_end_s
    groups = takes.chains()
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
        model = chosen["music"]
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
        model = chosen["voice"]
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
    generation = by_cap["script"].seconds + by_cap[middle].seconds
    expected = generation + compose_s
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
        generation_seconds=round(generation, 1),
        critical_path=f"script → {'scenes' if middle == 'video' else middle} → compose",
        lines=lines,
        assumptions=assumptions,
    )


def _takes_on(model: str, groups: list[ClipGroup], renders: dict[int, str]) -> str:
    """`4 takes, 25 s on <model>`: what one of the video models renders of the plan."""
    mine = [g for g in groups if renders[g.head] == model]
    return f"{len(mine)} take(s), {sum(g.seconds for g in mine)} s on {model}"


def _local_line(capability: str, quantity: float, unit: str, seconds: float) -> EstimateLine:
    return EstimateLine(
        capability=capability, provider="local", model="local", quantity=quantity, unit=unit, usd=0.0, seconds=seconds
    )
