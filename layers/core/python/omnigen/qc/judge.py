"""From measurements to findings (pure): what OCR read per text item, the line samples, the
audio figures and the track lengths, judged against the plan and the QC policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from omnigen.compliance.findings import Finding
from omnigen.compliance.referral import refers_to_provider
from omnigen.qc.matching import TextMatch, align, similar, tokens
from omnigen.qc.plan import LineCheck, QcPlan, RequiredText, TextCheck
from omnigen.qc.policy import QcPolicy
from omnigen.qc.report import RULES, AudioMeasures, LineSampling, TextReading, TrackLengths, WordBox

GEOMETRY_MIN_CONF = 30.0
"""OCR words below this confidence are not used to say where the text is (picture noise)."""


@dataclass
class ItemRead:
    """One text item read off its frame: the words, which of them are the item's, the match."""

    check: TextCheck
    words: list[WordBox]
    match: TextMatch
    own: list[int]
    """Indexes of `words` that are the item's (matched, or a piece of one of its words)."""
    contrast: float | None = None
    cut_at: list[str] = field(default_factory=list)
    """Edges of its card the text's pixels reach (where letters are clipped off)."""

    @property
    def read_tokens(self) -> list[str]:
        return [t for w in self.words for t in tokens(w.text)]

    def box(self) -> tuple[int, int, int, int] | None:
        ws = [self.words[i] for i in self.own]
        if not ws:
            return None
        x0, y0 = min(w.x for w in ws), min(w.y for w in ws)
        x1, y1 = max(w.x + w.w for w in ws), max(w.y + w.h for w in ws)
        return x0, y0, x1 - x0, y1 - y0


def read_item(check: TextCheck, words: list[WordBox]) -> ItemRead:
    """Align what OCR read with the item's text, and pick out the words that are the item's."""
    flat = [(t, i) for i, w in enumerate(words) for t in tokens(w.text)]
    expected = tokens(check.item.text)
    match = align(expected, [t for t, _ in flat])
    own = {flat[k][1] for ks in match.read_for for k in ks}
    long_words = [t for t in expected if len(t) >= 4]
    for i, w in enumerate(words):  # a word cut by an edge still shows where the text is
        piece = any(len(t) >= 3 and any(similar(e, t, 0.4) for e in long_words) for t in tokens(w.text))
        if i not in own and w.conf >= GEOMETRY_MIN_CONF and piece:
            own.add(i)
    return ItemRead(check=check, words=words, match=match, own=sorted(own))


def _quote(text: str, n: int = 60) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 1] + "…"


def _kind(item_kind: str) -> str:
    return {"major_statement": "major-statement text", "end_card": "end card"}.get(item_kind, item_kind)


def _at(check: TextCheck) -> dict:
    return {"scene": check.item.scene_index, "start_s": check.item.start_s, "end_s": check.item.end_s}


