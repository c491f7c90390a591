"""Scene schedule: which scenes must wait for the previous scene's last frame.

A scene that continues the previous shot starts on that shot's last frame, so it cannot start
before the previous scene is rendered. Scenes that do not continue start at once. The schedule
is therefore a list of chains: scenes inside a chain run in order, chains run side by side under
a concurrency limit. The longest chain is the critical path.

`keyframes` removes the waiting: one still per cut is drawn first (seconds, all at once), every
scene starts on its own keyframe and, where the video model takes an end frame, ends on the next
scene's keyframe when that cut must match — so no scene waits for another. A video model without
an end frame gets the hybrid: the cuts the script marks continuous (`continues_previous`) are
chained as in `auto`, and every chain's first scene starts on its keyframe. `auto` becomes
`keyframes` when the video model takes an end frame (`resolve`). "Takes an end frame" is the
deployment's: the configured model's own input or its end-frame companion's
(`omnigen.video_models.VideoSetup.end_frame`, read through `providers.ports.takes_end_frame`).
"""

from __future__ import annotations

import heapq

from omnigen.script import Script

MODES = ("auto", "chain", "parallel", "keyframes")


def resolve(continuity: str, end_frames: bool) -> str:
    """The mode a job runs: `auto` is `keyframes` when the video model takes an end frame (every
    marked cut then matches without waiting), else `auto` (the marked cuts are chained)."""
    if continuity not in MODES:
        raise ValueError(f"continuity must be one of {', '.join(MODES)}, not {continuity!r}")
    return "keyframes" if continuity == "auto" and end_frames else continuity


def links(script: Script, continuity: str, end_frames: bool = False) -> list[bool]:
    """For each scene, whether it starts on the previous scene's last frame."""
    mode = resolve(continuity, end_frames)
    out = []
    for scene in script.scenes:
        if scene.index == 1 or mode == "parallel":
            out.append(False)
        elif mode == "chain":
            out.append(True)
        elif mode == "auto" or (mode == "keyframes" and not end_frames):  # the hybrid chains marked cuts
            out.append(scene.continues_previous)
        else:  # keyframes with end frames: nothing waits
            out.append(False)
    return out


def uses_keyframes(continuity: str, end_frames: bool) -> bool:
    return resolve(continuity, end_frames) == "keyframes"


def keyframe_scenes(script: Script, continuity: str, end_frames: bool, start_frames: bool = False) -> list[int]:
    """The scenes that need a keyframe: each scene's own start (a scene chained onto its previous
    scene starts on that scene's last frame instead), and each end frame's next scene. In modes
    other than `keyframes` none does — except with a video model whose schema requires a start
    frame (`start_frames`: Kling v2.1), where every scene that does not start on the previous
    one's last frame starts on its keyframe (or the product image the keyframe step fits)."""
    if not uses_keyframes(continuity, end_frames) and not start_frames:
        return []
    linked = links(script, continuity, end_frames)
    need = {s.index for s, lk in zip(script.scenes, linked, strict=True) if not lk}
    need |= {i + 1 for i in range(1, len(script.scenes) + 1) if end_keyframe(script, continuity, end_frames, i)}
    return sorted(need)


def end_keyframe(script: Script, continuity: str, end_frames: bool, index: int) -> int | None:
    """The scene whose keyframe ends scene `index` (so the cut into it matches), or None: only
    with an end-frame model in `keyframes` mode, and only into a scene that continues this one."""
    if not end_frames or not uses_keyframes(continuity, end_frames) or index >= len(script.scenes):
        return None
    return index + 1 if script.scene(index + 1).continues_previous else None


def chains(script: Script, continuity: str, end_frames: bool = False) -> list[list[int]]:
    """Scene indices grouped into chains, in script order."""
    groups: list[list[int]] = []
    for scene, linked in zip(script.scenes, links(script, continuity, end_frames), strict=True):
        if linked:
            groups[-1].append(scene.index)
        else:
            groups.append([scene.index])
    return groups


def critical_path_s(
    script: Script, continuity: str, per_scene_s: dict[int, float] | None = None, end_frames: bool = False
) -> float:
    """Length of the longest chain, in render seconds (defaults to the scenes' own durations)."""
    cost = per_scene_s or {s.index: s.duration_s for s in script.scenes}
    return max(sum(cost[i] for i in chain) for chain in chains(script, continuity, end_frames))


def lower_bound_s(chain_costs: list[float], slots: int, held: bool = False) -> float:
    """A lower bound on the wall time to run chains on `slots` workers: the longest chain, or the
    total work spread over every worker, whichever is larger.

    `held`: each chain holds its slot from its first scene to its last (as the runners run them),
    so with more chains than slots two of the `slots + 1` longest share a slot, one after the
    other: the wall is at least the two shortest of those together. Five 9 s takes on 3 slots
    take 18 s, not the 15 s the spread says (any schedule that splits a chain could do better,
    hence the flag)."""
    if not chain_costs:
        return 0.0
    n = max(1, slots)
    bound = max(max(chain_costs), sum(chain_costs) / n)
    if held and len(chain_costs) > n:
        longest = sorted(chain_costs, reverse=True)
        bound = max(bound, longest[n - 1] + longest[n])
    return bound


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


def previous_scene(script: Script, continuity: str, index: int, end_frames: bool = False) -> int | None:
    """The scene whose last frame seeds `index`, or None when it starts fresh (or on its keyframe)."""
    return index - 1 if links(script, continuity, end_frames)[index - 1] else None
