"""Every example brief as the pipeline would first edit it, in any aspect and resolution, without
rendering: the offline writer's script and the builder's timeline, with each line timed by the
writer's own speech estimate (the voice step later replaces it with the measured length)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from conftest import ROOT, SHARED_BRIEFS

from omnigen.brief import Brief, load_brief
from omnigen.keys import JobKeys
from omnigen.lines import speaking_rate, split_lines
from omnigen.pipeline.timeline_builder import SpokenLine, build_timeline, place_lines
from omnigen.providers.local.script_writer import LocalScriptWriter, spoken_seconds
from omnigen.providers.ports import CallContext
from omnigen.script import Script
from omnigen.timeline import Timeline

ASPECTS = ("16:9", "9:16", "1:1")
RESOLUTIONS = ("1080p", "720p", "480p", "360p")


def example_briefs() -> list[Path]:
    """examples/briefs and the shared briefs, each distinct brief once."""
    seen: dict[bytes, Path] = {}
    for folder in (ROOT / "examples" / "briefs", SHARED_BRIEFS):
        for p in sorted(folder.glob("*.yaml")):
            seen.setdefault(p.read_bytes(), p)
    return list(seen.values())


def spoken_lines(script: Script) -> list[SpokenLine]:
    out, n = [], 0
    for s in script.scenes:
        ms = s.purpose == "major_statement"
        for text in split_lines(s.voiceover):
            n += 1
            seconds = round(spoken_seconds(text, speaking_rate(ms)), 3)
            out.append(SpokenLine(n=n, scene_index=s.index, text=text, duration_s=seconds, major_statement=ms))
    return place_lines(script, out)


@cache
def _script(path: Path) -> Script:
    """The writer's script (it does not depend on the frame)."""
    return LocalScriptWriter().write(load_brief(path), CallContext())


@cache
def first_edit(path: Path, aspect: str, resolution: str) -> tuple[Brief, Script, Timeline]:
    brief = load_brief(path).model_copy(update={"aspect_ratio": aspect, "resolution": resolution})
    script = _script(path)
    timeline = build_timeline(brief, script, JobKeys("u", "j"), spoken_lines(script))
    return brief, script, timeline
