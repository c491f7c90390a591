"""The first edit rehearsed before anything is rendered (pure; no I/O).

A script's own rules judge each scene alone; what fails a short ad at compose is how its scenes
add up once the voice is on the clock: a line that runs past its scene pushes the major
statement later, the cut after the risks waits for their last word, and the closing card is
left with less than its reading time. Compose judges the edit built from the MEASURED lines; the
rehearsal builds the same edit from the writer's speech estimate (`spoken_seconds`) and judges
it with the same timing rules, so a plan that cannot hold is caught at the script, and a brief
whose risks cannot fit is refused when it is created (pipeline/fit.py), never after rendering.
tests/integration/test_short_ads.py voices every short plan it accepts for real and holds the
measured edit to the same rules.
"""

from __future__ import annotations

from omnigen.brief import Brief
from omnigen.compliance import Policy, Report, check_script, check_timeline
from omnigen.keys import JobKeys
from omnigen.lines import speaking_rate, split_lines
from omnigen.pipeline.timeline_builder import SpokenLine, build_timeline, place_lines
from omnigen.providers.local.script_writer import spoken_seconds
from omnigen.script import Script
from omnigen.timeline import Timeline

TIMING_RULES = frozenset({"FIT-DURATION", "MS-PACE", "TEXT-READING-TIME"})
"""The rehearsed edit's findings that follow from time running out (a longer ad fixes them);
the rest depend on the frame, which a rehearsal does not know yet."""
_KEYS = JobKeys("rehearsal", "rehearsal")  # the edit's asset names; nothing is read or written


def estimated_lines(script: Script) -> list[SpokenLine]:
    """The script's spoken lines as the voice step will make them, each timed by the writer's
    speech estimate instead of its measured length, and placed on the clock the same way."""
    out: list[SpokenLine] = []
    for s in script.scenes:
        ms = s.purpose == "major_statement"
        for text in split_lines(s.voiceover):
            seconds = round(spoken_seconds(text, speaking_rate(ms)), 3)
            out.append(
                SpokenLine(n=len(out) + 1, scene_index=s.index, text=text, duration_s=seconds, major_statement=ms)
            )
    return place_lines(script, out)


def rehearsed_timeline(brief: Brief, script: Script, policy: Policy) -> Timeline:
    """The edit compose would first build for `script`, with estimated lines."""
    return build_timeline(brief, script, _KEYS, estimated_lines(script), policy=policy)


def check_plan(script: Script, brief: Brief, policy: Policy) -> Report:
    """The script's rules, and — when it passes them — the timing errors of its rehearsed first
    edit (as script findings: what the writer is asked to fix, and what fit.py judges)."""
    report = check_script(script, brief, policy)
    if report.errors:
        return report
    edit = check_timeline(rehearsed_timeline(brief, script, policy), script, brief, policy)
    timing = [f for f in edit.findings if f.severity == "error" and f.rule in TIMING_RULES]
    return report.model_copy(update={"findings": report.findings + timing}) if timing else report
