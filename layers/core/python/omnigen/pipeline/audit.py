"""What the pipeline writes to the audit trail: each rendered version with its content hash, the
override when a version was made despite compliance or QC errors, and the open comments of the
version before carried onto it (or marked outdated). Idempotent: a resumed compose that finds the
version recorded adds no second record, and no comment is carried twice."""

from __future__ import annotations

from pydantic import ValidationError

from omnigen.keys import JobKeys
from omnigen.pipeline.context import StepContext
from omnigen.review.carry import Anchor, Outdated, carry
from omnigen.review.state import fold
from omnigen.review.trail import Action, NewEntry, job_stream
from omnigen.store.digest import version_hash
from omnigen.timeline import Timeline

SYSTEM = "system"


def record_render(
    ctx: StepContext, job_id: str, user_id: str, version: int, errors: dict[str, int], override: bool
) -> None:
    if ctx.audit is None:
        return
    stream = job_stream(job_id)
    if not any(e.action == "version.rendered" and e.version == version for e in ctx.audit.entries(stream)):
        digest = version_hash(ctx.assets, JobKeys(user_id, job_id).version(version))
        made: list[tuple[Action, dict[str, object]]] = [("version.rendered", {"errors": errors})]
        if override:
            why = "composed with allow_noncompliant: made despite its errors"
            made.insert(0, ("override.recorded", {"errors": errors, "why": why}))
        for action, detail in made:
            entry = NewEntry(
                stream=stream, actor=SYSTEM, action=action, version=version, content_hash=digest, detail=detail
            )
            ctx.audit.append(entry)
    carry_comments(ctx, job_id, user_id, version)


def carry_comments(ctx: StepContext, job_id: str, user_id: str, version: int) -> None:
    """Carry the open comment threads of the version rendered before this one onto it, each
    placed where this version shows its scene (`review.carry`); a thread whose scene is gone is
    marked outdated and stays on the version it was on."""
    if ctx.audit is None:
        return
    stream = job_stream(job_id)
    state = fold(ctx.audit.entries(stream))
    before = max((v for v in state.hashes if v < version), default=None)
    if before is None:
        return
    done = set(state.placements.get(version, {})) | {
        c.comment_id for c in state.comments.values() if c.outdated_in == version
    }
    todo = [c for c in state.roots(before) if not c.resolved and not c.outdated and c.comment_id not in done]
    if not todo:
        return
    keys = JobKeys(user_id, job_id)
    old, new = (keys.version(v).timeline for v in (before, version))
    timelines = [_kept_timeline(ctx, k) for k in (old, new)]
    for c in todo:
        placed: Anchor | Outdated
        if timelines[0] is None or timelines[1] is None:
            placed = Outdated(f"version {before} or {version} kept no readable timeline to map the comment through")
        else:
            placed = carry(timelines[0], timelines[1], Anchor(c.at_s, c.end_s, c.item))
        if isinstance(placed, Outdated):
            action: Action = "comment.outdated"
            detail: dict[str, object] = {"reason": placed.reason}
        else:
            action, detail = "comment.carried", {"at_s": placed.at_s, "end_s": placed.end_s, "item": placed.item}
        detail |= {"job_id": job_id, "comment_id": c.comment_id, "from_version": before}
        ctx.audit.append(NewEntry(stream=stream, actor=SYSTEM, action=action, version=version, detail=detail))


def _kept_timeline(ctx: StepContext, key: str) -> Timeline | None:
    """A version's kept timeline; None when it has none, or one written to an older schema (its
    comments are then marked outdated rather than the render failing over them)."""
    if not ctx.assets.exists(key):
        return None
    try:
        return Timeline.model_validate_json(ctx.assets.get_bytes(key))
    except ValidationError:
        return None


def approved(ctx: StepContext, job_id: str, version: int) -> bool:
    """Whether the trail holds an approval of this version (which then may never be rendered again)."""
    if ctx.audit is None:
        return False
    return fold(ctx.audit.entries(job_stream(job_id))).approval(version) is not None
