"""Jobs whose assets outlived their record: found at start-up, and rebuilt on request.

When the job database is deleted (or replaced by an empty one) the asset folder still holds
every job's `brief.json` and whatever it made. Without this, a restart would quietly start
empty and leave all of it orphaned. `orphaned_jobs` finds such jobs (the server says so at
start), and `rebuild_jobs` (`omnigen recover`) writes a record for each from its assets:

- a job with a rendered output is `completed`, with a version record for every version it
  rendered (its MP4, poster, captions, timeline, and the summaries of its own compliance and QC
  reports, dated by its MP4), its latest version's output, and its timeline (the newest saved
  draft), so it can be watched, edited, reviewed and re-composed;
- any other job is `failed` with an error that says what happened: `omnigen retry JOB` (or
  the web app's retry) starts a new job from everything it had made.

Each rebuilt job is counted back into its user's usage for the month its brief was stored in
(one job; completed with its seconds of video when it rendered). What only the record held
(cost, progress history, takes, provider calls) cannot be recovered, and the rebuilt record
says so in its message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from omnigen.brief import Brief
from omnigen.job import Job, JobError, JobStatus, VersionRecord, now
from omnigen.keys import JobKeys, VersionKeys
from omnigen.media.ffmpeg import MediaError, probe
from omnigen.pipeline import draft
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.lifecycle import job_usage
from omnigen.pipeline.steps import compliance_summary
from omnigen.qc.report import summary_of
from omnigen.safe_text import STORED
from omnigen.store.ports import NotFound
from omnigen.timeline import Timeline

_BRIEF = re.compile(r"^users/([^/]+)/jobs/([^/]+)/brief\.json$")
_VERSION = re.compile(r"final/(?:output|v(\d+))\.mp4$")
LOST = "rebuilt from its stored assets after the job database was lost (cost and history are gone)"


@dataclass(frozen=True)
class Orphan:
    user_id: str
    job_id: str


def orphaned_jobs(ctx: StepContext) -> list[Orphan]:
    """Jobs with a stored brief and no record in the job store."""
    found = []
    for key in ctx.assets.list("users/"):
        m = _BRIEF.match(key)
        if m and ctx.jobs.get(m[2]) is None:
            found.append(Orphan(m[1], m[2]))
    return found


def _versions(ctx: StepContext, keys: JobKeys) -> list[int]:
    """The versions whose MP4 is stored (compose writes it last: its presence means the version
    is whole), in order."""
    found = {int(m[1] or 1) for key in ctx.assets.list(keys.prefix + "final/") if (m := _VERSION.search(key))}
    return sorted(found)


def _json(ctx: StepContext, key: str) -> dict[str, Any] | None:
    try:
        data = json.loads(ctx.assets.get_bytes(key))
    except (NotFound, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _duration(ctx: StepContext, vk: VersionKeys, brief: Brief) -> float:
    """The version's length as rendered: its MP4 probed, else its stored edit's, else the brief's."""
    try:
        with ctx.assets.local_path(vk.output) as path:
            return round(probe(path).duration_s, 3)
    except MediaError:
        pass
    try:
        return Timeline.model_validate_json(ctx.assets.get_bytes(vk.timeline), context=STORED).duration_s
    except (NotFound, ValidationError):
        return float(brief.duration_s)


def version_record(ctx: StepContext, keys: JobKeys, k: int, brief: Brief) -> VersionRecord:
    """Version k's record as compose wrote it, from the files compose kept beside its MP4: its
    artefacts, length, and the summaries of its own compliance and QC reports (empty when a
    report is missing), dated by its MP4."""
    vk = keys.version(k)
    compliance, qc = _json(ctx, vk.compliance), _json(ctx, vk.qc)
    return VersionRecord(
        version=k,
        created_at=ctx.assets.modified(vk.output),
        duration_s=_duration(ctx, vk, brief),
        assets={name: key for name, key in vk.all().items() if ctx.assets.exists(key)},
        compliance=compliance_summary(compliance) if compliance else {},
        qc=summary_of(qc) if qc else {},
    )


def rebuild(ctx: StepContext, orphan: Orphan) -> Job:
    """A record for one orphaned job, from its assets (see the module's docstring), and its
    usage added back to its user's month."""
    keys = JobKeys(orphan.user_id, orphan.job_id)
    brief = Brief.model_validate_json(ctx.assets.get_bytes(keys.brief))
    job = Job(job_id=orphan.job_id, user_id=orphan.user_id, brief=brief, created_at=ctx.assets.modified(keys.brief))
    job.assets["brief"] = keys.brief
    named = {"script": keys.script, "timeline": keys.timeline, "compliance": keys.compliance, "qc": keys.qc}
    job.assets.update({name: key for name, key in named.items() if ctx.assets.exists(key)})
    job.draft = draft.restore_ref(ctx, keys)  # the newest saved edit, not the first one built
    if job.draft is not None:
        job.assets["timeline"] = job.draft.key
    for k in _versions(ctx, keys):
        job.record_version(version_record(ctx, keys, k, brief))
    if job.versions:
        latest = job.versions[-1]
        made = {"output": latest.assets.get("output"), "poster": latest.assets.get("poster")}
        made["captions"] = latest.assets.get("captions")
        job.assets.update({name: key for name, key in made.items() if key})
        job.renders = latest.version
        job.compliance, job.qc = latest.compliance or None, latest.qc or None
        job.status, job.percent, job.message = JobStatus.COMPLETED, 100.0, f"Completed; {LOST}"
        job.finished_at = job.versions[0].created_at
    else:
        job.status, job.message = JobStatus.FAILED, f"Unfinished; {LOST}"
        job.error = JobError(
            step="recover",
            message="this job was unfinished when the job database was lost; retry it to finish from what it made",
        )
        job.finished_at = now()
    job.updated_at = now()
    created = ctx.jobs.create(job)
    if ctx.usage is not None:
        # created and ended at once; its cost was only in the lost record, so it adds none
        ctx.usage.add_usage(created.user_id, job_usage(created, created=True, ended=True))
    return created


def rebuild_jobs(ctx: StepContext) -> tuple[list[Job], list[tuple[Orphan, str]]]:
    """Rebuild every orphaned job's record: the records written, and the jobs that could not be
    rebuilt with the reason (a brief.json that no longer reads as a brief)."""
    rebuilt, skipped = [], []
    for orphan in orphaned_jobs(ctx):
        try:
            rebuilt.append(rebuild(ctx, orphan))
        except ValidationError as err:
            skipped.append((orphan, f"its brief.json is not a valid brief ({err.error_count()} error(s))"))
    return rebuilt, skipped


def orphan_warning(orphans: list[Orphan], db: str, assets: str) -> str:
    """What the server prints at start when it finds orphans."""
    return (
        f"the job database {db} has no record of {len(orphans)} job(s) whose assets are in {assets} "
        "(was the database deleted or replaced?). Nothing was changed. Run `omnigen recover` to rebuild "
        "their records from the stored assets, then start the server again."
    )
