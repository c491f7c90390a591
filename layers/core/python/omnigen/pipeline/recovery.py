"""Jobs whose assets outlived their record: found at start-up, and rebuilt on request.

When the job database is deleted (or replaced by an empty one) the asset folder still holds
every job's `brief.json` and whatever it made. Without this, a restart would quietly start
empty and leave all of it orphaned. `orphaned_jobs` finds such jobs (the server says so at
start), and `rebuild_jobs` (`omnigen recover`) writes a record for each from its assets:

- a job with a rendered output is `completed`, with its latest version's output, poster and
  captions, its timeline (the newest saved draft), script and reports, so it can be watched, edited and re-composed;
- any other job is `failed` with an error that says what happened: `omnigen retry JOB` (or
  the web app's retry) starts a new job from everything it had made.

What only the record held (cost, progress history, creation time, per-version check
summaries) cannot be recovered, and the rebuilt record says so in its message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from omnigen.brief import Brief
from omnigen.job import Job, JobError, JobStatus, now
from omnigen.keys import JobKeys
from omnigen.pipeline import draft
from omnigen.pipeline.context import StepContext

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


def _latest_version(ctx: StepContext, keys: JobKeys) -> int:
    versions = [int(m[1] or 1) for key in ctx.assets.list(keys.prefix + "final/") if (m := _VERSION.search(key))]
    return max(versions, default=0)


def rebuild(ctx: StepContext, orphan: Orphan) -> Job:
    """A record for one orphaned job, from its assets (see the module's docstring)."""
    keys = JobKeys(orphan.user_id, orphan.job_id)
    brief = Brief.model_validate_json(ctx.assets.get_bytes(keys.brief))
    job = Job(job_id=orphan.job_id, user_id=orphan.user_id, brief=brief)
    job.assets["brief"] = keys.brief
    named = {"script": keys.script, "timeline": keys.timeline, "compliance": keys.compliance, "qc": keys.qc}
    job.assets.update({name: key for name, key in named.items() if ctx.assets.exists(key)})
    job.draft = draft.restore_ref(ctx, keys)  # the newest saved edit, not the first one built
    if job.draft is not None:
        job.assets["timeline"] = job.draft.key
    renders = _latest_version(ctx, keys)
    if renders:
        latest = keys.version(renders)
        made = {"output": latest.output, "poster": latest.poster, "captions": latest.captions}
        job.assets.update({name: key for name, key in made.items() if ctx.assets.exists(key)})
        job.renders = renders
        job.status, job.percent, job.message = JobStatus.COMPLETED, 100.0, f"Completed; {LOST}"
    else:
        job.status, job.message = JobStatus.FAILED, f"Unfinished; {LOST}"
        job.error = JobError(
            step="recover",
            message="this job was unfinished when the job database was lost; retry it to finish from what it made",
        )
    job.finished_at = now()
    return ctx.jobs.create(job)


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
