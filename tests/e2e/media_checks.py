"""Checks on a finished MP4 that a broadcaster would make: streams, duration, loudness, faststart."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from omnigen.script import word_count


def top_level_boxes(path: Path) -> list[str]:
    """The MP4's top-level box types in file order (e.g. ftyp, moov, mdat)."""
    boxes = []
    with open(path, "rb") as f:
        while True:
            head = f.read(8)
            if len(head) < 8:
                break
            size, kind = struct.unpack(">I4s", head)
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
                f.seek(size - 16, 1)
            elif size == 0:
                boxes.append(kind.decode("latin-1"))
                break
            else:
                f.seek(size - 8, 1)
            boxes.append(kind.decode("latin-1"))
    return boxes


def moov_before_mdat(path: Path) -> bool:
    boxes = top_level_boxes(path)
    return "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat")


def measured_paces(timeline: Path, script: Path) -> tuple[float, float]:
    """Words per minute of the major statement and of the benefit lines (else the indication and
    hook lines) as spoken: the lines' words over their measured lengths."""
    purpose = {s["index"]: s["purpose"] for s in json.loads(script.read_text())["scenes"]}
    voice = json.loads(timeline.read_text())["voice"]

    def wpm(lines: list[dict]) -> float:
        return sum(word_count(v["text"]) for v in lines) * 60 / sum(v["duration_s"] for v in lines)

    ref = [v for v in voice if purpose[v["scene_index"]] == "benefit"] or [
        v for v in voice if purpose[v["scene_index"]] in ("indication", "hook")
    ]
    return wpm([v for v in voice if v["major_statement"]]), wpm(ref)
