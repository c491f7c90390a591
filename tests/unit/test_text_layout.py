"""The text layout at its edges: size against the short side, plates inside title-safe in every
position and aspect, words kept whole (web addresses break only at punctuation), and paging that
keeps every word in order with explicit lines whole."""

from __future__ import annotations

import itertools
import random

import pytest

from omnigen.text_layout import (
    Canvas,
    Style,
    fits,
    largest_fitting_cap,
    largest_unbroken_cap,
    layout_text,
    paginate,
)

FRAMES = [(1920, 1080), (1080, 1920), (1080, 1080), (640, 360), (360, 640), (360, 360)]
CONTACT = "Call 1-800-555-0123\naerisol.example\nSee our ad in Urban Living magazine\nAsk your healthcare provider"


def _joined(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize(("w", "h"), FRAMES)
def test_cap_height_is_measured_on_the_short_side(w: int, h: int) -> None:
    lay = layout_text("HH", Style("super", "lower_third", 0.05), Canvas(w, h, 0.05))
    assert lay.fits
    assert 0.05 * min(w, h) <= lay.cap_px <= 0.05 * min(w, h) + 1.5  # the font size rounds up, never down


def test_plates_stay_inside_their_region_for_any_text_in_any_frame() -> None:
    rng = random.Random(7)
    words = ["Aerisol", "(fluticaprone", "nasal", "spray)", "1-800-555-0123", "aerisol.example", "may", "cause",
             "www.veltrexa-psoriasis-support.example/savings", "and", "infections,", "glaucoma", "or", "cataracts."]
    for _ in range(80):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 30)))
        if rng.random() < 0.3:
            text = text.replace(" ", "\n", 3)
        w, h = rng.choice(FRAMES)
        canvas = Canvas(w, h, rng.choice([0.05, 0.1]))
        kind = rng.choice(["super", "major_statement", "end_card"])
        style = Style(kind, rng.choice(["lower_third", "top", "center"]), rng.uniform(0.03, 0.12))
        lay = layout_text(text, style, canvas)
        region = canvas.region(style.position)
        assert region.contains(lay.plate) and canvas.safe.contains(region), (text, style, (w, h))
        assert all(0 <= ln.baseline <= lay.plate.h for ln in lay.lines)
        if lay.fits:
            assert _joined("".join(lay.text_lines)) == _joined(text), "a text that fits is drawn whole"
            assert lay.cap_px >= style.cap_height * canvas.short_side - 1e-6
        else:
            assert lay.cap_px < style.cap_height * canvas.short_side  # drawn smaller, never clipped


def test_a_lower_third_sits_on_the_bottom_of_title_safe_and_a_top_text_on_its_top() -> None:
    canvas = Canvas(1080, 1920, 0.05)
    low = layout_text("Call 1-800-555-0123", Style("super", "lower_third", 0.05), canvas)
    top = layout_text("Call 1-800-555-0123", Style("super", "top", 0.05), canvas)
    mid = layout_text("Call 1-800-555-0123", Style("super", "center", 0.05), canvas)
    assert low.plate.bottom == canvas.safe.bottom and top.plate.y == canvas.safe.y
    assert abs((mid.plate.y + mid.plate.bottom) / 2 - 960) <= 1


def test_a_long_web_address_breaks_at_its_punctuation_never_inside_a_word() -> None:
    url = "www.veltrexa-psoriasis-support.example/savings"
    lay = layout_text(url, Style("super", "lower_third", 0.05), Canvas(360, 640, 0.05))
    assert lay.fits and len(lay.lines) > 1
    assert "".join(lay.text_lines) == url
    for line in lay.text_lines[1:]:
        assert line[0] in "." or lay.text_lines[lay.text_lines.index(line) - 1][-1] in "/-"
    word = "pneumonoultramicroscopicsilicovolcanoconiosis"  # no break point at all
    hard = layout_text(word, Style("super", "lower_third", 0.08), Canvas(360, 640, 0.05))
    assert not hard.fits and hard.text_lines == [word]  # drawn smaller, whole, and reported


def test_the_largest_size_that_keeps_every_word_whole() -> None:
    canvas, style = Canvas(480, 854, 0.05), Style("end_card", "center", 0.06)
    text = "Veltrexa\n(veltrexamab-abcd)\nveltrexa.example"
    cap = largest_unbroken_cap(text, style, canvas)
    assert cap < 0.06
    lay = layout_text(text, style.sized(cap), canvas)
    assert lay.text_lines == ["Veltrexa", "(veltrexamab-abcd)", "veltrexa.example"]
    assert fits(text, style.sized(cap), canvas)
    assert largest_fitting_cap(text, style.sized(cap), canvas, 0.04) == cap


def test_pages_keep_every_word_in_order_and_explicit_lines_whole() -> None:
    canvas, style = Canvas(1080, 1080, 0.05), Style("super", "lower_third", 0.06)
    assert not fits(CONTACT, style, canvas)
    pages = paginate(CONTACT, style, canvas)
    assert len(pages) >= 2 and all(fits(p, style, canvas) for p in pages)
    assert [line for p in pages for line in p.split("\n")] == CONTACT.split("\n")  # whole lines, in order
    for a, b in itertools.pairwise(pages):  # as few pages as fit: no two neighbours fit as one
        assert not fits(f"{a}\n{b}", style, canvas)


def test_a_long_line_is_dealt_into_even_pages() -> None:
    canvas, style = Canvas(1080, 1920, 0.05), Style("major_statement", "lower_third", 0.045)
    line = ("Spinal or epidural blood clots can occur in people who take Corvanta and receive spinal injections "
            "or punctures, and can cause paralysis.")
    pages = paginate(line, style, canvas, max_lines=3)
    assert len(pages) >= 2 and " ".join(pages).split() == line.split()
    sizes = [len(layout_text(p, style, canvas).lines) for p in pages]
    assert max(sizes) <= 3 and max(sizes) - min(sizes) <= 1  # even: no page left with one stray line
