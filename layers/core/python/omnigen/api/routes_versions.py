"""Rendered versions: each with its own output, poster, captions, compliance and QC reports, and
the job's latest QC check (beside `GET /jobs/{id}/compliance`, the latest compliance check)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter

from omnigen.api.access import readable_job
from omnigen.api.deps import CallerDep, Services, ServicesDep
from omnigen.api.problems import ApiError
from omnigen.api.schemas import VersionView
from omnigen.job import Job, VersionRecord
from omnigen.keys import JobKeys
from omnigen.review.state import ReviewState, fold
from omnigen.review.trail import job_stream

router = APIRouter(tags=["versions"])


def version_urls(svc: Services, record: VersionRecord) -> dict[str, str]:
    """The version's artefacts that exist, signed for one hour."""
    return {name: svc.urls.url(key) for name, key in record.assets.items() if svc.ctx.assets.exists(key)}


def _view(svc: Services, record: VersionRecord, state: ReviewState | None) -> VersionView:
    status, open_comments = "pending", 0
    if state is not None:
        latest = state.approval(record.version) or state.latest(record.version)
        status = latest.decision if latest else "pending"
        open_comments = state.open_count(record.version)
    return VersionView(
        **record.model_dump(), urls=version_urls(svc, record), review_status=status, open_comments=open_comments
    )


def _state(svc: Services, job_id: str) -> ReviewState | None:
    return fold(svc.ctx.audit.entries(job_stream(job_id))) if svc.ctx.audit is not None else None


def version_of(job: Job, k: int) -> VersionRecord:
    found = next((v for v in job.versions if v.version == k), None)
    if found is None:
        made = ", ".join(str(v.version) for v in job.versions) or "none yet"
        raise ApiError(404, f"job {job.job_id} has no version {k} (versions made: {made})")
    return found


def stored_report(svc: Services, key: str, missing: str) -> dict[str, Any]:
    """A stored JSON report, or a 404 that says `missing`."""
    if not svc.ctx.assets.exists(key):
        raise ApiError(404, missing)
    return json.loads(svc.ctx.assets.get_bytes(key))  # type: ignore[no-any-return]


@router.get("/jobs/{job_id}/versions", response_model=list[VersionView])
def list_versions(svc: ServicesDep, caller: CallerDep, job_id: str) -> list[VersionView]:
    """Every rendered version, oldest first, with its artefacts' URLs and its checks' summaries."""
    versions = readable_job(svc, caller, job_id).versions
    state = _state(svc, job_id)
    return [_view(svc, v, state) for v in versions]


@router.get("/jobs/{job_id}/versions/{k}", response_model=VersionView)
def get_version(svc: ServicesDep, caller: CallerDep, job_id: str, k: int) -> VersionView:
    return _view(svc, version_of(readable_job(svc, caller, job_id), k), _state(svc, job_id))


@router.get("/jobs/{job_id}/versions/{k}/qc", response_model=dict[str, Any])
def version_qc(svc: ServicesDep, caller: CallerDep, job_id: str, k: int) -> dict[str, Any]:
    """Version k's QC report: findings (rule, severity, scene, start_s, end_s, message, source) and
    what was measured (text read per item, contrast, loudness, true peak, track lengths)."""
    record = version_of(readable_job(svc, caller, job_id), k)
    return stored_report(svc, record.assets["qc"], f"version {k}'s QC report does not exist")


@router.get("/jobs/{job_id}/versions/{k}/compliance", response_model=dict[str, Any])
def version_compliance(svc: ServicesDep, caller: CallerDep, job_id: str, k: int) -> dict[str, Any]:
    record = version_of(readable_job(svc, caller, job_id), k)
    return stored_report(svc, record.assets["compliance"], f"version {k}'s compliance report does not exist")


@router.get("/jobs/{job_id}/qc", response_model=dict[str, Any])
def latest_qc(svc: ServicesDep, caller: CallerDep, job_id: str) -> dict[str, Any]:
    """The job's latest QC check: the newest version's, or a refused compose's (`made: false`)."""
    job = readable_job(svc, caller, job_id)
    missing = f"job {job_id} has no QC report yet: it is written when compose renders the ad"
    return stored_report(svc, JobKeys(job.user_id, job_id).qc, missing)
