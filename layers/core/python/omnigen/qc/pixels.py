"""Measurements on decoded pixels (pure numpy): which pixels are the text, its contrast against
what is right behind it, and whether a text is still on screen in another frame.

Text and background are told apart by Otsu's threshold on luminance inside the text's region;
of the two classes, the text is the one whose colour is nearer the item's declared colour (a
white super is the light class, black text the dark one). Contrast is WCAG 2's ratio of relative
luminances, taken between the core of the strokes and the brightest (or darkest) tenth of the
background away from the glyph edges: the picture behind a semi-transparent plate varies, and
the worst of it is what a viewer has to read against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omnigen.compliance.contrast import contrast_ratio, hex_to_rgb

_LUMA = np.array([0.2126, 0.7152, 0.0722])
EDGE_PX = 2
"""Background pixels this close to a text pixel are glyph edges (anti-aliasing, chroma blur)."""


def luma(rgb: np.ndarray) -> np.ndarray:
    """Luminance-weighted grey of encoded sRGB, 0..255 (for thresholds and comparisons)."""
    return rgb[..., :3].astype(np.float32) @ _LUMA.astype(np.float32)


def relative_luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of each pixel (encoded sRGB in 0..255)."""
    c = rgb[..., :3].astype(np.float32) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin @ _LUMA.astype(np.float32)


def otsu(values: np.ndarray) -> float:
    """Otsu's threshold of 0..255 values: the split that best separates two classes."""
    hist = np.bincount(np.clip(values, 0, 255).astype(np.uint8).ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 127.5
    levels = np.arange(256)
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * levels)
    w1 = total - w0
    mean_all = m0[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean_all * w0 / total - m0) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = -1
    return float(np.argmax(between)) + 0.5


@dataclass(frozen=True)
class TextPixels:
    """The text pixels of a region and how they sit against the rest."""

    mask: np.ndarray
    light: bool
    """True when the text is lighter than its background."""
    threshold: float


def text_pixels(rgb: np.ndarray, text_color: str) -> TextPixels:
    y = luma(rgb)
    thr = otsu(y)
    light_cls = y > thr
    if light_cls.all() or not light_cls.any():  # a flat region: no text to find
        return TextPixels(mask=np.zeros_like(light_cls), light=True, threshold=thr)
    # Which class is the text: the one whose mean colour is nearer the declared one (every
    # third pixel each way is plenty for two means).
    sub, cls = rgb[::3, ::3, :3].astype(np.float32), light_cls[::3, ::3]
    want = np.array(hex_to_rgb(text_color), dtype=np.float32) * 255
    means = [sub[c].mean(axis=0) if c.any() else np.full(3, np.inf, np.float32) for c in (cls, ~cls)]
    light = bool(np.linalg.norm(means[0] - want) <= np.linalg.norm(means[1] - want))
    return TextPixels(mask=light_cls if light else ~light_cls, light=light, threshold=thr)


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    out = mask.copy()
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if dy or dx:
                out |= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return out


def contrast(rgb: np.ndarray, text: TextPixels) -> float | None:
    """WCAG contrast of the text's strokes against the worst tenth of its background, or None
    when the region has too few pixels of either to say."""
    lum = relative_luminance(rgb)
    background = ~_dilate(text.mask, EDGE_PX)
    t, b = lum[text.mask], lum[background]
    if t.size < 20 or b.size < 20:
        return None
    if text.light:
        return contrast_ratio(float(np.percentile(t, 75)), float(np.percentile(b, 90)))
    return contrast_ratio(float(np.percentile(t, 25)), float(np.percentile(b, 10)))


INK_GROUND_PERCENTILE = 99.0
"""The background's level nearest the ink that `level_for_ocr` maps to the ground: all but the
brightest (for light text) hundredth of the picture showing through the plate."""
MIN_INK_STEP = 16.0
"""Below this luma step between the text and its background there is no ink to isolate."""


def level_for_ocr(grey: np.ndarray, text: TextPixels) -> np.ndarray:
    """The region's grey with the picture behind the text flattened out, for OCR.

    A translucent plate lets the picture through at a quarter of its contrast; a fine, hard
    pattern (a 1-px cellular automaton, foliage, a fabric) then becomes a texture of its own
    that Tesseract's page-wide binarisation (and its downscaling to the reading size) turns into
    specks joined to the strokes: it reads "lineQ" or nothing off a 9.6:1 plate a viewer reads
    at a glance. The text and background were already told apart on these pixels (`text`, the
    same Otsu split the contrast check uses), so the levels are set from them: the background's
    level nearest the ink (past the glyphs' anti-aliased edges) becomes the ground, the strokes'
    median the ink, linearly between, keeping the polarity. No pixel is invented: a glyph that
    is missing or cut stays missing or cut, and the contrast is judged on the untouched pixels."""
    g = grey.astype(np.float32)
    background = ~_dilate(text.mask, EDGE_PX)
    if not text.mask.any() or not background.any():
        return g
    ink = float(np.median(g[text.mask]))
    pct = INK_GROUND_PERCENTILE if text.light else 100.0 - INK_GROUND_PERCENTILE
    ground = float(np.percentile(g[background], pct))
    if abs(ink - ground) < MIN_INK_STEP or (ink > ground) != text.light:
        return g
    level = np.clip((g - ground) / (ink - ground), 0.0, 1.0)
    return 255.0 * level if text.light else 255.0 * (1.0 - level)


def still_shown(reference: np.ndarray, sample: np.ndarray, text: TextPixels, min_share: float = 0.85) -> bool:
    """Whether `sample` (the same region in another frame) shows the same text as `reference`:
    the text's pixels still look as they did (an overlay's pixels do not move; the picture
    under them does). The allowance is a quarter of the text-to-background step, at least 12."""
    if not text.mask.any():
        return False
    ref, cur = luma(reference), luma(sample)
    step = abs(float(np.median(ref[text.mask])) - float(np.median(ref[~text.mask]))) if (~text.mask).any() else 255
    allow = max(12.0, 0.25 * step)
    same = np.abs(cur[text.mask] - ref[text.mask]) <= allow
    return float(same.mean()) >= min_share


EDGE_BAND_PX = 2
"""How far in from a card's edge text pixels mean the glyphs were clipped there."""
EDGE_SLACK_PX = 1
"""Pixels skipped at the very edge: overlaying on 4:2:0 video puts a card at an odd position one
pixel over (to the even one), so the outermost pixel may be the picture beside the card."""


def ink_at_edges(card_rgb: np.ndarray, text_color: str, min_pixels: int = 3) -> list[str]:
    """The edges of a text card that the text's own pixels reach. A card pads its text by most
    of a cap height on every side, so glyph pixels in the outermost pixels of the card are
    glyphs clipped there (a word too long for the card, a line below its bottom)."""
    if card_rgb.shape[0] < 4 * EDGE_BAND_PX or card_rgb.shape[1] < 4 * EDGE_BAND_PX:
        return []
    mask = text_pixels(card_rgb, text_color).mask
    s, e = EDGE_SLACK_PX, EDGE_SLACK_PX + EDGE_BAND_PX
    bands = {
        "left": mask[s:-s, s:e],
        "right": mask[s:-s, -e:-s],
        "top": mask[s:e, s:-s],
        "bottom": mask[-e:-s, s:-s],
    }
    return [name for name, band in bands.items() if int(band.sum()) >= min_pixels]
