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
    carried_from: int | None = None
    """Shown on this version carried from that earlier one (its time range mapped through the
    scenes); `version` stays the one it was made on."""
    outdated: bool = False
    """Its scene is gone from a later version (`outdated_in`), so it was not carried there."""
    outdated_in: int | None = None
    outdated_reason: str | None = None
    replies: list[Comment] = Field(default_factory=list)


class Placement(BaseModel):
    """Where a comment carried onto a later version sits on that version's clock."""

    at_s: float
    end_s: float | None = None
    item: str | None = None
    carried_from: int


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
    placements: dict[int, dict[str, Placement]] = Field(default_factory=dict)
    """Per version, the comments carried onto it from the version before (by comment id)."""

    def decisions_of(self, version: int) -> list[DecisionRecord]:
        return [d for d in self.decisions if d.version == version]

    def latest(self, version: int) -> DecisionRecord | None:
        mine = self.decisions_of(version)
        return mine[-1] if mine else None

    def approval(self, version: int) -> DecisionRecord | None:
        """The approval in force: approving is final, so the first one binds the version."""
        return next((d for d in self.decisions_of(version) if d.decision == "approved"), None)

    def roots(self, version: int) -> list[Comment]:
        """The top-level comments shown on a version: made on it, or carried onto it (placed
        where the version shows their scene), without their replies."""
        mine = [
            c.model_copy(update={"replies": []})
            for c in self.comments.values()
            if c.version == version and c.parent_id is None
        ]
        for comment_id, p in self.placements.get(version, {}).items():
            c = self.comments[comment_id]
            mine.append(c.model_copy(update={"replies": [], **p.model_dump()}))
        return mine

    def _root_of(self, c: Comment) -> str:
        seen = {c.comment_id}
        while c.parent_id is not None and c.parent_id in self.comments and c.parent_id not in seen:
            c = self.comments[c.parent_id]
            seen.add(c.comment_id)
        return c.comment_id

    def threads(self, version: int) -> list[Comment]:
        """The version's comment threads, in time order on its clock; every reply nested under
        its parent whichever version it was written on (a carried thread keeps its replies)."""
        roots = {c.comment_id: c for c in self.roots(version)}
        nodes = dict(roots)
        for c in sorted(self.comments.values(), key=lambda c: c.at):
            if c.parent_id is not None and self._root_of(c) in roots:
                nodes[c.comment_id] = c.model_copy(update={"replies": []})
        for c in sorted(nodes.values(), key=lambda c: c.at):
            parent = nodes.get(c.parent_id or "")
            if c.comment_id not in roots and parent is not None:
                parent.replies.append(c)
        return sorted(roots.values(), key=lambda c: (c.at_s, c.at))

    def shown(self, version: int) -> list[Comment]:
        """Every comment of the version's threads, flat (replies included)."""
        out: list[Comment] = []
        stack = list(self.threads(version))
        while stack:
            c = stack.pop()
            out.append(c)
            stack.extend(c.replies)
        return out

    def open_count(self, version: int) -> int:
        return sum(1 for c in self.shown(version) if not c.resolved)


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
        elif e.action == "comment.carried" and e.version is not None:
            if str(d["comment_id"]) in state.comments:
                state.placements.setdefault(e.version, {})[str(d["comment_id"])] = Placement(
                    at_s=float(d["at_s"]), end_s=d.get("end_s"), item=d.get("item"), carried_from=int(d["from_version"])
                )
        elif e.action == "comment.outdated" and e.version is not None:
            c = state.comments.get(str(d["comment_id"]))
            if c is not None:
                c.outdated, c.outdated_in, c.outdated_reason = True, e.version, str(d.get("reason", ""))
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
