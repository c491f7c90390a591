"""The thresholds of the post-render QC, each with the reason for its value.

Where the compliance policy already fixes a number (minimum contrast, the title-safe inset, the
dual-modality tolerance, the duration tolerance), QC takes it from there, so the check of the
plan and the check of the pixels can never disagree about what "legible" or "on time" means.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from omnigen.compliance.policy import Policy
from omnigen.timeline import MAX_TRUE_PEAK_DBTP


class QcPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text_match_min: float = Field(0.9, gt=0, le=1)
    """Share of a text item's words OCR must read for the item to count as on screen whole.
    OCR drops or garbles the odd word of a long sentence even on a clean frame; a line cut off
    by the frame or a missing page costs far more than 10% of the words."""
    max_missing_run: int = Field(2, ge=0)
    """Consecutive words of an item that may go unread: a longer run is a piece of the text
    missing (a cut-off line), whatever the share read."""
    min_contrast: float = Field(4.5, ge=1, le=21)
    """WCAG 2 contrast of the text against what is right behind it, measured on the frame."""
    title_safe: float = Field(0.05, ge=0, le=0.2)
    """Title-safe inset per side, as a fraction of the frame."""
    safe_slack_px: int = Field(2, ge=0)
    """Pixels a word box may stray past the title-safe line: OCR boxes and anti-aliasing."""
    loudness_tolerance_lu: float = Field(1.0, gt=0, le=5)
    """How far the integrated loudness may sit from the target (EBU R128 allows ±1 LU for
    live programmes, ATSC A/85 ±2 dB; the tighter of the two)."""
    max_true_peak_dbtp: float = Field(MAX_TRUE_PEAK_DBTP, le=0)
    """Highest true peak of the delivered file (ATSC A/85, most broadcasters' delivery specs)."""
    duration_tolerance_s: float = Field(0.5, ge=0, le=10)
    """How far the rendered ad may run from the brief's duration."""
    track_tolerance_frames: float = Field(1.5, ge=0, le=24)
    """How far the video and audio tracks may run from the timeline's length, in frames."""
    ms_tolerance_s: float = Field(0.25, ge=0, le=2)
    """The major statement's text may start this late and end this early against its line."""
    ms_sample_every_s: float = Field(2.0, gt=0.2, le=10)
    """The longest gap between two frames sampled across a spoken major-statement line."""
    ms_min_terms: float = Field(0.5, gt=0, le=1)
    """When a frame is read to decide whether a spoken line is shown, the share of the line's
    words that must be on screen (the dual-modality rule's share)."""
    ocr_cap_px: int = Field(28, ge=12, le=80)
    """Capital-letter height crops are scaled to before OCR. Tesseract's LSTM models read best
    with an x-height of about 20 px (about 28 px caps in Source Sans); reading a 4K frame at full
    size only costs time, and a 360p frame's 16 px caps gain from being enlarged."""
    ocr_timeout_s: float = Field(30.0, gt=0, le=600)


def qc_policy(compliance: Policy) -> QcPolicy:
    """The QC policy with the numbers the compliance policy already fixes taken from it."""
    return QcPolicy(
        min_contrast=compliance.min_contrast,
        title_safe=compliance.title_safe,
        duration_tolerance_s=compliance.duration_tolerance_s,
        ms_tolerance_s=compliance.dual_modality_tolerance_s,
        ms_min_terms=compliance.dual_modality_min_terms,
    )
