"""Both ways compose makes the picture, for tests that must pass on each: one ffmpeg pass, and
segments encoded ahead (as the scene steps do) then joined by copy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omnigen.media.compose import ComposeResult, compose, prepare_segments
from omnigen.media.segments import FolderSegments
from omnigen.timeline import Timeline

PATHS = ["one_pass", "segments"]


def render(path: str, timeline: Timeline, workdir: Path, out: Path, **kw: Any) -> ComposeResult:
    """Compose `timeline` on `path`; with "segments", every segment is encoded ahead and the
    render must join them without encoding one."""
    if path == "one_pass":
        res = compose(timeline, Path, workdir, out, **kw)
        assert res.mode == "one_pass"
        return res
    store = FolderSegments(workdir / "segments")
    ahead = prepare_segments(timeline, Path, workdir / "ahead", store, kw.get("qc_policy"))
    res = compose(timeline, Path, workdir, out, store=store, **kw)
    assert (res.mode, res.segments_encoded, res.segments_reused) == ("segments", 0, ahead), res
    return res
