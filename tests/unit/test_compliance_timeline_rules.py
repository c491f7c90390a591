"""Timeline-level rules at their edges: text against voice timings, cuts, ducking, legibility."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from omnigen.brief import parse_brief
from omnigen.compliance import check_timeline, load_policy
from omnigen.compliance.findings import Report
from omnigen.compliance.policy import policy_from_data
from omnigen.script import Script
from omnigen.timeline import Timeline

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "compliance"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _load(name: str) -> dict[str, Any]:
    return yaml.load((CORPUS / f"{name}.yaml").read_text(encoding="utf-8"), Loader=_LOADER)


def case(name: str = "tl_clean_psoriasis") -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    d = copy.deepcopy(_load(name))
    return d["brief"], d["script"], d["timeline"]


def check(b: dict[str, Any], s: dict[str, Any], tl: dict[str, Any], **policy: Any) -> Report:
    p = policy_from_data(policy) if policy else load_policy(None)
    return check_timeline(Timeline.model_validate(tl), Script.model_validate(s), parse_brief(b), p)


def ms_texts(tl: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in tl["texts"] if t["kind"] == "major_statement"]


def ms_voice(tl: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in tl["voice"] if v["major_statement"]]


def test_clean_timeline() -> None:
    b, s, tl = case()
    report = check(b, s, tl)
    assert report.findings == [] and report.level == "timeline"


def test_timeline_report_includes_script_findings() -> None:
    b, s, tl = case()
    s["scenes"][0]["voiceover"] = "Guaranteed."
    assert check(b, s, tl).rule_ids() == {"CLAIM-ABSOLUTE"}


# --- MS-DUAL-MODALITY ------------------------------------------------------------------------


@pytest.mark.parametrize(("shift", "ok"), [(0.25, True), (0.3, False), (-5.0, True)])
def test_text_may_start_at_most_the_tolerance_late(shift: float, ok: bool) -> None:
    b, s, tl = case()
    t = ms_texts(tl)[0]
    t["start_s"] = round(t["start_s"] + shift, 3)
    assert ("MS-DUAL-MODALITY" not in check(b, s, tl).rule_ids()) is ok


@pytest.mark.parametrize(("cut", "ok"), [(0.25, True), (0.3, False)])
def test_text_may_end_at_most_the_tolerance_early(cut: float, ok: bool) -> None:
    b, s, tl = case()
    last_text, last_line = ms_texts(tl)[-1], ms_voice(tl)[-1]
    last_text["end_s"] = round(last_line["start_s"] + last_line["duration_s"] - cut, 3)
    assert ("MS-DUAL-MODALITY" not in check(b, s, tl).rule_ids()) is ok


def test_line_shown_as_two_consecutive_texts_is_covered() -> None:
    b, s, tl = case()
    t = ms_texts(tl)[0]
    mid = round((t["start_s"] + t["end_s"]) / 2, 3)
    second = dict(t, start_s=mid)
    t["end_s"] = mid
    tl["texts"].insert(tl["texts"].index(t) + 1, second)
    assert "MS-DUAL-MODALITY" not in check(b, s, tl).rule_ids()


def test_a_gap_in_the_text_breaks_coverage() -> None:
    b, s, tl = case()
    t = ms_texts(tl)[0]
    mid = round((t["start_s"] + t["end_s"]) / 2, 3)
    tl["texts"].insert(tl["texts"].index(t) + 1, dict(t, start_s=round(mid + 1.0, 3)))
    t["end_s"] = mid
    assert "MS-DUAL-MODALITY" in check(b, s, tl).rule_ids()


def test_key_terms_are_enough_for_the_text() -> None:
    b, s, tl = case()
    ms_texts(tl)[0]["text"] = "Serious infections such as tuberculosis, allergic reactions, headache"
    assert "MS-DUAL-MODALITY" not in check(b, s, tl).rule_ids()


def test_major_statement_in_a_super_does_not_count() -> None:
    b, s, tl = case()
    ms_texts(tl)[0]["kind"] = "super"
    assert {"MS-DUAL-MODALITY", "MS-DISTRACTION"} <= check(b, s, tl).rule_ids()


def test_lines_of_major_statement_scenes_count_even_without_the_flag() -> None:
    b, s, tl = case()
    for v in tl["voice"]:
        v["major_statement"] = False
    assert check(b, s, tl).findings == []
    tl["texts"] = [t for t in tl["texts"] if t["kind"] != "major_statement"]
    assert "MS-DUAL-MODALITY" in check(b, s, tl).rule_ids()


# --- MS-DISTRACTION ----------------------------------------------------------------------------


def _split_ms_clip(tl: dict[str, Any], first: float) -> None:
    i = next(n for n, c in enumerate(tl["clips"]) if c["scene_index"] == 4)
    c = tl["clips"][i]
    tl["clips"][i : i + 1] = [dict(c, out_s=first), dict(c, in_s=first)]


@pytest.mark.parametrize(("first", "ok"), [(3.0, True), (2.9, False), (11.5, True)])
def test_shots_inside_the_major_statement_last_the_minimum(first: float, ok: bool) -> None:
    b, s, tl = case()
    _split_ms_clip(tl, first)  # the major statement runs 10.8-24.4 s; scene 4 is 10.5-25.0 s
    assert ("MS-DISTRACTION" not in check(b, s, tl).rule_ids()) is ok


def test_short_shot_outside_the_major_statement_is_fine() -> None:
    b, s, tl = case()
    i = 0
    c = tl["clips"][i]
    tl["clips"][i : i + 1] = [dict(c, out_s=1.0), dict(c, in_s=1.0)]
    assert check(b, s, tl).findings == []


def test_super_ending_as_the_major_statement_starts_is_fine() -> None:
    b, s, tl = case()
    start = ms_voice(tl)[0]["start_s"]
    sup = next(t for t in tl["texts"] if t["kind"] == "super" and t["scene_index"] == 3)
    sup["end_s"] = start
    assert "MS-DISTRACTION" not in check(b, s, tl).rule_ids()
    sup["end_s"] = round(start + 0.1, 3)
    found = check(b, s, tl).by_rule("MS-DISTRACTION")
    assert len(found) == 1 and "competes" in found[0].message


@pytest.mark.parametrize(
    ("gain", "duck", "ok"), [(-12.0, 12.0, True), (-12.0, 11.9, False), (6.0, 12.0, False), (6.0, 18.0, True)]
)
def test_music_ducks_at_least_the_policy_depth_below_the_voice(gain: float, duck: float, ok: bool) -> None:
    b, s, tl = case()
    tl["music"]["gain_db"] = gain
    tl["music"]["duck_db"] = duck
    assert ("MS-DISTRACTION" not in check(b, s, tl).rule_ids()) is ok


def test_no_music_no_duck_finding() -> None:
    b, s, tl = case()
    tl["music"] = None
    assert check(b, s, tl).findings == []


# --- MS-LEGIBILITY -----------------------------------------------------------------------------


@pytest.mark.parametrize(("cap", "ok"), [(0.04, True), (0.039, False)])
def test_cap_height(cap: float, ok: bool) -> None:
    b, s, tl = case()
    for t in ms_texts(tl):
        t["cap_height"] = cap
    report = check(b, s, tl)
    assert ("MS-LEGIBILITY" not in report.rule_ids()) is ok
    if not ok:
        assert len(report.by_rule("MS-LEGIBILITY")) == 1  # one finding for all the small items


@pytest.mark.parametrize(
    ("color", "plate", "opacity", "ok"),
    [("#FFFFFF", "#000000", 0.75, True), ("#FFFF00", "#000000", 0.8, True), ("#FFFFFF", "#000000", 0.3, False),
     ("#777777", "#000000", 1.0, True), ("#777777", "#FFFFFF", 1.0, False), ("#000000", "#FFFFFF", 0.85, True)],
)  # fmt: skip
def test_contrast_on_the_plate(color: str, plate: str, opacity: float, ok: bool) -> None:
    b, s, tl = case()
    for t in ms_texts(tl):
        t.update(color=color, plate_color=plate, plate_opacity=opacity)
    assert ("MS-LEGIBILITY" not in check(b, s, tl).rule_ids()) is ok


@pytest.mark.parametrize(("margin", "ok"), [(0.05, True), (0.049, False), (0.1, True)])
def test_title_safe_margin(margin: float, ok: bool) -> None:
    b, s, tl = case()
    tl["output"]["safe_margin"] = margin
    assert ("MS-LEGIBILITY" not in check(b, s, tl).rule_ids()) is ok


def test_policy_thresholds_apply_to_the_timeline() -> None:
    b, s, tl = case()
    report = check(b, s, tl, min_cap_height=0.05, min_contrast=15, title_safe=0.1, min_duck_db=20, min_shot_s=20)
    assert {"MS-LEGIBILITY", "MS-DISTRACTION"} <= report.rule_ids()


# --- MS-PACE (measured) ----------------------------------------------------------------------------


def test_measured_pace_against_benefit_lines() -> None:
    b, s, tl = case("tl_clean_anticoagulant_two_ms_scenes")
    assert "MS-PACE" not in check(b, s, tl).rule_ids()
    for v in ms_voice(tl):
        v["duration_s"] = round(v["duration_s"] * 0.85, 3)  # about 18% faster than the rest
    assert "MS-PACE" in check(b, s, tl).rule_ids()
    assert "MS-PACE" not in check(b, s, tl, pace_tolerance=1.3).rule_ids()


# --- FIT-DURATION and ad types -----------------------------------------------------------------------


def test_edit_length_tolerance() -> None:
    """Shorter than the brief by more than a frame is a finding (the slot ends in black and the
    end card is cut); longer is allowed the policy's tolerance, as for the script."""
    b, s, tl = case()
    last = tl["clips"][-1]["out_s"]
    assert check(b, s, tl).findings == []
    tl["clips"][-1]["out_s"] = round(last - 0.04, 3)  # within one frame at 24 fps
    assert "FIT-DURATION" not in check(b, s, tl).rule_ids()
    tl["clips"][-1]["out_s"] = round(last - 0.5, 3)  # 29.5 s: used to pass, now a finding
    short = check(b, s, tl).by_rule("FIT-DURATION")
    assert short and "0.50 s shorter than the brief's 30 s" in short[0].message
    assert any("cut off" in f.message for f in short)  # and the end card, timed to 30 s, is cut
    tl["clips"][-1]["out_s"] = round(last + 0.5, 3)  # 30.5 s
    assert "FIT-DURATION" not in check(b, s, tl).rule_ids()
    tl["clips"][-1]["out_s"] = round(last + 0.6, 3)  # 30.6 s
    assert "FIT-DURATION" in check(b, s, tl).rule_ids()


