"""Delivering a version: its review summary, its rule sheet and compliance PDF, and its export
package, built as background work (a thread of the local server, an asynchronous invocation of
the media function on AWS) so no request waits for a zip of an MP4.

A build is named by what its zip holds: the version's content hash and the decisions recorded on
it (`build_id`), so asking again for the same version in the same review state is the same build
(a no-op once it is ready or while it runs), and a decision made since starts a new one. Its
state (`building` with a stage and progress, `ready`, `failed` with the error) is a small JSON
record beside the zip, which is what the status route reads."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from omnigen.compliance.sheet import RuleSheet, rule_sheet
from omnigen.export.compliance_pdf import compliance_pdf
from omnigen.export.package import PackageInput, build_package
from omnigen.job import Job, VersionRecord, now
from omnigen.keys import JobKeys
from omnigen.pipeline.context import StepContext
from omnigen.review.approval import VersionReview, checks_of
from omnigen.review.chain import ChainReport, verify
from omnigen.review.state import ReviewState, fold
from omnigen.review.trail import NewEntry, job_stream
from omnigen.script import Script
from omnigen.store.digest import version_hash
from omnigen.timeline import Timeline

log = logging.getLogger("omnigen.delivery")

STALE_S = 900.0
"""A build still `building` this long after its last report has stopped (its worker died): the
status says failed, and asking again starts it over."""


class NoKeptTimeline(LookupError):
    """The version was made before each version kept its timeline: it has no rule sheet."""


def review_state(ctx: StepContext, job_id: str) -> ReviewState:
    return fold(ctx.audit.entries(job_stream(job_id))) if ctx.audit is not None else ReviewState()


def version_review(ctx: StepContext, job: Job, rec: VersionRecord, state: ReviewState) -> VersionReview:
    latest = state.latest(rec.version)
    approval = state.approval(rec.version)
    checks = checks_of(rec)
    return VersionReview(
        job_id=job.job_id,
        version=rec.version,
        status="approved" if approval else (latest.decision if latest else "pending"),
        content_hash=version_hash(ctx.assets, JobKeys(job.user_id, job.job_id).version(rec.version)),
        recorded_hash=state.hashes.get(rec.version),
        approval=approval,
        decisions=state.decisions_of(rec.version),
        compliance_errors=checks.compliance_errors,
        qc_errors=checks.qc_errors,
        override_recorded=checks.override_recorded,
        open_comments=state.open_count(rec.version),
    )


def version_sheet(ctx: StepContext, job: Job, rec: VersionRecord) -> RuleSheet:
    keys = JobKeys(job.user_id, job.job_id)
    vk = keys.version(rec.version)
    if not ctx.assets.exists(vk.timeline):
        raise NoKeptTimeline(f"version {rec.version} was made before each version kept its timeline; re-compose it")
    report = json.loads(ctx.assets.get_bytes(vk.compliance))
    timeline = Timeline.model_validate_json(ctx.assets.get_bytes(vk.timeline))
    script = Script.model_validate_json(ctx.assets.get_bytes(keys.script))
    return rule_sheet(report, timeline, script, job.brief)


def trail_head(ctx: StepContext, job_id: str) -> ChainReport | None:
    """The job's audit trail verified, with the head hash that pins its end (None: no trail)."""
    stream = job_stream(job_id)
    return verify(stream, ctx.audit.stored(stream)) if ctx.audit is not None else None


def report_pdf(
    ctx: StepContext, job: Job, rec: VersionRecord, review: VersionReview, chain: ChainReport | None = None
) -> bytes:
    """The version's compliance report as a PDF, headed by what identifies it, its approval and
    the audit trail's head (`chain`, or the trail as it is now)."""
    sheet = version_sheet(ctx, job, rec)
    chain = chain or trail_head(ctx, job.job_id)
    approval = review.approval
    facts = [
        ("Brand", f"{job.brief.product.brand_name} ({job.brief.product.generic_name})"),
        ("Job", job.job_id),
        ("Version", str(rec.version)),
        ("Rendered", rec.created_at.isoformat(timespec="seconds")),
        ("Content hash", review.content_hash),
        ("Review status", review.status),
    ]
    if approval is not None:
        facts.append(
            ("Approved by", f"{approval.by_name or approval.by} at {approval.at.isoformat(timespec='seconds')}")
        )
        facts.append(("Reason", approval.reason))
        if approval.override:
            facts.append(("Override", approval.override))
    if chain is not None:
        broken = chain.first_broken
        verdict = "verified" if broken is None else f"DOES NOT VERIFY from entry {broken.seq}"
        facts.append(("Audit trail", f"entry {chain.head_seq}, {chain.head_hash} ({verdict})"))
    return compliance_pdf(
        sheet, title=f"Compliance report · {job.brief.product.brand_name} v{rec.version}", facts=facts
    )


# -- package builds ------------------------------------------------------------------------------

BuildState = Literal["building", "ready", "failed"]


class PackageBuild(BaseModel):
    """One build of a version's export package, as its status record says."""

    build_id: str
    job_id: str
    version: int
    content_hash: str
    state: BuildState
    stage: str
    """What it is doing (`queued`, `compliance_pdf`, `zipping`, `storing`), or `done`."""
    progress: float
    """0 … 1."""
    requested_by: str
    started_at: datetime
    updated_at: datetime
    error: str | None = None
    key: str
    """The zip's key (there once `ready`)."""


