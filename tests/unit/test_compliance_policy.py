"""The policy: documented defaults, user overrides merged over them, errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

import omnigen.compliance as compliance_pkg
from omnigen.compliance import Policy, PolicyError, load_policy
from omnigen.compliance.policy import policy_from_data


def test_defaults() -> None:
    p = load_policy(None)
    assert isinstance(p, Policy)
    assert p.max_writer_retries == 2
    assert p.max_ms_wpm == 170
    assert p.min_cap_height == 0.04
    assert p.min_contrast == 4.5
    assert p.title_safe == 0.05
    assert p.min_duck_db == 12
    assert p.min_shot_s == 3.0
    assert p.dual_modality_tolerance_s == 0.25
    assert p.pace_tolerance == pytest.approx(1.10)
    assert p.jargon["hepatotoxicity"] == "liver damage"
    assert p.absolute_claims and p.hcp_patterns and p.use_patterns


def test_every_default_is_documented_in_the_yaml() -> None:
    text = (Path(compliance_pkg.__file__).parent / "policy_defaults.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    for key in Policy.model_fields:
        i = next(n for n, line in enumerate(lines) if line.startswith(f"{key}:"))
        assert lines[i - 1].lstrip().startswith("#"), f"{key} has no comment above it"


def test_policy_is_frozen() -> None:
    with pytest.raises(ValidationError):
        load_policy(None).max_ms_wpm = 200  # type: ignore[misc]


def test_override_file_merges_over_defaults(tmp_path: Path) -> None:
    f = tmp_path / "policy.yaml"
    f.write_text("max_ms_wpm: 150\nmin_contrast: 7\njargon:\n  renal: null\n  nephrotoxicity: kidney damage\n")
    p = load_policy(f)
    assert p.max_ms_wpm == 150 and p.min_contrast == 7
    assert p.min_shot_s == 3.0  # untouched default
    assert "renal" not in p.jargon
    assert p.jargon["nephrotoxicity"] == "kidney damage"
    assert p.jargon["hepatotoxicity"] == "liver damage"  # merged, not replaced


def test_empty_override_file_is_the_defaults(tmp_path: Path) -> None:
    f = tmp_path / "empty.yaml"
    f.write_text("# nothing\n")
    assert load_policy(f) == load_policy(None)


def test_lists_replace() -> None:
    p = policy_from_data({"absolute_claims": [{"pattern": r"\bwonder\b", "why": "promises a wonder"}]})
    assert [c.pattern for c in p.absolute_claims] == [r"\bwonder\b"]


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"max_wpm": 150}, "unknown key 'max_wpm'"),
        ({"min_contrast": 0.5}, "min_contrast"),
        ({"pace_tolerance": 0.9}, "pace_tolerance"),
        ({"max_writer_retries": "two"}, "max_writer_retries"),
        ({"risk_match_min_fraction": 1.5}, "risk_match_min_fraction"),
        ({"absolute_claims": [{"pattern": "(", "why": "x"}]}, "absolute_claims.0.pattern"),
        ({"hcp_patterns": ["[a-"]}, "hcp_patterns"),
        ({"hcp_patterns": []}, "hcp_patterns"),
        ({"jargon": {"renal": ""}}, "jargon"),
    ],
)
def test_bad_values_name_the_key(data: dict, needle: str) -> None:
    with pytest.raises(PolicyError) as err:
        policy_from_data(data, "my.yaml")
    assert needle in str(err.value)
    assert str(err.value).startswith("my.yaml: ")


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("max_ms_wpm: [150\n")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(bad)
    seq = tmp_path / "seq.yaml"
    seq.write_text("- 1\n- 2\n")
    with pytest.raises(PolicyError, match="mapping"):
        load_policy(seq)
