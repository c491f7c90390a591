"""The picture of an ad cut into segments that can be encoded one at a time and joined with
`-c copy` (pure: no I/O). `omnigen.media.segments` encodes and joins them.

Every boundary sits on the output's frame grid: clip `c` owns the frames from
`round(clip_starts[c] * fps)`, so the joined file has exactly `frame_count(timeline)` frames and
frame n shows the instant n / fps, as the one-pass render and QC's plan count them.

Who owns a dissolve: neither clip. The dissolve between clips c-1 and c is a short segment of its
own (the tail of c-1 mixed into the head of c), so each clip's body is a segment that needs that
clip alone. When the last clip arrives, what is left to encode is its body and at most the two
dissolves that touch it, never a neighbour's whole scene. A cut needs no segment: the body of c
ends on the frame before the body of c+1 begins.

A text (or the animatic mark) is in every segment its frames meet, each segment drawing it on
exactly the frames of the whole ad it covers (`frames_on_screen`, the rule QC reads by), so a
super that spans a boundary is whole across the join. QC's frames are forced keyframes in the
segment that holds them; every segment also starts on one, which is what lets them join.

A clip's body can also be encoded as consecutive parts (`split_segment`), each a segment of its
own on the same grid, so that the last clip to arrive is encoded by several processes at once;
the parts join into exactly the frames the whole body would have had.
"""

from __future__ import annotations

import hashlib
import itertools

from pydantic import BaseModel

from omnigen.qc.plan import frame_count, frames_on_screen
from omnigen.timeline import OutputSettings, TextItem, Timeline

ENCODING = "x264-segment-2"
"""Bumped when the way a segment is encoded changes, so no segment made the old way is reused
(2: every encode is x264-stitchable, `media.encoding`)."""


class SourceSpan(BaseModel):
    """Frames of one clip inside a segment: `frames` frames starting `start_s` into the asset."""

    clip: int
    """The clip's position in `timeline.clips`."""
    asset: str
    start_s: float
    frames: int
    hold_s: float
    """How long the asset's last frame may be held (a model clip shorter than its slot)."""


class OverlaySpan(BaseModel):
    """A text card (or the animatic mark: `item` None) on segment frames `first`..`last`."""

    text: int | None
    item: TextItem | None
    first: int
    last: int


class Segment(BaseModel):
    index: int
    first_frame: int
    """Its first frame in the whole ad."""
    frames: int
    sources: list[SourceSpan]
    """One source (a clip's body) or two (a dissolve: the outgoing tail, then the incoming head)."""
    overlays: list[OverlaySpan]
    keyframes: list[int]
    """Segment frames QC reads (forced keyframes)."""
    output: OutputSettings
    part: tuple[int, int] | None = None
    """(k, n): this is part k (from 0) of the n a body was cut into (`split_segment`)."""

    @property
    def clips(self) -> set[int]:
        return {s.clip for s in self.sources}

    @property
    def dissolve(self) -> bool:
        return len(self.sources) == 2

    def digest(self, asset_digests: dict[str, str]) -> str:
        """What the segment's pixels are made of, hashed: its own description with each asset
        named by its content (`asset_digests`, from the files), so a new take under the same key
        is a new segment and an unchanged scene of an edited timeline is the same one. Where it
        sits in the ad is left out (its overlays and keyframes are counted from its own start),
        so a scene that only moved is still the same segment."""
        spec = self.model_dump(
            mode="json",
            exclude={
                "index": True,
                "first_frame": True,
                "part": True,
                "sources": {"__all__": {"clip"}},
                "overlays": {"__all__": {"text"}},
            },
        )
        for s in spec["sources"]:
            s["asset"] = asset_digests[s["asset"]]
        return hashlib.sha256(f"{ENCODING}:{spec}".encode()).hexdigest()[:32]


class PlanError(ValueError):
    """The timeline cannot be cut into segments (a shot shorter than the dissolves into and out
    of it): compose renders it in one pass instead."""


