"""Settings from the environment, checked at start: a wrong setting stops the program with its name,
never half-way through a job.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from omnigen.usage import Quota
from omnigen.video_models import END_FRAME_KEY, UnknownVideoModel, VideoSetup, VideoSetupError, video_setup

ProviderKind = Literal["local", "replicate"]
CAPABILITIES = ("script", "video", "music", "voice")
MODEL_KEYS = (*CAPABILITIES, END_FRAME_KEY)
"""The configurable models: one per capability, and the video model's end-frame companion
(each read from OMNIGEN_MODEL_<KEY>: OMNIGEN_MODEL_VIDEO_END_FRAME for the companion)."""


class ConfigError(ValueError):
    """A setting is missing or wrong; the message names it and says what is accepted."""


class ProviderSpec(BaseModel):
    script: ProviderKind = "local"
    video: ProviderKind = "local"
    music: ProviderKind = "local"
    voice: ProviderKind = "local"

    def uses(self, kind: str) -> bool:
        return kind in (self.script, self.video, self.music, self.voice)

    def __str__(self) -> str:
        kinds = {self.script, self.video, self.music, self.voice}
        if len(kinds) == 1:
            return next(iter(kinds))
        return ",".join(f"{c}={getattr(self, c)}" for c in CAPABILITIES)


REMOTE_SCENE_SLOTS = 12
"""Scenes at a time on Replicate: every scene of a 60 s ad (the writers plan at most ~10 s a
scene) starts at once, with its keyframe. One 60 s job creates some 60 predictions (scenes,
keyframes, one per voice line, music, script) in its first minutes, far under Replicate's limit
of 600 creates a minute (replicate.com/docs/topics/predictions/rate-limits, read 2026-12-01);
a 429 past it is retried after its Retry-After by the client, never a blind re-create."""
LOCAL_SCENE_SLOTS = 3
"""Offline scenes are ffmpeg renders on this machine's cores: a few at a time is faster."""


def default_scene_slots(spec: ProviderSpec) -> int:
    """OMNIGEN_MAX_CONCURRENT_SCENES when unset: all scenes at once where a model renders them."""
    return REMOTE_SCENE_SLOTS if spec.video == "replicate" else LOCAL_SCENE_SLOTS


def parse_providers(text: str) -> ProviderSpec:
    """`local`, `replicate`, or per capability: `script=replicate,video=replicate,music=local`."""
    text = text.strip()
    if text in ("local", "replicate"):
        return ProviderSpec(**{c: text for c in CAPABILITIES})
    values: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        cap, sep, kind = part.partition("=")
        if not sep or cap not in CAPABILITIES or kind not in ("local", "replicate"):
            raise ConfigError(
                f"OMNIGEN_PROVIDERS: {part!r} is not understood; use 'local', 'replicate' or "
                "per capability like 'script=replicate,video=replicate,music=local,voice=local'"
            )
        values[cap] = kind
    return ProviderSpec(**values)


class Settings(BaseModel):
    home: Path = Path(".omnigen")
    providers: ProviderSpec = Field(default_factory=ProviderSpec)
    replicate_api_token: str | None = None
    replicate_base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    api_token: str | None = None
    allowed_hosts: list[str] = Field(default_factory=list)
    """Host names the loopback server answers besides its loopback names (OMNIGEN_ALLOWED_HOSTS)."""
    allowed_origins: list[str] = Field(default_factory=list)
    """Origins besides the server's own that may open its WebSocket (OMNIGEN_ALLOWED_ORIGINS)."""
    max_concurrent_scenes: int = Field(3, ge=1, le=32)
    max_concurrent_jobs: int = Field(2, ge=1, le=64)
    store: Literal["local", "aws"] = "local"
    jobs_table: str | None = None
    kv_table: str | None = None
    usage_table: str | None = None
    assets_bucket: str | None = None
    state_machine_arn: str | None = None
    asset_url_secret: str | None = None
    quota: Quota = Field(default_factory=Quota)
    """Per-user monthly limits on new jobs (OMNIGEN_QUOTA_JOBS_PER_MONTH, _USD_PER_MONTH)."""
    users_file: Path | None = None
    """Local named users with token hashes and roles (OMNIGEN_USERS_FILE); without it the
    loopback single user (or OMNIGEN_API_TOKEN's) is the only one."""
    allow_self_approval: bool = False
    """OMNIGEN_SELF_APPROVAL=1 lets a reviewer approve a version of their own job."""
    audit_table: str | None = None
    models: dict[str, str] = Field(default_factory=dict)
    """Replicate model per capability when not the default (OMNIGEN_MODEL_SCRIPT, _VIDEO, _MUSIC,
    _VOICE, and _VIDEO_END_FRAME for the end-frame companion, `none` for none): a pinned version
    `owner/name:version`, set by the CDK app from cdk.json context. The video model and its
    companion must be described in `omnigen.video_models` and fit each other (checked at start)."""

    @property
    def db_path(self) -> Path:
        return self.home / "omnigen.db"

    @property
    def assets_dir(self) -> Path:
        return self.home / "assets"

    def require_provider_credentials(self) -> None:
        if self.providers.uses("replicate") and not self.replicate_api_token:
            raise ConfigError(
                "REPLICATE_API_TOKEN is not set, but OMNIGEN_PROVIDERS "
                f"({self.providers}) uses Replicate. Set it to your token from "
                "replicate.com/account/api-tokens, or use OMNIGEN_PROVIDERS=local to run offline."
            )


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number ({lo}..{hi})") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name}={value} is out of range; use {lo}..{hi}")
    return value


