"""Build the first edit of an ad from its script and what the steps made (pure; no I/O).

This is where compliance is guaranteed by construction: the major-statement text is placed from
the MEASURED voice timings (on screen from the first word to the last, paged in step with the
words when a line does not fit the frame at once), the music ducks under every spoken line,
major-statement scenes carry no competing supers, every text is sized for the frame it is in and
stays on screen at least its reading time, and the edit is exactly the brief's length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

from pydantic import BaseModel

from omnigen.brief import Brief
from omnigen.compliance.policy import Policy, default_policy
from omnigen.keys import JobKeys
from omnigen.script import Script
from omnigen.text_layout import Canvas, Style, fits, largest_fitting_cap, largest_unbroken_cap, paginate
from omnigen.timeline import (
    MusicBed,
    OutputSettings,
    TextItem,
    TextKind,
    TextPosition,
    Timeline,
    VideoClip,
    VoiceLine,
)

LEAD_IN_S = 0.3  # air before the first line of a scene
GAP_S = 0.15  # breath between lines
MS_CAP_HEIGHT = 0.045  # fractions of the frame's short side, above the 4% floor of the legibility rule
SUPER_CAP_HEIGHT = 0.05
END_CARD_CAP_HEIGHT = 0.06
LEGIBLE_HEADROOM = 1.05  # text is never set closer than this to the policy's smallest cap height
MS_MAX_LINES = 3  # a major-statement page: three lines, then the next page while the voice goes on
MS_HOLD_GAP_S = 1.0  # a pause shorter than this keeps the major-statement text up
CUT_AFTER_S = 0.2  # the first cut (and text) after the major statement comes this long after its last word
MIN_LEFTOVER_SHOT_S = 1.0  # a shot the hold would leave shorter than this is folded into it
TEXT_LEAD_S = 0.3  # a super comes up this long after its scene starts
TEXT_TAIL_S = 0.2  # and goes this long before the scene ends
TEXT_GAP_S = 0.1  # blank between one text and the next, so the eye sees the change
MIN_TEXT_S = 0.25  # what an unplaceable text still gets (the checker reports it as too brief)


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


@dataclass
class _Page:
    text: str
    start: float
    end: float
    scene_index: int


def _stored_cap(cap: float) -> float:
    """A cap height as the timeline stores it, rounded DOWN: a size measured to fit must not
    grow by rounding (the font size rounds up from it)."""
    return math.floor(cap * 10_000) / 10_000


def legible_floor(policy: Policy, canvas: Canvas) -> float:
    """The smallest cap height (fraction of the short side) the builder sets: the policy's
    minimum, measured on the policy's dimension, with a little headroom."""
    basis = policy.cap_basis_px(canvas.width, canvas.height)
    return policy.min_cap_height * basis / canvas.short_side * LEGIBLE_HEADROOM


def _ms_pages(voice: list[VoiceLine], style: Style, canvas: Canvas, policy: Policy, until: float) -> list[_Page]:
    """The major statement's text, page by page, in step with its speech.

    Each spoken line is one page, or several when it does not fit the frame at once: the line's
    measured time is shared among its pages by their length, so each page is up while its words
    are spoken. A page stays up through a breath shorter than MS_HOLD_GAP_S. A page too brief
    to read joins a neighbour when the two fit one card — the page before when it ends a sentence
    that page began, else the page after; otherwise it stays up into the pause after it (no later
    than `until`).
    """
    pages: list[_Page] = []
    for v in (v for v in voice if v.major_statement):
        parts = paginate(v.text, style, canvas, MS_MAX_LINES)
        total = sum(len(p) for p in parts)
        t = v.start_s
        for p in parts:
            d = v.duration_s * len(p) / total
            pages.append(_Page(p, t, t + d, v.scene_index))
            t += d
    for a, b in pairwise(pages):
        if b.start - a.end < MS_HOLD_GAP_S:
            a.end = b.start
    i = 0
    while i < len(pages):
        p = pages[i]
        if p.end - p.start >= policy.reading_time_s(p.text) - 1e-9:
            i += 1
            continue
        continues = p.text[:1].islower()  # the tail of the sentence on the page before
        for j in (i - 1, i + 1) if continues else (i + 1, i - 1):
            if 0 <= j < len(pages):
                a, b = sorted((i, j))
                text = f"{pages[a].text} {pages[b].text}"
                if pages[b].start - pages[a].end < MS_HOLD_GAP_S and fits(text, style, canvas, MS_MAX_LINES):
                    pages[a] = _Page(text, pages[a].start, pages[b].end, pages[a].scene_index)
                    del pages[b]
                    i = a
                    break
        else:
            limit = pages[i + 1].start if i + 1 < len(pages) else until
            p.end = max(p.end, min(limit, p.start + policy.reading_time_s(p.text)))
            i += 1
    return pages


