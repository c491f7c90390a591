"""Edits of a draft timeline, as explicit operations (pure: no I/O).

The web editor may PUT a whole timeline; a script, or an editor that wants the server to keep a
scene's voice and text with its picture, sends operations instead. Each one names what it
changes (a voice line by its place, a clip by its place, a scene by its number) and the edit
keeps the rest of the ad where it belongs: when a clip gets longer, shorter, removed or doubled,
everything after it on the output clock moves by the same amount, and the scene's own lines and
texts go with a removed clip. A bad operation raises `EditError` naming the field and what to do;
nothing is half-applied.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, ValidationError

from omnigen.safe_text import text_field
from omnigen.timeline import TextItem, Timeline, VideoClip
from omnigen.validation import INPUT_MODEL

EPS = 1e-3
MIN_CLIP_S = 0.25
TIED_S = 0.05
"""A text whose start and end are this close to a line's is the line shown on screen."""


class EditError(ValueError):
    """An operation that cannot apply: `field` says which part of the request, `message` what
    to do instead."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class SetLineText(BaseModel):
    """Change what a voiceover line says; it is re-voiced at the next compose (and only it). A
    text shown word for word while the line is spoken changes with it."""

    model_config = INPUT_MODEL
    op: Literal["set_line_text"]
    line: int = Field(ge=0, description="the line's place in the timeline's `voice` list")
    text: text_field(2000, min_length=1)


class AddText(BaseModel):
    model_config = INPUT_MODEL
    op: Literal["add_text"]
    item: TextItem


class DeleteText(BaseModel):
    model_config = INPUT_MODEL
    op: Literal["delete_text"]
    index: int = Field(ge=0, description="the item's place in the timeline's `texts` list")


class DeleteClip(BaseModel):
    """Remove a clip; what comes after it moves up, and its scene's lines and texts go with it
    (unless another clip of the scene stays)."""

    model_config = INPUT_MODEL
    op: Literal["delete_clip"]
    index: int = Field(ge=0, description="the clip's place in the timeline's `clips` list")


class DuplicateClip(BaseModel):
    """Play a clip twice: the copy follows it (a cut) and what came after moves later."""

    model_config = INPUT_MODEL
    op: Literal["duplicate_clip"]
    index: int = Field(ge=0)


class SetSceneLength(BaseModel):
    """Give a scene's clip a new length from its in point; what follows moves with its end."""

    model_config = INPUT_MODEL
    op: Literal["set_scene_length"]
    scene: int = Field(ge=1)
    duration_s: float = Field(gt=0, le=60, allow_inf_nan=False)


class SelectTake(BaseModel):
    """Use another take of a scene (`GET /jobs/{id}/scenes/{n}/takes`); take 1 is the original."""

    model_config = INPUT_MODEL
    op: Literal["select_take"]
    scene: int = Field(ge=1)
    take: int = Field(ge=1)


EditOp = Annotated[
    SetLineText | AddText | DeleteText | DeleteClip | DuplicateClip | SetSceneLength | SelectTake,
    Field(discriminator="op"),
]


def _clip_span(timeline: Timeline, index: int) -> tuple[float, float]:
    starts = timeline.clip_starts()
    end = starts[index + 1] if index + 1 < len(starts) else timeline.duration_s
    return starts[index], end


def _shift(timeline: Timeline, at: float, delta: float) -> Timeline:
    """Move everything that starts at or after `at` by `delta`; a text running across `at`
    (a super held over the cut) stretches or shrinks with it."""
    voice = [v.model_copy(update={"start_s": round(v.start_s + delta, 3)}) if v.start_s >= at - EPS else v
             for v in timeline.voice]  # fmt: skip
    texts: list[TextItem] = []
    for t in timeline.texts:
        if t.start_s >= at - EPS:
            texts.append(
                t.model_copy(update={"start_s": round(t.start_s + delta, 3), "end_s": round(t.end_s + delta, 3)})
            )
        elif t.end_s >= at - EPS:
            end = max(t.start_s + 0.1, t.end_s + delta)
            texts.append(t.model_copy(update={"end_s": round(end, 3)}))
        else:
            texts.append(t)
    return timeline.model_copy(update={"voice": voice, "texts": texts})


def _index(field: str, what: str, index: int, size: int) -> None:
    if index >= size:
        raise EditError(field, f"there is no {what} {index} (the timeline has {size}, counted from 0)")


def _scene_clip(timeline: Timeline, scene: int) -> int:
    for i, c in enumerate(timeline.clips):
        if c.scene_index == scene:
            return i
    have = sorted({c.scene_index for c in timeline.clips})
    raise EditError("scene", f"the timeline has no clip of scene {scene} (scenes: {', '.join(map(str, have))})")


def set_line_text(timeline: Timeline, op: SetLineText) -> Timeline:
    _index("line", "voice line", op.line, len(timeline.voice))
    old = timeline.voice[op.line]
    voice = list(timeline.voice)
    voice[op.line] = old.model_copy(update={"text": op.text})
    texts = [
        t.model_copy(update={"text": op.text})
        if t.text == old.text and abs(t.start_s - old.start_s) <= TIED_S and abs(t.end_s - old.end_s) <= TIED_S
        else t
        for t in timeline.texts
    ]
    return timeline.model_copy(update={"voice": voice, "texts": texts})


