"""Review: the caller and their roles, sharing a job with reviewers, comments pinned to a version's
time range, decisions bound to the version's content hash, and the audit trail (view, export)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from omnigen.api.access import readable_job, record_action, review_state, trail, verify_trail
from omnigen.api.deps import CallerDep, Services, ServicesDep, UserDep, own_job
from omnigen.api.problems import ApiError
from omnigen.api.routes_versions import version_of
from omnigen.api.schemas_review import (
    AuditTrail,
    CommentRequest,
    Comments,
    DecisionRequest,
    Me,
    ResolveRequest,
    ReviewerRequest,
    Reviewers,
    VersionReview,
)
from omnigen.job import Job, VersionRecord
from omnigen.keys import JobKeys
from omnigen.pipeline import delivery
from omnigen.review.approval import DecisionRefused, check_decision, checks_of
from omnigen.review.chain import ChainReport, verify
from omnigen.review.people import Caller
from omnigen.review.state import Comment, DecisionRecord, ReviewState
from omnigen.review.trail import job_stream, reviewer_stream
from omnigen.store.ports import parse_entries
from omnigen.timeline import Timeline

router = APIRouter(tags=["review"])


@router.get("/me", response_model=Me)
def me(svc: ServicesDep, caller: CallerDep) -> Me:
    """Who the server takes the caller for, and their roles (the web app shows what they may do)."""
    return Me(
        user_id=caller.user_id,
        name=caller.display,
        roles=sorted(caller.roles),
        allow_self_approval=svc.ctx.settings.allow_self_approval,
    )


# -- sharing -------------------------------------------------------------------------------------


@router.get("/jobs/{job_id}/reviewers", response_model=Reviewers)
def list_reviewers(svc: ServicesDep, caller: CallerDep, job_id: str) -> Reviewers:
    readable_job(svc, caller, job_id)
    return Reviewers(job_id=job_id, reviewers=sorted(review_state(svc, job_id).reviewers))


@router.post("/jobs/{job_id}/reviewers", status_code=201, response_model=Reviewers)
def add_reviewer(svc: ServicesDep, user: UserDep, job_id: str, req: ReviewerRequest) -> Reviewers:
    """Share the job with a reviewer: they see it (and only the jobs shared with them), comment
    and decide on its versions, and cannot change it."""
    own_job(svc, user, job_id)
    if req.user_id == user:
        raise ApiError(422, "you own this job already; share it with someone else")
    if req.user_id not in review_state(svc, job_id).reviewers:
        record_action(svc, user, "reviewer.added", job_id, user_id=req.user_id)
        record_action(svc, user, "reviewer.added", job_id, stream=reviewer_stream(req.user_id), user_id=req.user_id)
    return Reviewers(job_id=job_id, reviewers=sorted(review_state(svc, job_id).reviewers))


@router.delete("/jobs/{job_id}/reviewers/{reviewer}", response_model=Reviewers)
def remove_reviewer(svc: ServicesDep, user: UserDep, job_id: str, reviewer: str) -> Reviewers:
    own_job(svc, user, job_id)
    if reviewer not in review_state(svc, job_id).reviewers:
        raise ApiError(404, f"job {job_id} is not shared with {reviewer}")
    record_action(svc, user, "reviewer.removed", job_id, user_id=reviewer)
    return Reviewers(job_id=job_id, reviewers=sorted(review_state(svc, job_id).reviewers))


# -- comments ------------------------------------------------------------------------------------


def check_comment(svc: Services, job: Job, rec: VersionRecord, req: CommentRequest, state: ReviewState) -> None:
    """422 when the comment points past the version's end, at an item it lacks, or at a parent
    comment of another version."""
    end = rec.duration_s + 0.05
    errors = [
        {"field": f, "message": f"the version is {rec.duration_s:.2f} s long"}
        for f, v in (("at_s", req.at_s), ("end_s", req.end_s))
        if v is not None and v > end
    ]
    if req.item is not None:
        key = rec.assets.get("timeline") or JobKeys(job.user_id, job.job_id).version(rec.version).timeline
        part, _, index = req.item.partition(".")
        items = 0
        if svc.ctx.assets.exists(key):
            items = len(getattr(Timeline.model_validate_json(svc.ctx.assets.get_bytes(key)), part))
        if int(index) >= items:
            errors.append({"field": "item", "message": f"version {rec.version} has no {req.item}"})
    if req.parent_id is not None and req.parent_id not in {c.comment_id for c in state.shown(rec.version)}:
        errors.append({"field": "parent_id", "message": f"version {rec.version} has no comment {req.parent_id}"})
    if errors:
        raise ApiError(422, "the comment does not fit this version", errors)


def add_comment(
    svc: Services, job: Job, rec: VersionRecord, req: CommentRequest, actor: Caller | str, actor_name: str = ""
) -> Comment:
    """The one way a comment is made (by a signed-in user or through a share link)."""
    state = review_state(svc, job.job_id)
    check_comment(svc, job, rec, req, state)
    comment_id = uuid.uuid4().hex[:12]
    record_action(
        svc,
        actor,
        "comment.added",
        job.job_id,
        version=rec.version,
        actor_name=actor_name,
        comment_id=comment_id,
        at_s=req.at_s,
        end_s=req.end_s,
        item=req.item,
        text=req.text,
        parent_id=req.parent_id,
    )
    return review_state(svc, job.job_id).comments[comment_id]


def comments_of(svc: Services, job_id: str, version: int) -> Comments:
    state = review_state(svc, job_id)
    return Comments(job_id=job_id, version=version, open=state.open_count(version), items=state.threads(version))


@router.get("/jobs/{job_id}/versions/{k}/comments", response_model=Comments)
def list_comments(svc: ServicesDep, caller: CallerDep, job_id: str, k: int) -> Comments:
    """Version k's comment threads, in order of their place on the ad's clock, replies nested."""
    version_of(readable_job(svc, caller, job_id), k)
    return comments_of(svc, job_id, k)


@router.post("/jobs/{job_id}/versions/{k}/comments", status_code=201, response_model=Comment)
def post_comment(svc: ServicesDep, caller: CallerDep, job_id: str, k: int, req: CommentRequest) -> Comment:
    job = readable_job(svc, caller, job_id)
    return add_comment(svc, job, version_of(job, k), req, caller)


@router.post("/jobs/{job_id}/versions/{k}/comments/{comment_id}/resolve", response_model=Comment)
def resolve_comment(
    svc: ServicesDep, caller: CallerDep, job_id: str, k: int, comment_id: str, req: ResolveRequest | None = None
) -> Comment:
    """Mark a comment resolved (or, with `{"resolved": false}`, open again)."""
    version_of(readable_job(svc, caller, job_id), k)
    comment = next((c for c in review_state(svc, job_id).shown(k) if c.comment_id == comment_id), None)
    if comment is None:
        raise ApiError(404, f"version {k} has no comment {comment_id}")
    resolved = True if req is None else req.resolved
    if comment.resolved != resolved:
        action = "comment.resolved" if resolved else "comment.reopened"
        record_action(svc, caller, action, job_id, version=k, comment_id=comment_id)
    return next(c for c in review_state(svc, job_id).shown(k) if c.comment_id == comment_id)


# -- decisions -----------------------------------------------------------------------------------


def version_review(svc: Services, job: Job, rec: VersionRecord) -> VersionReview:
    return delivery.version_review(svc.ctx, job, rec, review_state(svc, job.job_id))


@router.get("/jobs/{job_id}/versions/{k}/review", response_model=VersionReview)
def get_review(svc: ServicesDep, caller: CallerDep, job_id: str, k: int) -> VersionReview:
    job = readable_job(svc, caller, job_id)
    return version_review(svc, job, version_of(job, k))


@router.post(
    "/jobs/{job_id}/versions/{k}/decision",
    status_code=201,
    response_model=DecisionRecord,
    responses={
        403: {"description": "not a reviewer, or approving a version of one's own job"},
        409: {
            "description": "already approved, files changed since rendering, errors without an override, or "
            "(approving) an audit trail that does not verify"
        },
    },
)
def decide(svc: ServicesDep, caller: CallerDep, job_id: str, k: int, req: DecisionRequest) -> DecisionRecord:
    """Approve, request changes or reject version k, with a reason. An approval binds to the
    version's content hash and is final; a version with compliance or QC errors can be approved
    only when its compose recorded the override, and then with `override` saying why."""
    job = readable_job(svc, caller, job_id)
    rec = version_of(job, k)
    review = version_review(svc, job, rec)
    chain = verify_trail(svc, job_id)
    if req.decision == "approved" and chain.first_broken is not None:
        raise ApiError(  # an approval recorded on a rewritten trail could never be proven
            409,
            f"the audit trail of job {job_id} does not verify ({chain.first_broken.reason}); "
            "restore it before approving (GET /jobs/{id}/audit/verify)",
        )
    try:
        check_decision(
            caller=caller,
            owner=job.user_id,
            version=k,
            decision=req.decision,
            override=req.override,
            state=review_state(svc, job_id),
            recorded_hash=review.recorded_hash,
            current_hash=review.content_hash,
            checks=checks_of(rec),
            allow_self_approval=svc.ctx.settings.allow_self_approval,
        )
    except DecisionRefused as err:
        raise ApiError(err.status, err.message) from None
    override = req.override.strip() if req.override and review.compliance_errors + review.qc_errors else None
    entry = record_action(
        svc,
        caller,
        "decision.recorded",
        job_id,
        version=k,
        content_hash=review.content_hash,
        decision=req.decision,
        reason=req.reason,
        override=override,
        errors={"compliance": review.compliance_errors, "qc": review.qc_errors},
    )
    assert entry is not None  # review_state above needed the trail
    return next(d for d in review_state(svc, job_id).decisions if d.seq == entry.seq)


# -- audit trail ---------------------------------------------------------------------------------


@router.get("/jobs/{job_id}/audit", response_model=AuditTrail)
def audit(svc: ServicesDep, caller: CallerDep, job_id: str) -> AuditTrail:
    """Every recorded action on the job, oldest first: who, when, what, which version and hash."""
    readable_job(svc, caller, job_id)
    return AuditTrail(job_id=job_id, items=trail(svc).entries(job_stream(job_id)))


@router.get("/jobs/{job_id}/audit/verify", response_model=ChainReport)
def verify_audit(svc: ServicesDep, caller: CallerDep, job_id: str) -> ChainReport:
    """Check the trail's hash chain: every entry present, numbered 1…n and sealed to the one
    before. `intact`, or the first broken entry and why (edited, deleted, overwritten); compare
    `head_hash` with the one an earlier export or package recorded to see it was not cut short."""
    readable_job(svc, caller, job_id)
    return verify_trail(svc, job_id)


AUDIT_COLUMNS = ("seq", "at", "actor", "actor_name", "action", "version", "content_hash", "detail", "hash")


@router.get(
    "/jobs/{job_id}/audit/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
def export_audit(
    svc: ServicesDep,
    caller: CallerDep,
    job_id: str,
    format: Annotated[Literal["csv", "jsonl"], Query()] = "csv",
) -> Response:
    """The audit trail as a file: CSV (one row per entry, `detail` as JSON) or JSON Lines, each
    entry with its chain `hash`; the `X-Audit-Head` header carries the last entry's hash and
    `X-Audit-Intact` whether the whole chain verified when it was exported."""
    readable_job(svc, caller, job_id)
    stream = job_stream(job_id)
    stored = trail(svc).stored(stream)  # one read: the entries and the head they end at
    report, entries = verify(stream, stored), parse_entries(stream, stored)
    if format == "jsonl":
        body, media = "".join(e.model_dump_json() + "\n" for e in entries), "application/x-ndjson"
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(AUDIT_COLUMNS)
        for e in entries:
            writer.writerow(
                [e.seq, e.at.isoformat(), e.actor, e.actor_name, e.action, e.version or "", e.content_hash or "",
                 json.dumps(e.detail, sort_keys=True), e.hash]
            )  # fmt: skip
        body, media = out.getvalue(), "text/csv"
    name = f"omnigen-audit-{job_id}.{format}"
    broken = report.first_broken
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Audit-Head": report.head_hash,
        "X-Audit-Intact": "true" if broken is None else f"false; first broken entry {broken.seq}",
    }
    return Response(body, media_type=media, headers=headers)
