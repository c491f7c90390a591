"""`omnigen check`: exit 0 clean, 1 errors, 2 bad input naming the file and field; DESIGN's JSON."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from omnigen.compliance.cli import run_check

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "compliance"


@cache
def _load(name: str) -> dict[str, Any]:
    return yaml.load((CORPUS / f"{name}.yaml").read_text(encoding="utf-8"), Loader=yaml.SafeLoader)


def write_case(tmp_path: Path, name: str = "tl_clean_psoriasis") -> tuple[Path, Path, Path]:
    """The case as the files a user has: brief YAML, script JSON, timeline JSON."""
    d = _load(name)
    brief = tmp_path / "brief.yaml"
    brief.write_text(yaml.safe_dump(d["brief"]), encoding="utf-8")
    script = tmp_path / "script.json"
    script.write_text(json.dumps(d["script"]), encoding="utf-8")
    timeline = tmp_path / "timeline.json"
    timeline.write_text(json.dumps(d.get("timeline")), encoding="utf-8")
    return script, brief, timeline


def test_clean_script_and_timeline_exit_0(tmp_path: Path) -> None:
    script, brief, timeline = write_case(tmp_path)
    code, out = run_check(script, brief, None, "text", None)
    assert code == 0 and "0 error(s)" in out
    code, out = run_check(script, brief, timeline, "json", None)
    assert code == 0
    assert json.loads(out) == {"findings": [], "errors": 0, "warnings": 0}


def test_errors_exit_1_with_designs_json(tmp_path: Path) -> None:
    script, brief, timeline = write_case(tmp_path)
    data = json.loads(script.read_text())
    data["scenes"][0]["voiceover"] = "Guaranteed results."
    script.write_text(json.dumps(data))
    tl = json.loads(timeline.read_text())
    tl["music"]["duck_db"] = 3
    timeline.write_text(json.dumps(tl))
    code, out = run_check(script, brief, timeline, "json", None)
    assert code == 1
    report = json.loads(out)
    assert report["errors"] == 2 and report["warnings"] == 0
    assert {f["rule"] for f in report["findings"]} == {"CLAIM-ABSOLUTE", "MS-DISTRACTION"}
    for f in report["findings"]:
        assert list(f) == ["rule", "severity", "scene", "start_s", "end_s", "message", "source"]
    code, text = run_check(script, brief, timeline, "text", None)
    assert code == 1 and "ERROR" in text and "CLAIM-ABSOLUTE" in text


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    script, brief, _ = write_case(tmp_path, "ms_jargon")
    code, out = run_check(script, brief, None, "json", None)
    assert code == 0 and json.loads(out)["warnings"] == 1


def test_policy_override_changes_the_outcome(tmp_path: Path) -> None:
    script, brief, timeline = write_case(tmp_path)
    policy = tmp_path / "strict.yaml"
    policy.write_text("min_cap_height: 0.06\n")
    code, out = run_check(script, brief, timeline, "json", policy)
    # the stricter floor applies to every text: the major statement's and the supers'
    assert code == 1 and {f["rule"] for f in json.loads(out)["findings"]} == {"MS-LEGIBILITY", "TEXT-LEGIBILITY"}


@pytest.mark.parametrize(
    ("target", "content", "needles"),
    [
        ("script", '{"title": "t", "scenes": [{"index": 1, "duration_s": 0.1, "purpose": "hook", "shot": "x"}]}',
         ["script", "scenes[0].duration_s"]),
        ("script", "{not json", ["script", "not valid JSON"]),
        ("script", '{"title": "t", "scenes": [], "extra": 1}', ["script", "scenes", "extra: unknown field"]),
        ("brief", "prompt: too short\nproduct: {brand_name: X}\n", ["brief", "product.generic_name", "required"]),
        ("timeline", '{"output": {"width": 640, "height": 360}, "clips": []}', ["timeline", "clips"]),
        ("policy", "max_ms_wpm: fast\n", ["policy", "max_ms_wpm"]),
        ("policy", "maximum_wpm: 100\n", ["policy", "unknown key 'maximum_wpm'"]),
    ],
)  # fmt: skip
def test_bad_input_exits_2_naming_file_and_field(tmp_path: Path, target: str, content: str, needles: list[str]) -> None:
    script, brief, timeline = write_case(tmp_path)
    paths = {"script": script, "brief": brief, "timeline": timeline, "policy": tmp_path / "policy.yaml"}
    paths[target].write_text(content, encoding="utf-8")
    policy = paths["policy"] if target == "policy" else None
    code, out = run_check(script, brief, timeline, "text", policy)
    assert code == 2
    assert out.startswith("bad input: ")
    for needle in needles:
        assert needle in out
    assert str(paths[target]) in out
    code, out = run_check(script, brief, timeline, "json", policy)
    assert code == 2 and str(paths[target]) in json.loads(out)["error"]


def test_missing_files_and_bad_format(tmp_path: Path) -> None:
    script, brief, _ = write_case(tmp_path)
    code, out = run_check(tmp_path / "nope.json", brief, None, "text", None)
    assert code == 2 and "nope.json" in out and "cannot read" in out
    code, out = run_check(script, tmp_path / "nope.yaml", None, "text", None)
    assert code == 2 and "nope.yaml" in out
    code, out = run_check(script, brief, None, "xml", None)
    assert code == 2 and "--format" in out
