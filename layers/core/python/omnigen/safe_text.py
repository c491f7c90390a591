"""Text a person typed, made safe to speak, draw, caption and print: one check for every text field.

A brief's and a timeline's text reaches the voice, the supers drawn with the ad's font, the WebVTT
captions and the terminal. Each of those breaks differently on characters that are not plain
visible text: a NUL ends up in captions.vtt, an ESC retitles the terminal that lists the jobs,
a right-to-left override (U+202E) makes "axertleV" display as "Veltrexa", a side effect made of
zero-width spaces puts "may cause ." on screen, and Hebrew, Arabic or emoji the font has no glyph
for are drawn as boxes. So every text field is:

- normalised to Unicode NFC (one spelling for "é", whatever keyboard typed it);
- refused when it holds a control character (C0, DEL, C1; tab and line breaks are whitespace and
  become spaces), a bidirectional embedding, override or isolate (U+202A–202E, U+2066–2069), any
  other invisible format character (zero-width space and joiners, soft hyphen, BOM, ...), a line
  or paragraph separator, a private-use, surrogate or unassigned code point;
- refused when the ad's fonts (`omnigen.fonts`, the faces `omnigen.text_layout` sets text in) have no glyph for a
  character — checked in the fonts' own character maps;
- refused when, non-empty, it has no visible character at all.

The error names the character by code point and Unicode name, so a person can find it
(`U+200B ZERO WIDTH SPACE is not allowed ...`); pydantic puts the field in front.

Records already stored (jobs, timelines written before these rules) are read back as they are:
validate them with `STORED` as the pydantic context. Whatever shows such text on a terminal
passes it through `printable` first.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints, ValidationInfo

STORED: dict[str, Any] = {"stored": True}
"""Pydantic validation context for records read back from a store: their text is not re-checked."""

_WHITESPACE_CONTROLS = re.compile(r"[\t\n\r\v\f]+")
_LINE_BREAK = re.compile(r"\r\n|[\n\r]")
_BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C}
_CONTROL_NAMES = {
    0x00: "NULL",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
    0x9B: "CONTROL SEQUENCE INTRODUCER",
}
_VISIBLE = ("L", "N", "P", "S")  # letters, digits, punctuation, symbols: what shows as ink


def describe(ch: str) -> str:
    """`U+200B ZERO WIDTH SPACE`: a character as a person can look it up."""
    code = ord(ch)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(ch, "")
    if not name:
        name = "control character" if unicodedata.category(ch) == "Cc" else "unnamed character"
    return f"U+{code:04X} {name}"


def _refusal(ch: str) -> str | None:
    """Why `ch` may not stand in a text field (its font is checked apart), or None."""
    code, category = ord(ch), unicodedata.category(ch)
    if code in _BIDI:
        return "is a bidirectional control (it can make text display in another order than it is read)"
    if category == "Cc":
        return "is a control character"
    if category == "Cf":
        return "is an invisible formatting character"
    if category in ("Zl", "Zp"):
        return "is a line or paragraph separator (use a space)"
    if category == "Co":
        return "is a private-use character"
    if category == "Cs":
        return "is a lone surrogate (broken UTF-16)"
    if category == "Cn":
        return "is not an assigned Unicode character"
    return None


@cache
def ad_fonts() -> tuple[str, frozenset[int]]:
    """The ad's font family name, and the code points every face of it that the text layout draws
    with has a glyph for (read from the font files' own `cmap` tables)."""
    from fontTools.ttLib import TTFont

    from omnigen.fonts import FONT_FILES, font_path

    family, common = "", None
    for weight in FONT_FILES:
        with TTFont(str(font_path(weight)), lazy=True) as font:
            codes = set(font.getBestCmap())
            names = font["name"]
            family = family or str(names.getDebugName(16) or names.getDebugName(1) or "")
        common = codes if common is None else common & codes
    return family, frozenset(common or ())


def clean_text(value: str, *, lines: bool = False) -> str:
    """`value` normalised, or ValueError naming the first character that cannot be used. With
    `lines` (text drawn as a card, where the builder sets line breaks) a line break is kept as
    one "\n"; otherwise it is a space like a tab."""
    text = unicodedata.normalize("NFC", value)
    if lines:
        text = "\n".join(_WHITESPACE_CONTROLS.sub(" ", line).strip() for line in _LINE_BREAK.split(text))
    else:
        text = _WHITESPACE_CONTROLS.sub(" ", text)
    family, glyphs = ad_fonts()
    for ch in text:
        if ch == "\n":  # a line break the layout sets (kept only with `lines`)
            continue
        why = _refusal(ch)
        if why is None and ord(ch) not in glyphs:
            why = f"cannot be drawn: the ad's font ({family}) has no glyph for it"
        if why is not None:
            raise ValueError(f"{describe(ch)} is not allowed: it {why}; remove or replace it")
    text = text.strip()
    if value.strip() and not any(unicodedata.category(ch)[0] in _VISIBLE for ch in text):
        raise ValueError("has no visible character: write the text out")
    return text


def _validator(lines: bool) -> Any:
    def checked_text(value: str, info: ValidationInfo) -> str:
        """`clean_text`, except for records read back from a store (context `STORED`), which are
        kept as they were written."""
        if isinstance(info.context, dict) and info.context.get("stored"):
            return value
        return clean_text(value, lines=lines)

    return AfterValidator(checked_text)


def printable(value: object) -> str:
    """`value` as text that is safe on a terminal: controls, bidi and invisible characters shown
    as `\\u....` escapes (for records stored before the rules, and for anything else shown)."""
    out = []
    for ch in str(value):
        if _refusal(ch) is None:
            out.append(ch)
        else:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
    return "".join(out)


def text_field(max_length: int, *, min_length: int | None = None, lines: bool = False) -> Any:
    """The type of a text field a person writes: stripped, its length bounded, then `clean_text`
    (kept as stored for records read back with the `STORED` context)."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        _validator(lines),
    ]