def text_findings(
    plan: QcPlan, reads: dict[int, ItemRead], frame_w: int, frame_h: int, policy: QcPolicy
) -> list[Finding]:
    """Each text item on screen whole (no word lost, none clipped by its card's edge), inside
    title-safe, with contrast on its pixels."""
    out: list[Finding] = []
    m = policy.title_safe
    safe = (m * frame_w - policy.safe_slack_px, m * frame_h - policy.safe_slack_px,
            (1 - m) * frame_w + policy.safe_slack_px, (1 - m) * frame_h + policy.safe_slack_px)  # fmt: skip
    for check in plan.texts:
        item = check.item
        what = f'The {_kind(item.kind)} "{_quote(item.text)}"'
        if check.frame is None:
            out.append(
                RULES["QC-TEXT-MISSING"].finding(
                    f"{what} is timed {item.start_s:.2f}–{item.end_s:.2f} s but the ad ends at "
                    f"{plan.frame_count / plan.fps:.2f} s: it is never on screen.",
                    fix="Move the text item inside the ad, or lengthen the ad.",
                    **_at(check),
                )
            )
            continue
        r = reads.get(check.index)
        t = plan.time_of(check.frame)
        if r is None:  # planned, but the file has no such frame
            out.append(
                RULES["QC-TEXT-MISSING"].finding(
                    f"{what} should be on screen at {t:.2f} s but the file has no frame there.",
                    fix="Re-compose the version: the file ends early.",
                    **_at(check),
                )
            )
            continue
        cut = r.cut_at
        if not r.match.whole(policy.text_match_min, policy.max_missing_run) or cut:
            problems = []
            if not r.match.whole(policy.text_match_min, policy.max_missing_run):
                missing = ", ".join(f'"{w}"' for w in r.match.missing[:8])
                problems.append(
                    f"OCR read {100 * r.match.fraction:.0f}% of its words (at least "
                    f"{100 * policy.text_match_min:.0f}% are needed); missing: {missing}"
                )
            if cut:
                problems.append(f"its letters run into the {' and '.join(cut)} edge of its card and are cut off there")
            out.append(
                RULES["QC-TEXT-MISSING"].finding(
                    f"{what} is not on screen whole at {t:.2f} s: {'; '.join(problems)}.",
                    fix="Make the text fit its card inside the title-safe area (wrap it, shorten it, or page it), "
                    "and keep it on a plate it can be read against.",
                    **_at(check),
                )
            )
        outside = [
            r.words[i] for i in r.own
            if r.words[i].x < safe[0] or r.words[i].y < safe[1]
            or r.words[i].x + r.words[i].w > safe[2] or r.words[i].y + r.words[i].h > safe[3]
        ]  # fmt: skip
        if outside:
            cut = [w for w in outside if w.x <= 1 or w.y <= 1 or w.x + w.w >= frame_w - 1 or w.y + w.h >= frame_h - 1]
            names = ", ".join(f'"{w.text}"' for w in outside[:6])
            how = "runs off the frame" if cut else "runs outside the title-safe area"
            out.append(
                RULES["QC-OFF-SAFE"].finding(
                    f"{what} {how} at {t:.2f} s ({names}); text must stay {100 * m:.0f}% in from every edge.",
                    fix="Keep the text inside the title-safe area: wrap or shorten it, or set a smaller cap height.",
                    **_at(check),
                )
            )
        if r.contrast is not None and r.contrast < policy.min_contrast - 1e-9:
            out.append(
                RULES["QC-CONTRAST"].finding(
                    f"{what} measures {r.contrast:.2f}:1 against what is behind it at {t:.2f} s; "
                    f"the policy needs {policy.min_contrast:.1f}:1.",
                    fix="Use a darker, more opaque plate (or a lighter text colour); white on a black plate of "
                    "at least 75% opacity passes.",
                    **_at(check),
                )
            )
    return out


def _found(req: RequiredText, read: list[str]) -> float:
    """Share of the required text found in order in one item's reading (1.0 = whole)."""
    if req.referral and refers_to_provider(" ".join(read)):
        return 1.0
    return align(tokens(req.text), read).fraction


def required_findings(required: list[RequiredText], reads: dict[int, ItemRead]) -> list[Finding]:
    """Every piece of text the brief requires is on screen, whole, in some item QC read."""
    out = []
    for req in required:
        best = max(((_found(req, r.read_tokens), r) for r in reads.values()), key=lambda x: x[0], default=None)
        if best is not None and best[0] >= 1.0:
            continue
        near = ""
        where: dict = {"scene": None, "start_s": None, "end_s": None}
        if best is not None and best[0] > 0:
            r = best[1]
            near = f' (the nearest is the {_kind(r.check.item.kind)} "{_quote(r.check.item.text, 40)}", ' \
                f"{100 * best[0]:.0f}% of it read)"  # fmt: skip
            where = _at(r.check)
        out.append(
            RULES["QC-TEXT-MISSING"].finding(
                f'The {req.what} "{req.text}" is not on screen whole in any frame QC read{near}.',
                fix=f"Show the {req.what} as on-screen text, whole and inside the title-safe area.",
                **where,
            )
        )
    return out


