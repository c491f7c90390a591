"""`level_for_ocr`: the picture's texture behind a translucent plate is flattened to the ground
and the strokes kept as ink, both polarities; a region with no ink step is left as it was."""

from __future__ import annotations

import numpy as np

from omnigen.qc.pixels import level_for_ocr, text_pixels


def _plate_over_pattern(light_text: bool) -> np.ndarray:
    """A 75% black (or white) plate over a 1-px black/white checkerboard, with a bar of text."""
    yy, xx = np.mgrid[0:60, 0:200]
    picture = np.where((yy + xx) % 2 == 0, 255.0, 0.0)
    plate = 0.0 if light_text else 255.0
    grey = 0.75 * plate + 0.25 * picture
    grey[20:40, 30:170:4] = 235.0 if light_text else 20.0  # vertical strokes
    return np.repeat(grey[..., None], 3, axis=2).astype(np.uint8)


def test_texture_behind_light_text_becomes_flat_ground_and_strokes_full_ink():
    rgb = _plate_over_pattern(light_text=True)
    text = text_pixels(rgb, "#FFFFFF")
    out = level_for_ocr(rgb[..., 0].astype(np.float32), text)
    assert text.light
    assert np.ptp(out[:15]) == 0 and out[:15].max() == 0  # the checkerboard is gone
    assert (out[20:40, 30:170:4] == 255).all()


def test_dark_text_keeps_its_polarity():
    rgb = _plate_over_pattern(light_text=False)
    text = text_pixels(rgb, "#000000")
    out = level_for_ocr(rgb[..., 0].astype(np.float32), text)
    assert not text.light
    assert (out[:15] == 255).all()
    assert (out[20:40, 30:170:4] == 0).all()


def test_a_region_without_an_ink_step_is_left_as_it_was():
    grey = np.full((40, 80), 128.0, np.float32)
    grey[10:30, 10:70:3] = 134.0  # a step far below any readable text
    rgb = np.repeat(grey[..., None], 3, axis=2).astype(np.uint8)
    out = level_for_ocr(grey, text_pixels(rgb, "#FFFFFF"))
    assert np.array_equal(out, grey)
