"""The QC report: what was measured on the rendered file, and the findings that come of it.

Findings have the compliance report's shape (rule, severity, scene, start_s, end_s, message,
source), so the API, the web app and a reviewer read both reports the same way. The report also
keeps the measurements themselves (what OCR read per text item, the contrast, the loudness and
peak, the track lengths), so a finding can be checked against the numbers behind it.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from omnigen.compliance.findings import Finding, Tally
from omnigen.compliance.rule import ALL, Rule

_SRC_TEXT = "rendered frames, read by OCR; 21 CFR 202.1(e)(1)(ii) and adequate provision"
RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("QC-TEXT-MISSING", "Text on screen whole", "error", _SRC_TEXT, ALL),
        Rule(
            "QC-OFF-SAFE",
            "Text inside title-safe",
            "error",
            "rendered frames; title-safe area (SMPTE ST 2046-1); 21 CFR 202.1(e)(1)(ii)(D)",
            ALL,
        ),
        Rule(
            "QC-CONTRAST",
            "Text contrast on the pixels",
            "error",
            "rendered frames; WCAG 2 contrast; 21 CFR 202.1(e)(1)(ii)(D)",
            ALL,
        ),
        Rule(
            "QC-MS-NOT-SHOWN",
            "Major statement on screen while spoken",
            "error",
            "rendered frames sampled across each line; 21 CFR 202.1(e)(1)(ii)(C)",
            ALL,
        ),
        Rule(
            "QC-LOUDNESS",
            "Loudness on target",
            "error",
            "rendered audio; ITU-R BS.1770 / EBU R128 integrated loudness; ATSC A/85",
            ALL,
        ),
        Rule(
            "QC-TRUE-PEAK",
            "True peak within the ceiling",
            "error",
            "rendered audio; ITU-R BS.1770 true peak; ATSC A/85 delivery maximum -2 dBTP",
            ALL,
        ),
        Rule("QC-DURATION", "Duration as timed", "error", "rendered tracks against the timeline and the brief", ALL),
    )
}
QC_RULE_IDS: tuple[str, ...] = tuple(RULES)


class WordBox(BaseModel):
    text: str
    x: int
    y: int
    w: int
    h: int
    conf: float


class TextReading(BaseModel):
    """One text item as it came out of the frame."""

    index: int
    kind: str
    expected: str
    at_s: float | None
    read: str = ""
    words_read: float = 0.0
    """Share of the item's words OCR read (0..1)."""
    missing: list[str] = Field(default_factory=list)
    contrast: float | None = None
    box: tuple[int, int, int, int] | None = None
    """Where the item's words were read on the frame: x, y, width, height."""


class LineSampling(BaseModel):
    """One spoken major-statement line and the frames sampled across it."""

    index: int
    text: str
    start_s: float
    end_s: float
    shown_at: list[float] = Field(default_factory=list)
    missing_at: list[float] = Field(default_factory=list)


class AudioMeasures(BaseModel):
    integrated_lufs: float
    true_peak_dbtp: float
    loudness_range_lu: float
    target_lufs: float
    ceiling_dbtp: float


class TrackLengths(BaseModel):
    video_s: float | None
    audio_s: float | None
    timeline_s: float
    brief_s: float | None


class QcCost(BaseModel):
    seconds: float
    frames_decoded: int
    frames_from_keyframes: int
    ocr_reads: int


SUMMARY = ("errors", "warnings", "passed", "allow_noncompliant")
"""What a job record and a version record keep of a QC report."""


def summary_of(stored: dict[str, Any]) -> dict[str, Any]:
    """The summary of a QC report as `QcReport.to_dict` stores it (`qc.json`)."""
    return {k: stored[k] for k in SUMMARY}


class QcReport(Tally, BaseModel):
    version: int | None = None
    findings: list[Finding] = Field(default_factory=list)
    texts: list[TextReading] = Field(default_factory=list)
    lines: list[LineSampling] = Field(default_factory=list)
    audio: AudioMeasures | None = None
    tracks: TrackLengths | None = None
    cost: QcCost | None = None
    allow_noncompliant: bool = False
    """True when this version was made although QC found errors (the recorded override)."""
    made: bool = True
    """False for the report of a compose QC refused: no version was made from it."""

    @property
    def passed(self) -> bool:
        return self.errors == 0

    def summary(self) -> dict[str, Any]:
        """What the job record keeps of it."""
        return summary_of(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude={"findings"})
        data["findings"] = [f.to_dict() for f in self.findings]
        data.update(errors=self.errors, warnings=self.warnings, passed=self.passed)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        """A plain listing for a terminal, a job's error detail or the review package."""
        head = f"QC of the rendered file{f' (version {self.version})' if self.version else ''}: "
        head += f"{self.errors} error(s), {self.warnings} warning(s)"
        out = [head]
        if self.allow_noncompliant and self.errors:
            out.append("made anyway: the errors were allowed (--allow-noncompliant), as recorded here")
        for f in self.findings:
            out.append(f"{f.severity.upper():7} {f.rule:<16} {f.where()}")
            out.append(f"        {f.message}")
            if f.fix:
                out.append(f"        fix: {f.fix}")
        if self.audio:
            a = self.audio
            out.append(
                f"audio: {a.integrated_lufs:.1f} LUFS integrated (target {a.target_lufs:.1f}), true peak "
                f"{a.true_peak_dbtp:.1f} dBTP (ceiling {a.ceiling_dbtp:.1f}), LRA {a.loudness_range_lu:.1f} LU"
            )
        if self.tracks:
            t = self.tracks
            out.append(
                f"length: video {_s(t.video_s)}, audio {_s(t.audio_s)}, timeline {t.timeline_s:.2f} s"
                + (f", brief {t.brief_s:.0f} s" if t.brief_s is not None else "")
            )
        for r in self.texts:
            where = f"at {r.at_s:.2f} s" if r.at_s is not None else "never on screen"
            c = f", contrast {r.contrast:.1f}:1" if r.contrast is not None else ""
            out.append(f"text {r.index + 1} ({r.kind}) {where}: {100 * r.words_read:.0f}% of words read{c}")
        if self.cost:
            c = self.cost
            out.append(f"cost: {c.seconds:.2f} s, {c.frames_decoded} frame(s) decoded, {c.ocr_reads} OCR read(s)")
        if not self.findings:
            out.append("no findings: the file shows and sounds as the timeline says.")
        return "\n".join(out)


def _s(v: float | None) -> str:
    return "missing" if v is None else f"{v:.2f} s"
