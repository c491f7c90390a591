"""Rules for on-screen text as the viewer gets it: on the frame (fits, inside title-safe, big
enough against the policy's dimension, legible on its plate) and long enough to be read.

The layout measured here is `text_layout.layout_item` — the same function the renderer draws —
so a text this module passes is the text the frame shows, in every aspect and resolution.
"""

from __future__ import annotations

from collections.abc import Iterator

from omnigen.compliance.context import Location, ScriptContext, TimelineContext
from omnigen.compliance.contrast import worst_case_contrast
from omnigen.compliance.findings import Finding
from omnigen.compliance.rule import Rule
from omnigen.script import Scene, word_count
from omnigen.text_layout import TextLayout, layout_item
from omnigen.timeline import TextItem

EPS = 0.01  # seconds: rounding slack for times stored to the millisecond
KIND_NAMES = {"super": "super", "major_statement": "major-statement text", "end_card": "end card"}


def _short(text: str, n: int = 60) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 1] + "…"


def _name(item: TextItem) -> str:
    return f'{KIND_NAMES[item.kind]} "{_short(item.text)}"'


def _frame(ctx: TimelineContext) -> str:
    o = ctx.timeline.output
    return f"{o.width}×{o.height}"


def _group_at(items: list[TextItem]) -> Location:
    """One location for several text items: the first item's scene, first start to last end."""
    return {
        "scene": items[0].scene_index,
        "start_s": min(t.start_s for t in items),
        "end_s": max(t.end_s for t in items),
    }


# --- size, contrast and title-safe (MS-LEGIBILITY for the major statement, TEXT-LEGIBILITY else) ---


def _legibility(rule: Rule, ctx: TimelineContext, items: list[TextItem], what: str) -> Iterator[Finding]:
    """Cap height against the policy's dimension, worst-case contrast on the plate, title-safe."""
    p = ctx.policy
    o = ctx.timeline.output
    short = min(o.width, o.height)
    basis = p.cap_basis_px(o.width, o.height)
    need_px = p.min_cap_height * basis
    small = [t for t in items if t.cap_height * short < need_px - 1e-6]
    if small:
        least = min(small, key=lambda t: t.cap_height)
        dim = "short side" if p.cap_height_basis == "short_side" else "height"
        yield rule.finding(
            f"{len(small)} {what} item(s) have capital letters as small as {least.cap_height * short:.0f} px "
            f"({100 * least.cap_height * short / basis:.1f}% of the {_frame(ctx)} frame's {dim}, {basis} px); "
            f"the policy needs at least {100 * p.min_cap_height:.1f}% ({need_px:.0f} px).",
            fix=f"Set cap_height to at least {need_px / short:.4f} (a fraction of the frame's short side) on "
            f"every {what} item.",
            **_group_at(small),
        )
    faint: dict[tuple[str, str, float], list[TextItem]] = {}
    for t in items:
        if worst_case_contrast(t.color, t.plate_color, t.plate_opacity) < p.min_contrast - 1e-9:
            faint.setdefault((t.color, t.plate_color, t.plate_opacity), []).append(t)
    for (color, plate, opacity), group in faint.items():
        ratio = worst_case_contrast(color, plate, opacity)
        yield rule.finding(
            f"{what.capitalize()} {color} on a {plate} plate at {opacity:.0%} opacity has a worst-case contrast "
            f"of {ratio:.2f}:1 over the picture; the policy needs {p.min_contrast:.1f}:1 ({len(group)} item(s)).",
            fix="Use white text on a black plate of at least 75% opacity (or another pair that passes).",
            **_group_at(group),
        )


def _title_safe(rule: Rule, ctx: TimelineContext, where: Location) -> Iterator[Finding]:
    p = ctx.policy
    if ctx.timeline.output.safe_margin < p.title_safe - 1e-9:
        yield rule.finding(
            f"Text is placed {100 * ctx.timeline.output.safe_margin:.1f}% from the frame edge; the title-safe "
            f"area is {100 * p.title_safe:.1f}%.",
            fix=f"Set output.safe_margin to at least {p.title_safe}.",
            **where,
        )


def ms_legibility(rule: Rule, ctx: TimelineContext) -> Iterator[Finding]:
    """Major-statement text: cap height, worst-case contrast on its plate, title-safe margin."""
    yield from _legibility(rule, ctx, ctx.ms_texts, "major-statement text")
    if ctx.ms_texts or ctx.ms_lines:
        yield from _title_safe(rule, ctx, ctx.span_at())


def text_legibility(rule: Rule, ctx: TimelineContext) -> Iterator[Finding]:
    """Every other text item (supers, the contact card, the end card): the same thresholds."""
    others = [t for t in ctx.timeline.texts if t.kind != "major_statement"]
    if others:
        yield from _legibility(rule, ctx, others, "on-screen text")
        yield from _title_safe(rule, ctx, {**_group_at(others), "scene": None})


