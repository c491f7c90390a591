"""The post-render QC: the rendered MP4 itself, inspected against its timeline and brief.

1. Plan (pure, `omnigen.qc.plan`): the frame each text item is read on and the frames sampled
   across each spoken major-statement line.
2. Decode only those frames (`sampling`), measuring loudness and true peak in the same pass, and
   read each track's length from the MP4's boxes (`mp4`).
3. Crop each frame to the text item's expected region (the card compose drew, padded), so OCR
   reads a few hundred pixels of text, not a frame of picture; level the picture seen through
   the plate out of each crop (`pixels.level_for_ocr`); OCR the crops in parallel.
4. On the pixels: which words are the item's and where (title-safe), their contrast against
   what is behind them, and whether the major statement's text is still there on every sampled
   frame of its line (the text's own pixels compared with the frame OCR read; a frame that does
   not match is read by OCR before it is called missing).
5. Judge (pure, `omnigen.qc.judge`) → a `QcReport`.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from omnigen.brief import Brief
from omnigen.media.mp4 import track_lengths
from omnigen.media.ocr import Crop, read_crops
from omnigen.media.sampling import Decoded, decode_frames
from omnigen.qc import judge
from omnigen.qc.matching import align, tokens
from omnigen.qc.pixels import TextPixels, contrast, ink_at_edges, level_for_ocr, luma, still_shown, text_pixels
from omnigen.qc.plan import QcPlan, TextCheck, plan_qc, required_texts
from omnigen.qc.policy import QcPolicy
from omnigen.qc.report import AudioMeasures, QcCost, QcReport, TrackLengths, WordBox
from omnigen.text_layout import layout_item
from omnigen.timeline import TextItem, Timeline

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 on the frame
CardBox = tuple[int, int, int, int]  # x, y, width, height of a text card, as compose placed it
EPS = 1e-6
MIN_PLATE_FOR_EDGES = 0.5
"""Plates fainter than this do not show an edge text could be seen cut at."""
BARE_CAP = 0.045
"""Cap height assumed when a frame must be read with no text item to say where or how big."""


@dataclass
class _Region:
    """Where one text item should be: the card compose drew, padded, clipped to the frame."""

    box: Box
    cap_px: float
    card: CardBox | None = None


def _regions(timeline: Timeline, workdir: Path, cards: dict[int, CardBox] | None) -> dict[int, _Region]:
    """Each item's region: the card compose placed (from `cards` when compose passed them on,
    else laid out again the way compose does), padded by half the drawn cap height each way."""
    o = timeline.output
    out = {}
    for i, item in enumerate(timeline.texts):
        layout = layout_item(item, o)
        if cards and i in cards:
            x, y, w, h = cards[i]
        else:
            p = layout.plate
            x, y, w, h = p.x, p.y, p.w, p.h
        cap = layout.cap_px
        pad = round(0.5 * cap)
        out[i] = _Region(
            box=(max(0, x - pad), max(0, y - pad), min(o.width, x + w + pad), min(o.height, y + h + pad)),
            cap_px=cap,
            card=(x, y, w, h),
        )
    return out


def _crop(rgb: np.ndarray, box: Box) -> np.ndarray:
    """A copy of `box` of the frame (a view would keep the whole decoded frame alive)."""
    x0, y0, x1, y1 = box
    return rgb[y0:y1, x0:x1].copy()


def _card_view(region_crop: np.ndarray, region: _Region) -> np.ndarray:
    """The card itself inside its padded region crop (the whole crop when there is no card)."""
    if region.card is None:
        return region_crop
    x, y, w, h = region.card
    x0, y0 = x - region.box[0], y - region.box[1]
    return region_crop[max(0, y0) : y0 + h, max(0, x0) : x0 + w]


def _for_ocr(region_crop: np.ndarray, region: _Region) -> np.ndarray:
    """The region with the picture around the card replaced by the card's own edge colour: the
    item's text is drawn on its card, and a busy picture in the margin (foliage, a pattern)
    would only break Tesseract's line finding."""
    if region.card is None:
        return region_crop
    card = _card_view(region_crop, region)
    if card.shape[0] < 6 or card.shape[1] < 6:
        return region_crop
    edge = np.concatenate(
        [
            card[1:3].reshape(-1, 3),
            card[-3:-1].reshape(-1, 3),
            card[:, 1:3].reshape(-1, 3),
            card[:, -3:-1].reshape(-1, 3),
        ]
    )
    out = np.empty_like(region_crop)
    out[:] = np.median(edge, axis=0).astype(region_crop.dtype)
    x0, y0 = max(0, region.card[0] - region.box[0]), max(0, region.card[1] - region.box[1])
    out[y0 : y0 + card.shape[0], x0 : x0 + card.shape[1]] = card
    return out


