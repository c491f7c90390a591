"""Which frames QC looks at, decided from the timeline alone (pure).

Each text item is read once, on the frame in the middle of its time on screen; each spoken
major-statement line is sampled from just after its first word to just before its last (the
dual-modality tolerance in from each end) at most `ms_sample_every_s` apart. Compose forces a
keyframe on every one of these frames, so QC decodes them without decoding anything between.

Frame n of the output shows the instant n / fps; an overlay enabled `between(t, start, end)` is
on frame n when start <= n / fps <= end.
"""

from __future__ import annotations

import math

from pydantic import BaseModel

from omnigen.brief import Brief
from omnigen.qc.policy import QcPolicy
from omnigen.timeline import TextItem, Timeline, VoiceLine

EPS = 1e-6


class TextCheck(BaseModel):
    index: int
    """The item's position in `timeline.texts`."""
    item: TextItem
    frame: int | None
    """The frame it is read on; None when the item is never on screen (it starts after the end)."""


class LineCheck(BaseModel):
    index: int
    """The line's position in `timeline.voice`."""
    line: VoiceLine
    frames: list[int]


class RequiredText(BaseModel):
    """A piece of text the brief requires on screen: word for word, or (a `referral`) in any
    wording the compliance checker accepts as a referral to a healthcare provider."""

    what: str
    text: str
    referral: bool = False


class QcPlan(BaseModel):
    fps: int
    frame_count: int
    texts: list[TextCheck]
    lines: list[LineCheck]

    def frames(self) -> list[int]:
        """Every frame QC decodes, in order."""
        wanted = {t.frame for t in self.texts if t.frame is not None}
        for line in self.lines:
            wanted.update(line.frames)
        return sorted(wanted)

    def time_of(self, frame: int) -> float:
        return frame / self.fps


def frame_count(timeline: Timeline) -> int:
    return max(1, round(timeline.duration_s * timeline.output.fps))


def frames_on_screen(start_s: float, end_s: float, fps: int, count: int) -> tuple[int, int] | None:
    """The first and last frame an overlay shown from `start_s` to `end_s` is on (None: none of
    the `count` frames): compose draws by this rule and QC reads by it."""
    first = math.ceil(start_s * fps - EPS)
    last = min(math.floor(end_s * fps + EPS), count - 1)
    return (first, last) if first <= last else None


def _line_frames(line: VoiceLine, fps: int, count: int, policy: QcPolicy) -> list[int]:
    tol = min(policy.ms_tolerance_s, line.duration_s / 4)
    a, b = line.start_s + tol, line.end_s - tol
    n = max(2, math.ceil((b - a) / policy.ms_sample_every_s) + 1)
    frames = {math.ceil(a * fps - EPS), math.floor(b * fps + EPS)}
    frames.update(round((a + (b - a) * k / (n - 1)) * fps) for k in range(1, n - 1))
    return sorted(f for f in frames if 0 <= f < count)


def plan_qc(timeline: Timeline, policy: QcPolicy) -> QcPlan:
    fps, count = timeline.output.fps, frame_count(timeline)
    texts = []
    for i, item in enumerate(timeline.texts):
        span = frames_on_screen(item.start_s, item.end_s, fps, count)
        texts.append(TextCheck(index=i, item=item, frame=None if span is None else (span[0] + span[1]) // 2))
    lines = [
        LineCheck(index=i, line=v, frames=_line_frames(v, fps, count, policy))
        for i, v in enumerate(timeline.voice)
        if v.major_statement and v.text.strip()
    ]
    return QcPlan(fps=fps, frame_count=count, texts=texts, lines=[c for c in lines if c.frames])


def keyframe_times(timeline: Timeline, policy: QcPolicy) -> list[float]:
    """Times for the encoder's `-force_key_frames`: half a frame before each frame QC reads,
    so the forced keyframe is exactly that frame whatever the rounding."""
    plan = plan_qc(timeline, policy)
    return [max(0.0, (f - 0.5) / plan.fps) for f in plan.frames()]


def required_texts(brief: Brief) -> list[RequiredText]:
    """What the ad type requires on screen: for a product-claim ad the names and the adequate
    provision (toll-free number, website, print-ad reference, the healthcare-provider referral in
    any wording the checker's referral rule accepts: "Ask your doctor", "Talk to your pharmacist");
    for a reminder the names; a help-seeking ad names no drug, so it requires no name."""
    p = brief.product
    if brief.ad_type == "help_seeking":
        return []
    need = [RequiredText(what="brand name", text=p.brand_name), RequiredText(what="generic name", text=p.generic_name)]
    if brief.ad_type == "product_claim":
        if p.phone:
            need.append(RequiredText(what="toll-free number", text=p.phone))
        if p.website:
            need.append(RequiredText(what="website", text=p.website))
        if p.print_ad:
            need.append(RequiredText(what="print-ad reference", text=p.print_ad.rstrip(".")))
        need.append(
            RequiredText(what="healthcare-provider referral", text="Ask your healthcare provider", referral=True)
        )
    return [r for r in need if r.text.strip()]
