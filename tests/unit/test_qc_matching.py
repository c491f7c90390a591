"""Matching OCR output to required text: tolerant of OCR noise, strict where a slip changes the
meaning (a digit of a phone number, a short word), in order, and aware of split or joined words."""

import numpy as np
import pytest

from omnigen.qc.matching import align, edit_budget, match_text, token_matches, tokens
from omnigen.qc.pixels import contrast, ink_at_edges, otsu, still_shown, text_pixels


def test_tokens_fold_case_punctuation_and_typography():
    assert tokens("Call 1‑800–555-0142!") == ["call", "1", "800", "555", "0142"]
    assert tokens("VELTREXA.example") == ["veltrexa", "example"]


@pytest.mark.parametrize(
    ("expected", "read", "ok"),
    [
        ("infections", "infectlons", True),  # a slip in ten letters (two are allowed: one per five)
        ("infections", "lnfectl0ns", False),  # three are not
        ("may", "way", False),  # short words must be exact
        ("0142", "0l42", True),  # OCR's l for 1 is undone in a number...
        ("0142", "0143", False),  # ...but a wrong digit is a wrong number
        ("healthcare", "healthcare", True),
    ],
)
def test_token_budget(expected, read, ok):
    assert token_matches(expected, read) is ok


def test_budget_is_one_edit_per_five_letters_and_none_for_numbers():
    assert [edit_budget(t) for t in ("ask", "your", "veltrexa", "healthcare", "0142", "word10")] == [0, 0, 1, 2, 0, 0]


def test_alignment_is_in_order_and_joins_split_words():
    m = match_text("Ask your healthcare provider", "ask your health care provider")
    assert m.complete
    m = match_text("one two three four", "four three two one")
    assert m.fraction < 0.5  # out of order is not a reading of the text
    m = align(tokens("Do not take Veltrexa if you have an allergy"), tokens("Do not take if you have an allergy"))
    assert m.missing == ["veltrexa"] and m.longest_missing_run == 1


def test_whole_needs_the_share_and_no_long_gap():
    text = " ".join(f"word{i}" for i in range(30))
    read = " ".join(f"word{i}" for i in range(30) if i not in (10, 11, 12))
    m = match_text(text, read)
    assert m.fraction == pytest.approx(0.9) and m.longest_missing_run == 3
    assert not m.whole(0.9, 2) and m.whole(0.9, 3)


def _card(text_level: int, plate_level: int) -> np.ndarray:
    img = np.full((60, 200, 3), plate_level, np.uint8)
    img[20:40, 30:170] = text_level  # a bar of "text"
    return img


def test_pixel_contrast_is_wcag_on_the_frame():
    white_on_black = contrast(_card(255, 0), text_pixels(_card(255, 0), "#FFFFFF"))
    assert white_on_black == pytest.approx(21.0, rel=0.01)
    faint = _card(255, 0xBD)
    assert contrast(faint, text_pixels(faint, "#FFFFFF")) == pytest.approx(1.9, abs=0.1)
    dark = _card(0, 255)
    px = text_pixels(dark, "#000000")
    assert not px.light and contrast(dark, px) == pytest.approx(21.0, rel=0.01)
    assert 0 < otsu(np.array([0, 0, 255, 255])) < 255


def test_ink_at_a_card_edge_is_clipped_text():
    clipped = _card(255, 0)
    clipped[20:40, 0:170] = 255  # the bar runs into the left edge
    assert ink_at_edges(clipped, "#FFFFFF") == ["left"]
    assert ink_at_edges(_card(255, 0), "#FFFFFF") == []


def test_still_shown_compares_the_text_pixels_only():
    ref = _card(255, 20)
    moved_background = ref.copy()
    moved_background[:10] = 90  # the picture under the plate changed
    assert still_shown(ref, moved_background, text_pixels(ref, "#FFFFFF"))
    gone = np.full_like(ref, 20)
    assert not still_shown(ref, gone, text_pixels(ref, "#FFFFFF"))
