"""The FastAPI application: the same app behind uvicorn locally and behind Mangum on AWS.

`create_app(services)` only wires routes to the services it is given; `local_services()` builds
the embedded default (SQLite, disk, worker processes, HMAC-signed URLs) and `aws.aws_services()`
the AWS one (DynamoDB, S3, Step Functions, presigned URLs, Cognito).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from omnigen import __version__
from omnigen.api import (
    openapi_doc,
    problems,
    routes_assets,
    routes_delivery,
    routes_editing,
    routes_jobs,
    routes_library,
    routes_misc,
    routes_progress,
    routes_review,
    routes_share,
    routes_versions,
)
from omnigen.api.auth import Authenticator, LocalUserAuth, StaticTokenAuth, UsersFileAuth
from omnigen.api.body_limit import BodyLimit
from omnigen.api.deps import Services
from omnigen.api.docs import install_docs
from omnigen.api.feed import ChangeFeed, NotifyingJobStore
from omnigen.api.finite_json import FiniteJson
from omnigen.api.hosts import HostGuard, is_loopback
from omnigen.api.security_headers import SecurityHeaders
from omnigen.api.signing import UrlSigner, load_or_create_secret
from omnigen.config import ConfigError, Settings
from omnigen.pipeline.launchers import Launcher
from omnigen.pipeline.launchers.processes import ProcessRunner
from omnigen.pipeline.launchers.threads import LocalRunner
from omnigen.review.people import UsersFile, UsersFileError, parse_users

API = "/api/v1"
MAX_JSON_BYTES = 1024 * 1024
WEB_DIR = Path(__file__).resolve().parents[5] / "frontend" / "dist"


def create_app(services: Services, web_dir: Path | None = WEB_DIR) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        services.launcher.close()  # local worker processes end with the server

    app = FastAPI(
        lifespan=lifespan,
        title="OmniGen API",
        version=__version__,
        description="Turn a prescription-drug brief into a compliant video ad, with live progress.",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,  # served by `install_docs`, with their assets from this server
        redoc_url=None,
    )
    app.state.services = services
    problems.install(app)
    install_docs(app, API)
    openapi_doc.document(app)

    # Starlette runs the last added outermost: hosts are checked first, every response gets the
    # security headers, and the finite-number check reads a body BodyLimit has already bounded.
    app.add_middleware(FiniteJson)
    app.add_middleware(
        BodyLimit,
        max_bytes=MAX_JSON_BYTES,
        exempt=_is_upload,  # image uploads have their own 10 MB limit, checked as they stream in
        detail="the request body is larger than 1 MB",
    )
    app.add_middleware(SecurityHeaders, api_prefix=API, docs_paths=(f"{API}/docs", f"{API}/redoc"))
    # configured by the services the app serves with (see hosts.py)
    app.add_middleware(HostGuard, exempt=(f"{API}/webhooks/",))

    for module in (
        routes_jobs,
        routes_versions,
        routes_review,
        routes_delivery,
        routes_share,
        routes_editing,
        routes_library,
        routes_progress,
        routes_assets,
        routes_misc,
    ):
        app.include_router(module.router, prefix=API)

    @app.get("/config.json", include_in_schema=False)
    def web_config() -> JSONResponse:
        return JSONResponse({"mode": "local", "apiBase": API, "wsUrl": None, "cognito": None})

    if web_dir is not None and (web_dir / "index.html").is_file():
        app.mount("/", StaticFiles(directory=web_dir, html=True), name="web")
    return app


def _is_upload(scope: Scope) -> bool:
    return bool(scope["method"] == "PUT" and scope["path"].startswith(f"{API}/uploads/"))


def load_users(path: Path) -> UsersFile:
    """The users file, checked at start: a missing or wrong one stops the server, naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"OMNIGEN_USERS_FILE={path} cannot be read: {err.strerror}") from None
    try:
        return parse_users(text, f"OMNIGEN_USERS_FILE={path}")
    except UsersFileError as err:
        raise ConfigError(str(err)) from None


def local_auth(settings: Settings, host: str) -> Authenticator:
    """Named users from the users file when one is configured; else the loopback single user, or
    beyond loopback the one shared token."""
    if settings.users_file is not None:
        return UsersFileAuth(load_users(settings.users_file))
    return LocalUserAuth() if is_loopback(host) else StaticTokenAuth(settings.api_token or "")


def local_services(settings: Settings, host: str = "127.0.0.1") -> Services:
    """The embedded default. Beyond loopback a bearer token is required (checked at start)."""
    from omnigen.pipeline.context import local_context
    from omnigen.store.sqlite import SqliteJobStore

    store = SqliteJobStore(settings.db_path)
    ctx = local_context(settings, store)
    feed = ChangeFeed()
    notifying = NotifyingJobStore(store, feed)
    ctx.jobs = notifying
    auth = local_auth(settings, host)
    signer = UrlSigner(
        load_or_create_secret(settings.home, settings.asset_url_secret), f"{API}/assets/", f"{API}/uploads/"
    )
    webhook = None
    if settings.providers.uses("replicate") and settings.webhook_url:
        from omnigen.providers.replicate.webhook_receiver import WebhookReceiver

        webhook = WebhookReceiver.from_settings(settings)
    # Jobs render in worker processes that report each change, so rendering never competes with
    # the server for its interpreter. With Replicate's webhooks they run on this process's
    # threads instead: a webhook wakes the prediction waiting for it inside the receiving
    # process (and with remote models the job's threads mostly wait rather than compute).
    launcher: Launcher
    if webhook is not None:
        launcher = LocalRunner(ctx, max_jobs=settings.max_concurrent_jobs)
    else:
        launcher = ProcessRunner(ctx, settings.max_concurrent_jobs, notifying.changed)
    return Services(
        ctx=ctx,
        launcher=launcher,
        auth=auth,
        urls=signer,
        feed=feed,
        kv=store,
        webhook=webhook,
        loopback_only=is_loopback(host),
    )
