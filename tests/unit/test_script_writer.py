"""The offline writer: structure, pacing and compliance on every shared brief and ad type."""

from __future__ import annotations

import pytest
from conftest import SHARED_BRIEFS

from omnigen.brief import load_brief
from omnigen.compliance import check_script, load_policy
from omnigen.providers.local.script_writer import LocalScriptWriter, contraindication_sentence
from omnigen.providers.ports import CallContext

BRIEFS = sorted(SHARED_BRIEFS.glob("*.yaml"))
ORDER = ["hook", "indication", "benefit", "major_statement", "adequate_provision", "brand_close"]
# Given up, with the dosage, when the copy and its supers' reading time do not fit: the opening
# shot, the benefit line, and the separate end card (the contact card then names the brand).
OPTIONAL = {"hook", "benefit", "brand_close"}


def _write(brief, feedback=None):
    return LocalScriptWriter().write(brief, CallContext(), feedback)


@pytest.mark.parametrize("path", BRIEFS, ids=lambda p: p.stem)
@pytest.mark.parametrize("ad_type", ["product_claim", "reminder", "help_seeking"])
def test_every_shared_brief_yields_a_script_with_no_compliance_error(path, ad_type):
    brief = load_brief(path).model_copy(update={"ad_type": ad_type})
    script = _write(brief)
    report = check_script(script, brief, load_policy(None))
    if ad_type == "reminder" and brief.product.boxed_warning:
        # A drug with a boxed warning may not have reminder ads at all (21 CFR 202.1(e)(2)(i)): no
        # script can fix that, so the checker says it once, for the whole ad, and finds nothing else.
        errors = [(f.rule, f.scene) for f in report.findings if f.severity == "error"]
        assert errors == [("AD-TYPE", None)], report.to_text()
    else:
        assert report.errors == 0, report.to_text()
    assert abs(script.duration_s - brief.duration_s) < 0.05
    assert all(s.duration_s <= 10.0 for s in script.scenes)


@pytest.mark.parametrize("path", BRIEFS, ids=lambda p: p.stem)
def test_product_claim_follows_the_regulated_structure_and_names_every_risk(path):
    brief = load_brief(path)
    script = _write(brief)
    purposes = [s.purpose for s in script.scenes]
    assert set(ORDER) - OPTIONAL <= set(purposes)
    assert brief.product.brand_name in " ".join(script.scenes[-1].supers)  # the ad closes on the brand
    assert [ORDER.index(p) for p in purposes] == sorted(ORDER.index(p) for p in purposes)
    spoken = " ".join(s.voiceover for s in script.scenes_for("major_statement")).lower()
    for risk in brief.product.side_effects + brief.product.contraindications:
        assert risk.lower().rstrip(".") in spoken
    ms = script.scenes_for("major_statement")
    assert all(s.continues_previous for s in ms[1:]) and not ms[0].continues_previous
    assert all(s.duration_s >= 3.0 for s in ms)


def test_a_long_ad_keeps_every_scene_and_every_super_gets_its_reading_time():
    brief = load_brief(SHARED_BRIEFS / "anticoagulant_60s.yaml")
    script = _write(brief)
    assert sorted({s.purpose for s in script.scenes}, key=ORDER.index) == ORDER
    assert "TEXT-READING-TIME" not in check_script(script, brief, load_policy(None)).rule_ids()


def test_same_seed_same_script_and_feedback_slows_the_pace():
    brief = load_brief(SHARED_BRIEFS / "anticoagulant_60s.yaml")
    assert _write(brief) == _write(brief)
    first = _write(brief)
    again = _write(brief, ["MS-PACE: slow the major statement"])
    ms = sum(s.duration_s for s in first.scenes_for("major_statement"))
    ms_again = sum(s.duration_s for s in again.scenes_for("major_statement"))
    assert ms_again > ms and abs(again.duration_s - 60) < 0.05


def test_help_seeking_names_no_drug():
    brief = load_brief(SHARED_BRIEFS / "psoriasis_30s.yaml").model_copy(update={"ad_type": "help_seeking"})
    text = " ".join(s.voiceover + " " + " ".join(s.supers) + " " + s.shot for s in _write(brief).scenes).lower()
    assert "veltrexa" not in text and "veltrexamab" not in text


def test_a_brief_too_short_for_its_risks_gets_a_valid_script_and_a_fit_finding():
    brief = load_brief(SHARED_BRIEFS / "anticoagulant_60s.yaml").model_copy(update={"duration_s": 10})
    script = _write(brief)
    assert abs(script.duration_s - 10) < 0.05 and all(s.duration_s >= 0.9 for s in script.scenes)
    report = check_script(script, brief, load_policy(None))
    assert "FIT-DURATION" in report.to_json()  # the checker, not a crash, says it does not fit


CONTRAINDICATIONS = ["active serious bleeding", "an artificial heart valve", "severe liver disease", "pregnant"]


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_contraindications_are_alternatives_joined_by_or(n):
    brief = load_brief(SHARED_BRIEFS / "anticoagulant_60s.yaml")
    brief.product.contraindications = CONTRAINDICATIONS[:n]
    ms = " ".join(s.voiceover for s in _write(brief).scenes_for("major_statement"))
    expected = {
        1: "Do not take Corvanta if you have active serious bleeding.",
        2: "Do not take Corvanta if you have active serious bleeding or an artificial heart valve.",
        3: "Do not take Corvanta if you have active serious bleeding, an artificial heart valve, or severe liver "
        "disease.",
        4: "Do not take Corvanta if you have active serious bleeding, an artificial heart valve, severe liver "
        "disease, or are pregnant.",
    }[n]
    assert expected in ms
    assert check_script(_write(brief), brief, load_policy(None)).errors == 0


@pytest.mark.parametrize(
    ("item", "reads"),
    [
        ("allergy to any ingredient in Aerisol", "if you have an allergy to any ingredient in Aerisol"),
        ("a serious allergic reaction to veltrexamab", "if you have had a serious allergic reaction to veltrexamab"),
        ("history of heart attack", "if you have a history of heart attack"),
        ("taking nitrates", "if you are taking nitrates"),
        ("are pregnant", "if you are pregnant"),
        ("uncontrolled high blood pressure", "if you have uncontrolled high blood pressure"),
    ],
)
def test_each_contraindication_gets_the_verb_and_article_its_words_need(item, reads):
    assert contraindication_sentence("X", [item]) == f"Do not take X {reads}."


def test_a_risk_of_invisible_characters_is_left_out_never_rendered_empty():
    brief = load_brief(SHARED_BRIEFS / "psoriasis_30s.yaml")
    brief.product.side_effects = ["\u200b\u200b", "headache"]
    brief.product.contraindications = ["\u2060"]
    ms = " ".join(s.voiceover for s in _write(brief).scenes_for("major_statement"))
    assert " ." not in ms and "cause headache." in ms and "Do not take" not in ms
    report = check_script(_write(brief), brief, load_policy(None))
    assert [f.rule for f in report.findings] == ["MS-COMPLETE", "MS-COMPLETE"]  # the checker names both
    assert all("no visible words" in f.message for f in report.findings)