def test_text_from_the_script_is_not_rechecked() -> None:
    b, s, tl = case("tl_clean_help_seeking")
    s["scenes"][2]["supers"] = ["Ask about Veltrexa"]
    tl["texts"].append(
        {"kind": "super", "text": "Ask about Veltrexa", "start_s": 10.3, "end_s": 14.8, "scene_index": 3}
    )
    report = check(b, s, tl)
    assert len(report.by_rule("AD-TYPE")) == 1  # the script finding only, not a second one for the same text


def test_reminder_timeline_ignores_major_statement_rules() -> None:
    b, s, tl = case("tl_clean_reminder")
    tl["music"]["duck_db"] = 0.0
    assert check(b, s, tl).findings == []
    tl["output"]["safe_margin"] = 0.0  # text at the frame's edge is a finding in any ad, but not MS-LEGIBILITY
    assert check(b, s, tl).rule_ids() == {"TEXT-LEGIBILITY"}


# --- TEXT-FIT, TEXT-LEGIBILITY, TEXT-READING-TIME ------------------------------------------------


def _text(tl: dict[str, Any], kind: str, scene: int) -> dict[str, Any]:
    return next(t for t in tl["texts"] if t["kind"] == kind and t["scene_index"] == scene)


def test_text_off_the_frame_is_named() -> None:
    """The 9:16 failure: a card sized against the frame's height cannot fit its width."""
    b, s, tl = case("tl_clean_allergy_vertical")
    assert check(b, s, tl).findings == []
    _text(tl, "end_card", 6)["cap_height"] = round(0.06 * 1920 / 1080, 4)  # 6% of the 1920 px height
    found = check(b, s, tl).by_rule("TEXT-FIT")
    assert len(found) == 1 and found[0].scene == 6
    assert 'end card "Aerisol (fluticaprone nasal spray)"' in found[0].message and "1080×1920" in found[0].message


