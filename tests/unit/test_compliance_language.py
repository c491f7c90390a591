"""Text matching used by the rules: tolerant of case, punctuation, plurals and paraphrase, but
never of a missing key term."""

from __future__ import annotations

import pytest

from omnigen.compliance.language import (
    contains_phrase,
    find_claims,
    match_phrase,
    mentions_phone,
    mentions_website,
    names_word,
    negated,
    sentences,
    significant_words,
    stem,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("infections", "infection"),
        ("stopping", "stop"),
        ("taking", "take"),
        ("allergies", "allergy"),
        ("clots", "clot"),
        ("increases", "increase"),
        ("bleeding", "bleed"),
        ("reactions", "reaction"),
    ],
)
def test_stem_maps_inflections_together(a: str, b: str) -> None:
    assert stem(a) == stem(b)


def test_stem_keeps_different_words_apart() -> None:
    assert stem("bleed") != stem("blood")
    assert stem("tuberculosis") == "tuberculosis"  # no plural -s stripped from -is
    assert stem("12") == "12"


def test_significant_words_drop_function_words() -> None:
    assert significant_words("a serious allergic reaction to veltrexamab or any of its ingredients") == [
        "serious",
        "allergic",
        "reaction",
        "veltrexamab",
        "ingredients",
    ]


def test_match_is_tolerant_of_case_punctuation_order_and_plurals() -> None:
    m = match_phrase("serious infections, including tuberculosis", "TUBERCULOSIS and other serious infection!")
    assert m.missing == () and m.fraction == 1.0


def test_match_reports_missing_words_and_rounds_fraction_up() -> None:
    m = match_phrase("eye problems such as glaucoma or cataracts", "eye problems such as cataracts")
    assert m.missing == ("glaucoma",)
    assert m.fraction == pytest.approx(0.75)
    assert not m.ok(0.8)  # 3 of 4 words: 0.8 needs all 4
    assert m.ok(0.75)


def test_match_prefix_tolerance_for_long_words() -> None:
    assert match_phrase("allergy to any ingredient", "if you are allergic to its ingredients").missing == ()
    assert match_phrase("headache", "head pain").missing == ("headache",)


def test_contains_phrase_needs_adjacent_words() -> None:
    assert contains_phrase("Do not take it if contraindicated.", "contraindicated")
    assert contains_phrase("no adverse-events were seen", "adverse event")
    assert not contains_phrase("adverse weather and events", "adverse event")
    assert not contains_phrase("adrenal glands", "renal")


def test_names_word_is_whole_word_and_case_insensitive() -> None:
    assert names_word("Ask about VELTREXA today", "Veltrexa")
    assert names_word("visit veltrexa.example", "Veltrexa")
    assert not names_word("veltrexamab-abcd", "Veltrexa")


@pytest.mark.parametrize(
    "text",
    ["Call 1-800-555-0142", "call (800) 555 0142 today", "800.555.0142", "Call 1 800 555 0142."],
)
def test_phone_in_any_common_format(text: str) -> None:
    assert mentions_phone(text, "1-800-555-0142")


def test_phone_with_wrong_digits_is_not_found() -> None:
    assert not mentions_phone("Call 1-800-555-0143", "1-800-555-0142")
    assert not mentions_phone("no number here", "1-800-555-0142")


@pytest.mark.parametrize("text", ["veltrexa.example", "Visit Veltrexa dot example", "https://www.veltrexa.example/"])
def test_website_shown_or_spoken(text: str) -> None:
    assert mentions_website(text, "https://veltrexa.example/")


def test_website_missing() -> None:
    assert not mentions_website("veltrexa example", "veltrexa.example")


def test_negation_turns_a_claim_around() -> None:
    text = "There is no cure for psoriasis."
    assert negated(text, text.index("cure"))
    assert not negated("This could cure you.", 11)
    patterns = [r"\bcur(?:e|es|ed|ing)\b"]
    assert find_claims(text, patterns) == []
    assert [h.text for _, h in find_claims("A cure at last.", patterns)] == ["cure"]


def test_sentences_split_on_stops_and_semicolons() -> None:
    assert sentences("Do not stop. It can cause paralysis; see a doctor!") == [
        "Do not stop.",
        "It can cause paralysis;",
        "see a doctor!",
    ]
