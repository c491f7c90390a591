"""Text on the rendered pixels: for every example brief in 16:9, 9:16 and 1:1 at every resolution,
the builder's first edit passes the text rules, and every card it draws has its plate inside the
title-safe area and its glyphs whole inside the plate (no run of text touching an edge, which is
what a clipped glyph looks like). Then the cards are composed by ffmpeg over a flat picture at
360p (and the 9:16 example at 1080p), and the text pixels of each composed frame are found and checked against the
title-safe box and the frame's edges."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from ad_cases import ASPECTS, RESOLUTIONS, example_briefs, first_edit
from PIL import Image

from omnigen.compliance import check_timeline
from omnigen.media.compose import compose
from omnigen.media.ffmpeg import run_ffmpeg
from omnigen.media.text_cards import draw_layout, render_card
from omnigen.text_layout import layout_item
from omnigen.timeline import OutputSettings, TextItem, Timeline, VideoClip

BRIEFS = example_briefs()
TEXT_RULES = {"TEXT-FIT", "TEXT-LEGIBILITY", "TEXT-READING-TIME", "MS-LEGIBILITY", "MS-DUAL-MODALITY", "FIT-DURATION"}
BACKGROUND = (0, 150, 0)  # a flat green no text colour or plate blend comes near


def _safe(o: OutputSettings) -> tuple[int, int, int, int]:
    ix, iy = math.ceil(o.width * o.safe_margin), math.ceil(o.height * o.safe_margin)
    return ix, iy, o.width - ix, o.height - iy


def _ink_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the true pixels, x1/y1 exclusive."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@pytest.mark.parametrize("resolution", RESOLUTIONS)
@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("path", BRIEFS, ids=lambda p: p.stem)
def test_every_card_fits_inside_title_safe_with_its_glyphs_whole(path: Path, aspect: str, resolution: str) -> None:
    brief, script, timeline = first_edit(path, aspect, resolution)
    o = timeline.output
    assert (o.width, o.height) == brief.output_size()
    found = check_timeline(timeline, script, brief).rule_ids() & TEXT_RULES
    assert not found, check_timeline(timeline, script, brief).to_text()
    sx0, sy0, sx1, sy1 = _safe(o)
    short = min(o.width, o.height)
    for item in timeline.texts:
        lay = layout_item(item, o)
        assert lay.fits, item.text
        assert lay.cap_px >= 0.04 * short - 1e-6, item.text  # the policy's floor, on the short side
        p = lay.plate
        assert sx0 <= p.x and sy0 <= p.y and p.right <= sx1 and p.bottom <= sy1, (item.text, p, (sx0, sy0, sx1, sy1))
        card = np.asarray(draw_layout(lay, item.color, item.plate_color, item.plate_opacity))
        assert card.shape[:2] == (p.h, p.w)
        alpha, rgb = card[:, :, 3], card[:, :, :3]
        assert (alpha > 0).all()  # the plate is the whole card: its box is the plate's box
        ink = _ink_box(rgb.min(axis=2) > 128)  # white text on the dark plate
        assert ink is not None, item.text
        x0, y0, x1, y1 = ink
        pad = round(lay.cap_px * 0.5)  # the padding is 0.9 / 0.6 cap heights; glyphs never reach the edge
        assert x0 >= pad and y0 >= pad and x1 <= p.w - pad and y1 <= p.h - pad, (item.text, ink, (p.w, p.h))
        # every line drawn, none dropped: the ink spans as many line pitches as the layout has lines
        assert len(lay.lines) == 1 or y1 - y0 > (len(lay.lines) - 1) * lay.font_px, item.text
        assert "".join("".join(lay.text_lines).split()) == "".join(item.text.split()), "every character is drawn"
        drawn_words = {w for line in lay.text_lines for w in line.split()}
        assert set(item.text.split()) <= drawn_words, "no word is split over two lines"


def _flat_clip(tmp: Path, o: OutputSettings, seconds: float) -> Path:
    out = tmp / "flat.mp4"
    color = "0x{:02X}{:02X}{:02X}".format(*BACKGROUND)
    run_ffmpeg(
        ["-y", "-f", "lavfi", "-i", f"color=c={color}:s={o.width}x{o.height}:r={o.fps}", "-t", f"{seconds:.3f}",
         "-pix_fmt", "yuv420p", out],
        what="making a flat clip",
    )  # fmt: skip
    return out


def _frames(video: Path, numbers: list[int], tmp: Path) -> list[np.ndarray]:
    """The frames with these numbers, decoded in one ffmpeg run."""
    pick = "+".join(f"eq(n\\,{n})" for n in numbers)
    run_ffmpeg(
        ["-y", "-i", video, "-vf", f"select='{pick}'", "-fps_mode", "passthrough", tmp / "frame_%03d.png"],
        what="grabbing frames",
    )
    return [np.asarray(Image.open(tmp / f"frame_{k + 1:03d}.png").convert("RGB")) for k in range(len(numbers))]


def _composed_check(path: Path, aspect: str, resolution: str, tmp: Path) -> None:
    """Each text item of the first edit, one after another for 0.5 s over a flat clip, composed by
    ffmpeg; in each frame the text's pixels are inside title-safe, inside the plate the layout
    gave, and clear of every frame edge."""
    _, _, first = first_edit(path, aspect, resolution)
    o = first.output
    slot = 0.25  # six frames at 24 fps
    texts = [t.model_copy(update={"start_s": k * slot, "end_s": (k + 1) * slot}) for k, t in enumerate(first.texts)]
    length = slot * len(texts)
    clip = _flat_clip(tmp, o, length)
    timeline = Timeline(
        output=o.model_copy(update={"preset": "ultrafast", "animatic": False}),
        clips=[VideoClip(scene_index=1, asset=str(clip), out_s=length)],
        texts=texts,
    )
    res = compose(timeline, Path, tmp / "work", tmp / "out.mp4")
    frames = _frames(Path(res.output), [round((k + 0.5) * slot * o.fps) for k in range(len(texts))], tmp)
    sx0, sy0, sx1, sy1 = _safe(o)
    for item, frame in zip(first.texts, frames, strict=True):
        assert frame.shape[:2] == (o.height, o.width)
        text = frame.min(axis=2) > 170  # near white: only the text (the plate darkens, the green has no red)
        ink = _ink_box(text)
        assert ink is not None, f"{item.text!r} is not on the composed frame"
        x0, y0, x1, y1 = ink
        assert sx0 <= x0 and sy0 <= y0 and x1 <= sx1 and y1 <= sy1, (item.text, ink, (sx0, sy0, sx1, sy1))
        p = layout_item(item, o).plate
        assert p.x <= x0 and p.y <= y0 and x1 <= p.right and y1 <= p.bottom, (item.text, ink, p)
        edges = np.concatenate([text[0, :], text[-1, :], text[:, 0], text[:, -1]])
        assert not edges.any(), f"{item.text!r} touches a frame edge"
        plate = frame[p.y + 1 : p.bottom - 1, p.x + 1 : p.right - 1]
        dark = plate[~(plate.min(axis=2) > 170)]
        assert dark[:, 1].astype(float).mean() < BACKGROUND[1] * 0.5, "the plate darkens the picture behind the text"


@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("path", BRIEFS, ids=lambda p: p.stem)
def test_composed_frames_keep_every_text_inside_title_safe_at_360p(path: Path, aspect: str, tmp_path: Path) -> None:
    _composed_check(path, aspect, "360p", tmp_path)


def test_composed_frames_keep_every_text_inside_title_safe_in_1080p_vertical(tmp_path: Path) -> None:
    vertical = next(p for p in BRIEFS if p.stem == "vertical_30s")
    _composed_check(vertical, "9:16", "1080p", tmp_path)


def test_a_saved_card_is_the_drawn_layout(tmp_path: Path) -> None:
    o = OutputSettings(width=1080, height=1920)
    item = TextItem(text="Call 1-800-555-0123\naerisol.example", start_s=0, end_s=2, cap_height=0.05)
    card = render_card(item, o, tmp_path / "card.png")
    saved = np.asarray(Image.open(card.path))
    drawn = np.asarray(draw_layout(layout_item(item, o), item.color, item.plate_color, item.plate_opacity))
    assert (saved == drawn).all() and (card.x, card.y, card.width, card.height) == (
        card.layout.plate.x, card.layout.plate.y, card.layout.plate.w, card.layout.plate.h
    )
