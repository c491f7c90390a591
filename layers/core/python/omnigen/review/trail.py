"""The audit trail: one append-only stream of entries per job (who, when, what, which version and
content hash). Every review fact lives here and nowhere else — comments and their resolution,
decisions, shares, share links and their revocation — so what the review state says can always be
replayed from a record nobody can rewrite (the stores refuse updates and deletes), and so that a
rewrite done around the stores anyway shows (each entry is sealed into a hash chain: `chain.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Action = Literal[
    "job.created",
    "timeline.edited",
    "render.requested",
    "version.rendered",
    "override.recorded",
    "comment.added",
    "comment.resolved",
    "comment.reopened",
    "decision.recorded",
    "reviewer.added",
    "reviewer.removed",
    "share_link.created",
    "share_link.revoked",
    "package.exported",
    "comment.carried",
    "comment.outdated",
]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]


def job_stream(job_id: str) -> str:
    return f"job:{job_id}"


def reviewer_stream(user_id: str) -> str:
    """The jobs shared with one reviewer (a second stream, so their job list is one query)."""
    return f"reviewer:{user_id}"


class NewEntry(BaseModel):
    """What a caller appends; the store stamps `seq` and `at`."""

    model_config = ConfigDict(extra="forbid")

    stream: str
    actor: str
    """The user id, `share:<link>` for an outside reviewer, `system` for the pipeline."""
    actor_name: str = ""
    action: Action
    version: int | None = None
    content_hash: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class AuditEntry(NewEntry):
    seq: int = Field(ge=1)
    at: datetime
    hash: str = ""
    """`chain.link_hash` of the previous entry's hash and this entry's own content (empty only on
    an entry written before the trail was chained, which `chain.verify` reports as broken)."""


class StoredEntry(BaseModel):
    """One entry as the store holds it: its key's seq and its text, unparsed, so verifying the
    chain can name an entry someone overwrote with text that is not an entry at all."""

    seq: int
    data: str


class AuditRefused(RuntimeError):
    """The store refused to change an entry already written (the trail is append-only)."""
