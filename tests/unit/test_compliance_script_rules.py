"""Script-level rules at their edges: pace and fit boundaries, tolerant matching, ad types."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from omnigen.brief import Brief, parse_brief
from omnigen.compliance import check_script, feedback_for_writer, load_policy
from omnigen.compliance.findings import JSON_KEYS, Finding, Report
from omnigen.compliance.policy import policy_from_data
from omnigen.script import Script

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "compliance"


@cache
def _load(name: str) -> dict[str, Any]:
    return yaml.load((CORPUS / f"{name}.yaml").read_text(encoding="utf-8"), Loader=yaml.SafeLoader)


def case(name: str = "clean_psoriasis_30s") -> tuple[dict[str, Any], dict[str, Any]]:
    """Deep copies of a corpus case's brief and script, to change one thing at a time."""
    d = _load(name)
    return copy.deepcopy(d["brief"]), copy.deepcopy(d["script"])


def check(brief: dict[str, Any], script: dict[str, Any], **policy: Any) -> Report:
    p = policy_from_data(policy) if policy else load_policy(None)
    return check_script(Script.model_validate(script), parse_brief(brief), p)


def rules(report: Report) -> set[str]:
    return report.rule_ids()


def filler(n: int) -> str:
    """n neutral spoken words."""
    return " ".join(["walking"] * n)


def pace_script(ms_words: int, ms_seconds: float, benefit_words: int, benefit_seconds: float) -> dict[str, Any]:
    """A script whose only variables are the major statement's and the benefit's density."""
    _, s = case()
    scenes = s["scenes"]
    scenes[2]["voiceover"] = filler(benefit_words)
    scenes[2]["duration_s"] = benefit_seconds
    ms = scenes[3]
    ms["voiceover"] = filler(ms_words)
    ms["duration_s"] = ms_seconds
    return s


# --- the clean baseline --------------------------------------------------------------------


def test_clean_script_has_no_findings() -> None:
    b, s = case()
    assert check(b, s).findings == []


# --- MS-PACE -------------------------------------------------------------------------------


def test_pace_at_the_ceiling_passes_and_over_it_fails() -> None:
    b, _ = case()
    at = check(b, pace_script(34, 12.0, 34, 12.0), natural_wpm=400)  # 170 wpm both
    assert "MS-PACE" not in rules(at)
    over = check(b, pace_script(35, 12.0, 40, 12.0), natural_wpm=400)  # 175 wpm, benefit 200
    found = over.by_rule("MS-PACE")
    assert len(found) == 1 and "at most 170" in found[0].message
    assert found[0].scene == 4 and found[0].start_s == pytest.approx(18.5)  # 2.5 + 4 + 12 s before it


def test_pace_relative_to_benefit_with_floor_and_tolerance() -> None:
    b, _ = case()
    # A slow benefit (100 wpm) is compared as if read at the 140 wpm floor: limit 154 wpm.
    assert "MS-PACE" not in rules(check(b, pace_script(77, 30.0, 5, 3.0)))  # 154 wpm
    slow = check(b, pace_script(78, 30.0, 5, 3.0))  # 156 wpm
    assert [f.rule for f in slow.findings if f.rule == "MS-PACE"] == ["MS-PACE"]
    assert "counted as 140" in slow.by_rule("MS-PACE")[0].message
    # Without a floor the same major statement is far too fast for a 100 wpm benefit.
    assert "MS-PACE" in rules(check(b, pace_script(60, 30.0, 5, 3.0), pace_floor_wpm=0))


def test_pace_tolerance_is_configurable() -> None:
    b, _ = case()
    assert "MS-PACE" not in rules(check(b, pace_script(78, 30.0, 5, 3.0), pace_tolerance=1.2))


# --- FIT-DURATION ----------------------------------------------------------------------------


def test_total_duration_tolerance_is_half_a_second() -> None:
    b, s = case()
    s["scenes"][5]["duration_s"] = 2.5  # 30.5 s
    assert "FIT-DURATION" not in rules(check(b, s))
    s["scenes"][5]["duration_s"] = 2.6  # 30.6 s
    assert "FIT-DURATION" in rules(check(b, s))
    s["scenes"][5]["duration_s"] = 1.4  # 29.4 s
    assert "FIT-DURATION" in rules(check(b, s))