@dataclass
class _Read:
    """A crop to OCR: its pixels, the colour its text should be, and where it is on the frame."""

    crop: np.ndarray
    color: str
    region: _Region


def _ocr_crop(r: _Read) -> Crop:
    """What Tesseract is given for one read: the region around the card (the margin filled with
    the card's edge colour), its picture texture levelled out on its own text/background split
    (`pixels.level_for_ocr`) when there is a card to say where the text is."""
    region_rgb = _for_ocr(r.crop, r.region)
    if r.region.card is None:  # a bare frame's half: no card to tell text from picture
        light = text_pixels(r.crop, r.color).light
        return Crop(grey=luma(region_rgb), cap_px=r.region.cap_px, light_text=light)
    text = text_pixels(region_rgb, r.color)
    return Crop(grey=level_for_ocr(luma(region_rgb), text), cap_px=r.region.cap_px, light_text=text.light)


def _ocr(
    reads: list[_Read], pool: ThreadPoolExecutor, workers: int, policy: QcPolicy, cap_px: int
) -> list[list[WordBox]]:
    """OCR of every crop, a sheet per worker, boxes moved to frame coordinates."""
    crops = [_ocr_crop(r) for r in reads]
    groups = [list(range(k, len(crops), workers)) for k in range(min(workers, len(crops)))]
    out: list[list[WordBox]] = [[] for _ in reads]
    sheets = pool.map(
        lambda g: read_crops([crops[i] for i in g], target_cap_px=cap_px, timeout_s=policy.ocr_timeout_s), groups
    )
    for group, words in zip(groups, sheets, strict=True):
        for i, ws in zip(group, words, strict=True):
            x0, y0 = reads[i].region.box[0], reads[i].region.box[1]
            out[i] = [w.model_copy(update={"x": w.x + x0, "y": w.y + y0}) for w in ws]
    return out


def _word_contrast(frame_crop: np.ndarray, region: _Region, read: judge.ItemRead, color: str) -> float | None:
    """The worst contrast over the item's words of three letters or more (a comma's box has too
    few pixels to measure); the whole region when OCR found none of them."""
    x0, y0 = region.box[0], region.box[1]
    values = []
    for i in read.own:
        w = read.words[i]
        if sum(c.isalnum() for c in w.text) < 3:
            continue
        patch = frame_crop[max(0, w.y - y0) : w.y - y0 + w.h, max(0, w.x - x0) : w.x - x0 + w.w]
        if patch.size == 0:
            continue
        c = contrast(patch, text_pixels(patch, color))
        if c is not None:
            values.append(c)
    if values:
        return min(values)
    card = _card_view(frame_crop, region)
    return contrast(card, text_pixels(card, color))


def _clipped(region_crop: np.ndarray, region: _Region, item: TextItem) -> list[str]:
    """The card edges the item's text runs into, on a card with a plate to be clipped by (text
    straight on the picture has no card edge a viewer could see it cut at)."""
    if region.card is None or item.plate_opacity < MIN_PLATE_FOR_EDGES:
        return []
    return ink_at_edges(_card_view(region_crop, region), item.color)


def _covering(plan: QcPlan, frame: int) -> list[TextCheck]:
    """The major-statement items the timeline has on screen at `frame`."""
    t = plan.time_of(frame)
    return [
        c for c in plan.texts if c.item.kind == "major_statement" and c.item.start_s - EPS <= t <= c.item.end_s + EPS
    ]


