"""The web editor makes its edits in the draft (frontend/src/lib/timeline.ts) so undo and the
draft check see them before anything is saved; the API makes the same edits with
`omnigen.timeline_edit.apply`. Both are held to one set of cases,
frontend/src/lib/timeline_ops.parity.json: this test checks that its expected times are what
Python gives, and `timeline.test.ts` that they are what TypeScript gives.

After a deliberate change to an edit's rules, rewrite the expected values with
`OMNIGEN_WRITE_PARITY=1 pytest tests/unit/test_timeline_ops_parity.py` and make timeline.ts agree.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from omnigen.timeline import Timeline
from omnigen.timeline_edit import EditOp, apply

FIXTURE = Path(__file__).resolve().parents[2] / "frontend" / "src" / "lib" / "timeline_ops.parity.json"
OPS = TypeAdapter(list[EditOp])


def patched(timeline: dict[str, Any], patch: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """The case's starting timeline: the shared one with some items' fields replaced
    (`{"clips": {"1": {"transition": "dissolve"}}}`), as timeline.test.ts patches it."""
    out = copy.deepcopy(timeline)
    for field, items in patch.items():
        for index, fields in items.items():
            out[field][int(index)].update(fields)
    return out


def times(timeline: Timeline) -> dict[str, list[list[Any]]]:
    """What an edit moves: each clip's scene, in, out and transition; each line's scene and
    start; each text's kind, start and end (to the millisecond)."""
    return {
        "clips": [[c.scene_index, round(c.in_s, 3), round(c.out_s, 3), c.transition] for c in timeline.clips],
        "voice": [[v.scene_index, round(v.start_s, 3)] for v in timeline.voice],
        "texts": [[t.kind, round(t.start_s, 3), round(t.end_s, 3)] for t in timeline.texts],
    }


def python_result(doc: dict[str, Any], case: dict[str, Any]) -> dict[str, list[list[Any]]]:
    start = Timeline.model_validate(patched(doc["timeline"], case["patch"]))
    return times(apply(start, OPS.validate_python(case["ops"])))


DOC = json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", DOC["cases"], ids=[c["name"] for c in DOC["cases"]])
def test_python_gives_the_shared_cases_expected_times(case):
    got = python_result(DOC, case)
    if os.environ.get("OMNIGEN_WRITE_PARITY") == "1":
        case["expected"] = got
        FIXTURE.write_text(json.dumps(DOC, indent=2) + "\n", encoding="utf-8")
    assert got == case["expected"], f"{case['name']}: timeline_edit.apply gives {got}"


def test_the_cases_cover_every_edit_the_editor_makes_in_the_draft():
    ops = {op["op"] for case in DOC["cases"] for op in case["ops"]}
    assert ops == {"delete_clip", "duplicate_clip", "set_scene_length", "add_text", "delete_text"}