def build_id(review: VersionReview) -> str:
    """What names a build: the version's content and the decisions recorded on it."""
    basis = json.dumps([review.content_hash, [d.seq for d in review.decisions]])
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def read_build(ctx: StepContext, job: Job, version: int, build: str) -> PackageBuild | None:
    """The build's record; one still `building` past `STALE_S` reads as failed."""
    key = JobKeys(job.user_id, job.job_id).version(version).package_status(build)
    if not ctx.assets.exists(key):
        return None
    record = PackageBuild.model_validate_json(ctx.assets.get_bytes(key))
    if record.state == "building" and (now() - record.updated_at).total_seconds() > STALE_S:
        error = f"the build stopped reporting at {record.stage} ({STALE_S:.0f} s ago); request the package again"
        return record.model_copy(update={"state": "failed", "error": error})
    return record


def _save(ctx: StepContext, job: Job, record: PackageBuild) -> PackageBuild:
    key = JobKeys(job.user_id, job.job_id).version(record.version).package_status(record.build_id)
    ctx.assets.put_bytes(key, record.model_dump_json(indent=2).encode(), "application/json")
    return record


def request_build(ctx: StepContext, job: Job, rec: VersionRecord, requested_by: str) -> tuple[PackageBuild, bool]:
    """The build of the version as it is reviewed now, and whether it must be started: not when
    it is ready (its zip there) or running; yes when it is new, failed or stopped."""
    review = version_review(ctx, job, rec, review_state(ctx, job.job_id))
    build = build_id(review)
    known = read_build(ctx, job, rec.version, build)
    if known is not None and (known.state == "building" or (known.state == "ready" and ctx.assets.exists(known.key))):
        return known, False
    at = now()
    vk = JobKeys(job.user_id, job.job_id).version(rec.version)
    record = PackageBuild(
        build_id=build, job_id=job.job_id, version=rec.version, content_hash=review.content_hash, state="building",
        stage="queued", progress=0.0, requested_by=requested_by, started_at=at, updated_at=at,
        key=vk.package_zip(build),
    )  # fmt: skip
    return _save(ctx, job, record), True


def build_version_package(ctx: StepContext, job_id: str, version: int, build: str) -> dict[str, Any]:
    """The background work: build the zip of `build` and store it, reporting each stage on the
    build's record. A failure is reported there (and returned), never raised: the caller is a
    worker thread or an asynchronous invocation with nobody waiting on it."""
    job = ctx.jobs.get(job_id)
    rec = next((v for v in job.versions if v.version == version), None) if job is not None else None
    if job is None or rec is None:
        return {"error": f"job {job_id} has no version {version}"}
    record = read_build(ctx, job, version, build)
    if record is None:
        return {"error": f"version {version} of job {job_id} has no package build {build} requested"}
    if record.state == "ready" and ctx.assets.exists(record.key):
        return {"build_id": build, "state": "ready", "key": record.key}

    def report(stage: str, progress: float, **update: Any) -> None:
        nonlocal record
        assert record is not None
        changed = {"stage": stage, "progress": progress, "updated_at": now(), **update}
        record = _save(ctx, job, record.model_copy(update=changed))

    try:
        _build(ctx, job, rec, record, report)
    except Exception as err:
        log.exception("building package %s of job %s v%s failed", build, job_id, version)
        report(
            record.stage, record.progress, state="failed", error=f"building the package failed at {record.stage}: {err}"
        )
        return {"build_id": build, "state": "failed", "error": record.error}
    return {"build_id": build, "state": "ready", "key": record.key}


def _build(ctx: StepContext, job: Job, rec: VersionRecord, record: PackageBuild, report: Any) -> None:
    report("reviewing", 0.05)
    state = review_state(ctx, job.job_id)
    review = version_review(ctx, job, rec, state)
    if build_id(review) != record.build_id:
        raise RuntimeError("the version's review changed after the package was requested; request it again")
    report("compliance_pdf", 0.2)
    chain = trail_head(ctx, job.job_id)
    pdf = report_pdf(ctx, job, rec, review, chain)
    stream = job_stream(job.job_id)
    approval: dict[str, Any] = review.model_dump(mode="json") | {
        "exported_at": now().isoformat(),
        "exported_by": record.requested_by,
        # the trail's end as it stood: anyone holding the package can later check that the
        # job's trail still reaches this hash at this seq (GET /jobs/{id}/audit/verify)
        "audit": None
        if chain is None
        else {"head_seq": chain.head_seq, "head_hash": chain.head_hash, "intact": chain.intact},
    }
    keys = JobKeys(job.user_id, job.job_id)
    spec = PackageInput(
        keys=keys, version=rec.version, compliance_pdf=pdf, approval=approval, content_hash=review.content_hash
    )
    report("zipping", 0.4)
    with ctx.scratch(job.job_id) as tmp:
        out = tmp / f"package-{record.build_id}.zip"
        build_package(ctx.assets, spec, out)
        report("storing", 0.8)
        ctx.assets.put_file(record.key, out, "application/zip")
    if ctx.audit is not None:
        ctx.audit.append(
            NewEntry(stream=stream, actor=record.requested_by, action="package.exported", version=rec.version,
                     content_hash=review.content_hash, detail={"job_id": job.job_id, "build_id": record.build_id})
        )  # fmt: skip
    report("done", 1.0, state="ready")