def test_major_statement_fits_at_natural_pace() -> None:
    b, _ = case()
    ok = pace_script(40, 15.0, 40, 15.0)  # exactly 160 wpm
    assert [f for f in check(b, ok).by_rule("FIT-DURATION") if f.scene == 4] == []
    tight = pace_script(41, 15.0, 41, 15.0)
    found = [f for f in check(b, tight).by_rule("FIT-DURATION") if f.scene == 4]
    assert len(found) == 1 and "needs 15.4 s" in found[0].message


def test_consecutive_major_statement_scenes_share_their_time() -> None:
    b, s = case("clean_anticoagulant_60s")
    # Scene 4 alone is denser than 160 wpm, but scenes 4-5 together fit: no finding.
    assert "FIT-DURATION" not in rules(check(b, s))


# --- MS-COMPLETE and MS-BOXED-WARNING --------------------------------------------------------


def test_risks_match_by_significant_words_not_exact_string() -> None:
    b, s = case()
    s["scenes"][3]["voiceover"] = (
        "VELTREXA can cause serious side effects: TUBERCULOSIS and other serious infections; allergic "
        "reaction; headaches; infections of the upper respiratory tract. If you ever had a serious allergic "
        "reaction to veltrexamab or one of its ingredients, don't use it."
    )
    assert "MS-COMPLETE" not in rules(check(b, s))


def test_a_short_risk_needs_its_key_term() -> None:
    b, s = case()
    s["scenes"][3]["voiceover"] = s["scenes"][3]["voiceover"].replace("tuberculosis", "TB")
    found = check(b, s).by_rule("MS-COMPLETE")
    assert len(found) == 1 and "tuberculosis" in found[0].message


def test_long_contraindication_may_drop_one_word() -> None:
    b, s = case()
    # 5 significant words (serious, allergic, reaction, veltrexamab, ingredients): 4 are enough.
    ms = s["scenes"][3]["voiceover"]
    s["scenes"][3]["voiceover"] = ms.replace("to veltrexamab or any of its ingredients", "to it")
    assert "MS-COMPLETE" in rules(check(b, s))  # only 3 of 5 left
    _, s = case()
    s["scenes"][3]["voiceover"] = s["scenes"][3]["voiceover"].replace(" or any of its ingredients", "")
    assert "MS-COMPLETE" not in rules(check(b, s))


def test_risk_said_in_another_scene_does_not_count() -> None:
    b, s = case()
    s["scenes"][3]["voiceover"] = s["scenes"][3]["voiceover"].replace("headache, ", "")
    s["scenes"][0]["voiceover"] = "Headache? Back to my roses."
    assert "MS-COMPLETE" in rules(check(b, s))


def test_boxed_warning_sentences_each_checked() -> None:
    b, s = case("clean_anticoagulant_60s")
    assert "MS-BOXED-WARNING" not in rules(check(b, s))
    s["scenes"][3]["voiceover"] = "Corvanta is a blood thinner."
    found = check(b, s).by_rule("MS-BOXED-WARNING")
    assert len(found) == 2  # both sentences of the warning are missing
    assert all(f.severity == "error" for f in found)


# --- MS-LANGUAGE ---------------------------------------------------------------------------------


def test_jargon_is_a_warning_with_the_plain_term() -> None:
    b, s = case()
    s["scenes"][3]["voiceover"] += " Hepatotoxicity has been reported."
    found = check(b, s, natural_wpm=400, max_ms_wpm=400, pace_tolerance=2).by_rule("MS-LANGUAGE")
    assert len(found) == 1
    assert found[0].severity == "warning" and "liver damage" in found[0].message


def test_jargon_explained_in_plain_words_is_fine() -> None:
    b, s = case()
    s["scenes"][3]["voiceover"] += " Liver damage, called hepatotoxicity, can happen."
    assert "MS-LANGUAGE" not in rules(check(b, s, natural_wpm=400, max_ms_wpm=400, pace_tolerance=2))


def test_jargon_outside_the_major_statement_is_not_checked() -> None:
    b, s = case()
    s["scenes"][0]["voiceover"] = "Efficacy you can see."
    assert "MS-LANGUAGE" not in rules(check(b, s))


# --- adequate provision ------------------------------------------------------------------------


def test_contacts_can_be_spoken_instead_of_shown() -> None:
    b, s = case()
    ap = s["scenes"][4]
    ap["supers"] = []
    ap["voiceover"] = (
        "Ask your doctor. Call 1 800 555 0142, visit veltrexa dot example, or see our ad in Health Today magazine."
    )
    ap["duration_s"] = 3.5
    assert not rules(check(b, s)) & {"AP-PHONE", "AP-WEBSITE", "AP-PRINT", "AP-HCP"}


