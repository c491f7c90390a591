"""Carrying a review comment onto the next version of an ad. A comment is pinned to a time range
of the version it was made on; after an edit (clips reordered, trimmed, lengthened, removed) the
next version's clock differs, so the range is mapped through the scenes: found in the clip that
showed it, as a moment of that scene's footage, and placed where the new timeline shows that
footage. A comment on a scene the new version no longer has is not carried (it is outdated, and
stays on the version it was made on). Pure: timelines in, an anchor or the reason out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from omnigen.timeline import TextItem, Timeline, VoiceLine

EPS = 1e-6


@dataclass(frozen=True)
class Anchor:
    """Where a comment sits on a version: its time range and, optionally, one timeline item."""

    at_s: float
    end_s: float | None = None
    item: str | None = None


@dataclass(frozen=True)
class Outdated:
    reason: str


@dataclass(frozen=True)
class _Spot:
    clip: int
    t: float


def _clip_at(tl: Timeline, t: float) -> int:
    """The clip on screen at `t` (in a dissolve, the one coming in; past the end, the last)."""
    starts = tl.clip_starts()
    return max((i for i, s in enumerate(starts) if s <= t + EPS), default=0)


def _source(tl: Timeline, clip: int, t: float) -> float:
    """The moment of the clip's scene footage shown at `t` (seconds into the rendered take)."""
    c = tl.clips[clip]
    return min(max(c.in_s + t - tl.clip_starts()[clip], c.in_s), c.out_s)


def _on_clip(tl: Timeline, clip: int, source: float) -> float:
    """The time `tl` shows moment `source` of the clip's footage (clamped into its window)."""
    c = tl.clips[clip]
    return tl.clip_starts()[clip] + min(max(source, c.in_s), c.out_s) - c.in_s


def _place(new: Timeline, scene: int, source: float) -> _Spot | None:
    """Where `new` shows moment `source` of `scene`: the first clip of that scene whose window
    holds it, else the nearest such clip with the moment clamped into it; None: no such scene."""
    clips = [i for i, c in enumerate(new.clips) if c.scene_index == scene]
    if not clips:
        return None
    best = min(clips, key=lambda i: (max(new.clips[i].in_s - source, source - new.clips[i].out_s, 0.0), i))
    return _Spot(best, _on_clip(new, best, source))


def _map(old: Timeline, new: Timeline, t: float) -> _Spot | None:
    clip = _clip_at(old, t)
    return _place(new, old.clips[clip].scene_index, _source(old, clip, t))


def carry(old: Timeline, new: Timeline, anchor: Anchor) -> Anchor | Outdated:
    """`anchor` on `old` mapped onto `new`, or why it cannot be (its scene was removed)."""
    at = min(max(anchor.at_s, 0.0), max(old.duration_s - EPS, 0.0))
    start_scene = old.clips[_clip_at(old, at)].scene_index
    pinned = _pinned_clip_scene(old, anchor.item)
    if pinned is not None and not any(c.scene_index == pinned for c in new.clips):
        return Outdated(f"scene {pinned}, which the comment is pinned to, is not in the new version")
    start = _map(old, new, at)
    if start is None:
        return Outdated(f"scene {start_scene}, where the comment sits, is not in the new version")
    end = None if anchor.end_s is None else _map_end(old, new, at, anchor.end_s, start)
    return Anchor(round(start.t, 3), None if end is None else round(end, 3), _item(old, new, anchor.item, start))


def _map_end(old: Timeline, new: Timeline, at: float, end_s: float, start: _Spot) -> float:
    """The range's end: within the start's clip when it ended in the same clip, else through its
    own scene, when that lands after the start (the range stayed in order). Otherwise (the range
    was trimmed away, or its scenes swapped) the original length, inside the start's new clip."""
    end_t = min(max(end_s, at), old.duration_s)
    inside = max(end_t - EPS, at)  # an end on a cut belongs to the clip before it
    old_clip = _clip_at(old, inside)
    if old_clip == _clip_at(old, at):
        mapped: float | None = _on_clip(new, start.clip, _source(old, old_clip, inside))
    else:
        spot = _map(old, new, inside)
        mapped = None if spot is None else spot.t
    if mapped is not None and mapped > start.t + EPS:
        return min(mapped + (end_t - inside), new.duration_s)
    clip_end = new.clip_starts()[start.clip] + new.clips[start.clip].duration_s
    return min(start.t + (end_t - at), clip_end, new.duration_s)


def _pinned_clip_scene(tl: Timeline, item: str | None) -> int | None:
    part, _, index = (item or "").partition(".")
    if part != "clips" or int(index) >= len(tl.clips):
        return None
    return tl.clips[int(index)].scene_index


def _item(old: Timeline, new: Timeline, item: str | None, start: _Spot) -> str | None:
    """The same item on `new`: a clip of the same scene; a text of the same kind with the same
    words (else the one of that kind on screen at the new time); a voice line of the same scene
    with the same words (else the one of that scene speaking then). None when there is none."""
    if item is None:
        return None
    part, _, raw = item.partition(".")
    index = int(raw)
    if part == "clips":
        scene = _pinned_clip_scene(old, item)
        if scene == new.clips[start.clip].scene_index:
            return f"clips.{start.clip}"
        return next((f"clips.{i}" for i, c in enumerate(new.clips) if c.scene_index == scene), None)
    if part == "texts" and index < len(old.texts):
        was = old.texts[index]
        return _match(part, new.texts, lambda x: x.kind == was.kind, lambda x: x.text == was.text, start.t)
    if part == "voice" and index < len(old.voice):
        line = old.voice[index]
        same_scene, same_words = (lambda v: v.scene_index == line.scene_index), (lambda v: v.text == line.text)
        return _match(part, new.voice, same_scene, same_words, start.t)
    return None


def _match(
    part: str,
    items: Sequence[TextItem] | Sequence[VoiceLine],
    alike: Callable[[Any], bool],
    same_words: Callable[[Any], bool],
    t: float,
) -> str | None:
    """Among the `alike` items, those with the same words, else those on at `t`; the nearest."""
    same = [i for i, x in enumerate(items) if alike(x)]
    found = [i for i in same if same_words(items[i])] or [
        i for i in same if items[i].start_s - EPS <= t < items[i].end_s
    ]
    return f"{part}.{min(found, key=lambda i: abs(items[i].start_s - t))}" if found else None
