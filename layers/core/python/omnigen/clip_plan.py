"""Which scenes share one rendered clip, planned on the video model's clip grid (pure: no I/O).

Kling renders clips of exactly 5 or 10 s and bills the clip, so a script whose scenes last 1.4,
5.6 and 7.6 s bills 5 + 10 + 10 s for 14.6 s of picture. The plan cuts several short shots from
one clip instead: consecutive scenes form a group, the group is rendered once on the grid length
that best fits it, and the timeline takes each scene's stretch of that clip in turn (its
`in_s`/`out_s`). Where the budget needs a group to last longer than its clip, the clip's last
frame holds for the rest (compose pads a clip with its last frame), never more than
`MAX_HOLD_SHARE` of the group's last scene. Scene lengths, and so every cut, line and super of
the compliance timing, are left exactly as the writer planned them.

The plan minimises the held time subject to billed seconds ≤ `BUDGET` × the ad's length, then
prefers groups whose inner cuts the script marks continuous (one take flows on) and fewer hard
cuts inside a take. A renderer without a grid (the offline one) renders each scene on its own.
"""

from __future__ import annotations

import math
from functools import cache

from pydantic import BaseModel

from omnigen.schedule import chains, end_keyframe, keyframe_scenes, previous_scene
from omnigen.script import Scene, Script
from omnigen.video_models import fit_clip

BUDGET = 1.1
MAX_GROUP = 4
"""At most this many shots from one take."""
MAX_HOLD_SHARE = 0.45
"""The held tail is at most this share of the group's last scene."""
HARD_CUT_COST_S = 0.4
"""What a hard cut inside a take costs, in held seconds: a take flows on where the script cuts
to another shot, so such groups are taken only where they save hold or money."""


class ClipGroup(BaseModel):
    scenes: list[int]
    """Consecutive scene indices, the first one names the clip (`JobKeys.clip(head)`)."""
    seconds: int
    """The clip length asked of the model (and billed)."""
    offsets: dict[int, float]
    """Where each scene starts inside the clip."""
    content_s: float
    """The scenes' total length; above `seconds` the clip's last frame holds for the rest."""

    @property
    def head(self) -> int:
        return self.scenes[0]

    @property
    def held_s(self) -> float:
        return max(0.0, self.content_s - self.seconds)


class ClipPlan(BaseModel):
    groups: list[ClipGroup]

    @property
    def billed_s(self) -> int:
        return sum(g.seconds for g in self.groups)

    @property
    def held_s(self) -> float:
        return sum(g.held_s for g in self.groups)

    def group_of(self, scene: int) -> ClipGroup:
        return next(g for g in self.groups if scene in g.scenes)

    def heads(self) -> list[int]:
        return [g.head for g in self.groups]


def one_per_scene(script: Script, grid: tuple[int, ...] | None = None) -> ClipPlan:
    """Every scene its own clip: the shortest grid length that covers it (or its own length)."""
    groups = []
    for s in script.scenes:
        secs = fit_clip(grid, s.duration_s) if grid else math.ceil(s.duration_s)
        groups.append(ClipGroup(scenes=[s.index], seconds=secs, offsets={s.index: 0.0}, content_s=s.duration_s))
    return ClipPlan(groups=groups)


def plan_clips(script: Script, grid: tuple[int, ...] | None) -> ClipPlan:
    """The plan for `script` on `grid` (None: one clip per scene, nothing shared). When no plan
    fits the budget (a script of long shots), the budget grows a clip at a time."""
    if not grid:
        return one_per_scene(script)
    options = tuple(sorted(set(grid)))
    budget = math.floor(BUDGET * script.duration_s + 1e-6)
    for extra in range(0, max(options) * len(script.scenes) + 1, min(options)):
        cuts = _search(script, options, budget + extra)
        if cuts is not None:
            return _groups(script, cuts)
    return one_per_scene(script, options)


def _search(script: Script, options: tuple[int, ...], budget: int) -> tuple[tuple[int, int], ...] | None:
    """The groups ((end scene, clip seconds), ...) of least cost within `budget` billed seconds."""
    durations = [s.duration_s for s in script.scenes]
    cont = [s.continues_previous for s in script.scenes]
    n = len(durations)

    @cache
    def best(i: int, left: int) -> tuple[float, tuple[tuple[int, int], ...]] | None:
        if i == n:
            return 0.0, ()
        found: tuple[float, tuple[tuple[int, int], ...]] | None = None
        for j in range(i + 1, min(n, i + MAX_GROUP) + 1):
            content = sum(durations[i:j])
            if j - i > 1 and content - durations[j - 1] >= max(options):  # a shot past any clip's end
                break
            hard = sum(1 for k in range(i + 1, j) if not cont[k])
            for secs in options:
                held = max(0.0, content - secs)
                if secs > left or held > MAX_HOLD_SHARE * durations[j - 1] + 1e-6:
                    continue
                if j - i > 1 and content - durations[j - 1] >= secs:  # the last shot starts past the end
                    continue
                rest = best(j, left - secs)
                if rest is None:
                    continue
                cost = held + HARD_CUT_COST_S * hard + rest[0]
                if found is None or cost < found[0] - 1e-9:
                    found = (cost, ((j, secs), *rest[1]))
        return found

    result = best(0, budget)
    return None if result is None else result[1]


