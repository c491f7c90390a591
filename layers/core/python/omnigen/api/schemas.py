"""Request and response bodies of the HTTP API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from omnigen.job import Job, JobStatus, VersionRecord
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
    """A job with its asset URLs freshly signed for one hour (`urls`), thumbnails included."""

    urls: dict[str, str] = Field(default_factory=dict)


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
