"""The script: what the writer (local or GPT-4o) produces and every later step consumes.

A scene's `shot` is a text-to-video prompt; `continues_previous` asks the renderer to start the
shot on the previous scene's last frame (that is what chains scenes in the schedule).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from omnigen.safe_text import text_field

ScenePurpose = Literal["hook", "indication", "benefit", "major_statement", "adequate_provision", "brand_close"]

SCENE_PURPOSES: tuple[str, ...] = (
    "hook",
    "indication",
    "benefit",
    "major_statement",
    "adequate_provision",
    "brand_close",
)

VoiceText = text_field(2000)  # spoken, captioned and shown: the brief's text rules hold for it too
SuperText = text_field(200)

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")


def word_count(text: str) -> int:
    """Spoken words, as a voice would read them (numbers count as one word each)."""
    return len(_WORD.findall(text))


class Scene(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    index: int = Field(ge=1, le=60)
    duration_s: float = Field(gt=0.5, le=30)
    purpose: ScenePurpose
    shot: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1200)]
    camera: Annotated[str, StringConstraints(max_length=200)] = "static"
    mood: Annotated[str, StringConstraints(max_length=200)] = "neutral"
    voiceover: VoiceText = ""
    supers: list[SuperText] = Field(default_factory=list, max_length=6)
    continues_previous: bool = False
    shows_product: bool | None = None
    """Whether the shot shows the product (a pack shot, the pen in a hand); None when the writer
    did not say, and `omnigen.pipeline.start_images` reads it from the shot."""


class Script(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    music_prompt: Annotated[str, StringConstraints(max_length=300)] = ""
    scenes: list[Scene] = Field(min_length=1, max_length=60)

    @model_validator(mode="after")
    def _indices_in_order(self) -> Script:
        for n, scene in enumerate(self.scenes, start=1):
            if scene.index != n:
                raise ValueError(f"scenes[{n - 1}].index is {scene.index}; scenes are numbered 1..N")
        if self.scenes[0].continues_previous:
            raise ValueError("scenes[0].continues_previous: the first scene has no previous scene")
        return self

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.scenes)

    def scene(self, index: int) -> Scene:
        return self.scenes[index - 1]

    def scenes_for(self, purpose: str) -> list[Scene]:
        return [s for s in self.scenes if s.purpose == purpose]
