"""Every text field of a brief and of a timeline's text: normalised, no control / bidi / invisible
characters, something visible, and only what the ad's font draws — refused with the field and
the character named. The inputs are the ones an outside probe got accepted (issue 14, item 1)."""

from __future__ import annotations

import unicodedata

import pytest
from PIL import Image, ImageDraw, ImageFont
from pydantic import ValidationError

from omnigen.brief import BriefError, parse_brief
from omnigen.fonts import FONT_FILES, font_path
from omnigen.job import Job
from omnigen.safe_text import STORED, ad_fonts, clean_text, printable
from omnigen.timeline import TextItem


def _brief(**product):
    data = {
        "prompt": "A gardener gets back to her roses",
        "product": {
            "brand_name": "Veltrexa",
            "generic_name": "veltrexamab",
            "indication": "plaque psoriasis",
            "side_effects": ["serious infections"],
        }
        | product,
    }
    return data


def _problems(**product) -> list[tuple[str, str]]:
    with pytest.raises(BriefError) as err:
        parse_brief(_brief(**product))
    return err.value.problems


def test_a_side_effect_of_zero_width_spaces_only_is_refused_naming_field_and_character():
    problems = _problems(side_effects=["\u200b\u200b\u200b"])
    assert problems[0][0] == "product.side_effects.0"
    assert problems[0][1].startswith("U+200B ZERO WIDTH SPACE is not allowed")


@pytest.mark.parametrize(
    ("brand", "named"),
    [("Velt\x00rexa", "U+0000 NULL"), ("Veltrexa\x1b]0;owned\x07", "U+001B ESCAPE"), ("Velt\x07rexa", "U+0007 BELL")],
)
def test_control_characters_in_the_brand_name_are_refused(brand, named):
    (field, message), *_ = _problems(brand_name=brand)
    assert field == "product.brand_name"
    assert message.startswith(f"{named} is not allowed: it is a control character")


def test_a_right_to_left_override_is_refused():
    (field, message), *_ = _problems(brand_name="\u202eaxertleV")
    assert field == "product.brand_name"
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in message and "bidirectional" in message


@pytest.mark.parametrize(
    "mark", ["\u202a", "\u202c", "\u2066", "\u2067", "\u2069", "\u200f", "\u2060", "\ufeff", "\u00ad"]
)
def test_every_bidi_and_invisible_format_character_is_refused(mark):
    with pytest.raises(ValueError, match=f"U\\+{ord(mark):04X}"):
        clean_text(f"Velt{mark}rexa")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("\u05d5\u05dc\u05d8\u05e8\u05e7\u05e1\u05d4", "U+05D5 HEBREW LETTER VAV"),
        ("\u0641\u064a\u0644\u062a\u0631\u0643\u0633\u0627", "U+0641 ARABIC LETTER FEH"),
        ("Veltrexa \U0001f339", "U+1F339 ROSE"),
    ],
)
def test_text_the_ads_font_cannot_draw_is_refused_naming_the_character(text, named):
    (field, message), *_ = _problems(indication=text)
    assert field == "product.indication"
    assert message.startswith(f"{named} is not allowed: it cannot be drawn")
    assert "Source Sans Pro" in message


def _ink(ch: str, font: ImageFont.FreeTypeFont) -> bytes:
    im = Image.new("L", (120, 120))
    ImageDraw.Draw(im).text((20, 20), ch, font=font, fill=255)
    return im.tobytes()


@pytest.mark.parametrize("weight", sorted(FONT_FILES))
def test_what_is_accepted_is_what_the_font_really_draws(weight):
    """The check agrees with the renderer: a character it accepts draws its own glyph, one it
    refuses for the font draws the font's 'missing glyph' box (.notdef), as the probe saw."""
    font = ImageFont.truetype(str(font_path(weight)), 60)
    notdef = _ink("\U000f0000", font)  # a private-use code point no font here maps
    for ch in "Aé€Ωж’—®":
        assert ord(ch) in ad_fonts()[1]
        assert clean_text(ch) == ch
        assert _ink(ch, font) != notdef, ch
    for ch in "\u05d0\u0628\U0001f339\u4e2d":
        assert ord(ch) not in ad_fonts()[1]
        assert _ink(ch, font) == notdef, ch


def test_text_is_normalised_to_nfc_and_line_breaks_become_spaces():
    decomposed = "Ecze\u0301ma"
    assert unicodedata.is_normalized("NFD", decomposed)
    assert clean_text(decomposed) == "Eczéma"
    brief = parse_brief(_brief(boxed_warning="SERIOUS INFECTIONS\nand\tMALIGNANCY\r\n"))
    assert brief.product.boxed_warning == "SERIOUS INFECTIONS and MALIGNANCY"


def test_empty_optional_text_stays_allowed_and_ordinary_briefs_pass():
    assert parse_brief(_brief()).style == ""
    assert clean_text("") == ""
    assert (
        clean_text("See “Health Today” — 1-800-555-0199, 50% off…") == "See “Health Today” — 1-800-555-0199, 50% off…"
    )


def test_timeline_text_items_follow_the_same_rules():
    item = {"text": "Ask your doctor", "start_s": 0, "end_s": 2}
    assert TextItem.model_validate(item).text == "Ask your doctor"
    with pytest.raises(ValidationError, match="U\\+202E RIGHT-TO-LEFT OVERRIDE"):
        TextItem.model_validate(item | {"text": "\u202eaxertleV"})
    card = TextItem.model_validate(item | {"text": "Call 1-800-555-0199\r\nveltrexa.example\tnow"})
    assert card.text == "Call 1-800-555-0199\nveltrexa.example now"  # a card keeps its line breaks


def test_records_stored_before_the_rules_still_load():
    job = Job(user_id="local", brief=parse_brief(_brief()))
    stored = job.model_dump(mode="json")
    stored["brief"]["product"]["brand_name"] = "Velt\x1b[2Jrexa\u202e"
    with pytest.raises(ValidationError):
        Job.model_validate(stored)
    assert Job.model_validate(stored, context=STORED).brief.product.brand_name == "Velt\x1b[2Jrexa\u202e"


def test_printable_never_lets_a_control_or_bidi_character_through():
    shown = printable("Velt\x1b]0;owned\x07rexa\x00\u202e\u200b\x9b é")
    assert shown == "Velt\\x1b]0;owned\\x07rexa\\x00\\u202e\\u200b\\x9b é"
    assert all(unicodedata.category(c)[0] != "C" for c in shown)
