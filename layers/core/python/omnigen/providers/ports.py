"""Provider ports: what the pipeline asks of a script writer, scene renderer, music and voice.

Every provider writes its output to a local path the step gives it; the step then stores it.
That keeps media off the wire between steps and lets a Replicate output be copied at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, Field

from omnigen.brief import Brief
from omnigen.job import PredictionRef
from omnigen.script import Scene, Script


class ProviderError(RuntimeError):
    """A model call failed; the message names the provider, the model and what to do."""

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


class Cancelled(RuntimeError):
    """The job was cancelled while a provider was working."""


class ProviderCall(BaseModel):
    """One billable model call, recorded on the job."""

    capability: str
    model: str
    prediction_id: str | None = None
    predict_time_s: float | None = None
    cost_usd: float = 0.0


class PredictionLedger(Protocol):
    """Where the prediction ids of a job's calls are kept, one per slot (a track, a voice line)."""

    def recall(self, slot: str) -> PredictionRef | None: ...

    def remember(self, slot: str, ref: PredictionRef) -> None: ...

    def forget(self, slot: str) -> None: ...


class MemoryLedger:
    """A ledger for one process (the CLI's `script` command, tests): nothing survives a restart."""

    def __init__(self) -> None:
        self._refs: dict[str, PredictionRef] = {}

    def recall(self, slot: str) -> PredictionRef | None:
        return self._refs.get(slot)

    def remember(self, slot: str, ref: PredictionRef) -> None:
        self._refs[slot] = ref

    def forget(self, slot: str) -> None:
        self._refs.pop(slot, None)


class DeadlineReached(ProviderError):
    """The invocation's time ran out while waiting; what it waited on is left running for the
    retry to resume."""

    def __init__(self, message: str):
        super().__init__(message, retryable=True)


def _never() -> bool:
    return False


def _ignore_progress(_fraction: float, _message: str) -> None:
    return None


def _ignore_call(_call: ProviderCall) -> None:
    return None


@dataclass
class CallContext:
    """What a provider may use of the job it works for: cancellation, progress, billing, where
    its predictions are kept (`ledger`, under `slot`) and until when it may wait (`deadline`)."""

    job_id: str = ""
    is_cancelled: Callable[[], bool] = _never
    progress: Callable[[float, str], None] = _ignore_progress
    record: Callable[[ProviderCall], None] = _ignore_call
    extra: dict[str, object] = field(default_factory=dict)
    slot: str = ""
    """Names this call among the job's calls (`scene_3`, `voiceover/line_4`)."""
    ledger: PredictionLedger = field(default_factory=MemoryLedger)
    deadline: float | None = None
    """`time.monotonic()` by which the call must have returned (a Lambda's remaining time less a
    margin); None waits as long as the model's own timeout."""

    def check(self) -> None:
        if self.is_cancelled():
            raise Cancelled(f"job {self.job_id} was cancelled")

    def for_slot(self, name: str) -> CallContext:
        """The same context for one part of the call (a voice line, a re-ask)."""
        return replace(self, slot=f"{self.slot}/{name}" if self.slot else name)

    def seconds_left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()


class SceneRequest(BaseModel):
    scene: Scene
    style: str = ""
    width: int
    height: int
    fps: int = 24
    seed: int = 0
    scene_count: int = 1
    aspect_ratio: str = "16:9"
    start_image: Path | None = None
    """The previous scene's last frame when chained; else the product image where the shot shows
    the product; else None (the scene starts from its text alone)."""
    product_image: Path | None = None
    brand_name: str = ""
    end_image: Path | None = None
    """The next scene's keyframe, where the cut into it must match and the renderer takes an end
    frame (`takes_end_frame`); else None."""


class KeyframeRequest(BaseModel):
    """One still for the start of a scene (continuity `keyframes`): drawn from the shot and the
    ad's style with the ad's one seed, so every keyframe of an ad shares its look."""

    scene: Scene
    style: str = ""
    width: int
    height: int
    aspect_ratio: str = "16:9"
    seed: int = 0
    scene_count: int = 1


class MusicRequest(BaseModel):
    prompt: str
    duration_s: float
    seed: int = 0


class VoiceRequest(BaseModel):
    text: str
    seed: int = 0
    rate: float = Field(1.0, ge=0.5, le=2.0)
    """Relative speaking rate (1 = the voice's normal pace); risks are read slower."""


class ScriptWriter(Protocol):
    name: str

    def write(self, brief: Brief, ctx: CallContext, feedback: list[str] | None = None) -> Script:
        """A script for the brief. `feedback` lists compliance findings to fix from a last try."""
        ...


class SceneRenderer(Protocol):
    name: str

    def render(self, req: SceneRequest, out: Path, ctx: CallContext) -> Path:
        """Write an MP4 of the scene (any length ≥ the scene's; the timeline trims) to `out`."""
        ...


def takes_end_frame(renderer: SceneRenderer) -> bool:
    """Whether a renderer can be told the last frame of its clip (`SceneRequest.end_image`): it
    says so with a true `end_frame` attribute, set from the published schemas of its model or of
    the end-frame companion it sends such takes to (`omnigen.video_models.VideoSetup`)."""
    return bool(getattr(renderer, "end_frame", False))


def needs_start_frame(renderer: SceneRenderer) -> bool:
    """Whether every clip of a renderer must start on a frame (Kling v2.1's schema requires
    `start_image`): its true `start_frame_required` attribute, set from the model's schema."""
    return bool(getattr(renderer, "start_frame_required", False))


def clip_grid(renderer: SceneRenderer) -> tuple[int, ...] | None:
    """The clip lengths a renderer's model makes and bills (Kling: 5 and 10 s), from its
    `clip_seconds` attribute; None renders any length (the offline renderer)."""
    grid = getattr(renderer, "clip_seconds", None)
    return tuple(grid) if grid else None


class KeyframeGenerator(Protocol):
    name: str

    def draw(self, req: KeyframeRequest, out: Path, ctx: CallContext) -> Path:
        """Write a still (JPEG or PNG) of the scene's opening frame at about the ad's size to `out`
        (the suffix may change)."""
        ...


def is_animatic(renderer: SceneRenderer) -> bool:
    """Whether a renderer's clips stand in for footage (offline motion graphics) rather than being
    it: a renderer says so with a true `animatic` attribute; models do not have one."""
    return bool(getattr(renderer, "animatic", False))


class MusicGenerator(Protocol):
    name: str

    def compose(self, req: MusicRequest, out: Path, ctx: CallContext) -> Path:
        """Write an audio file (any common format, any length) to `out` (suffix may change)."""
        ...


class VoiceSynth(Protocol):
    name: str

    def speak(self, req: VoiceRequest, out: Path, ctx: CallContext) -> Path:
        """Write the line as speech to `out` (a WAV for local voices)."""
        ...


def _cancel_nothing(_prediction_id: str) -> None:
    return None


@dataclass
class Providers:
    script: ScriptWriter
    video: SceneRenderer
    music: MusicGenerator
    voice: VoiceSynth
    keyframes: KeyframeGenerator | None = None
    """The still per cut for continuity `keyframes`; None: the offline drawer
    (`omnigen.providers.local.keyframes`), which a test or the local default uses."""
    cancel_prediction: Callable[[str], None] = _cancel_nothing
    """Stops a prediction a job started (best effort); local providers start none."""
