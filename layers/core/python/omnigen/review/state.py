"""The review state of a job, folded from its audit trail: shared reviewers, comment threads,
decisions per version and share links. Pure: the same entries always give the same state."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from omnigen.review.trail import AuditEntry

Decision = Literal["approved", "changes_requested", "rejected"]


class Comment(BaseModel):
    comment_id: str
    version: int
    author: str
    author_name: str
    at: datetime
    at_s: float
    end_s: float | None = None
    item: str | None = None
    text: str
    parent_id: str | None = None
    resolved: bool = False
    resolved_by: str | None = None
    via_share_link: bool = False
    replies: list[Comment] = Field(default_factory=list)


class DecisionRecord(BaseModel):
    version: int
    decision: Decision
    reason: str
    by: str
    by_name: str
    at: datetime
    content_hash: str
    override: str | None = None
    """The reviewer's reason for approving despite the errors the version's reports recorded."""
    seq: int


class ShareLinkState(BaseModel):
    link_id: str
    version: int
    expires_at: datetime
    created_by: str
    revoked: bool = False
    revoked_at: datetime | None = None


class ReviewState(BaseModel):
    reviewers: set[str] = Field(default_factory=set)
    comments: dict[str, Comment] = Field(default_factory=dict)
    decisions: list[DecisionRecord] = Field(default_factory=list)
    links: dict[str, ShareLinkState] = Field(default_factory=dict)
    hashes: dict[int, str] = Field(default_factory=dict)
    """Each version's content hash as recorded when it was rendered."""

    def decisions_of(self, version: int) -> list[DecisionRecord]:
        return [d for d in self.decisions if d.version == version]

    def latest(self, version: int) -> DecisionRecord | None:
        mine = self.decisions_of(version)
        return mine[-1] if mine else None

    def approval(self, version: int) -> DecisionRecord | None:
        """The approval in force: approving is final, so the first one binds the version."""
        return next((d for d in self.decisions_of(version) if d.decision == "approved"), None)

    def threads(self, version: int) -> list[Comment]:
        """Top-level comments of a version, in time order on the ad's clock, replies nested."""
        mine = {
            c.comment_id: c.model_copy(update={"replies": []}) for c in self.comments.values() if c.version == version
        }
        roots: list[Comment] = []
        for c in sorted(mine.values(), key=lambda c: c.at):
            parent = mine.get(c.parent_id or "")
            (parent.replies if parent is not None else roots).append(c)
        return sorted(roots, key=lambda c: (c.at_s, c.at))


def fold(entries: Iterable[AuditEntry]) -> ReviewState:
    state = ReviewState()
    for e in entries:
        d = e.detail
        if e.action == "reviewer.added":
            state.reviewers.add(str(d["user_id"]))
        elif e.action == "reviewer.removed":
            state.reviewers.discard(str(d["user_id"]))
        elif e.action == "version.rendered" and e.version is not None and e.content_hash:
            state.hashes[e.version] = e.content_hash
        elif e.action == "comment.added" and e.version is not None:
            state.comments[str(d["comment_id"])] = Comment(
                comment_id=str(d["comment_id"]),
                version=e.version,
                author=e.actor,
                author_name=e.actor_name,
                at=e.at,
                at_s=float(d["at_s"]),
                end_s=d.get("end_s"),
                item=d.get("item"),
                text=str(d["text"]),
                parent_id=d.get("parent_id"),
                via_share_link=e.actor.startswith("share:"),
            )
        elif e.action in ("comment.resolved", "comment.reopened"):
            c = state.comments.get(str(d["comment_id"]))
            if c is not None:
                c.resolved = e.action == "comment.resolved"
                c.resolved_by = e.actor if c.resolved else None
        elif e.action == "decision.recorded" and e.version is not None:
            state.decisions.append(
                DecisionRecord(
                    version=e.version,
                    decision=d["decision"],
                    reason=str(d["reason"]),
                    by=e.actor,
                    by_name=e.actor_name,
                    at=e.at,
                    content_hash=e.content_hash or "",
                    override=d.get("override"),
                    seq=e.seq,
                )
            )
        elif e.action == "share_link.created" and e.version is not None:
            state.links[str(d["link_id"])] = ShareLinkState(
                link_id=str(d["link_id"]),
                version=e.version,
                expires_at=datetime.fromisoformat(str(d["expires_at"])),
                created_by=e.actor,
            )
        elif e.action == "share_link.revoked":
            link = state.links.get(str(d["link_id"]))
            if link is not None:
                link.revoked, link.revoked_at = True, e.at
    return state