def _major_statement_texts(
    voice: list[VoiceLine], canvas: Canvas, policy: Policy, until: float
) -> list[TextItem]:
    style = Style("major_statement", "lower_third", max(MS_CAP_HEIGHT, legible_floor(policy, canvas)))
    return [
        TextItem(
            kind="major_statement",
            text=p.text,
            start_s=round(p.start, 3),
            end_s=round(p.end, 3),
            position=style.position,
            cap_height=_stored_cap(style.cap_height),
            plate_opacity=0.8,
            scene_index=p.scene_index,
        )
        for p in _ms_pages(voice, style, canvas, policy, until)
    ]


@dataclass
class _Wanted:
    """A super or end card before it is scheduled: where its scene would put it, what it needs."""

    text: str
    kind: TextKind
    position: TextPosition
    cap_height: float
    scene_index: int
    start: float
    end: float
    need: float


def _sized(text: str, style: Style, canvas: Canvas, floor: float) -> tuple[Style, list[str]]:
    """How a super is set: no bigger than lets every word stay whole on a line (a name or web
    address split over two lines reads — and OCRs — as two words), then at once, at the largest
    size down to the floor at which it fits its place; a lower-third super that cannot, as a
    card in the centre (the whole title-safe area: nothing else is on screen with it); only when
    even that cannot, in pages at its place."""
    style = style.sized(max(floor, min(style.cap_height, largest_unbroken_cap(text, style, canvas))))
    places = [style.position] + (["center"] if style.position == "lower_third" else [])
    for position in places:
        at = Style(style.kind, position, style.cap_height)
        cap = largest_fitting_cap(text, at, canvas, floor)
        if cap is not None:
            return at.sized(cap), [text]
    return style, paginate(text, style, canvas)


def _scene_texts(script: Script, canvas: Canvas, policy: Policy) -> list[_Wanted]:
    """Each non-major-statement scene's supers as one text (the brand close's as the end card),
    where the scene would put them: from just after the scene starts to just before it ends."""
    floor = legible_floor(policy, canvas)
    out: list[_Wanted] = []
    for s, start in zip(script.scenes, scene_starts(script), strict=True):
        if s.purpose == "major_statement" or not any(x.strip() for x in s.supers):
            continue
        card = s.purpose == "brand_close"
        kind: TextKind = "end_card" if card else "super"
        cap = END_CARD_CAP_HEIGHT if card else SUPER_CAP_HEIGHT
        style = Style(kind, "center" if card else "lower_third", max(cap, floor))
        style, pages = _sized("\n".join(x for x in s.supers if x.strip()), style, canvas, floor)
        position: TextPosition = "center" if style.position == "center" else "lower_third"
        a, b = start + TEXT_LEAD_S, start + s.duration_s - (0.0 if card else TEXT_TAIL_S)
        needs = [policy.reading_time_s(p) for p in pages]
        t = a
        for p, need in zip(pages, needs, strict=True):
            share = (b - a) * need / sum(needs)
            out.append(_Wanted(p, kind, position, _stored_cap(style.cap_height), s.index, t, t + share, need))
            t += share
    return out


def _pack(items: list[_Wanted], lo: float, hi: float) -> list[tuple[float, float]]:
    """Times for texts shown one after another within [lo, hi], in order: each as near its
    scene's window as it can be, and at least its reading time, taking the time from its
    neighbours' windows (a super may run on across a cut) when its own scene is too short. When
    even that cannot give every text its reading time, they share what there is (and the
    checker reports the ones left too brief)."""
    n = len(items)
    latest_end = [hi] * n  # so that the texts after it still get their reading time
    for i in range(n - 2, -1, -1):
        latest_end[i] = latest_end[i + 1] - items[i + 1].need - TEXT_GAP_S
    out: list[tuple[float, float]] = []
    prev_end = lo - TEXT_GAP_S
    for i, it in enumerate(items):
        floor_start = max(lo, prev_end + TEXT_GAP_S)
        start = max(floor_start, min(max(it.start, floor_start), latest_end[i] - it.need))
        end = max(it.end, start + it.need)
        if i + 1 < n:  # no further into the next text's window than its own reading time needs
            end = min(end, max(items[i + 1].start - TEXT_GAP_S, start + it.need))
        end = min(end, latest_end[i], hi)
        if end - start < MIN_TEXT_S:
            start = min(start, hi - MIN_TEXT_S)
            end = start + MIN_TEXT_S
        out.append((round(start, 3), round(end, 3)))
        prev_end = end
    return out


def _room(group: list[_Wanted], lo: float, hi: float) -> float:
    """Seconds to spare when the texts of `group` are shown one after another in [lo, hi]."""
    return hi - lo - sum(w.need for w in group) - TEXT_GAP_S * max(0, len(group) - 1)