def _overlaps(timeline: Timeline, first: int, frames: int, count: int, mark_until: float) -> list[OverlaySpan]:
    fps = timeline.output.fps
    spans = [(k, t, frames_on_screen(t.start_s, t.end_s, fps, count)) for k, t in enumerate(timeline.texts)]
    if mark_until > 0:
        spans.append((None, None, frames_on_screen(0.0, mark_until, fps, count)))
    out = []
    for k, item, span in spans:
        if span is None:
            continue
        a, z = max(span[0], first), min(span[1], first + frames - 1)
        if a <= z:
            out.append(OverlaySpan(text=k, item=item, first=a - first, last=z - first))
    return out


def plan_segments(timeline: Timeline, qc_frames: list[int], mark_until: float = 0.0) -> list[Segment]:
    """The segments of `timeline`, in order, covering every frame once. `qc_frames` are the
    frames QC reads (`QcPlan.frames()`); `mark_until` is how long the animatic mark shows."""
    o = timeline.output
    fps = o.fps
    count = frame_count(timeline)
    starts = timeline.clip_starts()
    begin = [round(s * fps) for s in starts] + [count]
    pieces: list[tuple[int, int, list[int]]] = []  # (first frame, end frame, clips)
    for c, clip in enumerate(timeline.clips):
        body_from = begin[c]
        if c > 0 and clip.transition == "dissolve":
            body_from = round((starts[c] + clip.transition_s) * fps)
            if body_from <= begin[c] or body_from > count:
                raise PlanError(f"clip {c + 1}'s dissolve is shorter than a frame")
            pieces.append((begin[c], body_from, [c - 1, c]))
        body_to = begin[c + 1]
        if body_to <= body_from:
            raise PlanError(f"clip {c + 1} has no frame of its own between its dissolves")
        pieces.append((body_from, body_to, [c]))
    segments = []
    for n, (first, end, clips) in enumerate(pieces):
        frames = end - first
        sources = []
        for c in clips:
            clip = timeline.clips[c]
            # The instant the segment's first frame shows, on this clip's own clock.
            at = clip.in_s + first / fps - starts[c]
            sources.append(
                SourceSpan(
                    clip=c,
                    asset=clip.asset,
                    start_s=round(max(0.0, at), 6),
                    frames=frames,
                    hold_s=round(clip.out_s, 3),
                )
            )
        segments.append(
            Segment(
                index=n,
                first_frame=first,
                frames=frames,
                sources=sources,
                overlays=_overlaps(timeline, first, frames, count, mark_until),
                keyframes=sorted(f - first for f in qc_frames if first <= f < end),
                output=o,
            )
        )
    return segments


def min_part_frames(fps: int) -> int:
    """The shortest part a body is cut into: a second. Each part is its own ffmpeg run, starts
    on an IDR frame and decodes its clip from the clip's start, so shorter parts cost more than
    the parallelism gives back."""
    return fps


def split_segment(segment: Segment, parts: int) -> list[Segment]:
    """`segment` as up to `parts` consecutive parts of near-equal length (none shorter than
    `min_part_frames`), each with its source, overlays and keyframes counted from its own first
    frame; a dissolve (its fade runs across the whole segment) or a short body stays whole."""
    n = min(parts, segment.frames // min_part_frames(segment.output.fps))
    if segment.dissolve or n <= 1:
        return [segment]
    fps = segment.output.fps
    bounds = [segment.frames * k // n for k in range(n + 1)]
    out = []
    for k, (a, z) in enumerate(itertools.pairwise(bounds)):
        src = segment.sources[0]
        overlays = [
            o.model_copy(update={"first": max(o.first, a) - a, "last": min(o.last, z - 1) - a})
            for o in segment.overlays
            if o.first < z and o.last >= a
        ]
        out.append(
            segment.model_copy(
                update={
                    "first_frame": segment.first_frame + a,
                    "frames": z - a,
                    "sources": [src.model_copy(update={"start_s": round(src.start_s + a / fps, 6), "frames": z - a})],
                    "overlays": overlays,
                    "keyframes": [f - a for f in segment.keyframes if a <= f < z],
                    "part": (k, n),
                }
            )
        )
    return out