def delete_clip(timeline: Timeline, op: DeleteClip) -> Timeline:
    _index("index", "clip", op.index, len(timeline.clips))
    if len(timeline.clips) == 1:
        raise EditError("index", "an ad needs at least one clip: add or duplicate another before deleting this one")
    gone = timeline.clips[op.index]
    start, end = _clip_span(timeline, op.index)
    clips = [c for i, c in enumerate(timeline.clips) if i != op.index]
    if op.index == 0 and clips[0].transition != "cut":
        clips[0] = clips[0].model_copy(update={"transition": "cut", "transition_s": 0.0})
    scene_stays = any(c.scene_index == gone.scene_index for c in clips)

    def inside(scene: int | None, at: float) -> bool:
        return start - EPS <= at < end - EPS and (scene is None or (scene == gone.scene_index and not scene_stays))

    voice = [v for v in timeline.voice if not inside(v.scene_index, v.start_s)]
    texts = [t for t in timeline.texts if not (inside(t.scene_index, t.start_s) and t.end_s <= end + EPS)]
    edited = timeline.model_copy(update={"clips": clips, "voice": voice, "texts": texts})
    return _shift(edited, end, -(end - start))


def duplicate_clip(timeline: Timeline, op: DuplicateClip) -> Timeline:
    _index("index", "clip", op.index, len(timeline.clips))
    src = timeline.clips[op.index]
    copy = src.model_copy(update={"transition": "cut", "transition_s": 0.0})
    clips = [*timeline.clips[: op.index + 1], copy, *timeline.clips[op.index + 1 :]]
    _, end = _clip_span(timeline, op.index)
    return _shift(timeline.model_copy(update={"clips": clips}), end, copy.duration_s)


def set_scene_length(timeline: Timeline, op: SetSceneLength) -> Timeline:
    """A clip lengthened past its rendered end holds its last frame (as compose draws it)."""
    i = _scene_clip(timeline, op.scene)
    clip: VideoClip = timeline.clips[i]
    if op.duration_s < MIN_CLIP_S:
        raise EditError("duration_s", f"a clip must be at least {MIN_CLIP_S} s long")
    _, end = _clip_span(timeline, i)
    delta = op.duration_s - clip.duration_s
    clips = list(timeline.clips)
    clips[i] = clip.model_copy(update={"out_s": round(clip.in_s + op.duration_s, 3)})
    return _shift(timeline.model_copy(update={"clips": clips}), end, delta)


def use_asset(timeline: Timeline, scene: int, asset: str) -> Timeline:
    """Every clip of `scene` plays `asset` (another take), with the same in and out points."""
    _scene_clip(timeline, scene)
    clips = [c.model_copy(update={"asset": asset}) if c.scene_index == scene else c for c in timeline.clips]
    return timeline.model_copy(update={"clips": clips})


TakeClips = dict[tuple[int, int], str]
"""(scene, take) → the take's clip key, for every take that is done."""


def select_take(timeline: Timeline, op: SelectTake, takes: TakeClips) -> Timeline:
    asset = takes.get((op.scene, op.take))
    if asset is None:
        have = sorted(t for s, t in takes if s == op.scene)
        raise EditError(
            "take", f"scene {op.scene} has no finished take {op.take} (takes: {', '.join(map(str, have)) or 'none'})"
        )
    return use_asset(timeline, op.scene, asset)


def apply(
    timeline: Timeline,
    ops: list[SetLineText | AddText | DeleteText | DeleteClip | DuplicateClip | SetSceneLength | SelectTake],
    takes: TakeClips | None = None,
) -> Timeline:
    """The timeline after `ops`, in order, validated as a whole (a `Timeline`'s own rules);
    `takes` names the clips `select_take` may pick."""
    out = timeline
    for n, op in enumerate(ops):
        try:
            if isinstance(op, SetLineText):
                out = set_line_text(out, op)
            elif isinstance(op, AddText):
                out = out.model_copy(update={"texts": [*out.texts, op.item]})
            elif isinstance(op, DeleteText):
                _index("index", "text", op.index, len(out.texts))
                out = out.model_copy(update={"texts": [t for i, t in enumerate(out.texts) if i != op.index]})
            elif isinstance(op, DeleteClip):
                out = delete_clip(out, op)
            elif isinstance(op, DuplicateClip):
                out = duplicate_clip(out, op)
            elif isinstance(op, SelectTake):
                out = select_take(out, op, takes or {})
            else:
                out = set_scene_length(out, op)
        except EditError as err:
            raise EditError(f"ops.{n}.{err.field}", err.message) from None
    try:
        return Timeline.model_validate(out.model_dump())
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "timeline"
        raise EditError(where, f"the edit would break the timeline: {first['msg']}") from None
