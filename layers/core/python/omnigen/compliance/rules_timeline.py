"""Timeline-level checks: the edit about to be rendered, with measured voice timings.

The composer builds the first timeline compliant by construction; these checks are what keeps
it so after a person edits it (moves a super, trims a clip, turns the music up), and what the
compose step refuses on. Only text that differs from the script is re-checked for claims and ad
type: the script-level findings already cover the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from omnigen.compliance.context import TimelineContext
from omnigen.compliance.findings import Finding
from omnigen.compliance.language import find_claims, match_phrase, names_word, significant_words, stem
from omnigen.compliance.rule import Rule
from omnigen.compliance.rules_script import HELP_SEEKING_SOURCE, REMINDER_SOURCE, drug_words, reminder_use
from omnigen.script import word_count
from omnigen.timeline import TextItem, VoiceLine

EPS = 0.01  # seconds: rounding slack for times stored to the millisecond


def _merge(intervals: list[tuple[float, float]], gap: float = 0.05) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def ms_complete(rule: Rule, ctx: TimelineContext) -> Iterator[Finding]:
    """The script's major statement is actually in the edit's audio."""
    if ctx.spoken(ctx.ms_scenes) and not ctx.ms_lines:
        yield rule.finding(
            "The timeline has no major-statement voice lines: the major statement is not spoken.",
            fix="Re-create the voiceover so the major-statement scenes are spoken.",
            **ctx.whole(),
        )


def _risk_stems(ctx: TimelineContext) -> set[str]:
    phrases = [p for _, p in ctx.risks] + [ctx.brief.product.boxed_warning or ""]
    return {stem(w) for p in phrases for w in significant_words(p)}


def ms_dual_modality(rule: Rule, ctx: TimelineContext) -> Iterator[Finding]:
    """Each spoken major-statement line is on screen as text from its first word to its last
    (within the tolerance), and the text shows its key terms verbatim."""
    p = ctx.policy
    tol = p.dual_modality_tolerance_s
    risk = _risk_stems(ctx)
    for line in ctx.ms_lines:
        if not line.text.strip():
            continue
        over = [t for t in ctx.ms_texts if _overlap(t.start_s, t.end_s, line.start_s, line.end_s) > EPS]
        quote = _short(line.text)
        if not over:
            yield rule.finding(
                f'The spoken major-statement line "{quote}" is not shown as text on screen.',
                fix="Add a major_statement text item with this line, from its first word to its last.",
                **ctx.line_at(line),
            )
            continue
        spans = _merge([(t.start_s, t.end_s) for t in over])
        if not any(a <= line.start_s + tol + 1e-9 and b >= line.end_s - tol - 1e-9 for a, b in spans):
            first, last = spans[0][0], spans[-1][1]
            yield rule.finding(
                f'The text of "{quote}" is on screen {first:.2f}–{last:.2f} s but the line is spoken '
                f"{line.start_s:.2f}–{line.end_s:.2f} s; the text must start and end with the audio "
                f"(within {tol:.2f} s).",
                fix="Place the major-statement text from the line's measured start to its end.",
                **ctx.line_at(line),
            )
        shown = " ".join(t.text for t in over)
        key = [w for w in significant_words(line.text) if stem(w) in risk]
        if key:
            m = match_phrase(" ".join(key), shown)
            need = p.risk_match_min_fraction
        else:
            m = match_phrase(line.text, shown)
            need = p.dual_modality_min_terms
        if not m.ok(need):
            yield rule.finding(
                f'The text shown while "{quote}" is spoken does not carry its key terms '
                f"(missing: {', '.join(m.missing)}).",
                fix="Show the spoken line verbatim (or at least its risk terms) as the major-statement text.",
                **ctx.line_at(line),
            )


def _short(text: str, n: int = 80) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 1] + "…"


def ms_distraction(rule: Rule, ctx: TimelineContext) -> Iterator[Finding]:
    """During the major statement: no short shots cut in, no supers or end card, music ducked."""
    span = ctx.ms_span
    if span is None:
        return
    a, b = span
    p = ctx.policy
    tl = ctx.timeline
    cuts = [0.0, *tl.cut_times(), tl.duration_s]
    for i, clip in enumerate(tl.clips):
        s0, s1 = cuts[i], cuts[i + 1]
        inside = [c for c in (s0, s1) if a + EPS < c < b - EPS and 0 < c < tl.duration_s]
        if inside and s1 - s0 < p.min_shot_s - 1e-9:
            yield rule.finding(
                f"A {s1 - s0:.1f} s shot (scene {clip.scene_index}) cuts in during the major statement; "
                f"shots there must last at least {p.min_shot_s:.1f} s.",
                fix=f"Lengthen or remove the shot at {s0:.1f}–{s1:.1f} s, or move the cut outside the major statement.",
                scene=clip.scene_index,
                start_s=s0,
                end_s=s1,
            )
    for t in tl.texts:
        if t.kind in ("super", "end_card") and _overlap(t.start_s, t.end_s, a, b) > EPS:
            yield rule.finding(
                f'The {t.kind.replace("_", " ")} "{_short(t.text, 50)}" is on screen during the major statement '
                f"({a:.1f}–{b:.1f} s) and competes with it.",
                fix=f"End it before {a:.1f} s or start it after {b:.1f} s.",
                **ctx.text_at(t),
            )
    m = tl.music
    if m is not None:
        under = m.gain_db - m.duck_db
        need = max(p.min_duck_db, m.gain_db + p.min_duck_db)
        if m.duck_db < need - 1e-9:
            level = f" (the bed plays at {m.gain_db:+.1f} dB)" if m.gain_db + p.min_duck_db > p.min_duck_db else ""
            yield rule.finding(
                f"The music ducks only {m.duck_db:.1f} dB under the major statement{level}, to {under:.1f} dB against "
                f"the voice; it must drop at least {p.min_duck_db:.1f} dB and stay {p.min_duck_db:.1f} dB below "
                "the voice.",
                fix=f"Set music.duck_db to at least {need:.1f}.",
                **ctx.span_at(),
            )


def _rate(lines: list[VoiceLine]) -> tuple[int, float]:
    return sum(word_count(v.text) for v in lines), sum(v.duration_s for v in lines)


def ms_pace(rule: Rule, ctx: TimelineContext) -> Iterator[Finding]:
    """Measured speech: the major statement's words per spoken minute against the benefit lines'.

    Relative only: the absolute ceiling is judged on the script, where the writer can act on it;
    here the same voice reads everything, so a slower or faster voice moves both rates together.
    """
    words, seconds = _rate(ctx.ms_lines)
    if not words or seconds <= 0:
        return
    ref_lines = [v for v in ctx.timeline.voice if ctx.purpose(v.scene_index) == "benefit"] or [
        v for v in ctx.timeline.voice if ctx.purpose(v.scene_index) in ("indication", "hook")
    ]
    ref_words, ref_seconds = _rate(ref_lines)
    if not ref_words or ref_seconds <= 0:
        return
    p = ctx.policy
    rate = words * 60 / seconds
    ref = max(ref_words * 60 / ref_seconds, p.pace_floor_wpm)
    if rate > ref * p.pace_tolerance + 1e-9:
        yield rule.finding(
            f"The major statement is spoken at {rate:.0f} wpm, faster than the benefit lines ({ref:.0f} wpm) by "
            f"more than the policy's {100 * (p.pace_tolerance - 1):.0f}%.",
            fix="Re-record the major statement at the pace of the rest of the ad.",
            **ctx.span_at(),
        )


def fit_duration(rule: Rule, ctx: TimelineContext) -> Iterator[Finding]:
    """The edit is the brief's length — not a frame shorter (a trim or a dissolve that shortens
    it leaves the slot's end black and cuts the end card), no longer than the tolerance — and no
    spoken line or text runs past its end."""
    p = ctx.policy
    length, want = ctx.timeline.duration_s, ctx.brief.duration_s
    frame = 1.0 / ctx.timeline.output.fps
    if length < want - frame - 1e-9:
        yield rule.finding(
            f"The edit runs {length:.2f} s, {want - length:.2f} s shorter than the brief's {want} s "
            "(a trimmed clip or a dissolve takes time out of the ad).",
            fix=f"Lengthen a clip (the last shot can hold) so the edit runs {want} s.",
            scene=None,
            start_s=0.0,
            end_s=length,
        )
    elif length > want + p.duration_tolerance_s + 1e-9:
        yield rule.finding(
            f"The edit runs {length:.1f} s but the brief asks for {want} s.",
            fix=f"Trim clips so the edit runs {want} s.",
            scene=None,
            start_s=0.0,
            end_s=length,
        )
    for t in ctx.timeline.texts:
        if t.end_s > length + frame and t.start_s < length:
            what = "end card" if t.kind == "end_card" else t.kind.replace("_", "-") + " text"
            yield rule.finding(
                f'The {what} "{_short(t.text, 50)}" is timed to {t.end_s:.2f} s but the edit ends at '
                f"{length:.2f} s: its last {t.end_s - length:.2f} s are cut off.",
                fix="Lengthen the edit to the brief's length, or end the text with the edit.",
                **ctx.text_at(t),
            )
    for v in ctx.timeline.voice:
        if v.end_s > length + EPS:
            yield rule.finding(
                f'The line "{_short(v.text)}" ends at {v.end_s:.2f} s, after the ad ends at {length:.2f} s: '
                "it would be cut off.",
                fix="Shorten the voiceover of that scene or lengthen the ad's last scenes.",
                **ctx.line_at(v),
            )
    yield from _lines_at_once(rule, ctx)


def _lines_at_once(rule: Rule, ctx: TimelineContext) -> Iterator[Finding]:
    """Two lines spoken over each other: a shortened scene pulls the next line under one still
    being spoken, and a re-voiced line can come back longer than the gap before the next."""
    spoken = sorted(ctx.timeline.voice, key=lambda v: v.start_s)
    for a, b in pairwise(spoken):
        if b.start_s < a.end_s - EPS:
            where = f"scene {a.scene_index}" if a.scene_index is not None else "the scene before it"
            yield rule.finding(
                f'The line "{_short(b.text, 50)}" starts at {b.start_s:.2f} s while "{_short(a.text, 50)}" is '
                f"spoken until {a.end_s:.2f} s: the two would be heard at once.",
                fix=f"Lengthen {where} by {a.end_s - b.start_s:.1f} s, or shorten its line.",
                **ctx.line_at(b),
            )


def _edited_texts(ctx: TimelineContext) -> list[TextItem]:
    known = ctx.script_texts()
    return [t for t in ctx.timeline.texts if " ".join(t.text.split()) not in known]


def claim_absolute(rule: Rule, ctx: TimelineContext) -> Iterator[Finding]:
    """Absolute claims in on-screen text added or changed in the editor."""
    why = {c.pattern: c.why for c in ctx.policy.absolute_claims}
    for t in _edited_texts(ctx):
        for pattern, hit in find_claims(t.text, why):
            yield rule.finding(
                f'On-screen text says "{hit.text}": it {why[pattern]}, which the label cannot support.',
                fix=f'Remove "{hit.text}" from the text item.',
                **ctx.text_at(t),
            )


def ad_type(rule: Rule, ctx: TimelineContext) -> Iterator[Finding]:
    """On-screen text added in the editor keeps to the ad type."""
    if ctx.ad_type == "help_seeking":
        names = drug_words(ctx)
        for t in _edited_texts(ctx):
            said = [n for n in names if names_word(t.text, n)]
            if said:
                yield rule.finding(
                    f"A help-seeking ad must not name the drug, but on-screen text names {', '.join(said)}.",
                    fix="Remove the drug's name from the text item.",
                    source=HELP_SEEKING_SOURCE,
                    **ctx.text_at(t),
                )
    elif ctx.ad_type == "reminder":
        for t in _edited_texts(ctx):
            reasons = reminder_use(ctx, t.text)
            if reasons:
                yield rule.finding(
                    f"A reminder ad must not state or imply what the drug is for, but on-screen text "
                    f"{'; '.join(reasons)}.",
                    fix="Keep on-screen text to the name, the dosage form and the reminder.",
                    source=REMINDER_SOURCE,
                    **ctx.text_at(t),
                )