def _names(env: Mapping[str, str], name: str) -> list[str]:
    """A comma-separated list setting, lower-cased (host names and origins are case-blind)."""
    return [part.strip().lower() for part in (env.get(name) or "").split(",") if part.strip()]


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name}={raw!r} is not understood; use 1 or 0")


QUOTA_ENV = {
    "jobs_per_month": ("OMNIGEN_QUOTA_JOBS_PER_MONTH", int),
    "usd_per_month": ("OMNIGEN_QUOTA_USD_PER_MONTH", float),
}


def _quota(env: Mapping[str, str]) -> Quota:
    """Each limit: unset keeps the default, `off` is no limit, else a number above 0."""
    limits: dict[str, float | None] = {}
    for field, (name, kind) in QUOTA_ENV.items():
        raw = (env.get(name) or "").strip()
        if not raw:
            continue
        if raw.lower() == "off":
            limits[field] = None
            continue
        try:
            value = kind(raw)
        except ValueError:
            whole = "whole " if kind is int else ""
            raise ConfigError(f"{name}={raw!r} is not a {whole}number; use a limit above 0, or 'off'") from None
        if value <= 0:
            raise ConfigError(f"{name}={raw} must be above 0; use 'off' for no limit")
        limits[field] = value
    return Quota.model_validate(limits)


def check_video_setup(models: Mapping[str, str]) -> VideoSetup:
    """The deployment's video setup; refused, naming the setting, when its video model or
    end-frame companion cannot be used."""
    try:
        return video_setup(models)
    except UnknownVideoModel as err:
        raise ConfigError(f"OMNIGEN_MODEL_VIDEO: {err}") from None
    except VideoSetupError as err:
        raise ConfigError(f"OMNIGEN_MODEL_VIDEO_END_FRAME: {err}") from None


def load_settings(
    env: Mapping[str, str] | None = None, *, need_credentials: bool = True, **overrides: object
) -> Settings:
    """Read and check every setting. `overrides` (from CLI flags) win over the environment."""
    env = os.environ if env is None else env
    providers = overrides.pop("providers", None) or env.get("OMNIGEN_PROVIDERS", "local")
    spec = providers if isinstance(providers, ProviderSpec) else parse_providers(str(providers))
    store = env.get("OMNIGEN_STORE", "local")
    if store not in ("local", "aws"):
        raise ConfigError(f"OMNIGEN_STORE={store!r}: use 'local' (SQLite + disk) or 'aws' (DynamoDB + S3)")
    webhook = env.get("OMNIGEN_WEBHOOK_URL") or None
    if webhook and not webhook.startswith("https://"):
        raise ConfigError("OMNIGEN_WEBHOOK_URL must be a public https:// URL Replicate can reach")
    settings = Settings(
        home=Path(env.get("OMNIGEN_HOME") or ".omnigen").expanduser(),
        providers=spec,
        replicate_api_token=env.get("REPLICATE_API_TOKEN") or None,
        replicate_base_url=env.get("REPLICATE_BASE_URL") or None,
        webhook_url=webhook,
        webhook_secret=env.get("OMNIGEN_WEBHOOK_SECRET") or None,
        api_token=env.get("OMNIGEN_API_TOKEN") or None,
        allowed_hosts=_names(env, "OMNIGEN_ALLOWED_HOSTS"),
        allowed_origins=[o.rstrip("/") for o in _names(env, "OMNIGEN_ALLOWED_ORIGINS")],
        max_concurrent_scenes=_int(env, "OMNIGEN_MAX_CONCURRENT_SCENES", default_scene_slots(spec), 1, 32),
        max_concurrent_jobs=_int(env, "OMNIGEN_MAX_CONCURRENT_JOBS", 2, 1, 64),
        store=store,  # type: ignore[arg-type]
        jobs_table=env.get("OMNIGEN_JOBS_TABLE") or None,
        kv_table=env.get("OMNIGEN_KV_TABLE") or None,
        usage_table=env.get("OMNIGEN_USAGE_TABLE") or None,
        assets_bucket=env.get("OMNIGEN_ASSETS_BUCKET") or None,
        state_machine_arn=env.get("OMNIGEN_STATE_MACHINE_ARN") or None,
        asset_url_secret=env.get("OMNIGEN_ASSET_URL_SECRET") or None,
        quota=_quota(env),
        users_file=Path(env["OMNIGEN_USERS_FILE"]).expanduser() if env.get("OMNIGEN_USERS_FILE") else None,
        allow_self_approval=_flag(env, "OMNIGEN_SELF_APPROVAL"),
        audit_table=env.get("OMNIGEN_AUDIT_TABLE") or None,
        models={c: env[f"OMNIGEN_MODEL_{c.upper()}"] for c in MODEL_KEYS if env.get(f"OMNIGEN_MODEL_{c.upper()}")},
    )
    if overrides:
        settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    for origin in settings.allowed_origins:
        if not origin.startswith(("http://", "https://")) or "/" in origin.split("://", 1)[1]:
            raise ConfigError(
                f"OMNIGEN_ALLOWED_ORIGINS: {origin!r} is not an origin; write it as http(s)://host[:port]"
            )
    check_video_setup(settings.models)
    if settings.store == "aws" and not (settings.jobs_table and settings.assets_bucket):
        raise ConfigError("OMNIGEN_STORE=aws needs OMNIGEN_JOBS_TABLE and OMNIGEN_ASSETS_BUCKET")
    if need_credentials:  # an estimate calls no model, so it may run without a token
        settings.require_provider_credentials()
    return settings
