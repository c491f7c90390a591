"""What the pipeline writes to the audit trail: each rendered version with its content hash, and
the override when a version was made despite compliance or QC errors. Idempotent: a resumed
compose that finds the version recorded adds nothing."""

from __future__ import annotations

from omnigen.keys import JobKeys
from omnigen.pipeline.context import StepContext
from omnigen.review.trail import NewEntry, job_stream
from omnigen.store.digest import version_hash

SYSTEM = "system"


def record_render(
    ctx: StepContext, job_id: str, user_id: str, version: int, errors: dict[str, int], override: bool
) -> None:
    if ctx.audit is None:
        return
    stream = job_stream(job_id)
    if any(e.action == "version.rendered" and e.version == version for e in ctx.audit.entries(stream)):
        return
    digest = version_hash(ctx.assets, JobKeys(user_id, job_id).version(version))
    if override:
        ctx.audit.append(
            NewEntry(
                stream=stream,
                actor=SYSTEM,
                action="override.recorded",
                version=version,
                content_hash=digest,
                detail={"errors": errors, "why": "composed with allow_noncompliant: made despite its errors"},
            )
        )
    ctx.audit.append(
        NewEntry(
            stream=stream,
            actor=SYSTEM,
            action="version.rendered",
            version=version,
            content_hash=digest,
            detail={"errors": errors},
        )
    )
