"""The timeline: the edit that `compose` renders, and that the web editor changes.

Clips play in list order, back to back (a dissolve overlaps a clip with the one before it).
Voice lines, text items and the music bed carry absolute times on the output clock. Re-composing
a timeline never regenerates clips: it only re-reads the assets it names.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from omnigen.safe_text import text_field
from omnigen.validation import INPUT_MODEL

TextKind = Literal["super", "major_statement", "end_card"]
TextPosition = Literal["lower_third", "center", "top"]
Transition = Literal["cut", "dissolve"]

MAX_TRUE_PEAK_DBTP = -2.0
"""The highest true peak a delivered ad may have (ATSC A/85 and most broadcasters' specs)."""

AssetKey = Annotated[str, StringConstraints(min_length=1, max_length=400, pattern=r"^[^\s]+$")]
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
VoiceText = text_field(2000)  # spoken, and written into the captions
ItemText = text_field(600, min_length=1, lines=True)  # drawn on the picture; "\n" breaks a line


class OutputSettings(BaseModel):
    model_config = INPUT_MODEL

    width: int = Field(ge=64, le=3840, multiple_of=2)
    height: int = Field(ge=64, le=3840, multiple_of=2)
    fps: int = Field(24, ge=12, le=60)
    loudness_lufs: float = Field(-24.0, ge=-31, le=-10)
    true_peak_db: float = Field(-2.0, ge=-9, le=0)
    crf: int = Field(20, ge=0, le=40)
    preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"] = "veryfast"
    safe_margin: float = Field(0.05, ge=0.0, le=0.2, description="title-safe inset per side")
    animatic: bool = Field(
        False, description="the clips are an offline stand-in for footage: the render says so once, at its start"
    )

    @property
    def peak_ceiling_db(self) -> float:
        """The true-peak ceiling compose limits to and QC holds the file to: the timeline's own
        setting, never above the delivery maximum."""
        return min(self.true_peak_db, MAX_TRUE_PEAK_DBTP)


class VideoClip(BaseModel):
    """One clip of a scene's footage. `out_s` is at least 0.25 s after `in_s`; `transition_s`
    is set only with a `dissolve` (a cut has none)."""

    model_config = INPUT_MODEL

    scene_index: int = Field(ge=1)
    asset: AssetKey
    in_s: float = Field(0.0, ge=0)
    out_s: float = Field(gt=0)
    transition: Transition = "cut"
    transition_s: float = Field(0.0, ge=0, le=2.0)

    @model_validator(mode="after")
    def _in_before_out(self) -> VideoClip:
        if self.out_s - self.in_s < 0.25:
            raise ValueError("out_s must be at least 0.25 s after in_s")
        if self.transition == "cut" and self.transition_s:
            raise ValueError("transition_s applies to a dissolve only")
        return self

    @property
    def duration_s(self) -> float:
        return self.out_s - self.in_s


class VoiceLine(BaseModel):
    model_config = INPUT_MODEL

    scene_index: int = Field(ge=1)
    asset: AssetKey
    text: VoiceText
    start_s: float = Field(ge=0)
    duration_s: float = Field(gt=0)
    major_statement: bool = False

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


class MusicBed(BaseModel):
    model_config = INPUT_MODEL

    asset: AssetKey
    gain_db: float = Field(-12.0, ge=-40, le=6)
    duck_db: float = Field(15.0, ge=0, le=40, description="how far the bed drops under speech")
    duck_attack_s: float = Field(0.2, ge=0, le=2)
    duck_release_s: float = Field(0.5, ge=0, le=3)
    fade_in_s: float = Field(1.0, ge=0, le=10)
    fade_out_s: float = Field(2.0, ge=0, le=10)


class TextItem(BaseModel):
    """Text on screen from `start_s` to `end_s` (which must be after `start_s`)."""

    model_config = INPUT_MODEL

    kind: TextKind = "super"
    text: ItemText
    start_s: float = Field(ge=0)
    end_s: float = Field(gt=0)
    position: TextPosition = "lower_third"
    cap_height: float = Field(
        0.045, gt=0, le=0.2, description="capital-letter height as a fraction of the frame's short side"
    )
    color: HexColor = "#FFFFFF"
    plate_color: HexColor = "#000000"
    plate_opacity: float = Field(0.75, ge=0, le=1)
    scene_index: int | None = None

    @model_validator(mode="after")
    def _start_before_end(self) -> TextItem:
        if self.end_s <= self.start_s:
            raise ValueError("end_s must be after start_s")
        return self


class Timeline(BaseModel):
    """The edit compose renders. The first clip's transition is a `cut`; a dissolve's
    `transition_s` is shorter than both clips it joins; every asset is one of the job's own."""

    model_config = INPUT_MODEL

    version: int = Field(1, ge=1)
    output: OutputSettings
    clips: list[VideoClip] = Field(min_length=1, max_length=60)
    voice: list[VoiceLine] = Field(default_factory=list, max_length=400)
    music: MusicBed | None = None
    texts: list[TextItem] = Field(default_factory=list, max_length=400)

    @model_validator(mode="after")
    def _dissolves_fit(self) -> Timeline:
        if self.clips[0].transition != "cut":
            raise ValueError("clips[0].transition: the first clip has nothing to dissolve from")
        for i in range(1, len(self.clips)):
            c, prev = self.clips[i], self.clips[i - 1]
            if c.transition_s >= min(c.duration_s, prev.duration_s):
                raise ValueError(f"clips[{i}].transition_s is longer than a clip it joins")
        return self

    def clip_starts(self) -> list[float]:
        """Where each clip begins on the output clock (dissolves pull a clip earlier)."""
        starts, t = [], 0.0
        for c in self.clips:
            t -= c.transition_s
            starts.append(t)
            t += c.duration_s
        return starts

    @property
    def duration_s(self) -> float:
        return sum(c.duration_s - c.transition_s for c in self.clips)

    def cut_times(self) -> list[float]:
        """Times where the picture changes from one clip to the next."""
        return self.clip_starts()[1:]


def _names(text: str, name: str) -> bool:
    return bool(name.strip()) and re.search(rf"(?<!\w){re.escape(name.strip())}(?!\w)", text, re.IGNORECASE) is not None


def poster_time(timeline: Timeline, brand_name: str | None) -> float:
    """When the poster is taken: while a text naming the brand is on screen (the end card first,
    then the latest such text) and no dissolve is running — the middle of the longest such
    stretch. Without one, the middle of the last shot clear of its dissolve."""
    end = timeline.duration_s
    fades = [(s, s + c.transition_s) for s, c in zip(timeline.clip_starts(), timeline.clips, strict=True)]
    fades = [f for f in fades if f[1] > f[0]]

    def clear(a: float, b: float) -> tuple[float, float] | None:
        pieces = [(a, b)]
        for f0, f1 in fades:
            pieces = [q for p0, p1 in pieces for q in ((p0, min(p1, f0)), (max(p0, f1), p1)) if q[1] - q[0] > 1e-3]
        return max(pieces, key=lambda q: q[1] - q[0], default=None)

    named = [t for t in timeline.texts if brand_name and _names(t.text, brand_name) and t.start_s < end]
    named.sort(key=lambda t: (t.kind == "end_card", t.start_s), reverse=True)
    last = timeline.clip_starts()[-1]
    for a, b in [(t.start_s, min(t.end_s, end)) for t in named] + [(last, end)]:
        piece = clear(max(0.0, a), b)
        if piece is not None:
            return round(min((piece[0] + piece[1]) / 2, end - 1.0 / timeline.output.fps), 3)
    return round(max(0.0, end / 2), 3)
