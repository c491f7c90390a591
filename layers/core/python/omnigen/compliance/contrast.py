"""Colour contrast of on-screen text, as WCAG 2 defines it, on a semi-transparent plate.

The major-statement text sits on a plate (a box of `plate_color` at `plate_opacity`) over moving
video we cannot predict. What the viewer sees behind the letters is the plate blended over the
picture, so the only honest number is the *worst* contrast over every possible picture. Blending
is done on encoded sRGB values (what ffmpeg's overlay does), and luminance grows with every channel,
so the plate's luminance ranges between "over black" and "over white"; the worst case is the point
of that range closest to the text's own luminance.
"""

from __future__ import annotations

RGB = tuple[float, float, float]


def hex_to_rgb(color: str) -> RGB:
    """'#RRGGBB' → channels in 0..1 (encoded sRGB)."""
    c = color.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"not a #RRGGBB colour: {color!r}")
    return (int(c[0:2], 16) / 255, int(c[2:4], 16) / 255, int(c[4:6], 16) / 255)


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def relative_luminance(rgb: RGB) -> float:
    """WCAG relative luminance of an encoded sRGB colour."""
    r, g, b = (_linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(l1: float, l2: float) -> float:
    """WCAG contrast ratio of two luminances: 1 (none) to 21 (black on white)."""
    hi, lo = max(l1, l2), min(l1, l2)
    return (hi + 0.05) / (lo + 0.05)


def blend(top: RGB, bottom: RGB, opacity: float) -> RGB:
    """`top` at `opacity` over `bottom`, per encoded channel."""
    r1, g1, b1 = top
    r2, g2, b2 = bottom
    return (
        opacity * r1 + (1 - opacity) * r2,
        opacity * g1 + (1 - opacity) * g2,
        opacity * b1 + (1 - opacity) * b2,
    )


BLACK: RGB = (0.0, 0.0, 0.0)
WHITE: RGB = (1.0, 1.0, 1.0)


def worst_case_contrast(text_color: str, plate_color: str, plate_opacity: float) -> float:
    """The lowest contrast of the text against its plate over any background picture.

    The plate over black and over white bound the luminance behind the text; every value in
    between occurs for some grey picture. If the text's luminance falls inside that range the text
    can vanish (ratio 1); otherwise the nearer bound is the worst case.
    """
    text = relative_luminance(hex_to_rgb(text_color))
    plate = hex_to_rgb(plate_color)
    over_black = relative_luminance(blend(plate, BLACK, plate_opacity))
    over_white = relative_luminance(blend(plate, WHITE, plate_opacity))
    lo, hi = min(over_black, over_white), max(over_black, over_white)
    if lo <= text <= hi:
        return 1.0
    return min(contrast_ratio(text, over_black), contrast_ratio(text, over_white))
