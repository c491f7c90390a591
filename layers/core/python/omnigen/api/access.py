"""Who may read a job, and the one way routes write to the audit trail.

A job is readable by its owner and by the reviewers it is shared with; anyone else gets the same
404 as for a job that does not exist. Writing (editing, rendering, sharing) stays the owner's
(`deps.own_job`)."""

from __future__ import annotations

from typing import Any

from omnigen.api.deps import Services
from omnigen.api.problems import ApiError
from omnigen.job import Job
from omnigen.review.chain import ChainReport, verify
from omnigen.review.people import Caller
from omnigen.review.state import ReviewState, fold
from omnigen.review.trail import Action, AuditEntry, NewEntry, job_stream
from omnigen.store.ports import AuditLog


def trail(svc: Services) -> AuditLog:
    if svc.ctx.audit is None:
        raise ApiError(
            503, "this deployment keeps no audit trail: set OMNIGEN_AUDIT_TABLE (AWS) or use the local store"
        )
    return svc.ctx.audit


def verify_trail(svc: Services, job_id: str) -> ChainReport:
    """Whether the job's trail is as written, and the head hash that pins its end."""
    stream = job_stream(job_id)
    return verify(stream, trail(svc).stored(stream))


def review_state(svc: Services, job_id: str) -> ReviewState:
    return fold(trail(svc).entries(job_stream(job_id)))


def readable_job(svc: Services, caller: Caller, job_id: str) -> Job:
    job = svc.ctx.jobs.get(job_id) if len(job_id) <= 64 else None
    if job is None or job.deleted_at is not None:  # a deleted ad is gone for its reviewers too
        raise ApiError(404, f"no job {job_id}")
    if job.user_id == caller.user_id:
        return job
    if svc.ctx.audit is not None and caller.user_id in review_state(svc, job_id).reviewers:
        return job
    raise ApiError(404, f"no job {job_id}")


def record_action(
    svc: Services,
    actor: Caller | str,
    action: Action,
    job_id: str,
    *,
    version: int | None = None,
    content_hash: str | None = None,
    stream: str | None = None,
    actor_name: str = "",
    **detail: Any,
) -> AuditEntry | None:
    """Append to the job's trail (or `stream`); nothing when this backing keeps no trail."""
    if svc.ctx.audit is None:
        return None
    who, name = (actor.user_id, actor.display) if isinstance(actor, Caller) else (actor, actor_name)
    return svc.ctx.audit.append(
        NewEntry(
            stream=stream or job_stream(job_id),
            actor=who,
            actor_name=name,
            action=action,
            version=version,
            content_hash=content_hash,
            detail={"job_id": job_id, **detail},
        )
    )
