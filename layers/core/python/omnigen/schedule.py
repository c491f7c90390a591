"""Scene schedule: which scenes must wait for the previous scene's last frame.

A scene that continues the previous shot starts on that shot's last frame, so it cannot start
before the previous scene is rendered. Scenes that do not continue start at once. The schedule
is therefore a list of chains: scenes inside a chain run in order, chains run side by side under
a concurrency limit. The longest chain is the critical path.
"""

from __future__ import annotations

import heapq

from omnigen.script import Script


def links(script: Script, continuity: str) -> list[bool]:
    """For each scene, whether it starts on the previous scene's last frame."""
    out = []
    for scene in script.scenes:
        if scene.index == 1 or continuity == "parallel":
            out.append(False)
        elif continuity == "chain":
            out.append(True)
        elif continuity == "auto":
            out.append(scene.continues_previous)
        else:
            raise ValueError(f"continuity must be auto, chain or parallel, not {continuity!r}")
    return out


def chains(script: Script, continuity: str) -> list[list[int]]:
    """Scene indices grouped into chains, in script order."""
    groups: list[list[int]] = []
    for scene, linked in zip(script.scenes, links(script, continuity), strict=True):
        if linked:
            groups[-1].append(scene.index)
        else:
            groups.append([scene.index])
    return groups


def critical_path_s(script: Script, continuity: str, per_scene_s: dict[int, float] | None = None) -> float:
    """Length of the longest chain, in render seconds (defaults to the scenes' own durations)."""
    cost = per_scene_s or {s.index: s.duration_s for s in script.scenes}
    return max(sum(cost[i] for i in chain) for chain in chains(script, continuity))


def lower_bound_s(chain_costs: list[float], slots: int) -> float:
    """A lower bound on the wall time to run chains on `slots` workers: the longest chain, or the
    total work spread over every worker, whichever is larger."""
    if not chain_costs:
        return 0.0
    return max(max(chain_costs), sum(chain_costs) / max(1, slots))


def wall_time_s(chain_costs: list[list[float]], slots: int) -> float:
    """Wall time of chains whose scenes each take a slot while they run (as the runners do):
    an event simulation of the schedule, never below `lower_bound_s`. `chain_costs[c][i]` is the
    time scene i of chain c takes."""
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


def previous_scene(script: Script, continuity: str, index: int) -> int | None:
    """The scene whose last frame seeds `index`, or None when it starts fresh."""
    return index - 1 if links(script, continuity)[index - 1] else None
