"""WebVTT captions from the measured voice timings, placed clear of the burned-in text.

A player draws captions at the bottom of the picture by default — exactly where the lower-third
supers and the major-statement text sit. While a text plate covers the bottom band a cue would
take, the cue is moved to the top line (`line:0`), as broadcast captioners move captions up when
graphics appear at the bottom. `line:0` is a snap-to-lines line number, which every player
honours; a percentage with an "end" line alignment would be more precise but Chromium ignores the
alignment and would draw the cue's top there, over the text. The band a cue needs is estimated at
the WebVTT default cue font (5% of the video height, 1.2 line spacing) and the cue's length.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from omnigen.text_layout import layout_item
from omnigen.timeline import Timeline, VoiceLine

CUE_FONT = 0.05  # of the video height: WebVTT's default cue font size ("5vh")
CUE_LINE = CUE_FONT * 1.2
CUE_CHAR_W = 0.5  # average advance of a sans-serif character, in font sizes
CUE_WIDTH = 0.9  # share of the video width a cue may fill
CUE_MARGIN = 0.02  # the player's inset from the frame edge, of the video height
TOP = "line:0"
_BREAK = re.compile(r"\s+")


@dataclass(frozen=True)
class OnScreen:
    """A text plate on screen from `start_s` to `end_s`, `top`..`bottom` as fractions of the height."""

    start_s: float
    end_s: float
    top: float
    bottom: float


def on_screen_text(timeline: Timeline) -> list[OnScreen]:
    """Where every text item's plate is, from the same layout the renderer draws."""
    o = timeline.output
    out = []
    for t in timeline.texts:
        plate = layout_item(t, o).plate
        out.append(OnScreen(t.start_s, t.end_s, plate.y / o.height, plate.bottom / o.height))
    return out


def _vtt_time(t: float) -> str:
    ms = round(t * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def cue_band(text: str, aspect: float) -> float:
    """How much of the height a cue of `text` takes at the default cue size (`aspect` = w / h)."""
    per_line = max(1, int(CUE_WIDTH * aspect / (CUE_FONT * CUE_CHAR_W)))
    return math.ceil(len(text) / per_line) * CUE_LINE + CUE_MARGIN


def cue_setting(start_s: float, end_s: float, text: str, plates: Sequence[OnScreen], aspect: float) -> str:
    """"" (the player's default, at the bottom) or the top line, whichever no plate on screen
    during the cue covers; the bottom when both are covered (the top is no better)."""
    band = cue_band(text, aspect)
    during = [p for p in plates if min(p.end_s, end_s) - max(p.start_s, start_s) > 1e-3]
    bottom_free = all(p.bottom <= 1 - band for p in during)
    top_free = all(p.top >= band for p in during)
    return TOP if not bottom_free and top_free else ""


def webvtt(lines: list[VoiceLine], plates: Sequence[OnScreen] = (), aspect: float = 16 / 9) -> str:
    """One cue per spoken line, clear of the `plates` on screen while it is spoken."""
    out = ["WEBVTT", ""]
    for n, line in enumerate(sorted(lines, key=lambda v: v.start_s), start=1):
        text = _BREAK.sub(" ", line.text).strip().replace("-->", "->")
        if not text:
            continue
        setting = cue_setting(line.start_s, line.end_s, text, plates, aspect)
        timing = f"{_vtt_time(line.start_s)} --> {_vtt_time(line.end_s)}"
        out += [str(n), f"{timing} {setting}".rstrip(), text, ""]
    return "\n".join(out)


def captions_for(timeline: Timeline) -> str:
    """The ad's captions: its voice lines, placed clear of its text."""
    o = timeline.output
    return webvtt(timeline.voice, on_screen_text(timeline), o.width / o.height)