def _groups(script: Script, cuts: tuple[tuple[int, int], ...]) -> ClipPlan:
    groups, i = [], 0
    for j, secs in cuts:
        scenes = script.scenes[i:j]
        offsets, t = {}, 0.0
        for s in scenes:
            offsets[s.index] = round(t, 3)
            t += s.duration_s
        groups.append(ClipGroup(scenes=[s.index for s in scenes], seconds=secs, offsets=offsets, content_s=round(t, 3)))
        i = j
    return ClipPlan(groups=groups)


SHOT_MAX = 1200


def take_shot(script: Script, group: ClipGroup) -> str:
    """The prompt of a take that several shots are cut from: each shot in order with its length,
    so the model paces the take as the edit will use it."""
    if len(group.scenes) == 1:
        return script.scene(group.head).shot
    parts = [
        f"Shot {k} ({script.scene(i).duration_s:g} s): {script.scene(i).shot.rstrip('. ')}."
        for k, i in enumerate(group.scenes, 1)
    ]
    text = "One continuous take. " + " Then ".join(parts)
    return text if len(text) <= SHOT_MAX else text[:SHOT_MAX].rsplit(" ", 1)[0]


def unit_script(script: Script, plan: ClipPlan) -> Script:
    """The script of what is rendered: one scene per clip, numbered 1..G in order, so the schedule
    (`omnigen.schedule`) plans takes exactly as it plans scenes. A take lasts its clip (or its
    content when shorter), continues the previous take when its first shot does, and carries the
    first shot's camera and mood; a take holding any of the major statement is calm like it."""
    scenes = []
    for k, g in enumerate(plan.groups, 1):
        head = script.scene(g.head)
        purposes = [script.scene(i).purpose for i in g.scenes]
        scenes.append(
            head.model_copy(
                update={
                    "index": k,
                    "duration_s": round(min(g.content_s, g.seconds), 3),
                    "shot": take_shot(script, g),
                    "purpose": "major_statement" if "major_statement" in purposes else head.purpose,
                    "continues_previous": head.continues_previous and k > 1,
                    "voiceover": "",
                    "supers": [],
                }
            )
        )
    return script.model_copy(update={"scenes": scenes})


class Takes:
    """The schedule of the takes, in the script's own scene numbers: a take is named by its first
    scene (`JobKeys.clip(head)`, the `scene_<head>` track, `render_scene(head)`)."""

    def __init__(
        self,
        script: Script,
        grid: tuple[int, ...] | None,
        continuity: str,
        end_frames: bool,
        start_frames: bool = False,
    ):
        """`end_frames`: the video model takes an end frame; `start_frames`: it requires a start
        frame (`omnigen.video_models.VideoModel`), so every fresh take gets a keyframe."""
        self.script = script
        self.plan = plan_clips(script, grid)
        self.units = unit_script(script, self.plan)
        self.continuity = continuity
        self.end_frames = end_frames
        self.start_frames = start_frames
        self._heads = self.plan.heads()

    def _head(self, unit: int | None) -> int | None:
        return None if unit is None else self._heads[unit - 1]

    def _unit(self, head: int) -> int:
        return self._heads.index(head) + 1

    def chains(self) -> list[list[int]]:
        """Chains of takes, longest (by planned length) first: the order the runners start them."""
        groups = [[self._heads[u - 1] for u in c] for c in chains(self.units, self.continuity, self.end_frames)]
        return sorted(groups, key=lambda c: -sum(self.plan.group_of(h).content_s for h in c))

    def keyframes(self) -> list[int]:
        units = keyframe_scenes(self.units, self.continuity, self.end_frames, self.start_frames)
        return [self._heads[u - 1] for u in units]

    def previous(self, head: int) -> int | None:
        """The take whose last frame starts this one, or None."""
        return self._head(previous_scene(self.units, self.continuity, self._unit(head), self.end_frames))

    def end(self, head: int) -> int | None:
        """The take whose keyframe ends this one (an end-frame model, a continuous cut), or None."""
        return self._head(end_keyframe(self.units, self.continuity, self.end_frames, self._unit(head)))

    def unit(self, head: int) -> Scene:
        """What is rendered for the take `head`: its scene in `unit_script`, numbered as the head."""
        return self.units.scene(self._unit(head)).model_copy(update={"index": head})

    def members(self, head: int) -> list[int]:
        return self.plan.group_of(head).scenes
