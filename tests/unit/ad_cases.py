"""Every example brief as the pipeline would first edit it, in any aspect and resolution, without
rendering: the offline writer's script and the builder's timeline, with each line timed by the
writer's own speech estimate (the voice step later replaces it with the measured length)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from conftest import ROOT, SHARED_BRIEFS

from omnigen.brief import Brief, load_brief
from omnigen.keys import JobKeys
from omnigen.pipeline.rehearsal import estimated_lines as spoken_lines
from omnigen.pipeline.timeline_builder import build_timeline
from omnigen.providers.local.script_writer import LocalScriptWriter
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