def test_contacts_only_in_the_close_do_not_count() -> None:
    b, s = case()
    s["scenes"][5]["supers"] += s["scenes"][4]["supers"]
    s["scenes"][4]["supers"] = []
    assert {"AP-PHONE", "AP-WEBSITE", "AP-PRINT"} <= rules(check(b, s))


def test_healthcare_provider_reference_may_be_in_the_close() -> None:
    b, s = case()
    s["scenes"][4]["voiceover"] = "Learn more about Veltrexa."
    s["scenes"][5]["supers"] = ["Veltrexa (veltrexamab-abcd)", "Talk to your healthcare provider"]
    assert "AP-HCP" not in rules(check(b, s))


def test_no_adequate_provision_scene() -> None:
    b, s = case()
    s["scenes"][4]["purpose"] = "benefit"
    found = check(b, s)
    assert {"AP-PHONE", "AP-WEBSITE", "AP-PRINT"} <= rules(found)
    assert "no adequate_provision scene" in found.by_rule("AP-PHONE")[0].message


# --- names ---------------------------------------------------------------------------------------


def test_generic_name_must_be_with_the_brand() -> None:
    b, s = case()
    s["scenes"][1]["supers"] = ["Veltrexa"]
    s["scenes"][5]["supers"] = ["Veltrexa"]
    s["scenes"][2]["supers"] = ["veltrexamab-abcd"]  # alone, in another scene
    assert "NAME-GENERIC" in rules(check(b, s))
    s["scenes"][2]["supers"] = ["VELTREXA — Veltrexamab ABCD"]  # case and punctuation do not matter
    assert "NAME-GENERIC" not in rules(check(b, s))


def test_indication_paraphrase_is_enough() -> None:
    b, s = case()
    s["scenes"][1]["voiceover"] = "For adults living with moderate or severe plaque psoriasis, there is Veltrexa."
    assert "NAME-INDICATION" not in rules(check(b, s))
    s["scenes"][1]["voiceover"] = "For psoriasis, there is Veltrexa."
    assert "NAME-INDICATION" in rules(check(b, s))


# --- claims --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["It’s safe for the whole family.", "Safe and effective.", "No side effects.", "Psoriasis, gone for good.",
     "The #1 choice of dermatologists.", "A miracle for your skin."],
)  # fmt: skip
def test_absolute_claims(line: str) -> None:
    b, s = case()
    s["scenes"][0]["voiceover"] = line
    assert "CLAIM-ABSOLUTE" in rules(check(b, s))


@pytest.mark.parametrize(
    "line",
    ["There is no cure for psoriasis.", "Veltrexa is not a cure.", "Keep it somewhere safe.", "Feel your best."],
)
def test_not_absolute_claims(line: str) -> None:
    b, s = case()
    s["scenes"][0]["voiceover"] = line
    assert "CLAIM-ABSOLUTE" not in rules(check(b, s))


@pytest.mark.parametrize(
    "line",
    ["Proven to stop flares.", "Clinically proven results.", "Nothing works faster.", "No more hiding.",
     "No other medicine does more.", "Say goodbye to flares.", "Veltrexa stops the itch.", "Itch-free summers."],
)  # fmt: skip
def test_efficacy_overclaims(line: str) -> None:
    b, s = case()
    s["scenes"][0]["voiceover"] = line
    assert "CLAIM-ABSOLUTE" in rules(check(b, s))


@pytest.mark.parametrize(
    "line",
    ["It is not known if Veltrexa is safe and effective in children.", "Use no more than one pen a month.",
     "Nothing is better than a Sunday in the garden.", "It may help stop the itch.", "Don't wait to ask."],
)  # fmt: skip
def test_not_overclaims(line: str) -> None:
    b, s = case()
    s["scenes"][0]["voiceover"] = line
    assert "CLAIM-ABSOLUTE" not in rules(check(b, s))


def test_claim_in_a_super_is_found_once_per_scene() -> None:
    b, s = case()
    s["scenes"][2]["supers"] = ["Guaranteed", "guaranteed!"]
    assert len(check(b, s).by_rule("CLAIM-ABSOLUTE")) == 1


# --- ad types ------------------------------------------------------------------------------------


def test_reminder_and_help_seeking_skip_major_statement_and_provision_rules() -> None:
    for name in ("clean_reminder_15s", "clean_help_seeking_15s"):
        b, s = case(name)
        assert check(b, s).findings == []


