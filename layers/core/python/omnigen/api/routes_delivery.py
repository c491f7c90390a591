"""Delivery of a version: the compliance page's data (every rule with pass/fail and evidence) and
the export package (zip), built on request and handed out as a signed link."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from omnigen.api.access import readable_job, record_action, verify_trail
from omnigen.api.deps import CallerDep, Services, ServicesDep
from omnigen.api.problems import ApiError
from omnigen.api.routes_review import version_review
from omnigen.api.routes_versions import version_of
from omnigen.api.schemas_review import VersionReview
from omnigen.compliance.sheet import RuleSheet, rule_sheet
from omnigen.export.compliance_pdf import compliance_pdf
from omnigen.export.package import PackageInput, build_package
from omnigen.job import Job, VersionRecord
from omnigen.keys import JobKeys
from omnigen.review.people import Caller
from omnigen.script import Script
from omnigen.timeline import Timeline

router = APIRouter(tags=["delivery"])


def version_sheet(svc: Services, job: Job, rec: VersionRecord) -> RuleSheet:
    keys = JobKeys(job.user_id, job.job_id)
    vk = keys.version(rec.version)
    assets = svc.ctx.assets
    if not assets.exists(vk.timeline):
        raise ApiError(409, f"version {rec.version} was made before each version kept its timeline; re-compose it")
    report = json.loads(assets.get_bytes(vk.compliance))
    timeline = Timeline.model_validate_json(assets.get_bytes(vk.timeline))
    script = Script.model_validate_json(assets.get_bytes(keys.script))
    return rule_sheet(report, timeline, script, job.brief)


@router.get("/jobs/{job_id}/versions/{k}/rules", response_model=RuleSheet)
def version_rules(svc: ServicesDep, caller: CallerDep, job_id: str, k: int) -> RuleSheet:
    """Every compliance rule checked on version k with pass/fail and its evidence: the major
    statement as spoken and as shown with their times, and what each rule judged."""
    job = readable_job(svc, caller, job_id)
    return version_sheet(svc, job, version_of(job, k))


def _pdf(svc: Services, job: Job, rec: VersionRecord, review: VersionReview) -> bytes:
    """The version's compliance report as a PDF, headed by what identifies it and its approval."""
    sheet = version_sheet(svc, job, rec)
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
    return compliance_pdf(
        sheet, title=f"Compliance report · {job.brief.product.brand_name} v{rec.version}", facts=facts
    )


def _package(svc: Services, caller: Caller, job: Job, rec: VersionRecord) -> str:
    review = version_review(svc, job, rec)
    pdf = _pdf(svc, job, rec, review)
    chain = verify_trail(svc, job.job_id)
    record: dict[str, Any] = review.model_dump(mode="json") | {
        "exported_at": datetime.now(UTC).isoformat(),
        "exported_by": caller.user_id,
        # the trail's end as it stood: anyone holding the package can later check that the
        # job's trail still reaches this hash at this seq (GET /jobs/{id}/audit/verify)
        "audit": {"head_seq": chain.head_seq, "head_hash": chain.head_hash, "intact": chain.intact},
    }
    keys = JobKeys(job.user_id, job.job_id)
    vk = keys.version(rec.version)
    spec = PackageInput(
        keys=keys, version=rec.version, compliance_pdf=pdf, approval=record, content_hash=review.content_hash
    )
    with svc.ctx.scratch(job.job_id) as tmp:
        out = tmp / "package.zip"
        build_package(svc.ctx.assets, spec, out)
        svc.ctx.assets.put_file(vk.package, out, "application/zip")
    record_action(svc, caller, "package.exported", job.job_id, version=rec.version, content_hash=review.content_hash)
    return svc.urls.url(vk.package)


@router.get(
    "/jobs/{job_id}/versions/{k}/compliance.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def version_compliance_pdf(svc: ServicesDep, caller: CallerDep, job_id: str, k: int) -> Response:
    """Version k's compliance report as a printable PDF (the one in the package): every rule with
    pass/fail and its evidence, headed by the content hash and the approval."""
    job = await run_in_threadpool(readable_job, svc, caller, job_id)
    rec = version_of(job, k)
    pdf = await run_in_threadpool(lambda: _pdf(svc, job, rec, version_review(svc, job, rec)))
    name = f"compliance-{job_id}-v{k}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get(
    "/jobs/{job_id}/versions/{k}/package",
    status_code=303,
    response_class=RedirectResponse,
    responses={303: {"description": "the zip, at a link signed for one hour (`Location`)"}},
)
async def version_package(svc: ServicesDep, caller: CallerDep, job_id: str, k: int) -> RedirectResponse:
    """Version k's delivery zip: MP4, captions (WebVTT and SRT), poster, script, the compliance
    report as a PDF listing every rule with its evidence, the QC report, the timeline, the
    approval record and a manifest of SHA-256s. Built now; answered with a signed link to it."""
    job = await run_in_threadpool(readable_job, svc, caller, job_id)
    rec = version_of(job, k)
    url = await run_in_threadpool(_package, svc, caller, job, rec)
    return RedirectResponse(url, status_code=303)
