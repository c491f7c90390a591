"""The draft and its versions: what the editor saves, checks and restores.

The draft (`timeline.json`) is the edit the next compose renders; each made version keeps the
timeline it was rendered from (`final/…timeline.json`), so a failed or refused compose leaves
every version as it was, and any version's edit can be put back into the draft. A draft is
checked by the same compliance engine (and the text layout and reading-time rules) that gates
compose, without rendering. The API routes and any other caller use these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from pydantic import BaseModel, Field

from omnigen.compliance import Report, check_timeline, load_policy
from omnigen.compliance.findings import Finding
from omnigen.job import Job
from omnigen.keys import JobKeys
from omnigen.pipeline import draft
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.revoice import stale_lines
from omnigen.pipeline.steps import load_draft, timeline_digest
from omnigen.pipeline.takes import take_clips
from omnigen.safe_text import STORED
from omnigen.script import Script
from omnigen.timeline import Timeline
from omnigen.timeline_edit import EditError, EditOp, apply


class DraftCheck(BaseModel):
    """What the compliance engine says of a draft, before anything is rendered."""

    findings: list[Finding]
    """Each with its rule, severity, where it is, a plain message and the `fix`."""
    errors: int
    warnings: int
    passed: bool
    """No errors: compose will render it."""
    duration_s: float
    """The edit's length on the output clock."""
    revoice_lines: list[int] = Field(default_factory=list)
    """Voice lines (their places in `voice`) whose text changed: the next compose re-voices
    these, and only these."""
    refused_version: int | None = None
    """When the last compose was refused for exactly this timeline: the version it did not make
    (its QC findings are among `findings`)."""
    refused_message: str = ""
    """That refusal in plain words: the rules it breaks and what to do first."""


class DraftRefused(ValueError):
    """A draft that names something it may not: `errors` lists each field and what to do."""

    def __init__(self, message: str, errors: list[dict[str, str]]):
        super().__init__(message)
        self.message = message
        self.errors = errors


def check_draft(ctx: StepContext, job: Job, timeline: Timeline) -> DraftCheck:
    """The draft's findings. The engine's own rules are checked here; what only a render shows
    (QC of the rendered file) comes from the last compose refused for this very timeline, so a
    draft QC refused stays marked until it is changed."""
    keys = JobKeys(job.user_id, job.job_id)
    script = Script.model_validate_json(ctx.assets.get_bytes(keys.script), context=STORED)
    report: Report = check_timeline(timeline, script, job.brief, load_policy(None))
    refusal = job.refusal
    refused = refusal is not None and refusal.timeline_sha256 == timeline_digest(timeline)
    qc_refused = refusal is not None and refused and refusal.check == "qc"
    carried = [Finding.model_validate(f) for f in refusal.findings] if refusal is not None and qc_refused else []
    findings = [*report.findings, *carried]
    errors = report.errors + sum(1 for f in carried if f.severity == "error")
    return DraftCheck(
        findings=findings,
        errors=errors,
        warnings=report.warnings + sum(1 for f in carried if f.severity == "warning"),
        passed=errors == 0,
        duration_s=round(timeline.duration_s, 3),
        revoice_lines=stale_lines(ctx, job, timeline),
        refused_version=refusal.version if refusal is not None and refused else None,
        refused_message=refusal.message if refusal is not None and refused else "",
    )


def draft_problems(ctx: StepContext, job: Job, timeline: Timeline) -> list[dict[str, str]]:
    """Why the draft cannot be saved: an asset that is not this job's, or does not exist. (A clip
    may play past its rendered end: compose holds its last frame.)"""
    keys = JobKeys(job.user_id, job.job_id)
    named = [(f"clips.{i}.asset", c.asset) for i, c in enumerate(timeline.clips)]
    named += [(f"voice.{i}.asset", v.asset) for i, v in enumerate(timeline.voice)]
    if timeline.music:
        named.append(("music.asset", timeline.music.asset))
    errors = [
        {"field": field, "message": f"{key} is not an asset of job {job.job_id}"}
        for field, key in named
        if not key.startswith(keys.prefix) or not ctx.assets.exists(key)
    ]
    return errors


def _checked(ctx: StepContext, job: Job, timeline: Timeline) -> Timeline:
    errors = draft_problems(ctx, job, timeline)
    if errors:
        raise DraftRefused("the timeline names assets this job does not have", errors)
    return timeline


def _update(
    ctx: StepContext, job: Job, change: Callable[[Timeline], Timeline], expected: Collection[int] | None
) -> draft.Draft:
    load_draft(ctx, job)  # the first draft is built before anything is saved over it
    return draft.update(ctx, job.job_id, lambda base: _checked(ctx, job, change(base)), expected)[1]


def save(ctx: StepContext, job: Job, timeline: Timeline, expected: Collection[int] | None = None) -> draft.Draft:
    """Save `timeline` as the draft once it names only this job's assets; with `expected` (the
    revisions the caller read), only while the draft is still one of those (`draft.DraftStale`)."""
    return _update(ctx, job, lambda _: timeline, expected)


def edit(ctx: StepContext, job: Job, ops: list[EditOp], expected: Collection[int] | None = None) -> draft.Draft:
    """Apply edit operations to the draft and save it (nothing is saved when one cannot apply).
    The operations apply to the draft as it is when saved: a take finishing meanwhile is kept."""
    clips = take_clips(ctx, job)

    def change(base: Timeline) -> Timeline:
        try:
            return apply(base, ops, clips)
        except EditError as err:
            raise DraftRefused(err.message, [{"field": err.field, "message": err.message}]) from None

    return _update(ctx, job, change, expected)


def version_timeline(ctx: StepContext, job: Job, k: int) -> Timeline | None:
    """The timeline version `k` was rendered from (None: made before versions kept theirs)."""
    record = next((v for v in job.versions if v.version == k), None)
    if record is None:
        return None
    key = record.assets.get("timeline")
    if key is None or not ctx.assets.exists(key):
        return None
    return Timeline.model_validate_json(ctx.assets.get_bytes(key), context=STORED)


def restore(ctx: StepContext, job: Job, k: int, expected: Collection[int] | None = None) -> draft.Draft | None:
    """Version `k`'s timeline becomes the draft (None when the version did not keep one)."""
    timeline = version_timeline(ctx, job, k)
    if timeline is None:
        return None
    return _update(ctx, job, lambda _: timeline, expected)