def line_findings(lines: list[LineCheck], shown: dict[int, dict[int, bool]], plan: QcPlan) -> tuple[
    list[Finding], list[LineSampling]
]:  # fmt: skip
    """Each spoken major-statement line has its text on screen on every frame sampled across it."""
    findings, samplings = [], []
    for lc in lines:
        seen = shown.get(lc.index, {})
        on = [plan.time_of(f) for f in lc.frames if seen.get(f)]
        off = [plan.time_of(f) for f in lc.frames if not seen.get(f)]
        line = lc.line
        samplings.append(
            LineSampling(
                index=lc.index, text=line.text, start_s=line.start_s, end_s=line.end_s, shown_at=on, missing_at=off
            )
        )
        if off:
            times = ", ".join(f"{t:.2f} s" for t in off[:6])
            findings.append(
                RULES["QC-MS-NOT-SHOWN"].finding(
                    f'The spoken major-statement line "{_quote(line.text)}" ({line.start_s:.2f}–{line.end_s:.2f} s) '
                    f"is not on screen at {times}: those frames do not show its text.",
                    fix="Show the line as major-statement text from its first word to its last.",
                    scene=line.scene_index,
                    start_s=line.start_s,
                    end_s=line.end_s,
                )
            )
    return findings, samplings


def audio_findings(audio: AudioMeasures, policy: QcPolicy) -> list[Finding]:
    out = []
    whole = {"scene": None, "start_s": None, "end_s": None}
    if audio.integrated_lufs == float("-inf"):
        out.append(
            RULES["QC-LOUDNESS"].finding(
                "The ad is silent: its audio measures below the -70 LUFS gate.",
                fix="Check that the voiceover and the music bed are in the timeline.",
                severity="warning",
                **whole,
            )
        )
    elif abs(audio.integrated_lufs - audio.target_lufs) > policy.loudness_tolerance_lu + 1e-9:
        out.append(
            RULES["QC-LOUDNESS"].finding(
                f"The ad measures {audio.integrated_lufs:.1f} LUFS integrated; the target is "
                f"{audio.target_lufs:.1f} ± {policy.loudness_tolerance_lu:.1f}.",
                fix="Re-compose: compose normalises to the timeline's loudness target.",
                **whole,
            )
        )
    if audio.true_peak_dbtp > audio.ceiling_dbtp + 1e-9:
        out.append(
            RULES["QC-TRUE-PEAK"].finding(
                f"The audio's true peak is {audio.true_peak_dbtp:+.1f} dBTP, above the {audio.ceiling_dbtp:+.1f} dBTP "
                "ceiling: it can clip in a broadcaster's chain.",
                fix="Re-compose (compose limits true peak below the ceiling), or lower the music bed's gain.",
                **whole,
            )
        )
    return out


def duration_findings(tracks: TrackLengths, fps: int, policy: QcPolicy) -> list[Finding]:
    out = []
    allow = policy.track_tolerance_frames / fps
    for name, got in (("video", tracks.video_s), ("audio", tracks.audio_s)):
        if got is None:
            out.append(
                RULES["QC-DURATION"].finding(
                    f"The file has no {name} track.",
                    fix="Re-compose the version.",
                    start_s=0.0,
                    end_s=tracks.timeline_s,
                )
            )
        elif abs(got - tracks.timeline_s) > allow + 0.01:
            out.append(
                RULES["QC-DURATION"].finding(
                    f"The {name} track runs {got:.2f} s but the timeline is {tracks.timeline_s:.2f} s long.",
                    fix="Re-compose the version; if it persists, report the job.",
                    start_s=min(got, tracks.timeline_s),
                    end_s=max(got, tracks.timeline_s),
                )
            )
    if tracks.brief_s is not None and abs(tracks.timeline_s - tracks.brief_s) > policy.duration_tolerance_s + 1e-9:
        out.append(
            RULES["QC-DURATION"].finding(
                f"The ad runs {tracks.timeline_s:.2f} s but the brief asks for {tracks.brief_s:.0f} s "
                f"(± {policy.duration_tolerance_s:.1f} s).",
                fix=f"Trim or extend clips so the edit runs {tracks.brief_s:.0f} s.",
                start_s=0.0,
                end_s=tracks.timeline_s,
            )
        )
    return out


def reading(r: ItemRead | None, check: TextCheck, plan: QcPlan) -> TextReading:
    """The report's record of one item."""
    at = plan.time_of(check.frame) if check.frame is not None else None
    base = TextReading(index=check.index, kind=check.item.kind, expected=check.item.text, at_s=at)
    if r is None:
        return base
    return base.model_copy(
        update={
            "read": " ".join(w.text for w in r.words),
            "words_read": round(r.match.fraction, 3),
            "missing": r.match.missing,
            "contrast": None if r.contrast is None else round(r.contrast, 2),
            "box": r.box(),
        }
    )
