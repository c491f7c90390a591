"""The Replicate video models scenes can be rendered on, each described once (pure: no I/O).

A description holds what the adapter, the schedule and the estimate need to know of a model, all
read from its published input schema (tests/fixtures/replicate_schemas/, `_source` says where and
when): its slug, the clip lengths it makes and bills (its `duration` enum), the name of its start-
and end-frame inputs, whether a start frame is required, whether it takes `aspect_ratio`, and the
fixed inputs it needs (Kling v2.1 takes an end frame in `mode: pro` only). The price per second
lives beside every other model's in `omnigen/pricing.yaml`, keyed by the same slug.

    kwaivgi/kling-v2.5-turbo-pro   the default: start frame optional, no end-frame input
    kwaivgi/kling-v2.1             start frame required, `end_image` in pro mode (1080p); the
                                   default end-frame companion of the default model

A deployment's video is a `VideoSetup`: the configured model (OMNIGEN_MODEL_VIDEO) and, when
that model has no end-frame input, an end-frame companion (OMNIGEN_MODEL_VIDEO_END_FRAME, default
Kling v2.1; `none` turns it off) that renders only the takes that must end on the next keyframe.
A companion must take an end frame and make the configured model's clip lengths, so the one clip
plan holds for both. With an end frame available (the model's own or the companion's),
continuity `keyframes` (and `auto`) renders every take at once, each starting on its keyframe
and ending on the next one where the cut must match; without one, the keyframes hybrid chains
the continuous cuts (`omnigen.schedule`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict


def fit_clip(grid: tuple[int, ...], seconds: float) -> int:
    """The clip length to ask for: the shortest on `grid` that covers `seconds`; a longer scene
    still gets the longest (the timeline holds the clip's last frame for the rest)."""
    return next((g for g in sorted(grid) if g >= seconds - 1e-6), max(grid))


class VideoModel(BaseModel):
    """One video model as its published schema describes it."""

    model_config = ConfigDict(frozen=True)

    slug: str
    """`owner/name` on Replicate (a deployment may pin `owner/name:version` of it)."""
    clip_seconds: tuple[int, ...]
    """The clip lengths it makes, billed on the length asked (its `duration` enum)."""
    start_input: str = "start_image"
    start_required: bool = False
    """Its schema requires a start frame: every scene that does not start on the previous one's
    last frame starts on a keyframe, whatever the continuity."""
    end_input: str | None = None
    """The input that takes the clip's last frame, or None when its schema has none."""
    aspect_input: str | None = None
    """The input that takes the ad's aspect ratio, or None (the clip follows the start frame)."""
    extras: dict[str, str] = {}
    """Inputs sent with every clip (their values from the schema's enums)."""
    note: str = ""

    @property
    def end_frame(self) -> bool:
        return self.end_input is not None

    def clip_for(self, seconds: float) -> int:
        return fit_clip(self.clip_seconds, seconds)


KLING_V25_TURBO_PRO = VideoModel(
    slug="kwaivgi/kling-v2.5-turbo-pro",
    clip_seconds=(5, 10),
    aspect_input="aspect_ratio",
    note="1080p; no end-frame input on Replicate (see the fixture's _source.end_frame): keyframes runs its hybrid",
)
KLING_V21_PRO = VideoModel(
    slug="kwaivgi/kling-v2.1",
    clip_seconds=(5, 10),
    start_required=True,
    end_input="end_image",
    extras={"mode": "pro"},
    note="1080p in pro mode, which end_image needs; every scene starts on a frame (start_image is required)",
)
VIDEO_MODELS: dict[str, VideoModel] = {m.slug: m for m in (KLING_V25_TURBO_PRO, KLING_V21_PRO)}
DEFAULT_VIDEO_MODEL = KLING_V25_TURBO_PRO.slug


class UnknownVideoModel(ValueError):
    """A configured video model that has no description here (its inputs would be guesses)."""


def video_model(name: str | None = None) -> VideoModel:
    """The description of `name` (`owner/name` or `owner/name:version`; None: the default)."""
    slug = (name or DEFAULT_VIDEO_MODEL).split(":", 1)[0]
    try:
        return VIDEO_MODELS[slug]
    except KeyError:
        raise UnknownVideoModel(
            f"video model {name!r} is not supported; use one of {', '.join(VIDEO_MODELS)} "
            "(each is described from its published schema in omnigen/video_models.py)"
        ) from None


END_FRAME_KEY = "video_end_frame"
"""The end-frame companion's key among the configured models (`Settings.models`, so it is read
from OMNIGEN_MODEL_VIDEO_END_FRAME like the others)."""
DEFAULT_END_FRAME_MODEL = KLING_V21_PRO.slug
NO_COMPANION = "none"


class VideoSetupError(ValueError):
    """A companion that cannot serve the configured model (undescribed, no end frame, other clip
    lengths); the message says what to configure instead."""


class VideoSetup(BaseModel):
    """The video models a deployment renders takes on: `model` for every take, except those that
    must end on the next keyframe when `model` has no end-frame input — those go to
    `end_frame_model`, the companion. Names are as configured (a pinned `owner/name:version`
    stays pinned)."""

    model_config = ConfigDict(frozen=True)

    model: str
    end_frame_model: str | None = None
    """None: no companion (turned off, or the configured model takes end frames itself)."""
    ignored_end_frame_model: str | None = None
    """A companion configured but unused because `model` takes end frames itself (doctor says so)."""

    @property
    def spec(self) -> VideoModel:
        return video_model(self.model)

    @property
    def companion(self) -> VideoModel | None:
        return video_model(self.end_frame_model) if self.end_frame_model else None

    @property
    def end_frame(self) -> bool:
        """Whether a take can be told its last frame: the deployment "takes end frames"."""
        return self.spec.end_frame or self.companion is not None

    @property
    def start_required(self) -> bool:
        """Whether every take must start on a frame. Only the configured model's schema decides:
        a companion take always starts on its keyframe (it exists only in `keyframes`, where
        every take that is not chained starts on one)."""
        return self.spec.start_required

    @property
    def clip_seconds(self) -> tuple[int, ...]:
        return self.spec.clip_seconds

    def used(self, rendered: Iterable[str]) -> list[str]:
        """The configured names of this setup's models among `rendered` (what a plan's takes
        render on), the configured model first."""
        seen = set(rendered)
        return [m for m in (self.model, self.end_frame_model) if m and m in seen]

    def renders(self, end_frame: bool) -> str:
        """The configured name of the model that renders a take with (or without) an end frame."""
        if end_frame and not self.spec.end_frame and self.end_frame_model:
            return self.end_frame_model
        return self.model


def video_setup(models: Mapping[str, str] | None = None) -> VideoSetup:
    """The deployment's video models from the configured ones (`Settings.models`: `video`,
    `video_end_frame`; unset: the defaults). Raises UnknownVideoModel for an undescribed configured
    model, VideoSetupError for a companion that cannot serve it."""
    models = models or {}
    configured = video_model(models.get("video"))
    name = models.get("video") or configured.slug
    asked = (models.get(END_FRAME_KEY) or DEFAULT_END_FRAME_MODEL).strip()
    if asked.lower() == NO_COMPANION:
        return VideoSetup(model=name)
    try:
        companion = video_model(asked)
    except UnknownVideoModel:
        raise VideoSetupError(
            f"end-frame companion {asked!r} is not described; use one of "
            f"{', '.join(m.slug for m in VIDEO_MODELS.values() if m.end_frame)} or {NO_COMPANION!r} "
            "(without one, continuity keyframes chains the continuous cuts)"
        ) from None
    if configured.end_frame:
        return VideoSetup(model=name, ignored_end_frame_model=asked)
    if not companion.end_frame:
        raise VideoSetupError(
            f"end-frame companion {asked!r} takes no end frame (its schema has no end-frame input); use one of "
            f"{', '.join(m.slug for m in VIDEO_MODELS.values() if m.end_frame)} or {NO_COMPANION!r}"
        )
    if tuple(sorted(companion.clip_seconds)) != tuple(sorted(configured.clip_seconds)):
        raise VideoSetupError(
            f"end-frame companion {asked!r} makes {'/'.join(map(str, companion.clip_seconds))} s clips but "
            f"{name!r} makes {'/'.join(map(str, configured.clip_seconds))} s: the one clip plan must hold for both; "
            f"choose a companion on the same clip lengths or {NO_COMPANION!r}"
        )
    return VideoSetup(model=name, end_frame_model=asked)
