"""Jobs and their progress: the record both the local runner and Step Functions keep up to date.

Status only moves forward. Music, voiceover and the scenes run at the same time, so the job's
`status` is the earliest stage still running and `tracks` tells the rest.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, computed_field, model_validator

from omnigen.brief import Brief


class JobStatus(StrEnum):
    QUEUED = "queued"
    GENERATING_SCRIPT = "generating_script"
    GENERATING_VIDEOS = "generating_videos"
    GENERATING_MUSIC = "generating_music"
    COMPOSING = "composing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL

    @property
    def rank(self) -> int:
        return _RANK[self]


TERMINAL = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})
_ORDER = [
    JobStatus.QUEUED,
    JobStatus.GENERATING_SCRIPT,
    JobStatus.GENERATING_VIDEOS,
    JobStatus.GENERATING_MUSIC,
    JobStatus.COMPOSING,
]
_RANK = {s: i for i, s in enumerate(_ORDER)} | {s: len(_ORDER) for s in TERMINAL}

DERIVED = {"stage"}
"""Computed fields: in every dump a client sees, never in what a store keeps."""

TrackState = Literal["pending", "running", "done", "failed", "skipped", "cancelled"]


class TrackProgress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: TrackState = "pending"
    percent: float = Field(0.0, ge=0, le=100)
    message: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    asset: str | None = None
    """Key of what this track made (a scene's clip, its thumbnail frame, the music, ...)."""


class PredictionRef(BaseModel):
    """A model call started for a job, kept with the job so a retried step resumes waiting on it
    instead of starting (and paying for) a second one."""

    model_config = ConfigDict(extra="forbid")

    id: str
    model: str
    fingerprint: str
    """Hash of the model and its inputs (files by content): a stored call is resumed only for the
    very same request."""
    status: str = "starting"
    """Last status seen; cancelling the job cancels the ones not finished."""

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed", "canceled", "aborted")


class JobError(BaseModel):
    step: str
    message: str
    """What went wrong, the actionable fix first when there is one."""
    detail: str = ""
    fix: str = ""
    """What to do about it, in plain words ("make it 30 s"), or empty when nothing in the brief
    would help (a provider outage: retry)."""
    brief_changes: dict[str, Any] = Field(default_factory=dict)
    """The change to the brief that `fix` names (`{"duration_s": 30}`), for "start again with this
    change" (`POST /jobs/{id}/duplicate` with these as its `changes`)."""


TakeState = Literal["rendering", "done", "failed"]


class TakeRecord(BaseModel):
    """One regenerated take of a scene (take 1 is the pipeline's own clip and is not recorded
    here). Every take is kept; the timeline names the one the edit uses."""

    model_config = ConfigDict(extra="forbid")

    scene_index: int = Field(ge=1)
    take: int = Field(ge=2)
    state: TakeState = "rendering"
    shot: str
    camera: str
    mood: str
    seed: int
    start_image: str | None = None
    """Key of the frame it starts on (the previous scene's or take's last frame), if any."""
    reseed_following: bool = False
    """When done, the scene chained to this one is regenerated from this take's last frame."""
    select: bool = True
    """When done, the draft timeline uses this take for the scene."""
    clip: str
    last_frame: str
    clip_s: float | None = None
    cost_usd: float = 0.0
    model: str | None = None
    """The model that rendered it, as billed (a deployment's video setup may render a take that
    ends on a keyframe on its end-frame companion); None until it is rendered, or offline."""
    error: str = ""
    created_at: datetime = Field(default_factory=lambda: now())
    finished_at: datetime | None = None


class DraftRef(BaseModel):
    """Which saved draft timeline is the current one. Each save writes a new, never-changed
    object (`key`) and then moves this reference in one conditional write of the job, so two
    saves at once can never both win: the loser sees the revision moved and applies its change
    again to what the winner saved (or, for a client that sent `If-Match`, is told 412)."""

    model_config = ConfigDict(extra="forbid")

    revision: int = Field(ge=1)
    """Bumped by every save; the API's ETag for the draft (revision 0: the first, unsaved one)."""
    key: str
    saved_at: datetime


class ComposeRefusal(BaseModel):
    """The last compose that made no version because its draft breaks a rule (compliance before
    rendering, or QC of the rendered file). It is a finding of the draft, not a report of a
    version: the job's reports (`compliance.json`, `qc.json`) stay those of the last version made,
    and the refused check's full reports are kept apart (`JobKeys.refused`)."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    """The number the version would have had; nothing was made under it."""
    at: datetime
    check: Literal["compliance", "qc"]
    message: str
    """What refused it and what to do, in plain words (the rules it breaks, the first fix); the
    compose track's message says the same."""
    findings: list[dict[str, Any]]
    """The errors that refused it, as the compliance engine's findings (rule, severity, scene,
    start_s, end_s, message, source) with each one's `fix`."""
    timeline_sha256: str
    """The draft it refused: a draft check of the same timeline carries these findings."""


class VersionRecord(BaseModel):
    """One rendered version of the ad: its own artefacts and what its checks said. Written once,
    when the version is made; a later compose adds a record and never touches this one."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    created_at: datetime
    duration_s: float
    assets: dict[str, str]
    """Artefact name (output, poster, captions, compliance, compliance_html, qc, qc_text,
    timeline) → key."""
    compliance: dict[str, Any]
    qc: dict[str, Any]


class StatusError(ValueError):
    """A status change that would move a job backwards or out of a finished state."""


def now() -> datetime:
    return datetime.now(UTC)


def new_job_id() -> str:
    return uuid.uuid4().hex[:16]


class ModelUsage(BaseModel):
    """What one model did for a job: its billed calls for one capability and what they cost."""

    capability: str
    """What the calls made: `script`, `keyframes`, `video`, `music`, `voice`."""
    model: str
    """The model that made it (a Replicate `owner/name`, or a local provider's name)."""
    calls: int = Field(ge=1)
    cost_usd: float
    """The calls' cost summed, in USD, to four decimals."""


class WithStatus(BaseModel):
    """A job's record or one of its progress events: `stage` is derived from `status` (always its
    value; clients had it before `status` said the same), so it is in every dump a client sees
    and in nothing a store keeps."""

    if TYPE_CHECKING:  # each model declares it in its own place (the order of its JSON)
        status: JobStatus

    @computed_field  # type: ignore[prop-decorator]
    @property
    def stage(self) -> str:
        return self.status.value

    def record_json(self) -> str:
        """The JSON a store keeps: every field, nothing derived."""
        return self.model_dump_json(exclude=DERIVED)


class Job(WithStatus):
    model_config = ConfigDict(extra="forbid")

    job_id: str = Field(default_factory=new_job_id)
    user_id: str
    brief: Brief
    status: JobStatus = JobStatus.QUEUED
    percent: float = Field(0.0, ge=0, le=100)
    message: str = ""
    tracks: dict[str, TrackProgress] = Field(default_factory=dict)
    error: JobError | None = None
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
    finished_at: datetime | None = None
    assets: dict[str, str] = Field(default_factory=dict)
    cost_usd: float = 0.0
    provider_calls: list[dict[str, Any]] = Field(default_factory=list)
    predictions: dict[str, PredictionRef] = Field(default_factory=dict)
    """Model calls by slot (`scene_3`, `voiceover/line_4`): what a retried step resumes."""
    compliance: dict[str, Any] | None = None
    qc: dict[str, Any] | None = None
    """The latest version's QC summary: errors, warnings, passed, allow_noncompliant."""
    versions: list[VersionRecord] = Field(default_factory=list)
    step_seconds: dict[str, float] = Field(default_factory=dict)
    renders: int = 0
    takes: list[TakeRecord] = Field(default_factory=list)
    """Regenerated takes of scenes, in the order they were asked for."""
    refusal: ComposeRefusal | None = None
    """The last compose refused since a version was last made (None once one is made)."""
    draft: DraftRef | None = None
    """The saved draft timeline (None: the first draft, `timeline.json`, is the draft)."""
    title: str = ""
    """The name the user gave the ad in the library (empty: the brand and prompt stand in)."""
    campaign: str = ""
    """The campaign the ad is grouped under in the library (empty: none)."""
    source_job: str | None = None
    """The job this one was duplicated or started again from."""
    deleted_at: datetime | None = None
    """Set when the user deleted the ad: its assets are gone and every route answers 404."""
    seq: int = 0
    """Bumped on every saved change; progress events and optimistic writes key on it."""

    def take(self, scene_index: int, take: int) -> TakeRecord | None:
        return next((t for t in self.takes if t.scene_index == scene_index and t.take == take), None)

    def usage_by_model(self) -> list[ModelUsage]:
        """The job's billed calls summed per (capability, model), in the order first made: which
        model rendered what, so cost and provenance are visible (the video takes of one job may
        be on two models: the configured one and its end-frame companion). The CLI prints it and
        the API's job resource carries it; nothing else groups the calls."""
        totals: dict[tuple[str, str], list[float]] = {}
        for call in self.provider_calls:
            key = (str(call.get("capability", "")), str(call.get("model", "")))
            entry = totals.setdefault(key, [0, 0.0])
            entry[0] += 1
            entry[1] += float(call.get("cost_usd") or 0.0)
        return [
            ModelUsage(capability=cap, model=model, calls=int(n), cost_usd=round(usd, 4))
            for (cap, model), (n, usd) in totals.items()
        ]

    def record_version(self, record: VersionRecord) -> None:
        """Keep `record` (a resumed compose that made the same version again replaces it)."""
        self.versions = [v for v in self.versions if v.version != record.version] + [record]
        self.versions.sort(key=lambda v: v.version)

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        """`stage` is computed from `status`: records written before it was (and every dump,
        which includes it) carry it, and it is never read back."""
        if isinstance(data, dict) and "stage" in data:
            data = {k: v for k, v in data.items() if k != "stage"}
        return data

    def set_status(self, status: JobStatus) -> None:
        """Move forward only; a finished job never changes status again."""
        if status == self.status:
            return
        if self.status.terminal:
            raise StatusError(f"job {self.job_id} is {self.status}; it cannot become {status}")
        if status.rank < self.status.rank:
            raise StatusError(f"job {self.job_id} cannot go back from {self.status} to {status}")
        self.status = status
        if status.terminal:
            self.finished_at = now()

    def event(self) -> ProgressEvent:
        return ProgressEvent(
            job_id=self.job_id,
            seq=self.seq,
            status=self.status,
            percent=round(self.percent, 1),
            message=self.message,
            tracks={k: v.model_dump(mode="json") for k, v in self.tracks.items()},
            updated_at=self.updated_at,
        )


# Weight of each track in the overall percent; scenes share theirs by duration.
TRACK_WEIGHTS = {"script": 10.0, "scenes": 55.0, "music": 5.0, "voiceover": 5.0, "compose": 25.0}


def overall_percent(job: Job, scene_durations: dict[str, float] | None = None) -> float:
    """A single number for the job, from the per-track progress."""
    tracks = job.tracks
    total = 0.0
    total += TRACK_WEIGHTS["script"] * _pct(tracks.get("script"))
    scene_keys = [k for k in tracks if k.startswith("scene_")]
    if scene_keys:
        weights = scene_durations or {k: 1.0 for k in scene_keys}
        wsum = sum(weights.get(k, 1.0) for k in scene_keys)
        total += TRACK_WEIGHTS["scenes"] * sum(weights.get(k, 1.0) * _pct(tracks[k]) for k in scene_keys) / wsum
    for name in ("music", "voiceover", "compose"):
        total += TRACK_WEIGHTS[name] * _pct(tracks.get(name))
    return min(100.0, total)


def _pct(t: TrackProgress | None) -> float:
    if t is None:
        return 0.0
    if t.state in ("done", "skipped"):
        return 1.0
    return t.percent / 100.0


def derived_status(job: Job) -> JobStatus:
    """The earliest stage still running, from the tracks (never earlier than the current one)."""
    t = job.tracks

    def unfinished(name: str) -> bool:
        return name in t and t[name].state not in ("done", "skipped")

    if job.status.terminal:
        return job.status
    if unfinished("script"):
        candidate = JobStatus.GENERATING_SCRIPT if t["script"].state == "running" else job.status
    elif any(unfinished(k) for k in t if k.startswith("scene_")):
        candidate = JobStatus.GENERATING_VIDEOS
    elif unfinished("music") or unfinished("voiceover"):
        candidate = JobStatus.GENERATING_MUSIC
    elif "compose" in t:
        candidate = JobStatus.COMPOSING
    else:
        candidate = job.status
    return candidate if candidate.rank >= job.status.rank else job.status


class ProgressEvent(WithStatus):
    """What SSE and WebSocket clients receive, one per saved change of a job."""

    job_id: str
    seq: int
    status: JobStatus
    percent: float
    message: str = ""
    tracks: dict[str, Any] = Field(default_factory=dict)
    updated_at: datetime
    _json: str | None = PrivateAttr(default=None)

    def as_json(self) -> str:
        """The event's JSON, serialised once however many clients receive it."""
        if self._json is None:
            self._json = self.model_dump_json()
        return self._json