def test_two_texts_covering_each_other_are_named() -> None:
    b, s, tl = case()
    name = _text(tl, "super", 2)
    tl["texts"].append({**name, "text": "Individual results may vary.", "scene_index": 2})
    found = check(b, s, tl).by_rule("TEXT-FIT")
    assert len(found) == 1 and "cover each other" in found[0].message


@pytest.mark.parametrize(("seconds", "ok"), [(2.0, True), (1.96, True), (1.9, False), (0.9, False)])
def test_a_super_shorter_than_its_reading_time_is_named(seconds: float, ok: bool) -> None:
    b, s, tl = case()
    t = _text(tl, "super", 3)  # "Individual results may vary.": 4 words, the 2.0 s floor
    t["end_s"] = round(t["start_s"] + seconds, 3)
    found = check(b, s, tl).by_rule("TEXT-READING-TIME")
    assert (not found) is ok
    if not ok:
        message = found[0].message
        assert f"is on screen {seconds:.1f} s" in message and "Individual results may vary." in message


def test_four_contact_lines_in_2_3_s_are_too_brief() -> None:
    b, s, tl = case()
    t = _text(tl, "super", 5)
    t["end_s"] = round(t["start_s"] + 2.3, 3)
    found = check(b, s, tl).by_rule("TEXT-READING-TIME")
    assert len(found) == 1 and "need 3.3 s" in found[0].message  # 11 words at 0.3 s


