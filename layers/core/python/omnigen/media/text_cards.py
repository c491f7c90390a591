"""On-screen text drawn as transparent PNG cards: the plate and its lines exactly where
`text_layout.layout_text` puts them, so what the checker measured is what the frame shows.

Text is drawn with anchor "ls" on whole-pixel baselines, at the plate's own size, in the font the
project carries; the plate is the card (no margin around it), so the card's place on the frame is
the plate's box, inside the title-safe area by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from omnigen.text_layout import Box, TextLayout, canvas_of, font_at, font_for, layout_item
from omnigen.timeline import OutputSettings, TextItem

ANIMATIC_LABEL = "ANIMATIC"
ANIMATIC_CAP = 0.022  # of the short side: small, but crisp enough to read


def _hex(color: str, alpha: float = 1.0) -> tuple[int, int, int, int]:
    return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16), round(alpha * 255))


@dataclass(frozen=True)
class Card:
    path: Path
    x: int
    y: int
    width: int
    height: int
    layout: TextLayout | None  # None for the animatic mark, which is not a timeline text


def draw_layout(layout: TextLayout, color: str, plate_color: str, plate_opacity: float) -> Image.Image:
    """The card image: the plate with its lines."""
    plate = layout.plate
    card = Image.new("RGBA", (plate.w, plate.h), _hex(plate_color, plate_opacity))
    text = Image.new("RGBA", (plate.w, plate.h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(text)
    font = font_at(layout.font_px, layout.weight)
    for line in layout.lines:
        draw.text((line.x, line.baseline), line.text, font=font, fill=_hex(color), anchor="ls")
    return Image.alpha_composite(card, text)


def card_box(item: TextItem, output: OutputSettings) -> tuple[int, int, int, int]:
    """Where `render_card` puts `item`'s card on the frame (x, y, w, h), without drawing it: what
    compose reports to QC when the cards were drawn ahead, in segments."""
    p = layout_item(item, output).plate
    return (p.x, p.y, p.w, p.h)


def render_card(item: TextItem, output: OutputSettings, out: Path) -> Card:
    """Draw `item` on its plate and return where it goes on the frame."""
    layout = layout_item(item, output)
    image = draw_layout(layout, item.color, item.plate_color, item.plate_opacity)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out)
    p = layout.plate
    return Card(path=out, x=p.x, y=p.y, width=p.w, height=p.h, layout=layout)


def render_animatic_mark(output: OutputSettings, out: Path) -> Card:
    """The small "ANIMATIC" label an offline render carries at its start, in the top-left corner
    of the title-safe area on a half-opaque plate."""
    canvas = canvas_of(output)
    cap = ANIMATIC_CAP * canvas.short_side
    font = font_for(cap, "bold")
    x0, y0, x1, y1 = font.getbbox(ANIMATIC_LABEL, anchor="ls")
    pad = round(cap * 0.6)
    w, h = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    image = Image.new("RGBA", (w, h), _hex("#000000", 0.55))
    text = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ImageDraw.Draw(text).text((pad - x0, pad - y0), ANIMATIC_LABEL, font=font, fill=_hex("#FFFFFF", 0.9), anchor="ls")
    image = Image.alpha_composite(image, text)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out)
    safe: Box = canvas.safe
    return Card(path=out, x=safe.x, y=safe.y, width=w, height=h, layout=None)
