"""WCAG contrast math and the worst case over any picture behind a semi-transparent plate."""

from __future__ import annotations

import pytest

from omnigen.compliance.contrast import (
    blend,
    contrast_ratio,
    hex_to_rgb,
    relative_luminance,
    worst_case_contrast,
)


def test_wcag_reference_values() -> None:
    white = relative_luminance(hex_to_rgb("#FFFFFF"))
    black = relative_luminance(hex_to_rgb("#000000"))
    assert white == pytest.approx(1.0)
    assert black == 0.0
    assert contrast_ratio(white, black) == pytest.approx(21.0)
    # #767676 on white is the classic "just passes AA" grey; #777777 just fails.
    assert contrast_ratio(relative_luminance(hex_to_rgb("#767676")), white) == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio(relative_luminance(hex_to_rgb("#777777")), white) < 4.5


def test_contrast_ratio_is_symmetric() -> None:
    assert contrast_ratio(0.2, 0.7) == contrast_ratio(0.7, 0.2)


def test_blend() -> None:
    assert blend((0, 0, 0), (1, 1, 1), 0.75) == pytest.approx((0.25, 0.25, 0.25))
    assert blend((1, 0, 0), (0, 0, 1), 1.0) == (1, 0, 0)


def test_opaque_plate_is_independent_of_the_picture() -> None:
    assert worst_case_contrast("#FFFFFF", "#000000", 1.0) == pytest.approx(21.0)


def test_white_on_black_plate_worst_case_is_over_white_picture() -> None:
    # 75% black over white leaves 25% grey (encoded 0.25) behind the letters.
    grey = relative_luminance((0.25, 0.25, 0.25))
    assert worst_case_contrast("#FFFFFF", "#000000", 0.75) == pytest.approx(contrast_ratio(1.0, grey))
    assert worst_case_contrast("#FFFFFF", "#000000", 0.75) > 4.5
    assert worst_case_contrast("#FFFFFF", "#000000", 0.3) < 4.5


def test_text_inside_the_plate_range_can_vanish() -> None:
    # Mid-grey text on a half-transparent black plate: some grey picture matches the text exactly.
    assert worst_case_contrast("#606060", "#000000", 0.5) == 1.0


def test_dark_text_on_light_plate() -> None:
    assert worst_case_contrast("#000000", "#FFFFFF", 0.9) > 4.5
    assert worst_case_contrast("#000000", "#FFFFFF", 0.2) < 4.5


def test_bad_colour() -> None:
    with pytest.raises(ValueError):
        hex_to_rgb("#FFF")
