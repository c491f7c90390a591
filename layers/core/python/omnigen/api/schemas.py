"""Request and response bodies of the HTTP API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

from omnigen.job import Job, JobStatus, ModelUsage, TakeRecord, VersionRecord
from omnigen.pipeline.editing import DraftCheck
from omnigen.pricing.takes import TakeEstimate
from omnigen.safe_text import text_field
from omnigen.timeline import Timeline
from omnigen.timeline_edit import EditOp
from omnigen.usage import Usage
from omnigen.validation import INPUT_MODEL

__all__ = [
    "CancelResult",
    "ComposeAccepted",
    "GenerateAccepted",
    "Health",
    "JobPage",
    "JobSummary",
    "JobView",
    "UploadDone",
    "UploadRequest",
    "UploadTicket",
    "Usage",
]


class GenerateAccepted(BaseModel):
    job_id: str
    status: JobStatus


class JobView(Job):
    """A job with its asset URLs freshly signed for one hour (`urls`), thumbnails included, and
    its billed calls summed per model (`usage`)."""

    urls: dict[str, str] = Field(default_factory=dict)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def usage(self) -> list[ModelUsage]:
        """The job's cost and provenance per model (`Job.usage_by_model`), in the order the
        models were first called: one job's video takes may be on two models."""
        return self.usage_by_model()


class VersionView(VersionRecord):
    """A rendered version with its artefacts' URLs, freshly signed for one hour, and where its
    review stands (`GET …/versions/{k}/review` has the decisions and the content hash)."""

    urls: dict[str, str] = Field(default_factory=dict)
    review_status: Literal["pending", "approved", "changes_requested", "rejected"] = "pending"
    open_comments: int = 0


class JobSummary(BaseModel):
    job_id: str
    status: JobStatus
    percent: float
    title: str = ""
    """The name the user gave the ad (empty: show the brand and prompt)."""
    campaign: str = ""
    versions: int = 0
    """How many versions have been rendered."""
    message: str = ""
    """The job's status line; for a failed job, what to do first."""
    brand_name: str
    prompt: str
    duration_s: int
    aspect_ratio: str
    cost_usd: float
    created_at: datetime
    poster_url: str | None = None
    output_url: str | None = None


class JobPage(BaseModel):
    items: list[JobSummary]
    next_cursor: str | None = None


class CancelResult(BaseModel):
    job_id: str
    status: JobStatus


class ComposeAccepted(BaseModel):
    job_id: str
    version: int
    output_key: str


class UploadRequest(BaseModel):
    model_config = INPUT_MODEL

    filename: str = Field(min_length=1, max_length=200)
    content_type: Literal["image/png", "image/jpeg"]
    size_bytes: int = Field(gt=0, le=10 * 1024 * 1024)


class UploadTicket(BaseModel):
    key: str
    """Put this in the brief's `product.image` once the upload is done."""
    url: str
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str] = Field(default_factory=dict)
    expires_at: datetime


class UploadDone(BaseModel):
    key: str
    width: int
    height: int
    content_type: str


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str
    providers: str


class EditRequest(BaseModel):
    model_config = INPUT_MODEL

    ops: list[EditOp] = Field(min_length=1, max_length=100)


class EditResult(BaseModel):
    timeline: Timeline
    """The saved draft."""
    revision: int = Field(ge=1)
    """The saved draft's revision (its ETag is `"r<revision>"`, also in the `ETag` header)."""
    check: DraftCheck
    """Its findings: what compose would refuse, and why."""


class TakeView(TakeRecord):
    """One take of a scene; take 1 is the pipeline's own clip (`clip`: put it in a timeline
    clip's `asset`, or use the `select_take` operation, to use this take)."""

    take: int = Field(ge=1)
    seed: int | None = None
    created_at: datetime | None = None
    in_draft: bool = False
    """The draft timeline uses this take."""
    urls: dict[str, str] = Field(default_factory=dict)


class TakeAccepted(BaseModel):
    job_id: str
    scene: int
    """The take's first scene: the scene asked for, or the first of the shots cut from its clip."""
    take: int
    reseeds: list[int]
    """Scenes that will be regenerated after it, from its new last frame."""
    estimate: TakeEstimate


Title = text_field(120)
CampaignName = text_field(80)


class JobChanges(BaseModel):
    """Rename an ad or move it to a campaign (an empty string clears it)."""

    model_config = INPUT_MODEL

    title: Title | None = None
    campaign: CampaignName | None = None


class DuplicateRequest(JobChanges):
    """Start a new ad from this one's brief, with `changes` merged in (a failed job's
    `error.brief_changes` is exactly such a change); `title` and `campaign` default to the
    original's."""

    changes: dict[str, Any] = Field(default_factory=dict, description="brief fields to change (nested objects merge)")


class Campaign(BaseModel):
    name: str
    jobs: int