def test_a_dissolve_that_shortens_the_edit_cuts_the_end_card() -> None:
    b, s, tl = case()
    tl["clips"][-1].update(transition="dissolve", transition_s=0.5)
    report = check(b, s, tl)
    assert {"FIT-DURATION", "TEXT-READING-TIME"} <= report.rule_ids()
    assert any("cut off" in f.message for f in report.by_rule("TEXT-READING-TIME"))


def test_reading_time_follows_the_policy() -> None:
    b, s, tl = case()
    assert "TEXT-READING-TIME" in check(b, s, tl, text_min_s=3.0).rule_ids()
    assert "TEXT-READING-TIME" in check(b, s, tl, text_s_per_word=0.6).rule_ids()
    t = _text(tl, "super", 3)
    t["end_s"] = round(t["start_s"] + 1.3, 3)  # 4 words: 1.2 s at 0.3 s a word, over a 1 s floor
    assert "TEXT-READING-TIME" in check(b, s, tl).rule_ids()
    assert "TEXT-READING-TIME" not in check(b, s, tl, text_min_s=1.0).rule_ids()


def test_legibility_is_measured_on_the_policys_dimension() -> None:
    b, s, tl = case("tl_clean_allergy_vertical")
    assert check(b, s, tl).findings == []  # 9:16, measured on the 1080 px short side
    report = check(b, s, tl, cap_height_basis="height")  # measured on its 1920 px height instead
    assert {"MS-LEGIBILITY", "TEXT-LEGIBILITY"} <= report.rule_ids()
    assert "1920 px" in report.by_rule("TEXT-LEGIBILITY")[0].message


# --- FIT-DURATION: lines spoken at once ------------------------------------------------------


def test_a_line_pulled_under_the_one_before_is_found() -> None:
    b, s, tl = case()
    voice = sorted(tl["voice"], key=lambda v: v["start_s"])
    first, second = voice[0], voice[1]
    second["start_s"] = first["start_s"] + first["duration_s"] - 0.5  # starts half a second early
    report = check(b, s, tl)
    found = [f for f in report.findings if f.rule == "FIT-DURATION" and "heard at once" in f.message]
    assert len(found) == 1 and found[0].severity == "error" and found[0].start_s == second["start_s"]
    assert "Lengthen scene" in found[0].fix and "0.5 s" in found[0].fix


def test_lines_that_only_touch_are_not_at_once() -> None:
    b, s, tl = case()
    voice = sorted(tl["voice"], key=lambda v: v["start_s"])
    gap = voice[1]["start_s"] - (voice[0]["start_s"] + voice[0]["duration_s"])
    assert gap >= 0
    voice[0]["duration_s"] += gap  # ends exactly where the next begins
    assert not [f for f in check(b, s, tl).findings if "heard at once" in f.message]
