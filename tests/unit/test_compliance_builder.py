"""Compliance by construction: the composer's first timeline passes the timeline rules for every
clean script, given measured voice timings that fit the scenes."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from omnigen.brief import parse_brief
from omnigen.compliance import check_timeline
from omnigen.keys import JobKeys
from omnigen.lines import split_lines
from omnigen.pipeline.timeline_builder import SpokenLine, build_timeline, place_lines
from omnigen.script import Script, word_count

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "compliance"
CLEAN = [
    "clean_psoriasis_30s",
    "clean_anticoagulant_60s",
    "clean_allergy_vertical_30s",
    "clean_reminder_15s",
    "clean_help_seeking_15s",
]


@cache
def _load(name: str) -> dict[str, Any]:
    return yaml.load((CORPUS / f"{name}.yaml").read_text(encoding="utf-8"), Loader=yaml.SafeLoader)


def _spoken(script: Script, words_per_s: float) -> list[SpokenLine]:
    """What the voice step records: one line per split, timed like a voice at `words_per_s`."""
    out, n = [], 0
    for s in script.scenes:
        for text in split_lines(s.voiceover):
            n += 1
            out.append(
                SpokenLine(
                    n=n,
                    scene_index=s.index,
                    text=text,
                    duration_s=word_count(text) / words_per_s + 0.2,
                    major_statement=s.purpose == "major_statement",
                )
            )
    return out


@pytest.mark.parametrize("name", CLEAN)
@pytest.mark.parametrize("music", [True, False])
def test_first_timeline_is_compliant(name: str, music: bool) -> None:
    d = _load(name)
    brief, script = parse_brief(d["brief"]), Script.model_validate(d["script"])
    lines = place_lines(script, _spoken(script, 3.0))
    timeline = build_timeline(brief, script, JobKeys("u", "j"), lines, music=music)
    report = check_timeline(timeline, script, brief)
    assert report.findings == [], report.to_text()