def _merged(a: _Wanted, b: _Wanted, canvas: Canvas, policy: Policy) -> _Wanted | None:
    """Two consecutive texts as one card in the centre (the contact card with the end card), at
    the largest size down to the legibility floor that fits: one reading-time floor instead of
    two. None when even that does not fit."""
    text = f"{a.text}\n{b.text}"
    floor = legible_floor(policy, canvas)
    style = Style("end_card", "center", max(floor, min(a.cap_height, b.cap_height)))
    style = style.sized(max(floor, min(style.cap_height, largest_unbroken_cap(text, style, canvas))))
    cap = largest_fitting_cap(text, style, canvas, floor)
    if cap is None:
        return None
    kind: TextKind = "end_card" if "end_card" in (a.kind, b.kind) else "super"
    return _Wanted(text, kind, "center", _stored_cap(cap), a.scene_index, a.start, b.end, policy.reading_time_s(text))


def _fitted(group: list[_Wanted], lo: float, hi: float, canvas: Canvas, policy: Policy) -> list[_Wanted]:
    """When the texts of a run cannot each get their reading time one after another, the last two
    become one card (read together, they need one floor, not two), until they can or nothing
    more merges. The contact card and the end card are what this joins in a tight ad."""
    group = list(group)
    while len(group) >= 2 and _room(group, lo, hi) < 0:
        merged = _merged(group[-2], group[-1], canvas, policy)
        if merged is None or merged.need >= group[-2].need + group[-1].need + TEXT_GAP_S:
            break
        group[-2:] = [merged]
    return group


def _schedule(
    wanted: list[_Wanted], blocked: tuple[float, float] | None, total: float, canvas: Canvas, policy: Policy
) -> list[TextItem]:
    """Supers and the end card on the clock: never during the major statement (a text whose scene
    overlaps it moves after it — adequate-provision text is never dropped), one at a time, each
    for at least its reading time where the ad has the room (see `_fitted` when it has not)."""
    spans = [(0.0, total)]
    if blocked is not None:
        spans = [(0.0, blocked[0] - TEXT_GAP_S), (blocked[1], total)]
    groups: list[list[_Wanted]] = [[] for _ in spans]
    for w in wanted:
        k = 0 if blocked is None or w.start < blocked[0] - TEXT_GAP_S else 1
        groups[k].append(w)
    texts: list[TextItem] = []
    for (lo, hi), group in zip(spans, groups, strict=True):
        group = _fitted(group, lo, hi, canvas, policy)
        for w, (start, end) in zip(group, _pack(group, lo, hi), strict=True):
            texts.append(
                TextItem(
                    kind=w.kind,
                    text=w.text,
                    start_s=start,
                    end_s=end,
                    position=w.position,
                    cap_height=w.cap_height,
                    scene_index=w.scene_index,
                )
            )
    return texts


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


def _exact_length(clips: list[VideoClip], total: float) -> list[VideoClip]:
    """The last shot is lengthened (it holds its last frame) or trimmed so the edit runs exactly
    the brief's length: a script may be off by the writer's rounding, a broadcast slot is not."""
    diff = round(total - sum(c.duration_s for c in clips), 3)
    if abs(diff) < 1e-3:
        return clips
    last = clips[-1]
    out_s = round(max(last.in_s + 0.25, last.out_s + diff), 3)
    return [*clips[:-1], last.model_copy(update={"out_s": out_s})]


def build_timeline(
    brief: Brief,
    script: Script,
    keys: JobKeys,
    lines: list[SpokenLine],
    music: bool = True,
    policy: Policy | None = None,
    animatic: bool = False,
) -> Timeline:
    """The first edit. `policy` sets the legibility floor and reading times the text is built
    to; `animatic` marks clips that are an offline stand-in for footage."""
    policy = policy or default_policy()
    width, height = brief.output_size()
    output = OutputSettings(width=width, height=height, fps=24, loudness_lufs=brief.loudness_lufs, animatic=animatic)
    canvas = Canvas(width, height, output.safe_margin)
    total = float(brief.duration_s)
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
    ms_lines = [v for v in voice if v.major_statement]
    ms_end = max((v.end_s for v in ms_lines), default=0.0)
    texts = _major_statement_texts(voice, canvas, policy, until=total)
    blocked = None
    if texts:
        blocked = (texts[0].start_s, max(texts[-1].end_s, ms_end + CUT_AFTER_S))
    texts += _schedule(_scene_texts(script, canvas, policy), blocked, total, canvas, policy)
    ms_scenes = {sc.index for sc in script.scenes if sc.purpose == "major_statement"}
    return Timeline(
        output=output,
        clips=_exact_length(_hold_last_ms_shot(clips, ms_scenes, ms_end), total),
        voice=voice,
        music=MusicBed(asset=keys.music) if music else None,
        texts=sorted(texts, key=lambda t: t.start_s),
    )
