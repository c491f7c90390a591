"""Delivery of a version: the compliance page's data (every rule with pass/fail and evidence), its
PDF, and the export package (zip), built in the background (`pipeline.delivery`): POST starts a
build (or finds the one for the version as reviewed now) and answers 202 with its status route;
the status says building (stage, progress), ready (with a signed link) or failed (why)."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from omnigen.api.access import readable_job, review_state
from omnigen.api.deps import CallerDep, Services, ServicesDep
from omnigen.api.problems import ApiError
from omnigen.api.routes_review import version_review
from omnigen.api.routes_versions import version_of
from omnigen.api.schemas_review import PackageStatus
from omnigen.compliance.sheet import RuleSheet
from omnigen.job import Job, VersionRecord
from omnigen.pipeline import delivery
from omnigen.review.people import Caller

router = APIRouter(tags=["delivery"])


def version_sheet(svc: Services, job: Job, rec: VersionRecord) -> RuleSheet:
    try:
        return delivery.version_sheet(svc.ctx, job, rec)
    except delivery.NoKeptTimeline as err:
        raise ApiError(409, str(err)) from None


@router.get("/jobs/{job_id}/versions/{k}/rules", response_model=RuleSheet)
def version_rules(svc: ServicesDep, caller: CallerDep, job_id: str, k: int) -> RuleSheet:
    """Every compliance rule checked on version k with pass/fail and its evidence: the major
    statement as spoken and as shown with their times, and what each rule judged."""
    job = readable_job(svc, caller, job_id)
    return version_sheet(svc, job, version_of(job, k))


def _report_pdf(svc: Services, job: Job, rec: VersionRecord) -> bytes:
    try:
        return delivery.report_pdf(svc.ctx, job, rec, version_review(svc, job, rec))
    except delivery.NoKeptTimeline as err:
        raise ApiError(409, str(err)) from None


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
    pdf = await run_in_threadpool(_report_pdf, svc, job, rec)
    name = f"compliance-{job_id}-v{k}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


WAIT_S = 20.0
"""How long the plain GET of a package waits for its build before answering 202 (under API
Gateway's 29 s limit): a small ad's package is ready well within it, and the old link works."""


def _status(svc: Services, request: Request, build: delivery.PackageBuild) -> PackageStatus:
    base = request.url.path.split("/package")[0]
    ready = build.state == "ready" and svc.ctx.assets.exists(build.key)
    return PackageStatus(
        **build.model_dump(),
        status_url=f"{base}/package/builds/{build.build_id}",
        url=svc.urls.url(build.key) if ready else None,
    )


def _request(svc: Services, caller: Caller, job: Job, rec: VersionRecord) -> delivery.PackageBuild:
    review_state(svc, job.job_id)  # the 503 of a deployment without an audit trail
    version_sheet(svc, job, rec)  # the 409 of a version without its timeline, now, not in the build
    build, start = delivery.request_build(svc.ctx, job, rec, caller.user_id)
    if start:
        svc.launcher.package(job.job_id, rec.version, build.build_id)
    return build


def _accepted(status: PackageStatus) -> JSONResponse:
    code = 200 if status.state == "ready" else 202
    headers = {"Location": status.status_url} | ({"Retry-After": "2"} if code == 202 else {})
    return JSONResponse(status.model_dump(mode="json"), status_code=code, headers=headers)


BUILD_RESPONSES: dict[int | str, dict] = {
    200: {"model": PackageStatus, "description": "the package of the version as reviewed now is ready"},
    202: {"model": PackageStatus, "description": "building: poll `Location` (the build's status)"},
    409: {"description": "the version was made before each version kept its timeline"},
}


@router.post(
    "/jobs/{job_id}/versions/{k}/package",
    status_code=202,
    response_model=PackageStatus,
    responses=BUILD_RESPONSES,
)
async def request_package(svc: ServicesDep, caller: CallerDep, request: Request, job_id: str, k: int) -> JSONResponse:
    """Build version k's delivery zip in the background: MP4, captions (WebVTT and SRT), poster,
    script, the compliance report as a PDF listing every rule with its evidence, the QC report,
    the timeline, the approval record (with the audit trail's head hash) and a manifest of
    SHA-256s. One build per version content and decisions: asking again is the same build."""
    job = await run_in_threadpool(readable_job, svc, caller, job_id)
    rec = version_of(job, k)
    build = await run_in_threadpool(_request, svc, caller, job, rec)
    return _accepted(_status(svc, request, build))


@router.get("/jobs/{job_id}/versions/{k}/package/builds/{build_id}", response_model=PackageStatus)
def package_status(
    svc: ServicesDep, caller: CallerDep, request: Request, job_id: str, k: int, build_id: str
) -> PackageStatus:
    """A package build: `building` (its stage and progress), `ready` (`url`: the zip, signed for
    one hour) or `failed` (`error`; POST the package again to retry)."""
    job = readable_job(svc, caller, job_id)
    version_of(job, k)
    build = delivery.read_build(svc.ctx, job, k, build_id) if len(build_id) <= 64 and build_id.isalnum() else None
    if build is None:
        raise ApiError(404, f"version {k} has no package build {build_id}; POST …/versions/{k}/package to start one")
    return _status(svc, request, build)


@router.get(
    "/jobs/{job_id}/versions/{k}/package",
    status_code=303,
    response_class=RedirectResponse,
    responses={
        303: {"description": "the zip, at a link signed for one hour (`Location`)"},
        202: {"model": PackageStatus, "description": "still building after a wait: poll `Location`"},
    },
)
async def version_package(svc: ServicesDep, caller: CallerDep, request: Request, job_id: str, k: int) -> Response:
    """Version k's delivery zip (as POST builds it): a redirect to it once built, waiting up to
    20 s for the build; if it takes longer, 202 with the build's status route to poll."""
    job = await run_in_threadpool(readable_job, svc, caller, job_id)
    rec = version_of(job, k)
    build = await run_in_threadpool(_request, svc, caller, job, rec)
    deadline = time.monotonic() + WAIT_S
    while build.state == "building" and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        build = await run_in_threadpool(delivery.read_build, svc.ctx, job, k, build.build_id) or build
    status = _status(svc, request, build)
    if status.url is not None:
        return RedirectResponse(status.url, status_code=303)
    if status.state == "failed":
        raise ApiError(500, status.error or "building the package failed")
    return _accepted(status)
