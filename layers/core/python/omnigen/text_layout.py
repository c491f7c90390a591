"""Where on-screen text goes and how big it is: the one layout the renderer draws, the timeline
builder pages by, and the checker measures (pure: font metrics only, nothing is drawn here).

Size is set by CAP HEIGHT (the height of a capital letter) as a fraction of the frame's SHORT side.
That is the dimension that keeps text equally legible in every aspect: in 16:9 it is the frame
height (the broadcast norm), and in 9:16 it is the width — the BBC's subtitle guidance for
vertical video sets a font of about 3.5% of the 9:16 frame height, which in this face is a cap
height of about 4% of the width. Sizing a 9:16 card against its 1920 px height instead makes
it 1.8 times too big for its 1080 px width, which is how phone numbers ended up cut at both edges.

Every plate is placed inside the title-safe area (the frame inset by `safe_margin` on each side)
in its position's region: the lower or upper half of the safe area for `lower_third` / `top`, all
of it for `center`. Text is wrapped at word boundaries; a single word wider than the line (a long
web address) breaks after "/" or "-" or before "." — inside a run of letters only when nothing
else can. A text that cannot fit its region whole at the size asked for is drawn smaller, never
clipped, and `fits` is False: the builder pages such text, the checker reports it.

The font is the one the project carries (Source Sans Pro, OFL, from the `font-source-sans-pro`
wheel), never a system font, so a render looks the same on a laptop and in the Lambda image.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

from PIL import ImageFont

from omnigen.fonts import font_path

if TYPE_CHECKING:
    from omnigen.timeline import OutputSettings, TextItem

REGION_SHARE = {"lower_third": 0.5, "top": 0.5, "center": 1.0}  # of the title-safe height
LINE_PITCH = 1.2  # baseline to baseline, in font sizes
PAD_X, PAD_Y = 0.9, 0.6  # plate padding around the ink, in cap heights
MIN_FONT_PX = 6  # the smallest size a text that cannot fit is drawn at (the checker reports it)
OVERHANG = 0.08  # of the font size: how far ink may reach past a line's advance (bearings, overhangs)
_BREAK = re.compile(r"(?<=[/\-–])|(?=[.@?&=])")  # where a too-long word may break


@cache
def font_at(size_px: int, weight: str = "bold") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(weight)), max(MIN_FONT_PX, size_px))


@cache
def cap_ratio(weight: str) -> float:
    """Cap height per pixel of font size, measured on the font itself."""
    top, bottom = font_at(200, weight).getbbox("H", anchor="ls")[1::2]
    return (bottom - top) / 200


def font_for(cap_px: float, weight: str = "bold") -> ImageFont.FreeTypeFont:
    """The font whose capital letters are at least `cap_px` tall (the size rounds up, so text
    asked for at the legibility floor is never drawn a hair under it)."""
    return font_at(math.ceil(cap_px / cap_ratio(weight) - 1e-6), weight)


def weight_for(kind: str) -> str:
    """Major-statement text is set a little lighter (long copy); supers and end cards bold."""
    return "regular" if kind == "major_statement" else "bold"


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def contains(self, other: Box) -> bool:
        return self.x <= other.x and self.y <= other.y and other.right <= self.right and other.bottom <= self.bottom

    def intersects(self, other: Box) -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom


@dataclass(frozen=True)
class Canvas:
    """The frame text is set on: its size and the title-safe inset per side."""

    width: int
    height: int
    safe_margin: float

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)

    @property
    def safe(self) -> Box:
        ix, iy = math.ceil(self.width * self.safe_margin), math.ceil(self.height * self.safe_margin)
        return Box(ix, iy, self.width - 2 * ix, self.height - 2 * iy)

    def region(self, position: str) -> Box:
        """Where a plate at `position` may go: the lower or upper part of the safe area, or all of it."""
        safe = self.safe
        h = math.floor(safe.h * REGION_SHARE[position])
        if position == "lower_third":
            return Box(safe.x, safe.bottom - h, safe.w, h)
        if position == "top":
            return Box(safe.x, safe.y, safe.w, h)
        return safe


@dataclass(frozen=True)
class Style:
    """How a text item is set: its kind (which weight), its position and its cap height as a
    fraction of the frame's short side."""

    kind: str
    position: str
    cap_height: float

    @property
    def weight(self) -> str:
        return weight_for(self.kind)

    def sized(self, cap_height: float) -> Style:
        return replace(self, cap_height=cap_height)


