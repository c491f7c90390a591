"""The Replicate video models scenes can be rendered on, each described once (pure: no I/O).

A description holds what the adapter, the schedule and the estimate need to know of a model, all
read from its published input schema (tests/fixtures/replicate_schemas/, `_source` says where and
when): its slug, the clip lengths it makes and bills (its `duration` enum), the name of its start-
and end-frame inputs, whether a start frame is required, whether it takes `aspect_ratio`, and the
fixed inputs it needs (Kling v2.1 takes an end frame in `mode: pro` only). The price per second
lives beside every other model's in `omnigen/pricing.yaml`, keyed by the same slug.

    kwaivgi/kling-v2.5-turbo-pro   the default: start frame optional, no end-frame input
    kwaivgi/kling-v2.1             start frame required, `end_image` in pro mode (1080p)

With an end-frame model, continuity `keyframes` (and `auto`) renders every scene at once, each
starting on its keyframe and ending on the next one where the cut must match; without one, the
keyframes hybrid chains the continuous cuts (`omnigen.schedule`).
"""

from __future__ import annotations

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
