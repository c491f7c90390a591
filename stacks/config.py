"""Every name and setting of the deployment in one place.

Values come from `cdk.json` context (override with `cdk deploy -c key=value`); the defaults here
are what a first deployment should use. Plain Python: the tests and the Lambdas' environment
read the same names without importing the CDK.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from omnigen.store import tables
from omnigen.video_models import DEFAULT_END_FRAME_MODEL, END_FRAME_KEY, UnknownVideoModel, VideoSetupError, video_setup

ROOT = Path(__file__).resolve().parents[1]
LAYER_SOURCE = ROOT / "layers" / "core" / "python"
BUILD_DIR = ROOT / "build"
WEB_DIST = ROOT / "frontend" / "dist"

APP_NAME = "OmniGen"
SERVICE = "omnigen"
METRICS_NAMESPACE = "OmniGen"
API_PREFIX = "/api/v1"
WEBHOOK_PATH = "webhooks/replicate"

# Table indexes and attributes: the store adapters' own names (omnigen.store.tables).
JOBS_BY_USER = tables.JOBS_BY_USER
JOBS_UNFINISHED = tables.JOBS_UNFINISHED
CONNECTIONS_BY_JOB = tables.CONNECTIONS_BY_JOB
TTL_ATTRIBUTE = tables.TTL_ATTRIBUTE

# Third-party packages: lambdas/requirements.txt (the layer of the zip Lambdas) and
# lambdas/media/requirements.txt (the container image: those plus ffmpeg, eSpeak NG and fonts).
LAYER_REQUIREMENTS = ROOT / "lambdas" / "requirements.txt"
LAMBDA_PLATFORM = "manylinux2014_x86_64"
LAMBDA_PYTHON = "3.11"

# The steps each Lambda runs. Media steps need ffmpeg, so they run in the container image.
MEDIA_STEPS = ("make_keyframes", "render_scene", "make_music", "make_voiceover", "compose")
ZIP_STEPS = ("write_script", "finalize", "fail_job", "reconcile")


@dataclass(frozen=True)
class TableNames:
    jobs: str = "omnigen-jobs"
    kv: str = "omnigen-idempotency"
    connections: str = "omnigen-connections"
    usage: str = "omnigen-usage"


@dataclass(frozen=True)
class Settings:
    """Context keys in cdk.json are these field names in camelCase (`maxConcurrentScenes`, …)."""

    providers: str = "script=replicate,video=replicate,music=replicate,voice=replicate"
    script_model: str = "openai/gpt-4o"
    video_model: str = "kwaivgi/kling-v2.5-turbo-pro"
    video_model_end_frame: str = DEFAULT_END_FRAME_MODEL
    """The end-frame companion (`omnigen.video_models.VideoSetup`): renders the takes that end on
    the next keyframe when `video_model` has no end-frame input; "none" turns it off."""
    music_model: str = "minimax/music-2.6"
    voice_model: str = "minimax/speech-02-hd"
    max_concurrent_scenes: int = 12
    log_retention_days: int = 30
    asset_retention_days: int = 30
    """Days before intermediate assets (uploads, per-line voice takes) expire."""
    web_origins: tuple[str, ...] = ()
    """Extra origins allowed by CORS (the CloudFront domain is always allowed), e.g. a dev server."""
    cognito_domain_prefix: str = ""
    """Hosted UI domain prefix; empty derives one from the account and region."""
    alarm_email: str = ""
    quota_jobs_per_month: str = "200"
    """Jobs each user may start per calendar month (UTC); "off" for no limit."""
    quota_usd_per_month: str = "500"
    """Model spend each user may run up per calendar month (USD); "off" for no limit."""
    api_rate_limit: float = 20.0
    api_burst_limit: int = 40
    """The REST and WebSocket stages' default throttle (requests/s, burst)."""
    webhook_rate_limit: float = 50.0
    webhook_burst_limit: int = 100
    """Replicate's open callback route, throttled on its own: a flood of it cannot starve the API,
    and the API's users cannot starve Replicate's deliveries."""
    health_rate_limit: float = 5.0
    health_burst_limit: int = 10
    """The open health check, on its own small throttle."""
    step_heartbeat_s: int = 300
    step_timeout_s: int = 1800
    execution_timeout_s: int = 3 * 3600
    media_memory_mb: int = 3008
    """3,008 MB is the most a new account may give a function until its quota is raised
    (docs/deploy.md); up to 10,240 MB once it is (more vCPUs: faster composes)."""
    media_ephemeral_mb: int = 10240
    media_reserved_concurrency: int = 30
    """Concurrent media invocations at most (0: unreserved). Needs the account's unreserved
    concurrency to stay at or above its minimum (100 on a default account)."""
    layer_dependencies: bool = True
    """False builds the layer from omnigen's source alone (offline synth in tests)."""
    tables: TableNames = field(default_factory=TableNames)

    def __post_init__(self) -> None:
        """A video model the adapter has no description of, or a companion that cannot serve it,
        is refused at synth, not at the first scene (`omnigen.video_models`: its inputs would be
        guesses, or the clip plan would not hold for both)."""
        try:
            video_setup({"video": self.video_model, END_FRAME_KEY: self.video_model_end_frame})
        except UnknownVideoModel as err:
            raise ValueError(f"cdk.json context videoModel: {err}") from None
        except VideoSetupError as err:
            raise ValueError(f"cdk.json context videoModelEndFrame: {err}") from None

    @classmethod
    def from_context(cls, get: Callable[[str], Any]) -> Settings:
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "tables":
                continue
            raw = get(_camel(f.name))
            if raw is None:
                continue
            default = getattr(cls(), f.name)
            values[f.name] = _coerce(f.name, raw, default)
        return cls(**values)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _coerce(name: str, raw: Any, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            items = raw if isinstance(raw, list) else str(raw).split(",")
            return tuple(str(i).strip() for i in items if str(i).strip())
        return str(raw)
    except (TypeError, ValueError):
        raise ValueError(f"cdk.json context {_camel(name)}={raw!r} is not a valid {type(default).__name__}") from None