# --- on the frame ---------------------------------------------------------------------------------


def text_fit(rule: Rule, ctx: TimelineContext) -> Iterator[Finding]:
    """Every text item fits the frame it is in, whole, inside title-safe, at its size; two texts
    on screen at once do not cover each other."""
    o = ctx.timeline.output
    layouts: list[tuple[TextItem, TextLayout]] = [(t, layout_item(t, o)) for t in ctx.timeline.texts]
    for t, lay in layouts:
        if lay.fits:
            continue
        place = {
            "lower_third": "lower half of the title-safe area",
            "top": "upper half of the title-safe area",
            "center": "title-safe area",
        }[t.position]
        yield rule.finding(
            f"The {_name(t)} does not fit the {place} of the {_frame(ctx)} frame at its size "
            f"({100 * t.cap_height:.1f}% of the short side): it would be drawn at "
            f"{100 * lay.cap_px / min(o.width, o.height):.1f}% to stay inside title-safe.",
            fix="Shorten it, split it into pages timed one after another, or move it to the centre.",
            **ctx.text_at(t),
        )
    for i, (a, la) in enumerate(layouts):
        for b, lb in layouts[i + 1 :]:
            if min(a.end_s, b.end_s) - max(a.start_s, b.start_s) > EPS and la.plate.intersects(lb.plate):
                yield rule.finding(
                    f"The {_name(a)} and the {_name(b)} are on screen together "
                    f"({max(a.start_s, b.start_s):.2f}–{min(a.end_s, b.end_s):.2f} s) and cover each other.",
                    fix="Show them one after the other, or put them in different positions.",
                    scene=a.scene_index,
                    start_s=max(a.start_s, b.start_s),
                    end_s=min(a.end_s, b.end_s),
                )


# --- long enough to read ----------------------------------------------------------------------------


def _reading_rule(ctx: ScriptContext) -> str:
    p = ctx.policy
    return f"at least {p.text_min_s:.1f} s, {p.text_s_per_word:.2f} s a word"


def _runs(ctx: ScriptContext) -> list[list[Scene]]:
    """The scenes whose supers share screen time: the runs between major-statement scenes (no
    super may show during the major statement), or every scene of an ad without one."""
    runs: list[list[Scene]] = [[]]
    for s in ctx.script.scenes:
        if s.purpose == "major_statement":
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(s)
    return [r for r in runs if r]


def script_reading_time(rule: Rule, ctx: ScriptContext) -> Iterator[Finding]:
    """The supers of each run of scenes can be read in the time those scenes last: a super may run
    on into a neighbouring scene of the run, never into the major statement, and texts that do
    not fit one after another can share one card (the contact card with the end card) — so the
    least a run needs is the reading time of its supers one after another, or all on one card."""
    p = ctx.policy
    for run in _runs(ctx):
        shown = ["\n".join(x for x in s.supers if x.strip()) for s in run]
        shown = [t for t in shown if t]
        if not shown:
            continue
        need = min(sum(p.reading_time_s(t) for t in shown), p.reading_time_s("\n".join(shown)))
        have = sum(s.duration_s for s in run)
        if need > have + 1e-9:
            scenes = f"scene {run[0].index}" if len(run) == 1 else f"scenes {run[0].index}–{run[-1].index}"
            words = sum(word_count(t) for t in shown)
            yield rule.finding(
                f"The supers of {scenes} ({words} words) need at least {need:.1f} s on screen to be read "
                f"({_reading_rule(ctx)}) but {scenes} last {have:.1f} s.",
                fix=f"Give {scenes} {need - have:.1f} s more (take it from scenes without text) or shorten the supers.",
                **ctx.over(run),
            )


def timeline_reading_time(rule: Rule, ctx: TimelineContext) -> Iterator[Finding]:
    """Every text item is on screen — inside the edit — at least its reading time (to the frame:
    pictures change once a frame, so that is the precision a time on screen has)."""
    end = ctx.timeline.duration_s
    frame = 1.0 / ctx.timeline.output.fps
    for t in ctx.timeline.texts:
        need = ctx.policy.reading_time_s(t.text)
        shown = max(0.0, min(t.end_s, end) - t.start_s)
        if shown >= need - frame:
            continue
        words = word_count(t.text)
        cut = f", cut off by the end of the edit at {end:.2f} s" if t.end_s > end + frame else ""
        yield rule.finding(
            f"The {_name(t)} is on screen {shown:.1f} s{cut}; its {words} word(s) need {need:.1f} s "
            f"({_reading_rule(ctx)}).",
            fix=f"Keep it on screen until {t.start_s + need:.2f} s (take the time from a neighbouring text), "
            "or shorten it.",
            **ctx.text_at(t),
        )
