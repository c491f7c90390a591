"""Share links: the owner makes, lists and revokes them; through one, an outside reviewer plays
that one version and reads and writes its comments under a name — and reaches nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from omnigen.api import share_links
from omnigen.api.access import record_action, review_state
from omnigen.api.deps import Services, ServicesDep, UserDep, own_job
from omnigen.api.problems import ApiError
from omnigen.api.routes_review import add_comment, comments_of
from omnigen.api.routes_versions import version_of
from omnigen.api.schemas_review import SharedCommentRequest, SharedVersion, ShareLink, ShareLinkRequest
from omnigen.job import Job, VersionRecord
from omnigen.review.state import Comment

router = APIRouter(tags=["share links"])
SHARED = "/shared"


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@router.post("/jobs/{job_id}/versions/{k}/share", status_code=201, response_model=ShareLink)
def create_link(svc: ServicesDep, user: UserDep, job_id: str, k: int, req: ShareLinkRequest | None = None) -> ShareLink:
    """A signed, expiring, revocable read-only link to version k (playback and comments)."""
    version_of(own_job(svc, user, job_id), k)
    req = req or ShareLinkRequest()
    target, token = share_links.issue(svc, job_id, k, req.expires_in_s)
    record_action(
        svc,
        user,
        "share_link.created",
        job_id,
        version=k,
        link_id=target.link_id,
        expires_at=_at(target.expires_at).isoformat(),
    )
    return ShareLink(
        link_id=target.link_id,
        version=k,
        url=f"/api/v1{SHARED}/{token}",
        token=token,
        expires_at=_at(target.expires_at),
    )


@router.get("/jobs/{job_id}/versions/{k}/share", response_model=list[ShareLink])
def list_links(svc: ServicesDep, user: UserDep, job_id: str, k: int) -> list[ShareLink]:
    """Version k's links (without their tokens, which are shown once, when made)."""
    version_of(own_job(svc, user, job_id), k)
    return [
        ShareLink(link_id=s.link_id, version=k, url="", token="", expires_at=s.expires_at, revoked=s.revoked)
        for s in review_state(svc, job_id).links.values()
        if s.version == k
    ]


def _revoke(svc: Services, user: str, job_id: str, k: int, link_ids: list[str]) -> list[ShareLink]:
    state = review_state(svc, job_id)
    for link_id in link_ids:
        if not state.links[link_id].revoked:
            record_action(svc, user, "share_link.revoked", job_id, version=k, link_id=link_id)
    return list_links(svc, user, job_id, k)


@router.delete("/jobs/{job_id}/versions/{k}/share/{link_id}", response_model=list[ShareLink])
def revoke_link(svc: ServicesDep, user: UserDep, job_id: str, k: int, link_id: str) -> list[ShareLink]:
    version_of(own_job(svc, user, job_id), k)
    link = review_state(svc, job_id).links.get(link_id)
    if link is None or link.version != k:
        raise ApiError(404, f"version {k} has no share link {link_id}")
    return _revoke(svc, user, job_id, k, [link_id])


@router.delete("/jobs/{job_id}/versions/{k}/share", response_model=list[ShareLink])
def revoke_all(svc: ServicesDep, user: UserDep, job_id: str, k: int) -> list[ShareLink]:
    """Revoke every link to version k."""
    version_of(own_job(svc, user, job_id), k)
    links = [s.link_id for s in review_state(svc, job_id).links.values() if s.version == k]
    return _revoke(svc, user, job_id, k, links)


def _shared(svc: Services, token: str) -> tuple[Job, VersionRecord, share_links.LinkTarget]:
    target = share_links.resolve(svc, token)
    job = svc.ctx.jobs.get(target.job_id)
    if job is None:
        raise ApiError(404, "no such review link")
    link = review_state(svc, job.job_id).links.get(target.link_id)
    if link is None:
        raise ApiError(404, "no such review link")
    if link.revoked:
        raise ApiError(410, "this review link was revoked")
    rec = next((v for v in job.versions if v.version == target.version), None)
    if rec is None:
        raise ApiError(404, "no such review link")
    return job, rec, target


@router.get(f"{SHARED}/{{token}}", response_model=SharedVersion, responses={404: {}, 410: {}})
def shared_version(svc: ServicesDep, token: str) -> SharedVersion:
    """What a share link shows: the version's video, poster and captions (links signed until the
    share link expires, at most an hour) and its comments. No sign-in: the token is the key."""
    job, rec, target = _shared(svc, token)
    ttl = max(1, min(3600, int(target.expires_at - datetime.now(UTC).timestamp())))
    urls = {name: svc.urls.url(rec.assets[name], ttl) for name in ("output", "poster", "captions")
            if name in rec.assets and svc.ctx.assets.exists(rec.assets[name])}  # fmt: skip
    return SharedVersion(
        brand_name=job.brief.product.brand_name,
        version=rec.version,
        duration_s=rec.duration_s,
        expires_at=_at(target.expires_at),
        urls=urls,
        comments=comments_of(svc, job.job_id, rec.version).items,
    )


@router.post(f"{SHARED}/{{token}}/comments", status_code=201, response_model=Comment, responses={404: {}, 410: {}})
def shared_comment(svc: ServicesDep, token: str, req: SharedCommentRequest) -> Comment:
    """A comment on the shared version under the name the outside reviewer gives."""
    job, rec, target = _shared(svc, token)
    return add_comment(svc, job, rec, req, f"share:{target.link_id}", req.name)