@dataclass(frozen=True)
class DrawnLine:
    text: str
    x: int  # where to draw it with anchor "ls" (left, baseline), relative to the plate
    baseline: int


@dataclass(frozen=True)
class TextLayout:
    """One text item laid out on one frame."""

    lines: tuple[DrawnLine, ...]
    weight: str
    font_px: int
    cap_px: float  # the cap height drawn
    requested_cap_px: float
    plate: Box  # on the frame
    region: Box
    fits: bool  # drawn at the size asked for, inside its region, every word whole

    @property
    def text_lines(self) -> list[str]:
        return [ln.text for ln in self.lines]


@dataclass(frozen=True)
class Wrapped:
    """A wrapped line: its text, which explicit line of the source it comes from, and whether it
    continues a word broken at the end of the line before (so it rejoins without a space)."""

    text: str
    paragraph: int
    glued: bool = False


def _ink(font: ImageFont.FreeTypeFont, text: str) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = font.getbbox(text, anchor="ls")
    return int(x0), int(y0), int(x1), int(y1)


def _ink_w(font: ImageFont.FreeTypeFont, text: str) -> int:
    x0, _, x1, _ = _ink(font, text)
    return x1 - x0


def _advance(font: ImageFont.FreeTypeFont, text: str) -> float:
    """The width wrapping measures: the advance (no glyph is rendered to get it, unlike the ink
    box) plus OVERHANG for glyphs that reach past it; the final lines are checked by ink."""
    return font.getlength(text) + OVERHANG * font.size


def _pieces(word: str, font: ImageFont.FreeTypeFont, max_w: int) -> tuple[list[str], bool]:
    """A word that fits as it is, or its pieces at break points; True when it also had to break
    inside a run of letters (no break point left a narrow enough piece)."""
    if _advance(font, word) <= max_w:
        return [word], False
    out, cur = [], ""
    for seg in (s for s in _BREAK.split(word) if s):
        trial = cur + seg
        if not cur or _advance(font, trial) <= max_w:
            cur = trial
        else:
            out.append(cur)
            cur = seg
    out.append(cur)
    final: list[str] = []
    hard = False
    for piece in out:
        while len(piece) > 1 and _advance(font, piece) > max_w:
            k = len(piece) - 1
            while k > 1 and _advance(font, piece[:k]) > max_w:
                k -= 1
            final.append(piece[:k])
            piece = piece[k:]
            hard = True
        final.append(piece)
    return final, hard


def wrap(text: str, font: ImageFont.FreeTypeFont, max_w: int) -> tuple[list[Wrapped], bool]:
    """Greedy word wrap by ink width; explicit newlines are kept (an end card lists its lines).
    Also says whether a word had to break inside a run of letters."""
    lines: list[Wrapped] = []
    hard_any = False
    for p, para in enumerate(text.split("\n")):
        cur, glued = "", False
        for word in para.split():
            pieces, hard = _pieces(word, font, max_w)
            hard_any |= hard
            for k, piece in enumerate(pieces):
                sep = " " if k == 0 else ""  # a broken word's pieces join without a space
                trial = f"{cur}{sep}{piece}" if cur else piece
                if cur and _advance(font, trial) > max_w:
                    lines.append(Wrapped(cur, p, glued))
                    cur, glued = piece, k > 0
                else:
                    cur = trial
        if cur:
            lines.append(Wrapped(cur, p, glued))
    return lines, hard_any


def _text_width(style: Style, canvas: Canvas, font: ImageFont.FreeTypeFont) -> int:
    """The widest a line may be: the region less the plate's padding."""
    return max(1, canvas.region(style.position).w - 2 * round(font.size * cap_ratio(style.weight) * PAD_X))


