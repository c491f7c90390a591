"""Health, cost estimate, monthly usage and Replicate's webhook callback."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request

from omnigen import __version__
from omnigen.api.deps import ServicesDep, UserDep, usage_store
from omnigen.api.problems import ApiError
from omnigen.api.schemas import Health, Usage
from omnigen.brief import Brief
from omnigen.usage import month_of

router = APIRouter(tags=["service"])


@router.get("/health", response_model=Health)
def health(svc: ServicesDep) -> Health:
    return Health(version=__version__, providers=str(svc.ctx.settings.providers))


@router.post("/estimate", response_model=dict[str, Any])
def estimate(svc: ServicesDep, user: UserDep, brief: Brief) -> dict[str, Any]:
    """Cost (USD) and expected time for a brief with the configured providers; `fit` says whether
    its risks fit its length and, when not, the shortest length that fits (`fit.shortest_s`), and
    `warnings` says so in words ("... make it 45 s.")."""
    from omnigen.pipeline.fit import fit
    from omnigen.pricing import estimate as price

    settings = svc.ctx.settings
    found = fit(brief)
    est = price(brief, settings.providers, settings.max_concurrent_scenes, models=settings.models)
    out = est.model_dump(mode="json")
    return out | {"fit": found.model_dump(mode="json"), "warnings": [found.message] if found.message else []}


@router.get("/usage", response_model=Usage)
def usage(svc: ServicesDep, user: UserDep) -> Usage:
    """The caller's jobs, seconds of finished video and cost in this calendar month (UTC), as
    both runners record them when jobs start and end."""
    return usage_store(svc).usage(user, month_of(datetime.now(UTC)))


@router.post(
    "/webhooks/replicate",
    status_code=204,
    responses={
        401: {"description": "bad signature"},
        404: {"description": "this server has no Replicate webhook configured"},
        413: {"description": "the body is larger than 1 MB"},
    },
)
async def replicate_webhook(svc: ServicesDep, request: Request) -> None:
    """Replicate's completion callbacks; the signature is verified before anything is trusted."""
    if svc.webhook is None:
        raise ApiError(404, "this server has no Replicate webhook configured (OMNIGEN_WEBHOOK_URL)")
    body = await request.body()
    if len(body) > 1024 * 1024:
        raise ApiError(413, "webhook body too large")
    svc.webhook.handle(dict(request.headers), body)
