"""The render's side of carrying comments (pipeline/audit.py) on the real SQLite trail and file
store: a version rendered carries the open threads of the one before onto itself once, however
often a resumed compose records it; a resolved thread stays behind; a version whose kept
timeline cannot be read marks its comments outdated instead of failing the render."""

from __future__ import annotations

from omnigen.config import load_settings
from omnigen.keys import JobKeys
from omnigen.pipeline.audit import record_render
from omnigen.pipeline.context import local_context
from omnigen.review.state import fold
from omnigen.review.trail import NewEntry, job_stream
from omnigen.timeline import OutputSettings, Timeline, VideoClip

JOB, USER = "j0000000000000001", "alice"


def _tl(*scenes: int) -> bytes:
    clips = [VideoClip(scene_index=n, asset=f"clips/scene_{n}.mp4", in_s=0.0, out_s=5.0) for n in scenes]
    return Timeline(output=OutputSettings(width=640, height=360), clips=clips).model_dump_json().encode()


def _ctx(tmp_path):
    return local_context(load_settings({"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_PROVIDERS": "local"}))


def _comment(ctx, cid: str, at_s: float, version: int = 1) -> None:
    ctx.audit.append(NewEntry(stream=job_stream(JOB), actor="rita", action="comment.added", version=version,
                              detail={"comment_id": cid, "at_s": at_s, "text": cid}))  # fmt: skip


def test_a_render_carries_open_threads_once(tmp_path):
    ctx = _ctx(tmp_path)
    keys = JobKeys(USER, JOB)
    ctx.assets.put_bytes(keys.version(1).timeline, _tl(1, 2, 3))
    record_render(ctx, JOB, USER, 1, {"compliance": 0, "qc": 0}, override=False)
    _comment(ctx, "onscene3", 12.0)
    _comment(ctx, "onscene2", 7.0)
    _comment(ctx, "resolved", 1.0)
    ctx.audit.append(NewEntry(stream=job_stream(JOB), actor="alice", action="comment.resolved", version=1,
                              detail={"comment_id": "resolved"}))  # fmt: skip
    ctx.assets.put_bytes(keys.version(2).timeline, _tl(3, 1))  # scene 3 first, scene 2 cut
    for _ in range(2):  # a resumed compose records the render again
        record_render(ctx, JOB, USER, 2, {"compliance": 0, "qc": 0}, override=False)
    entries = ctx.audit.entries(job_stream(JOB))
    assert [e.action for e in entries].count("version.rendered") == 2
    carried = [e for e in entries if e.action in ("comment.carried", "comment.outdated")]
    assert sorted((e.action, e.detail["comment_id"]) for e in carried) == [
        ("comment.carried", "onscene3"), ("comment.outdated", "onscene2")]  # fmt: skip
    state = fold(entries)
    (thread,) = state.threads(2)
    assert thread.comment_id == "onscene3" and thread.at_s == 2.0 and thread.carried_from == 1
    # and on to version 3, from version 2's place (the thread is one, wherever it shows)
    ctx.assets.put_bytes(keys.version(3).timeline, b'{"not": "a timeline of this schema"}')
    record_render(ctx, JOB, USER, 3, {"compliance": 0, "qc": 0}, override=False)
    state = fold(ctx.audit.entries(job_stream(JOB)))
    assert state.threads(3) == [] and state.comments["onscene3"].outdated_in == 3
    assert "no readable timeline" in (state.comments["onscene3"].outdated_reason or "")