def _set(text: str, style: Style, canvas: Canvas, cap_px: float) -> TextLayout:
    """Lay `text` out at one size; `fits` says whether it is whole and inside its region."""
    region = canvas.region(style.position)
    font = font_for(cap_px, style.weight)
    drawn_cap = font.size * cap_ratio(style.weight)
    pad_x, pad_y = round(drawn_cap * PAD_X), round(drawn_cap * PAD_Y)
    max_w = _text_width(style, canvas, font)
    wrapped, hard = wrap(text, font, max_w)
    pitch = round(font.size * LINE_PITCH)
    inks = [_ink(font, w.text) for w in wrapped] or [(0, 0, 0, 0)]
    top = min(y0 + i * pitch for i, (_, y0, _, _) in enumerate(inks))
    bottom = max(y1 + i * pitch for i, (_, _, _, y1) in enumerate(inks))
    ink_w = max(x1 - x0 for x0, _, x1, _ in inks)
    plate_w = min(region.w, ink_w + 2 * pad_x)
    plate_h = bottom - top + 2 * pad_y
    ok = not hard and plate_h <= region.h and ink_w <= max_w
    lines = tuple(
        DrawnLine(text=w.text, x=(plate_w - (x1 - x0)) // 2 - x0, baseline=pad_y - top + i * pitch)
        for i, (w, (x0, _, x1, _)) in enumerate(zip(wrapped, inks, strict=True))
    )
    if plate_h > region.h:  # only at the smallest size: leave out the lines that cannot fit
        keep = [ln for ln in lines if ln.baseline + round(font.size * 0.3) + pad_y <= region.h]
        lines, plate_h = tuple(keep), region.h
    x = region.x + (region.w - plate_w) // 2
    if style.position == "top":
        y = region.y
    elif style.position == "center":
        y = region.y + (region.h - plate_h) // 2
    else:
        y = region.bottom - plate_h
    return TextLayout(
        lines=lines,
        weight=style.weight,
        font_px=font.size,
        cap_px=drawn_cap,
        requested_cap_px=cap_px,
        plate=Box(x, y, plate_w, plate_h),
        region=region,
        fits=ok,
    )


def layout_text(text: str, style: Style, canvas: Canvas) -> TextLayout:
    """`text` set in `style` on `canvas`. When it does not fit whole at its size, the largest
    smaller size that does is drawn (and `fits` is False)."""
    want = style.cap_height * canvas.short_side
    layout = _set(text, style, canvas, want)
    if layout.fits:
        return layout
    ratio = cap_ratio(style.weight)
    lo, hi = MIN_FONT_PX, layout.font_px - 1  # font sizes are whole pixels: bisect those
    best: TextLayout | None = None
    while lo <= hi:
        mid = (lo + hi) // 2
        trial = _set(text, style, canvas, mid * ratio - 1e-6)
        if trial.fits:
            best, lo = trial, mid + 1
        else:
            hi = mid - 1
    return replace(best or _set(text, style, canvas, MIN_FONT_PX * ratio), requested_cap_px=want, fits=False)


def canvas_of(output: OutputSettings) -> Canvas:
    return Canvas(output.width, output.height, output.safe_margin)


def style_of(item: TextItem) -> Style:
    return Style(item.kind, item.position, item.cap_height)


def layout_item(item: TextItem, output: OutputSettings) -> TextLayout:
    """The layout of one timeline text item on the timeline's frame."""
    return layout_text(item.text, style_of(item), canvas_of(output))


def fits(text: str, style: Style, canvas: Canvas, max_lines: int | None = None) -> bool:
    """Whether `text` fits its region whole at its size (in at most `max_lines` lines)."""
    layout = _set(text, style, canvas, style.cap_height * canvas.short_side)
    return layout.fits and (max_lines is None or len(layout.lines) <= max_lines)


def largest_fitting_cap(text: str, style: Style, canvas: Canvas, floor: float) -> float | None:
    """The largest cap height in [floor, style.cap_height] at which `text` fits whole, or None."""
    if fits(text, style, canvas):
        return style.cap_height
    if floor >= style.cap_height or not fits(text, style.sized(floor), canvas):
        return None
    lo, hi = floor, style.cap_height
    for _ in range(10):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if fits(text, style.sized(mid), canvas) else (lo, mid)
    return lo


def largest_unbroken_cap(text: str, style: Style, canvas: Canvas) -> float:
    """The largest cap height (at most the style's) at which every word of `text` fits on a line
    whole — a web address is better a little smaller than split."""
    words = text.split()

    def whole(cap: float) -> bool:
        font = font_for(cap * canvas.short_side, style.weight)
        room = _text_width(style, canvas, font)
        return all(_advance(font, w) <= room for w in words)

    if not words or whole(style.cap_height):
        return style.cap_height
    lo, hi = 0.0, style.cap_height
    for _ in range(14):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if whole(mid) else (lo, mid)
    return lo


def paginate(text: str, style: Style, canvas: Canvas, max_lines: int | None = None) -> list[str]:
    """`text` split into pages that each fit their region whole at the style's size (and hold at
    most `max_lines` lines). Explicit lines (a contact card's phone, website, print ad) stay
    whole on a page when they can: the fewest pages of whole lines, as even as possible. A line
    too long for any page is dealt by its wrapped lines, evenly, so no page is left with one stray
    line. Every word is kept, in order."""
    if fits(text, style, canvas, max_lines):
        return [text]
    paras = [p for p in text.split("\n") if p.strip()]
    units: list[str] = []
    for para in paras:
        units += [para] if fits(para, style, canvas, max_lines) else _deal_lines(para, style, canvas, max_lines)
    return _group(units, style, canvas, max_lines)


def _deal_lines(text: str, style: Style, canvas: Canvas, max_lines: int | None) -> list[str]:
    """One paragraph too long for a page, dealt by its wrapped lines into as few even pages as fit."""
    font = font_for(style.cap_height * canvas.short_side, style.weight)
    wrapped, _ = wrap(text, font, _text_width(style, canvas, font))
    if len(wrapped) <= 1:
        return [text]  # one line that cannot fit: nothing to page (the checker reports it)
    per_page = 1
    while per_page < len(wrapped) and fits(_join(wrapped[: per_page + 1]), style, canvas):
        per_page += 1
    if max_lines is not None:
        per_page = min(per_page, max_lines)
    size = math.ceil(len(wrapped) / math.ceil(len(wrapped) / per_page))
    return [_join(wrapped[k : k + size]) for k in range(0, len(wrapped), size)]


def _group(units: list[str], style: Style, canvas: Canvas, max_lines: int | None) -> list[str]:
    """Consecutive units joined (one per line) into the fewest pages that fit, the most even
    split among those (by characters) — a handful of units, so every split is tried."""
    n = len(units)
    if n > 8:  # beyond a card's worth of lines: greedy is as good as any
        pages, cur = [], ""
        for u in units:
            trial = f"{cur}\n{u}" if cur else u
            if cur and not fits(trial, style, canvas, max_lines):
                pages.append(cur)
                cur = u
            else:
                cur = trial
        return [*pages, cur] if cur else pages
    best: tuple[int, int, list[str]] | None = None
    for mask in range(1 << (n - 1)):
        pages, cur = [], [units[0]]
        for k in range(1, n):
            if mask >> (k - 1) & 1:
                pages.append("\n".join(cur))
                cur = []
            cur.append(units[k])
        pages.append("\n".join(cur))
        if best is not None and len(pages) > best[0]:
            continue
        if all(fits(p, style, canvas, max_lines) for p in pages):
            key = (len(pages), max(len(p) for p in pages), pages)
            if best is None or key[:2] < best[:2]:
                best = key
    return best[2] if best else units


def _join(lines: list[Wrapped]) -> str:
    """Wrapped lines back to text: a space inside a paragraph (none inside a broken word), a
    newline between paragraphs."""
    out = ""
    for i, w in enumerate(lines):
        if i:
            out += ("" if w.glued else " ") if w.paragraph == lines[i - 1].paragraph else "\n"
        out += w.text
    return out