def test_help_seeking_need_not_name_the_generic() -> None:
    b, s = case("clean_help_seeking_15s")
    assert "NAME-GENERIC" not in rules(check(b, s))


def test_reminder_may_not_name_the_condition() -> None:
    b, s = case("clean_reminder_15s")
    s["scenes"][0]["voiceover"] = "Plaque psoriasis days are garden days."
    found = check(b, s).by_rule("AD-TYPE")
    assert len(found) == 1 and "plaque, psoriasis" in found[0].message
    assert found[0].source.startswith("21 CFR 202.1(e)(2)(i)")


def test_help_seeking_names_the_brand_anywhere() -> None:
    b, s = case("clean_help_seeking_15s")
    s["scenes"][2]["supers"] = ["veltrexa.example"]
    found = check(b, s).by_rule("AD-TYPE")
    assert len(found) == 1 and found[0].scene == 3 and "Help-Seeking" in found[0].source


def test_help_seeking_with_a_brand_named_product_claim_brief_fields_is_fine() -> None:
    # Help-seeking briefs still carry the product (so the checker knows what not to name).
    b, s = case("clean_help_seeking_15s")
    b["product"]["side_effects"] = []
    assert check(b, s).findings == []


# --- report and feedback -------------------------------------------------------------------------


def test_feedback_has_one_instruction_per_error_and_none_for_warnings() -> None:
    b, s = case()
    ms = s["scenes"][3]["voiceover"].replace("headache, ", "")
    s["scenes"][3]["voiceover"] = ms.replace("serious side effects", "adverse events")
    s["scenes"][4]["supers"] = []
    report = check(b, s)
    assert report.errors == len(feedback_for_writer(report)) == 4  # MS-COMPLETE + three AP-*
    assert report.warnings == 1  # MS-LANGUAGE
    fb = feedback_for_writer(report)
    assert any(line.startswith("[MS-COMPLETE] (scene 4") and "headache" in line and "Fix:" in line for line in fb)
    assert not any("MS-LANGUAGE" in line for line in fb)


def test_report_json_shape() -> None:
    b, s = case()
    s["scenes"][0]["voiceover"] = "Guaranteed."
    data = json.loads(check(b, s).to_json())
    assert set(data) == {"findings", "errors", "warnings"}
    assert data["errors"] == 1 and data["warnings"] == 0
    (f,) = data["findings"]
    assert tuple(f) == JSON_KEYS
    assert f["rule"] == "CLAIM-ABSOLUTE" and f["severity"] == "error" and f["scene"] == 1
    assert f["start_s"] == 0.0 and f["end_s"] == 2.5 and f["source"]


def test_report_text_and_html() -> None:
    r = Report(
        findings=[
            Finding(rule="CLAIM-ABSOLUTE", severity="error", scene=2, start_s=1, end_s=2,
                    message='says "<script>alert(1)</script>" & more', source="21 CFR", fix="remove <b>"),
            Finding(rule="MS-LANGUAGE", severity="warning", message="jargon", source="x"),
        ]
    )  # fmt: skip
    text = r.to_text()
    assert "1 error(s), 1 warning(s)" in text and "scene 2, 1.0–2.0 s" in text and "whole ad" in text
    html = r.to_html()
    assert html.startswith("<!DOCTYPE html>") and "</html>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; more" in html
    assert "1 error(s)" in html and "1 warning(s)" in html
    assert "Every rule passed" in Report().to_html()
    assert "no findings" in Report().to_text()


def test_brief_type_is_accepted_directly() -> None:
    b, s = case()
    brief: Brief = parse_brief(b)
    assert check_script(Script.model_validate(s), brief).ok


def test_the_web_app_names_every_rule_with_its_title() -> None:
    """frontend/src/lib/compliance.ts carries each rule's title, as rules.py (the script and
    timeline rules) and qc/report.py (the rendered file's rules) have it."""
    import re

    from conftest import ROOT

    from omnigen.compliance.rules import RULES
    from omnigen.qc.report import RULES as QC_RULES

    ts = (ROOT / "frontend" / "src" / "lib" / "compliance.ts").read_text(encoding="utf-8")
    titles = dict(re.findall(r'^\s+"([A-Z]+(?:-[A-Z]+)+)": "([^"]+)",$', ts, re.MULTILINE))
    assert titles == {r.id: r.title for r in RULES} | {r.id: r.title for r in QC_RULES.values()}
