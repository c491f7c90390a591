"""The font files the ad's text is drawn with (Source Sans Pro, OFL, from the
`font-source-sans-pro` wheel, never a system font, so a render looks the same on a laptop and in
the Lambda image). `omnigen.text_layout` sets text in them; `omnigen.safe_text` refuses text they
have no glyph for."""

from __future__ import annotations

from functools import cache
from pathlib import Path

FONT_FILES = {"regular": "SourceSansPro-Semibold.ttf", "bold": "SourceSansPro-Bold.ttf"}


@cache
def font_path(weight: str = "bold") -> Path:
    import font_source_sans_pro

    base = Path(font_source_sans_pro.__file__).parent / "files"
    path = base / FONT_FILES[weight]
    if not path.is_file():
        raise FileNotFoundError(f"font {path} is missing: reinstall the font-source-sans-pro package")
    return path
