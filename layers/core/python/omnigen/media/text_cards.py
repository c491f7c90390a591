"""On-screen text drawn as transparent PNG cards with the font the project carries (Source Sans
Pro, OFL, from the `font-source-sans-pro` wheel) — never a system font, so a render looks the
same on a laptop and in the Lambda image.

The size is set by CAP HEIGHT (the height of a capital letter as a fraction of the frame), the
measure the legibility rule uses, and every card stays inside the title-safe area.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from omnigen.timeline import TextItem

FONT_FILES = {"regular": "SourceSansPro-Semibold.ttf", "bold": "SourceSansPro-Bold.ttf"}


@cache
def font_path(weight: str = "bold") -> Path:
    import font_source_sans_pro

    base = Path(font_source_sans_pro.__file__).parent / "files"
    path = base / FONT_FILES[weight]
    if not path.is_file():
        raise FileNotFoundError(f"font {path} is missing: reinstall the font-source-sans-pro package")
    return path


@cache
def _cap_ratio(weight: str) -> float:
    """Cap height per pixel of font size, measured on the font itself."""
    font = ImageFont.truetype(str(font_path(weight)), 200)
    top, bottom = font.getbbox("H")[1], font.getbbox("H")[3]
    return (bottom - top) / 200


def font_for(cap_px: float, weight: str = "bold") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(weight)), max(6, round(cap_px / _cap_ratio(weight))))


def _hex(color: str, alpha: float = 1.0) -> tuple[int, int, int, int]:
    return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16), round(alpha * 255))


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy word wrap; explicit newlines are kept (an end card lists its lines)."""
    out: list[str] = []
    for para in text.split("\n"):
        words = para.split()
        cur = ""
        for w in words:
            trial = f"{cur} {w}".strip()
            if cur and font.getlength(trial) > max_width:
                out.append(cur)
                cur = w
            else:
                cur = trial
        if cur:
            out.append(cur)
    return out or [text]


@dataclass(frozen=True)
class Card:
    path: Path
    x: int
    y: int
    width: int
    height: int


def render_card(item: TextItem, frame_w: int, frame_h: int, safe_margin: float, out: Path) -> Card:
    """Draw `item` on its plate and return where it goes on the frame."""
    weight = "regular" if item.kind == "major_statement" else "bold"
    cap_px = item.cap_height * frame_h
    font = font_for(cap_px, weight)
    inset_x, inset_y = round(frame_w * safe_margin), round(frame_h * safe_margin)
    pad_x, pad_y = round(cap_px * 0.9), round(cap_px * 0.6)
    max_text_w = frame_w - 2 * inset_x - 2 * pad_x
    lines = wrap(item.text, font, max_text_w)
    ascent, descent = font.getmetrics()
    line_h = round((ascent + descent) * 1.08)
    text_w = max(round(font.getlength(line)) for line in lines)
    width = min(frame_w - 2 * inset_x, text_w + 2 * pad_x)
    height = min(frame_h - 2 * inset_y, line_h * len(lines) + 2 * pad_y)
    card = Image.new("RGBA", (width, height), _hex(item.plate_color, item.plate_opacity))
    draw = ImageDraw.Draw(card)
    for i, line in enumerate(lines):
        lw = font.getlength(line)
        draw.text(((width - lw) / 2, pad_y + i * line_h), line, font=font, fill=_hex(item.color))
    out.parent.mkdir(parents=True, exist_ok=True)
    card.save(out)
    x = (frame_w - width) // 2
    if item.position == "top":
        y = inset_y
    elif item.position == "center":
        y = (frame_h - height) // 2
    else:
        y = frame_h - inset_y - height
    return Card(path=out, x=x, y=y, width=width, height=height)
