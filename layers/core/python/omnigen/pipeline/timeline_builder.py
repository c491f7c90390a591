"""Build the first edit of an ad from its script and what the steps made (pure; no I/O).

This is where compliance is guaranteed by construction: the major-statement text is placed from
the MEASURED voice timings (on screen from the first word to the last), the music ducks under
every spoken line, and major-statement scenes carry no competing supers.
"""

from __future__ import annotations

from pydantic import BaseModel

from omnigen.brief import Brief
from omnigen.keys import JobKeys
from omnigen.script import Script
from omnigen.timeline import MusicBed, OutputSettings, TextItem, Timeline, VideoClip, VoiceLine

LEAD_IN_S = 0.3  # air before the first line of a scene
GAP_S = 0.15  # breath between lines
MS_CAP_HEIGHT = 0.045  # above the 4% floor of the legibility rule
SUPER_CAP_HEIGHT = 0.05
CUT_AFTER_S = 0.2  # the first cut after the major statement comes this long after its last word
MIN_LEFTOVER_SHOT_S = 1.0  # a shot the hold would leave shorter than this is folded into it
MIN_TEXT_S = 1.5  # the shortest time a super stays up


class SpokenLine(BaseModel):
    """One synthesised line: which scene, what was said, how long it measured."""

    n: int
    scene_index: int
    text: str
    duration_s: float
    major_statement: bool
    start_s: float = 0.0


def scene_starts(script: Script) -> list[float]:
    starts, t = [], 0.0
    for s in script.scenes:
        starts.append(round(t, 3))
        t += s.duration_s
    return starts


def place_lines(script: Script, lines: list[SpokenLine]) -> list[SpokenLine]:
    """Give each line its start time: scene start + lead-in, lines back to back with a breath,
    never overlapping the previous line even when a scene's speech runs long."""
    starts = scene_starts(script)
    placed: list[SpokenLine] = []
    t_free = 0.0
    current_scene = 0
    for line in sorted(lines, key=lambda v: v.n):
        if line.scene_index != current_scene:
            current_scene = line.scene_index
            t = max(starts[line.scene_index - 1] + LEAD_IN_S, t_free)
        else:
            t = t_free
        placed.append(line.model_copy(update={"start_s": round(t, 3)}))
        t_free = t + line.duration_s + GAP_S
    return placed


def _major_statement_texts(voice: list[VoiceLine]) -> list[TextItem]:
    """One text item per major-statement line, held until the next line starts so the text never
    blinks off between breaths; the last one ends with the last word."""
    ms = [v for v in voice if v.major_statement]
    items = []
    for i, v in enumerate(ms):
        nxt = ms[i + 1] if i + 1 < len(ms) else None
        end = nxt.start_s if nxt and nxt.start_s - v.end_s < 1.0 else v.end_s
        items.append(
            TextItem(
                kind="major_statement",
                text=v.text,
                start_s=v.start_s,
                end_s=round(max(end, v.end_s), 3),
                position="lower_third",
                cap_height=MS_CAP_HEIGHT,
                plate_opacity=0.8,
                scene_index=v.scene_index,
            )
        )
    return items


def _text_window(start: float, end: float, ms_start: float, ms_end: float, total: float) -> tuple[float, float] | None:
    """When a scene's text [start, end] would overlap the spoken major statement (its speech ran
    into the scene), the text starts after the last word instead — no competing text while the
    risks are read — and keeps at least MIN_TEXT_S on screen, running on into the next scene if
    it must: adequate-provision text (phone, website) is never dropped. None only when the ad
    ends first."""
    if ms_end > ms_start and start < ms_end and end > ms_start:
        start = ms_end + CUT_AFTER_S
        end = max(end, min(total, start + MIN_TEXT_S))
    if end - start < 0.25:
        return None
    return round(start, 3), round(end, 3)


def _hold_last_ms_shot(clips: list[VideoClip], ms_scenes: set[int], ms_end: float) -> list[VideoClip]:
    """When the risks' speech runs past its scenes, move the next cut to just after the last
    word: the last major-statement shot holds (a clip shorter than its slot holds its last frame
    in compose) and the following shots give up the time, so no cut lands inside the major
    statement. A following shot left shorter than MIN_LEFTOVER_SHOT_S is folded into the hold."""
    if not ms_scenes or ms_end <= 0:
        return clips
    out = list(clips)
    last_ms = max(i for i, c in enumerate(out) if c.scene_index in ms_scenes)
    start = sum(c.duration_s for c in out[: last_ms + 1])
    shift = round(ms_end + CUT_AFTER_S - start, 3)
    k = last_ms + 1
    while shift > 0 and k < len(out):
        nxt = out[k]
        take = min(shift, nxt.duration_s)
        if nxt.duration_s - take < MIN_LEFTOVER_SHOT_S:  # too short to be worth a shot: fold it into the hold
            take = nxt.duration_s
        hold = out[last_ms]
        out[last_ms] = hold.model_copy(update={"out_s": round(hold.out_s + take, 3)})
        if take >= nxt.duration_s:
            out.pop(k)
        else:
            out[k] = nxt.model_copy(update={"out_s": round(nxt.out_s - take, 3)})
            k += 1
        shift = round(shift - take, 3)
    return out


def build_timeline(
    brief: Brief,
    script: Script,
    keys: JobKeys,
    lines: list[SpokenLine],
    music: bool = True,
) -> Timeline:
    width, height = brief.output_size()
    starts = scene_starts(script)
    clips = [
        VideoClip(scene_index=s.index, asset=keys.clip(s.index), in_s=0.0, out_s=s.duration_s) for s in script.scenes
    ]
    voice = [
        VoiceLine(
            scene_index=ln.scene_index,
            asset=keys.voice_line(ln.n),
            text=ln.text,
            start_s=ln.start_s,
            duration_s=ln.duration_s,
            major_statement=ln.major_statement,
        )
        for ln in lines
    ]
    texts = _major_statement_texts(voice)
    ms_lines = [v for v in voice if v.major_statement]
    ms_end = max((v.end_s for v in ms_lines), default=0.0)
    ms_start = min((v.start_s for v in ms_lines), default=0.0)
    for s, start in zip(script.scenes, starts, strict=True):
        end = start + s.duration_s
        if s.purpose == "major_statement" or not s.supers:
            continue
        is_card = s.purpose == "brand_close"
        window = _text_window(start + 0.3, end if is_card else end - 0.2, ms_start, ms_end, script.duration_s)
        if window is None:
            continue
        texts.append(
            TextItem(
                kind="end_card" if is_card else "super",
                text="\n".join(s.supers),
                start_s=window[0],
                end_s=window[1],
                position="center" if is_card else "lower_third",
                cap_height=0.06 if is_card else SUPER_CAP_HEIGHT,
                scene_index=s.index,
            )
        )
    ms_scenes = {sc.index for sc in script.scenes if sc.purpose == "major_statement"}
    return Timeline(
        output=OutputSettings(width=width, height=height, fps=24, loudness_lufs=brief.loudness_lufs),
        clips=_hold_last_ms_shot(clips, ms_scenes, ms_end),
        voice=voice,
        music=MusicBed(asset=keys.music) if music else None,
        texts=texts,
    )
