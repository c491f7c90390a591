"""Request and response bodies of the review routes (roles, sharing, comments, decisions, audit,
share links), beside `schemas.py`; the OpenAPI schema and the web app's types come from these.
A version's review summary (`VersionReview`) is the domain's, as the package's approval record
is built from it outside the API too."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from omnigen.pipeline.delivery import PackageBuild
from omnigen.review.approval import ReviewStatus, VersionReview
from omnigen.review.people import USER_ID, Role
from omnigen.review.state import Comment, Decision
from omnigen.review.trail import AuditEntry

__all__ = ["ReviewStatus", "VersionReview"]

Seconds = Field(ge=0, le=600, allow_inf_nan=False)


class Me(BaseModel):
    user_id: str
    name: str
    roles: list[Role]
    allow_self_approval: bool


class ReviewerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(pattern=USER_ID, description="the reviewer's user id (Cognito `sub` on AWS)")


class Reviewers(BaseModel):
    job_id: str
    reviewers: list[str]


class CommentRequest(BaseModel):
    """A comment pinned to a time (`at_s`) or range (`at_s`..`end_s`) of the version, optionally to
    one timeline item (`clips.0`, `voice.3`, `texts.2`), optionally a reply (`parent_id`)."""

    model_config = ConfigDict(extra="forbid")

    at_s: float = Seconds
    end_s: float | None = Field(None, ge=0, le=600, allow_inf_nan=False)
    item: str | None = Field(None, pattern=r"^(clips|voice|texts)\.[0-9]{1,3}$")
    text: str = Field(min_length=1, max_length=4000)
    parent_id: str | None = Field(None, pattern=r"^[0-9a-f]{12}$")

    @model_validator(mode="after")
    def _range(self) -> CommentRequest:
        if self.end_s is not None and self.end_s < self.at_s:
            raise ValueError("end_s must not be before at_s")
        if not self.text.strip():
            raise ValueError("text must say something")
        return self


class SharedCommentRequest(CommentRequest):
    """A comment through a share link: the outside reviewer says who they are."""

    name: str = Field(min_length=1, max_length=100)


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolved: bool = True


class Comments(BaseModel):
    job_id: str
    version: int
    open: int
    items: list[Comment]


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    reason: str = Field(min_length=1, max_length=2000)
    override: str | None = Field(
        None,
        max_length=2000,
        description="approving a version made despite compliance or QC errors: why they are accepted",
    )


class AuditTrail(BaseModel):
    job_id: str
    items: list[AuditEntry]


class ShareLinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expires_in_s: int = Field(7 * 24 * 3600, ge=60, le=90 * 24 * 3600)


class ShareLink(BaseModel):
    link_id: str
    version: int
    url: str
    """Path of the read-only review page's data (`GET /api/v1/shared/{token}`)."""
    token: str
    expires_at: datetime
    revoked: bool = False


class SharedVersion(BaseModel):
    """What a share link shows: one version's playback and its comments, nothing else."""

    brand_name: str
    version: int
    duration_s: float
    expires_at: datetime
    urls: dict[str, str]
    comments: list[Comment]


class PackageStatus(PackageBuild):
    """A package build as the API shows it: its status route, and the zip's link once ready."""

    status_url: str
    url: str | None = None
    """The zip, signed for one hour (once `ready`)."""
