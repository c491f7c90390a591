"""What a rule looks at: the script (and timeline) with the brief and policy, plus derived facts.

Derived facts (scene start times, the major-statement scenes, the major-statement voice lines and
their span) are computed once here so every rule reads them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omnigen.brief import Brief
from omnigen.compliance.equivalents import Thesaurus
from omnigen.compliance.policy import Policy
from omnigen.lines import split_lines
from omnigen.script import Scene, Script
from omnigen.timeline import TextItem, Timeline, VoiceLine

Location = dict[str, Any]


def _join(texts: list[str]) -> str:
    return " ".join(t for t in texts if t.strip())


@dataclass
class ScriptContext:
    """A script under check. Times are on the ad's clock, from the scene durations."""

    script: Script
    brief: Brief
    policy: Policy
    starts: list[float] = field(init=False)
    thesaurus: Thesaurus = field(init=False)

    def __post_init__(self) -> None:
        t, starts = 0.0, []
        for s in self.script.scenes:
            starts.append(t)
            t += s.duration_s
        self.starts = starts
        self.thesaurus = Thesaurus.of_policy(self.policy.jargon, self.policy.equivalents)

    # --- scenes ---

    def scenes(self, *purposes: str) -> list[Scene]:
        return [s for s in self.script.scenes if s.purpose in purposes]

    @property
    def ms_scenes(self) -> list[Scene]:
        return self.scenes("major_statement")

    def start(self, scene: Scene) -> float:
        return self.starts[scene.index - 1]

    def end(self, scene: Scene) -> float:
        return self.starts[scene.index - 1] + scene.duration_s

    def at(self, scene: Scene) -> Location:
        """Location of one scene."""
        return {"scene": scene.index, "start_s": self.start(scene), "end_s": self.end(scene)}

    def over(self, scenes: list[Scene]) -> Location:
        """Location of a group of scenes: the first scene's number, first start to last end."""
        if not scenes:
            return self.whole()
        return {"scene": scenes[0].index, "start_s": self.start(scenes[0]), "end_s": self.end(scenes[-1])}

    def whole(self) -> Location:
        """Location of something that concerns the whole ad."""
        return {"scene": None, "start_s": 0.0, "end_s": self.script.duration_s}

    @staticmethod
    def texts(scene: Scene) -> list[str]:
        """What a scene says and shows: its voiceover and each super."""
        return [scene.voiceover, *scene.supers]

    @staticmethod
    def units(scene: Scene) -> list[str]:
        """The scene's voiceover, and its supers as they appear together on screen."""
        return [scene.voiceover, "\n".join(scene.supers)]

    def spoken(self, scenes: list[Scene]) -> str:
        return _join([s.voiceover for s in scenes])

    def said_and_shown(self, scenes: list[Scene]) -> str:
        return _join([t for s in scenes for t in self.texts(s)])

    # --- brief ---

    @property
    def risks(self) -> list[tuple[str, str]]:
        """(kind, phrase) for every side effect and contraindication in the brief, in its order."""
        p = self.brief.product
        return [("side effect", x) for x in p.side_effects] + [("contraindication", x) for x in p.contraindications]

    @property
    def ad_type(self) -> str:
        return self.brief.ad_type


@dataclass
class TimelineContext(ScriptContext):
    """A timeline under check, with the script and brief it was built from."""

    timeline: Timeline
    ms_lines: list[VoiceLine] = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.ms_lines = sorted(
            (v for v in self.timeline.voice if v.major_statement or self.purpose(v.scene_index) == "major_statement"),
            key=lambda v: v.start_s,
        )

    def purpose(self, scene_index: int | None) -> str | None:
        if scene_index is None or not 1 <= scene_index <= len(self.script.scenes):
            return None
        return self.script.scenes[scene_index - 1].purpose

    @property
    def ms_span(self) -> tuple[float, float] | None:
        """From the first major-statement word to the last (None when nothing is spoken)."""
        if not self.ms_lines:
            return None
        return self.ms_lines[0].start_s, max(v.end_s for v in self.ms_lines)

    @property
    def ms_texts(self) -> list[TextItem]:
        return [t for t in self.timeline.texts if t.kind == "major_statement"]

    def line_at(self, line: VoiceLine) -> Location:
        return {"scene": line.scene_index, "start_s": line.start_s, "end_s": line.end_s}

    def text_at(self, item: TextItem) -> Location:
        return {"scene": item.scene_index, "start_s": item.start_s, "end_s": item.end_s}

    def span_at(self) -> Location:
        span = self.ms_span
        if span is None:
            return {"scene": None, "start_s": None, "end_s": None}
        return {"scene": self.ms_lines[0].scene_index, "start_s": span[0], "end_s": span[1]}

    def script_texts(self) -> set[str]:
        """Every text the script itself puts on screen or in the voice (whitespace normalised):
        timeline text that is not among them was added or changed in the editor."""
        out: set[str] = set()
        for s in self.script.scenes:
            out.add(" ".join("\n".join(s.supers).split()))
            out.update(" ".join(x.split()) for x in s.supers)
            out.add(" ".join(s.voiceover.split()))
            out.update(" ".join(x.split()) for x in split_lines(s.voiceover))
        return out
