"""The compliance NLP layer piece by piece: visible text and tokens, negation scope, the
equivalence table, what a label phrase requires (qualifiers, consequences, conditions), referrals."""

from __future__ import annotations

import pytest

from omnigen.compliance.equivalents import Thesaurus, form_of
from omnigen.compliance.label import (
    Attachment,
    analyse,
    attached,
    condition_words_said,
    conditions,
    consequence_said,
    joined_by_and,
)
from omnigen.compliance.language import find_claims, match_phrase
from omnigen.compliance.negation import negated, scopes
from omnigen.compliance.policy import default_policy
from omnigen.compliance.referral import refers_to_provider
from omnigen.compliance.tokens import has_words, invisible_characters, parse, tokens, visible


@pytest.fixture(scope="module")
def th() -> Thesaurus:
    p = default_policy()
    return Thesaurus.build(p.jargon, p.equivalents)


# --- tokens --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["\u200b\u200b", "\u200d\u2060\ufeff", " \u00ad ", "\u3164", "—", "...", ""])
def test_text_of_invisible_characters_or_marks_has_no_words(text: str) -> None:
    assert not has_words(text)


def test_invisible_characters_are_removed_before_matching() -> None:
    assert visible("infec\u200btions") == "infections"
    assert tokens("serious infec\u200btions") == ["serious", "infections"]
    assert invisible_characters("a\u200bb\u2060") == ["U+200B", "U+2060"]
    assert has_words("\u200bheadache")


def test_tokens_fold_case_accents_apostrophes_and_split_hyphens() -> None:
    assert tokens("Don’t use Aerisol’s year-round NÁUSEAS") == ["dont", "use", "aerisol", "year", "round", "nauseas"]


def test_sentence_marks_but_not_dots_inside_words() -> None:
    doc = parse("Visit veltrexa.example today. Then call.")
    assert [t.sentence for t in doc.tokens if t.is_word] == [0, 0, 0, 0, 1, 1]


# --- negation ------------------------------------------------------------------------------


def _neg(text: str, word: str) -> bool:
    return negated(text, visible(text).index(word))


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("There is no cure for psoriasis.", "cure"),
        ("Veltrexa is not a cure.", "cure"),
        ("It is not known if Veltrexa is safe and effective in children.", "safe"),
        ("It's unknown whether it is safe for children under 12.", "safe"),
        ("Aerisol has not been studied in children and may not be safe.", "safe"),
    ],
)
def test_negated(text: str, word: str) -> None:
    assert _neg(text, word)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Do not take it if you have bleeding.", "bleeding"),  # "if" starts the condition
        ("It's not for everyone, but it is safe.", "safe"),  # clause mark and "but"
        ("Veltrexa is not for everyone and it's safe.", "safe"),  # "and" + a new subject
        ("Not only is it safe, it works.", "safe"),  # pseudo-negation
        ("No doubt it is safe.", "safe"),
        ("Don't wait. It is safe.", "safe"),
    ],
)
def test_not_negated(text: str, word: str) -> None:
    assert not _neg(text, word)


def test_epistemic_scope_runs_through_if_a_plain_one_stops_there() -> None:
    (epi,) = scopes("It is not known if it is safe")
    assert epi.epistemic and epi.trigger_text(parse("It is not known if it is safe")) == "not known"
    (plain,) = scopes("Do not take it if it is safe")
    assert not plain.epistemic and len(plain.covered) == 2  # "take it"


def test_a_claim_whose_first_word_is_the_negator_is_still_a_claim() -> None:
    patterns = [r"\bnothing\s+works\s+faster\b", r"\bno\s+side\s+effects\b", r"\bcure\b"]
    found = [h.text for _, h in find_claims("Nothing works faster. No side effects. There is no cure.", patterns)]
    assert found == ["Nothing works faster", "No side effects"]


# --- equivalents ---------------------------------------------------------------------------


def test_plain_equivalents_say_a_label_term(th: Thesaurus) -> None:
    m = match_phrase("hospitalization or death", "bad enough to put you in the hospital, and sometimes fatal", th)
    assert m.missing == ()
    assert match_phrase("hospitalization", "bad enough to put you in the hospital").missing == ("hospitalization",)
    assert match_phrase("nosebleeds", "nose bleeds", th).missing == ()
    assert match_phrase("thrombocytopenia", "a low platelet count", th).missing == ()  # the jargon list counts


def test_equivalents_go_one_way_and_keep_strength(th: Thesaurus) -> None:
    assert match_phrase("serious bleeding", "severe bleeding", th).missing == ()
    assert match_phrase("life-threatening bleeding", "serious bleeding", th).missing == ("life threatening",)


def test_a_table_term_may_be_said_apart(th: Thesaurus) -> None:
    assert match_phrase("upper respiratory infections", "infections of the upper respiratory tract", th).missing == ()
    assert form_of("Upper respiratory infections") == ("upper", "respiratori", "infection")


# --- qualifiers and consequences -----------------------------------------------------------


def test_analyse_finds_qualifiers_with_their_nouns_and_consequences() -> None:
    a = analyse("serious and sometimes fatal bleeding")
    assert a.attachments == (Attachment("serious", "bleeding"), Attachment("fatal", "bleeding"))
    b = analyse("Serious infections leading to hospitalization or death, including tuberculosis, have happened.")
    assert b.attachments == (Attachment("serious", "infections"),) and b.consequences == ("hospitalization", "death")
    c = analyse("Spinal blood clots can occur in people who receive spinal injections, and can cause paralysis.")
    assert c.attachments == () and c.consequences == ("paralysis",)
    assert analyse("infections that can be serious").attachments == (Attachment("serious", "infections"),)
    assert analyse("stopping increases your risk of stroke").consequences == ("stroke",)


