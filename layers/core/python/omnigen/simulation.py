"""The pipeline's schedule on a virtual clock (pure: no I/O, no sleeping).

The same plan the runners execute — `omnigen.schedule`'s chains and keyframes, chains longest
first, each chain holding one of the scene slots from its first scene to its last (as the local
runner's semaphore and the state machine's Map do) — timed with given latencies instead of run:

    script ─► [keyframes, all at once on the slots] ─► scene chains on the slots ─┐
           ├► music ────────────────────────────────────────────────────────────┼► wall
           └► voiceover ────────────────────────────────────────────────────────┘

`bench/pipeline.py --simulate` uses it with the seed's latencies to compare continuity modes;
the estimate uses it with the price table's typical latencies, so both time one schedule.
"""

from __future__ import annotations

import heapq
import math

from pydantic import BaseModel, Field

from omnigen.clip_plan import Takes
from omnigen.schedule import lower_bound_s


class Latencies(BaseModel):
    """Seconds each piece of work takes, from its start to its output being stored."""

    script_s: float = Field(ge=0)
    scene_s: dict[int, float]
    """Per take (by its first scene): the render, the download and the last-frame extraction."""
    music_s: float = Field(0.0, ge=0)
    voice_s: float = Field(0.0, ge=0)
    """The whole voiceover track (its lines one after another)."""
    keyframe_s: float = Field(0.0, ge=0)
    """One keyframe still (the image model's call and its download)."""


class Timing(BaseModel):
    """When each part of the pipeline ends, from the script's start (seconds)."""

    mode: str
    script_end_s: float
    keyframes_end_s: float
    scenes_end_s: float
    music_end_s: float
    voice_end_s: float
    wall_s: float
    chains: int
    keyframes: int
    lower_bound_s: float
    """The best any schedule of this plan can do: the script, the keyframes when the mode needs
    them, then the longest chain, the total scene work spread over the slots, music or voice."""


def chains_on_slots(chain_costs: list[float], slots: int, start_s: float = 0.0) -> float:
    """When the last of `chain_costs` ends when each chain holds one of `slots` from start to end,
    taken in the order given (the runners take them longest first)."""
    if not chain_costs:
        return start_s
    free = [start_s] * max(1, min(slots, len(chain_costs)))
    heapq.heapify(free)
    end = start_s
    for cost in chain_costs:
        begin = heapq.heappop(free)
        finish = begin + cost
        heapq.heappush(free, finish)
        end = max(end, finish)
    return end


def simulate(takes: Takes, slots: int, lat: Latencies) -> Timing:
    """The wall time of one job's generation (script start → last take, music or voice done) for
    the takes' plan (`omnigen.clip_plan.Takes`: the script on the model's clip grid, scheduled by
    the continuity for the model). `lat.scene_s` is keyed by each take's first scene."""
    t0 = lat.script_s
    stills = takes.keyframes()
    keyframes_end = t0 + (math.ceil(len(stills) / max(1, slots)) * lat.keyframe_s if stills else 0.0)
    groups = takes.chains()  # in the order write_script hands them out: the longest first
    costs = [sum(lat.scene_s[h] for h in g) for g in groups]
    scenes_end = chains_on_slots(costs, slots, keyframes_end)
    music_end, voice_end = t0 + lat.music_s, t0 + lat.voice_s
    wall = max(scenes_end, music_end, voice_end)
    spread = lower_bound_s(costs, slots, held=True)
    bound = t0 + max((keyframes_end - t0) + spread, lat.music_s, lat.voice_s)
    return Timing(
        mode=takes.continuity,
        script_end_s=t0,
        keyframes_end_s=keyframes_end,
        scenes_end_s=scenes_end,
        music_end_s=music_end,
        voice_end_s=voice_end,
        wall_s=wall,
        chains=len(groups),
        keyframes=len(stills),
        lower_bound_s=bound,
    )


SEED_SEED = 15
SEED_LATENCY_S = {"script": 60.0, "music": 60.0, "voice_line": 3.0, "keyframe": 3.0}
"""The seed's observed latencies (issue 15): the script about a minute, music about a minute, a
voice line a few seconds, a FLUX-schnell still a few seconds."""
SEED_TAKE_S = {5: (90.0, 135.0), 10: (135.0, 180.0)}
"""A Kling clip took 90–180 s in the seed's runs, the 10 s clips the slower half."""


def seed_latencies(takes: Takes, seed: int = SEED_SEED) -> Latencies:
    """The seed's latencies for these takes, each take's drawn from a fixed seed (in scene order,
    so every continuity mode of one script gets the same draws)."""
    import random

    from omnigen.lines import split_lines

    rng = random.Random(seed)
    scene_s = {}
    for g in takes.plan.groups:
        lo, hi = SEED_TAKE_S.get(g.seconds, (90.0, 180.0))
        scene_s[g.head] = rng.uniform(lo, hi)
    n_lines = sum(len(split_lines(s.voiceover)) for s in takes.script.scenes)
    return Latencies(
        script_s=SEED_LATENCY_S["script"],
        scene_s=scene_s,
        music_s=SEED_LATENCY_S["music"],
        voice_s=n_lines * SEED_LATENCY_S["voice_line"],
        keyframe_s=SEED_LATENCY_S["keyframe"],
    )
