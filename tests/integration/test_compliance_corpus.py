"""The labelled compliance corpus: every case lists the rule ids it must raise (clean cases none).

Precision and recall are computed over (case, rule) pairs and must both be 1.0: a rule that
misses a violation lets a non-compliant ad through; a rule that fires on a clean script blocks
good work (and sends the script writer chasing a problem that is not there).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from omnigen.brief import Brief
from omnigen.compliance import RULE_IDS, Report, check_script, check_timeline, load_policy
from omnigen.safe_text import STORED
from omnigen.script import Script
from omnigen.timeline import Timeline

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "compliance"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there: 10x faster


@cache
def _cases() -> list[tuple[str, dict[str, Any]]]:
    """Every corpus file, parsed once per test run."""
    return [(p.stem, yaml.load(p.read_text(encoding="utf-8"), Loader=_LOADER)) for p in sorted(CORPUS.glob("*.yaml"))]


def _brief(case: dict[str, Any]) -> Brief:
    """The case's brief as a stored record is read: the checker must hold even for a brief the
    input check (omnigen.safe_text) would now refuse at the door, such as one whose side effect is
    only zero-width characters, stored before that check existed."""
    return Brief.model_validate(case["brief"], context=STORED)


def _report(case: dict[str, Any]) -> Report:
    brief = _brief(case)
    script = Script.model_validate(case["script"])
    policy = load_policy(None)
    if case.get("timeline") is not None:
        return check_timeline(Timeline.model_validate(case["timeline"]), script, brief, policy)
    return check_script(script, brief, policy)


def _raised(case: dict[str, Any]) -> set[str]:
    return _report(case).rule_ids()


def _precision_recall(cases: list[tuple[str, dict[str, Any]]]) -> tuple[float, float, list[str]]:
    """Precision and recall over (case, rule) pairs, and a line per case that came out wrong."""
    expected: set[tuple[str, str]] = set()
    predicted: set[tuple[str, str]] = set()
    wrong: list[str] = []
    for name, case in cases:
        want = set(case["expect"])
        got = _raised(case)
        expected |= {(name, r) for r in want}
        predicted |= {(name, r) for r in got}
        if got != want:
            wrong.append(f"{name}: expected {sorted(want)}, got {sorted(got)}")
    true_pos = len(expected & predicted)
    precision = true_pos / len(predicted) if predicted else 1.0
    recall = true_pos / len(expected) if expected else 1.0
    return precision, recall, wrong


def test_corpus_precision_and_recall_are_perfect() -> None:
    cases = _cases()
    assert len(cases) >= 25, f"the corpus needs at least 25 cases, has {len(cases)}"
    for name, case in cases:
        unknown = set(case["expect"]) - set(RULE_IDS)
        assert not unknown, f"{name}: expects unknown rule ids {sorted(unknown)}"
    precision, recall, wrong = _precision_recall(cases)
    pairs = sum(len(c["expect"]) for _, c in cases)
    print(f"\ncompliance corpus: {len(cases)} cases, {pairs} expected (case, rule) pairs; "
          f"precision {precision:.3f}, recall {recall:.3f}")  # fmt: skip
    assert not wrong, "\n".join(wrong)
    assert precision == 1.0 and recall == 1.0


def _voices() -> list[tuple[str, dict[str, Any]]]:
    return [(n, c) for n, c in _cases() if n.startswith("voice_")]


def test_voice_cases_are_compliant_or_break_exactly_one_rule_once() -> None:
    """The scripts written fresh in many voices (not edits of a clean case): each is clean or has one
    violation, found once. A second finding would mean a rule double-counts or a case is impure."""
    voices = _voices()
    assert len(voices) >= 30, f"the voices corpus needs at least 30 scripts, has {len(voices)}"
    for name, case in voices:
        assert len(case["expect"]) <= 1, f"{name}: a voices case has at most one violation"
        findings = _report(case).findings
        assert len(findings) == len(case["expect"]), f"{name}: " + _report(case).to_text()
    clean = [n for n, c in voices if not c["expect"]]
    assert len(clean) >= 8
    ad_types = {c["brief"].get("ad_type", "product_claim") for _, c in voices}
    assert ad_types == {"product_claim", "reminder", "help_seeking"}
    precision, recall, wrong = _precision_recall(voices)
    print(f"\nvoices corpus: {len(voices)} scripts ({len(clean)} clean); precision {precision:.3f}, "
          f"recall {recall:.3f}")  # fmt: skip
    assert not wrong and precision == 1.0 and recall == 1.0, "\n".join(wrong)


def test_corpus_covers_every_rule_and_ad_type() -> None:
    cases = _cases()
    covered = {r for _, c in cases for r in c["expect"]}
    missing = sorted(set(RULE_IDS) - covered)
    assert not missing, f"no corpus case raises {missing}"
    ad_types = {c["brief"].get("ad_type", "product_claim") for _, c in cases}
    assert ad_types == {"product_claim", "reminder", "help_seeking"}
    clean = [n for n, c in cases if not c["expect"]]
    with_timeline = [n for n, c in cases if c.get("timeline") is not None]
    assert len(clean) >= 5 and len(with_timeline) >= 10
    for ad_type in ("product_claim", "reminder", "help_seeking"):
        assert any(not c["expect"] and c["brief"].get("ad_type", "product_claim") == ad_type for _, c in cases), (
            f"no clean {ad_type} case"
        )


@pytest.mark.parametrize("name", [n for n, c in _cases() if not c["expect"]])
def test_clean_cases_have_no_warnings_either(name: str) -> None:
    case = dict(_cases())[name]
    brief = _brief(case)
    script = Script.model_validate(case["script"])
    if case.get("timeline") is not None:
        report = check_timeline(Timeline.model_validate(case["timeline"]), script, brief)
    else:
        report = check_script(script, brief)
    assert report.findings == [], report.to_text()
