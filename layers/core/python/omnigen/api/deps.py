"""The services a route may use, held on `app.state` and reached through FastAPI dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from omnigen.api.auth import Authenticator
from omnigen.api.feed import ChangeFeed
from omnigen.api.problems import ApiError
from omnigen.job import Job, JobStatus
from omnigen.keys import JobKeys
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.launchers import Launcher
from omnigen.review.people import Caller
from omnigen.store.ports import AssetUrls, KeyValue, UsageStore


@dataclass
class Services:
    ctx: StepContext
    launcher: Launcher
    auth: Authenticator
    urls: AssetUrls
    feed: ChangeFeed
    kv: KeyValue
    webhook: Any = None
    """Replicate webhook handling (verifier + waiter), when Replicate providers are configured."""
    loopback_only: bool = False
    """Serving on loopback without login: only loopback host names are answered (DNS rebinding)."""


# Both dependencies below are `async def` although they await nothing: FastAPI runs a plain `def`
# dependency on the thread pool, and every such hop waits for the event loop to take the result
# back, which on a server busy with hundreds of progress streams was most of a request's time.
# Neither blocks: `services` reads an attribute and the authenticators compare a token or verify
# a JWT signature in memory (the JWKS is fetched once per key rotation, and only on AWS, where
# Mangum gives each Lambda invocation one request and the loop has nothing else to serve).


async def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(services)]


def authorizer_claims(request: Request) -> dict[str, Any] | None:
    """API Gateway's Cognito authorizer claims (`requestContext.authorizer.claims` of the REST
    proxy event Mangum hands over), or None off AWS."""
    event = request.scope.get("aws.event")
    if not isinstance(event, dict):
        return None
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims")
    return claims if isinstance(claims, dict) else None


async def current_caller(
    request: Request, svc: ServicesDep, authorization: Annotated[str | None, Header()] = None
) -> Caller:
    return svc.auth.caller(authorization, authorizer_claims(request))


CallerDep = Annotated[Caller, Depends(current_caller)]


async def current_user(caller: CallerDep) -> str:
    """The caller as a creator: making and editing ads is theirs; a reviewer gets a 403."""
    if not caller.creator:
        raise ApiError(403, "reviewers can read, comment on and decide on the jobs shared with them, not change them")
    return caller.user_id


UserDep = Annotated[str, Depends(current_user)]


def own_job(svc: Services, user: str, job_id: str) -> Job:
    """The caller's job; another user's job, or a deleted one, answers 404 like a missing one."""
    job = svc.ctx.jobs.get(job_id) if len(job_id) <= 64 else None
    if job is None or job.user_id != user or job.deleted_at is not None:
        raise ApiError(404, f"no job {job_id}")
    return job


def editable(svc: Services, user: str, job_id: str) -> Job:
    """The caller's job once it has a draft to edit (a finished ad)."""
    job = own_job(svc, user, job_id)
    has_draft = job.draft is not None or svc.ctx.assets.exists(JobKeys(user, job_id).timeline)
    if not has_draft and job.status != JobStatus.COMPLETED:
        raise ApiError(409, f"job {job_id} is still {job.status.value}; edit it once it has a timeline")
    return job


def usage_store(svc: Services) -> UsageStore:
    if svc.ctx.usage is None:
        raise ApiError(503, "this deployment records no usage: set OMNIGEN_USAGE_TABLE (AWS) or use the local store")
    return svc.ctx.usage
