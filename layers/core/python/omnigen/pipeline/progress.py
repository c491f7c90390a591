"""Per-track progress, written through `JobStore.update` so every change is one ordered event.

Progress ticks are throttled (a provider may report every frame); starts, finishes and failures
are always written.
"""

from __future__ import annotations

import threading
import time

from omnigen.job import Job, JobStatus, PredictionRef, TrackProgress, derived_status, now, overall_percent
from omnigen.providers.ports import CallContext, ProviderCall
from omnigen.store.ports import JobStore

MIN_TICK_S = 0.4
MIN_TICK_PCT = 5.0

STAGE_NAMES = {
    JobStatus.QUEUED: "Queued",
    JobStatus.GENERATING_SCRIPT: "Writing the script",
    JobStatus.GENERATING_VIDEOS: "Rendering scenes",
    JobStatus.GENERATING_MUSIC: "Making music and voiceover",
    JobStatus.COMPOSING: "Composing the ad",
    JobStatus.COMPLETED: "Completed",
    JobStatus.FAILED: "Failed",
    JobStatus.CANCELLED: "Cancelled",
}


TRACK_NAMES = {"script": "Script", "music": "Music", "voiceover": "Voiceover", "compose": "Compose"}
STEP_PHRASES = {
    "write_script": "writing the script",
    "make_music": "making the music",
    "make_voiceover": "recording the voiceover",
    "compose": "composing",
    "finalize": "finishing",
    "worker": "rendering",
    "pipeline": "",
}


def track_name(track: str) -> str:
    """What a person calls a track: "Scene 3" for `scene_3`, "Music" for `music`."""
    if track.startswith("scene_") and track[6:].isdigit():
        return f"Scene {track[6:]}"
    return TRACK_NAMES.get(track, track.replace("_", " ").capitalize())


def status_line(track: str, message: str) -> str:
    """The job's status line for a track's news, without internal names: a scene's message
    follows its name ("Scene 3 rendered"); another track's message says what it is about
    already ("Version 2 rendered, QC passed") and reads as a sentence."""
    if track.startswith("scene_"):
        return f"{track_name(track)} {message}".strip()
    return message[:1].upper() + message[1:] if message else track_name(track)


def step_phrase(step: str) -> str:
    """ "while writing the script", "at scene 3": where a failed job stopped, in words."""
    if step in STEP_PHRASES:
        phrase = STEP_PHRASES[step]
        return f"while {phrase}" if phrase else ""
    return f"at {track_name(step).lower()}" if step.startswith("scene_") else f"at {step.replace('_', ' ')}"


def _refresh(job: Job, message: str | None = None) -> None:
    job.set_status(derived_status(job))
    job.percent = max(job.percent, overall_percent(job)) if not job.status.terminal else job.percent
    if message is not None:
        job.message = message


class Tracker:
    """Reports one job's progress. Thread-safe: scenes, music and voice report at once."""

    def __init__(self, jobs: JobStore, job_id: str):
        self.jobs = jobs
        self.job_id = job_id
        self._last: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _set(self, track: str, message: str, **fields: object) -> Job:
        def change(job: Job) -> None:
            t = job.tracks.setdefault(track, TrackProgress())
            for k, v in fields.items():
                setattr(t, k, v)
            t.message = message
            if t.started_at and t.finished_at and t.state == "done":
                job.step_seconds[track] = round((t.finished_at - t.started_at).total_seconds(), 2)
            _refresh(job, status_line(track, message) if message else None)

        return self.jobs.update(self.job_id, change)

    def declare(self, tracks: list[str]) -> None:
        """Make the tracks known (pending) so clients can draw them before they start."""

        def change(job: Job) -> None:
            for name in tracks:
                job.tracks.setdefault(name, TrackProgress())
            _refresh(job)

        self.jobs.update(self.job_id, change)

    def start(self, track: str, message: str = "started") -> None:
        self._set(track, message, state="running", percent=0.0, started_at=now(), finished_at=None)

    def tick(self, track: str, fraction: float, message: str = "") -> None:
        pct = round(max(0.0, min(1.0, fraction)) * 100, 1)
        t = time.monotonic()
        with self._lock:
            last_t, last_pct = self._last.get(track, (0.0, -100.0))
            if pct < 100 and t - last_t < MIN_TICK_S and pct - last_pct < MIN_TICK_PCT:
                return
            self._last[track] = (t, pct)
        self._set(track, message, state="running", percent=pct)

    def done(self, track: str, message: str = "done", asset: str | None = None) -> None:
        self._set(track, message, state="done", percent=100.0, finished_at=now(), asset=asset)

    def failed(self, track: str, message: str) -> None:
        self._set(track, message, state="failed", finished_at=now())

    def record_call(self, call: ProviderCall) -> None:
        """Bill one call, once: a retried step that resumed a finished prediction bills it again,
        and the second record of the same prediction id is dropped."""

        def change(job: Job) -> None:
            if call.prediction_id and any(c.get("prediction_id") == call.prediction_id for c in job.provider_calls):
                return
            job.provider_calls.append(call.model_dump())
            job.cost_usd = round(job.cost_usd + call.cost_usd, 4)

        self.jobs.update(self.job_id, change)

    def call_context(self, track: str, is_cancelled, deadline: float | None = None) -> CallContext:  # type: ignore[no-untyped-def]
        return CallContext(
            job_id=self.job_id,
            is_cancelled=is_cancelled,
            progress=lambda f, m="": self.tick(track, f, m),
            record=self.record_call,
            slot=track,
            ledger=JobLedger(self.jobs, self.job_id),
            deadline=deadline,
        )


class JobLedger:
    """The job's prediction ids, kept in the job record itself (`Job.predictions`), so whichever
    process retries the step finds them."""

    def __init__(self, jobs: JobStore, job_id: str):
        self.jobs = jobs
        self.job_id = job_id

    def recall(self, slot: str) -> PredictionRef | None:
        job = self.jobs.get(self.job_id)
        return job.predictions.get(slot) if job else None

    def remember(self, slot: str, ref: PredictionRef) -> None:
        self.jobs.update(self.job_id, lambda j: j.predictions.__setitem__(slot, ref))

    def forget(self, slot: str) -> None:
        self.jobs.update(self.job_id, lambda j: j.predictions.pop(slot, None))
