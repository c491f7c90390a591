"""Monthly usage per user and the quota on it.

A job counts in the calendar month (UTC) it was created in: once when it is created (`jobs`),
and once more when it ends (`completed`, seconds of finished video, what its model calls cost).
Both runners record through the job's lifecycle (`omnigen.pipeline.lifecycle`) into the
`UsageStore` port; `GET /usage` reads it and `POST /generate` checks the quota against it.

Spend is known when a job ends, so the spend limit weighs the jobs that have ended; the job limit
counts every job created, so a burst of jobs cannot outrun it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field


class Usage(BaseModel):
    """A user's totals for one month, or one change to add to them."""

    month: str
    """"YYYY-MM", UTC."""
    jobs: int = 0
    completed: int = 0
    video_seconds: float = 0.0
    cost_usd: float = 0.0


def month_of(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m")


def month_start(month: str) -> datetime:
    return datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)


def next_month(month: str) -> datetime:
    """When `month` ends: the first instant of the month after it."""
    start = month_start(month)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


class QuotaExceeded(BaseModel):
    """Which limit a new job would break, and when it resets."""

    limit: str
    """`jobs_per_month` or `usd_per_month`."""
    allowed: float
    used: float
    resets_at: datetime

    @property
    def message(self) -> str:
        when = self.resets_at.strftime("%Y-%m-%d %H:%M UTC")
        if self.limit == "jobs_per_month":
            what = f"you have started {self.used:g} of the {self.allowed:g} jobs allowed per month"
        else:
            what = f"your jobs this month have cost ${self.used:.2f} of the ${self.allowed:.2f} allowed per month"
        return f"monthly quota reached ({self.limit}): {what}; it resets on {when}"


class Quota(BaseModel):
    """Per-user monthly limits; None is no limit. The defaults are generous: they stop a runaway
    script or a leaked token, not a team making ads."""

    jobs_per_month: int | None = Field(200, ge=1)
    usd_per_month: float | None = Field(500.0, gt=0)

    def check(self, usage: Usage) -> QuotaExceeded | None:
        """The limit one more job would go past, given what the user has used this month."""
        resets = next_month(usage.month)
        if self.jobs_per_month is not None and usage.jobs >= self.jobs_per_month:
            return QuotaExceeded(limit="jobs_per_month", allowed=self.jobs_per_month, used=usage.jobs, resets_at=resets)
        if self.usd_per_month is not None and usage.cost_usd >= self.usd_per_month:
            return QuotaExceeded(
                limit="usd_per_month", allowed=self.usd_per_month, used=round(usage.cost_usd, 2), resets_at=resets
            )
        return None