SERIOUS_INFECTIONS = Attachment("serious", "infections")
LABEL = "serious infections, including tuberculosis"


@pytest.mark.parametrize(
    ("text", "with_it"),
    [
        ("It can cause serious infections, including tuberculosis.", True),
        ("It can cause tuberculosis and other serious infections.", True),
        ("It can cause infections, which can be serious, like tuberculosis.", True),
        ("It can cause infections such as tuberculosis. Some can be serious.", True),
        ("It can cause severe infections like tuberculosis.", True),
        ("It can cause serious side effects, including infections like tuberculosis.", False),
        ("Serious side effects may happen. It can cause infections like tuberculosis, and headache.", False),
        ("It can cause infections like tuberculosis that are not serious.", False),
    ],
)
def test_qualifier_said_with_its_noun_or_not(th: Thesaurus, text: str, with_it: bool) -> None:
    assert attached(text, SERIOUS_INFECTIONS, th, LABEL) is with_it


def test_a_noun_never_said_is_missing_not_softened(th: Thesaurus) -> None:
    assert attached("It can cause headache.", SERIOUS_INFECTIONS, th, LABEL) is None


def test_consequence_said_by_an_equivalent_outside_negation(th: Thesaurus) -> None:
    assert consequence_said("a clot that can leave you paralyzed", "paralysis", th)
    assert not consequence_said("a clot that will not cause paralysis", "paralysis", th)
    assert not consequence_said("a clot near the spine", "paralysis", th)


def test_contraindications_joined_by_and_are_found(th: Thesaurus) -> None:
    contra = ["active serious bleeding", "an artificial heart valve"]
    bad = "Do not take Corvanta if you have active serious bleeding and an artificial heart valve."
    assert joined_by_and(bad, contra, th, 0.8) == tuple(contra)
    for good in (
        "Do not take Corvanta if you have active serious bleeding or an artificial heart valve.",
        "Don't take it if you have active serious bleeding, or if you have an artificial heart valve.",
        "Do not take it if you have active serious bleeding. Do not take it if you have an artificial heart valve.",
    ):
        assert joined_by_and(good, contra, th, 0.8) is None, good


# --- conditions of an indication ------------------------------------------------------------


def test_conditions_leave_out_purpose_population_degree_and_exclusions(th: Thesaurus) -> None:
    def heads(indication: str, names: tuple[str, ...] = ()) -> list[str]:
        return [c.concept.label for c in conditions(indication, names, th)]

    assert heads("moderate to severe plaque psoriasis in adults who may benefit from injections or pills") == [
        "plaque psoriasis"
    ]
    assert heads(
        "to lower the risk of stroke and blood clots in adults with atrial fibrillation not caused by a heart "
        "valve problem"
    ) == ["stroke", "blood clots", "atrial fibrillation"]
    assert heads(
        "nasal symptoms of seasonal and year-round allergies in adults and children 12 years and older",
        ("Aerisol", "fluticaprone nasal spray"),
    ) == ["allergies"]


def test_a_text_names_a_condition_by_its_head_or_an_equivalent(th: Thesaurus) -> None:
    (af,) = [c for c in conditions("adults with atrial fibrillation", (), th)]
    assert condition_words_said("Living with AFib?", af)
    (pso,) = conditions("moderate to severe plaque psoriasis", (), th)
    assert condition_words_said("Psoriasis days are garden days.", pso) == ["psoriasis"]
    assert condition_words_said("Ask about Veltrexa.", pso) == []


# --- referral ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Ask your doctor about Veltrexa.",
        "Your doctor or pharmacist can tell you more.",
        "Talk with your dermatologist.",
        "Find out more from your healthcare provider.",
        "Your rheumatologist can help you decide.",
        "Is it right for you? Ask your nurse practitioner.",
    ],
)
def test_referrals(text: str) -> None:
    assert refers_to_provider(text)


@pytest.mark.parametrize(
    "text",
    ["Learn more at veltrexa.example.", "Doctor-recommended.", "Don't ask your doctor, just try it.", "My doctor."],
)
def test_not_referrals(text: str) -> None:
    assert not refers_to_provider(text)


@pytest.mark.parametrize(
    "text",
    [
        "Corvanta can cause bleeding problems that can be serious and, in rare cases, fatal.",
        "Corvanta can cause serious bleeding, which can sometimes lead to death.",
        "Corvanta can cause serious bleeding that can even be fatal.",
    ],
)
def test_sometimes_fatal_said_the_ways_copy_says_it(th: Thesaurus, text: str) -> None:
    label = "serious and sometimes fatal bleeding"
    assert match_phrase(label, text, th).missing == ()
    assert all(attached(text, a, th, label) for a in analyse(label).attachments)


def test_a_verb_with_its_label_term_is_one_concept(th: Thesaurus) -> None:
    label = "serious infections that may require hospitalization"
    text = "It can cause infections bad enough to put you in the hospital."
    assert match_phrase(label, text, th).missing == ()
    assert attached(text, Attachment("serious", "infections"), th, label)
