"""SubRip (SRT) captions from the WebVTT compose writes: the same cues and times; SRT has no cue
settings (`line:0`), so the placement hints stay in the VTT."""

from __future__ import annotations

import re

_TIME = re.compile(r"^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})$")


def _srt_time(vtt: str) -> str:
    m = _TIME.match(vtt.strip())
    if m is None:
        raise ValueError(f"not a WebVTT timestamp: {vtt!r}")
    hours, minutes, seconds, millis = m.groups()
    return f"{int(hours or 0):02d}:{minutes}:{seconds},{millis}"


def vtt_to_srt(vtt: str) -> str:
    """Each cue of `vtt` as a numbered SRT cue (blocks without a `-->` line are headers/notes)."""
    cues = []
    for block in re.split(r"\r?\n\s*\r?\n", vtt.strip()):
        lines = block.splitlines()
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        start, _, rest = lines[timing].partition("-->")
        end = rest.split()[0]
        text = "\n".join(lines[timing + 1 :]).strip()
        if text:
            cues.append(f"{len(cues) + 1}\n{_srt_time(start)} --> {_srt_time(end)}\n{text}\n")
    return "\n".join(cues)