class _Inspection:
    """One QC run's state, phase by phase: decode the planned frames keeping only the crops they
    are needed for, read each item, sample each major-statement line, then judge."""

    def __init__(
        self, video: Path, timeline: Timeline, policy: QcPolicy, workdir: Path, cards: dict[int, CardBox] | None
    ):
        self.video, self.timeline, self.policy = video, timeline, policy
        self.o = timeline.output
        self.plan = plan_qc(timeline, policy)
        self.regions = _regions(timeline, workdir, cards)
        self.by_index = {c.index: c for c in self.plan.texts}
        self.refs: dict[int, list[int]] = {}
        for c in self.plan.texts:
            if c.frame is not None:
                self.refs.setdefault(c.frame, []).append(c.index)
        self.samples = {f for lc in self.plan.lines for f in lc.frames}
        self.ref_crops: dict[int, np.ndarray] = {}
        self.sample_crops: dict[tuple[int, int], np.ndarray] = {}
        self.bare_frames: dict[int, np.ndarray] = {}  # line samples no major-statement item covers
        self.reads: dict[int, judge.ItemRead] = {}
        self.shown: dict[int, dict[int, bool]] = {}
        self.ocr_reads = 0

    def keep(self, frame: int, rgb: np.ndarray) -> None:
        """Called with each decoded frame: keep the crops it is needed for, drop the frame."""
        for i in self.refs.get(frame, []):
            self.ref_crops[i] = _crop(rgb, self.regions[i].box)
        if frame in self.samples:
            cover = _covering(self.plan, frame)
            for c in cover:
                self.sample_crops[(frame, c.index)] = _crop(rgb, self.regions[c.index].box)
            if not cover:
                self.bare_frames[frame] = rgb[self.o.height // 2 :].copy()

    def whole(self, r: judge.ItemRead) -> bool:
        return r.match.whole(self.policy.text_match_min, self.policy.max_missing_run)

    def _ref(self, i: int) -> _Read:
        return _Read(crop=self.ref_crops[i], color=self.by_index[i].item.color, region=self.regions[i])

    def read_items(self, pool: ThreadPoolExecutor, workers: int) -> None:
        """OCR every item on its frame (a second, larger look at any not read whole), then its
        contrast and whether its card clips it, on the pixels."""
        p, order = self.policy, list(self.ref_crops)
        for i, words in zip(order, _ocr([self._ref(i) for i in order], pool, workers, p, p.ocr_cap_px), strict=True):
            self.reads[i] = judge.read_item(self.by_index[i], words)
        again = [i for i in order if not self.whole(self.reads[i])]
        larger = round(p.ocr_cap_px * 1.5)
        for i, words in zip(again, _ocr([self._ref(i) for i in again], pool, workers, p, larger), strict=True):
            retry = judge.read_item(self.by_index[i], words)
            if retry.match.fraction > self.reads[i].match.fraction:
                self.reads[i] = retry
        self.ocr_reads += len(order) + len(again)
        for i, r in self.reads.items():
            r.contrast = _word_contrast(self.ref_crops[i], self.regions[i], r, self.by_index[i].item.color)
            r.cut_at = _clipped(self.ref_crops[i], self.regions[i], self.by_index[i].item)

    def _still_there(self, frame: int, check: TextCheck, ref_pixels: dict[int, TextPixels]) -> bool:
        """The item, read whole on its own frame, still shows the same text pixels on `frame`."""
        r, crop = self.reads.get(check.index), self.sample_crops.get((frame, check.index))
        if r is None or crop is None or not self.whole(r):
            return False
        region = self.regions[check.index]
        return still_shown(
            _card_view(self.ref_crops[check.index], region), _card_view(crop, region), ref_pixels[check.index]
        )

    def sample_lines(self, pool: ThreadPoolExecutor, workers: int) -> None:
        """Each major-statement line's sampled frames: the text's own pixels compared with the
        frame it was read on; a frame where they differ is read by OCR before it counts as
        missing."""
        ref_pixels = {
            i: text_pixels(_card_view(self.ref_crops[i], self.regions[i]), self.by_index[i].item.color)
            for i in self.reads
        }
        doubtful: list[tuple[int, int, list[_Read]]] = []
        for lc in self.plan.lines:
            for f in lc.frames:
                cover = _covering(self.plan, f)
                ok = any(self._still_there(f, c, ref_pixels) for c in cover)
                self.shown.setdefault(lc.index, {})[f] = ok
                if ok:
                    continue
                look = [
                    _Read(self.sample_crops[(f, c.index)], c.item.color, self.regions[c.index])
                    for c in cover
                    if (f, c.index) in self.sample_crops
                ]
                if f in self.bare_frames:  # no item says where: the lower half, at the builder's size
                    half = _Region((0, self.o.height // 2, self.o.width, self.o.height), BARE_CAP * self.o.height)
                    look.append(_Read(self.bare_frames[f], "#FFFFFF", half))
                if look:
                    doubtful.append((lc.index, f, look))
        flat = [r for _, _, look in doubtful for r in look]
        words_of = iter(_ocr(flat, pool, workers, self.policy, self.policy.ocr_cap_px))
        self.ocr_reads += len(flat)
        spoken = {lc.index: tokens(lc.line.text) for lc in self.plan.lines}
        for li, f, look in doubtful:
            read = [t for _ in look for w in next(words_of) for t in tokens(w.text)]
            self.shown[li][f] = align(spoken[li], read).fraction >= self.policy.ms_min_terms

    def report(
        self,
        decoded: Decoded,
        lengths: dict[str, float],
        brief: Brief | None,
        version: int | None,
        t0: float,
    ) -> QcReport:
        plan, o, policy = self.plan, self.o, self.policy
        findings = judge.text_findings(plan, self.reads, o.width, o.height, policy)
        if brief is not None:
            findings += judge.required_findings(required_texts(brief), self.reads)
        line_findings, samplings = judge.line_findings(plan.lines, self.shown, plan)
        findings += line_findings
        audio = None
        if decoded.loudness is not None:
            audio = AudioMeasures(
                integrated_lufs=decoded.loudness.integrated_lufs,
                true_peak_dbtp=decoded.loudness.true_peak_dbfs,
                loudness_range_lu=decoded.loudness.loudness_range_lu,
                target_lufs=o.loudness_lufs,
                ceiling_dbtp=min(o.peak_ceiling_db, policy.max_true_peak_dbtp),
            )
            findings += judge.audio_findings(audio, policy)
        tracks = TrackLengths(
            video_s=lengths.get("video"),
            audio_s=lengths.get("audio"),
            timeline_s=round(self.timeline.duration_s, 3),
            brief_s=float(brief.duration_s) if brief is not None else None,
        )
        findings += judge.duration_findings(tracks, plan.fps, policy)
        findings.sort(key=lambda f: (f.start_s if f.start_s is not None else -1.0, f.rule))
        return QcReport(
            version=version,
            findings=findings,
            texts=[judge.reading(self.reads.get(c.index), c, plan) for c in plan.texts],
            lines=samplings,
            audio=audio,
            tracks=tracks,
            cost=QcCost(
                seconds=round(time.perf_counter() - t0, 3),
                frames_decoded=len(decoded.from_keyframes) + len(decoded.by_seek),
                frames_from_keyframes=len(decoded.from_keyframes),
                ocr_reads=self.ocr_reads,
            ),
        )


def inspect(
    video: Path,
    timeline: Timeline,
    brief: Brief | None,
    policy: QcPolicy,
    workdir: Path,
    *,
    version: int | None = None,
    workers: int | None = None,
    cards: dict[int, CardBox] | None = None,
) -> QcReport:
    """QC of `video`, rendered from `timeline` (for `brief`, when given: its required text and
    duration; `cards`: where compose placed each text item, when the caller has them). Raises
    MediaError / OcrError when the file cannot be inspected at all."""
    t0 = time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    workers = workers or max(1, min(4, os.cpu_count() or 1))
    run = _Inspection(video, timeline, policy, workdir, cards)
    lengths = {t.kind: t.seconds for t in track_lengths(video)}
    o = timeline.output
    decoded = decode_frames(
        video, run.plan.frames(), run.plan.fps, (o.width, o.height), run.keep, audio="audio" in lengths, workers=workers
    )
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qc-ocr") as pool:
        run.read_items(pool, workers)
        run.sample_lines(pool, workers)
    return run.report(decoded, lengths, brief, version, t0)
