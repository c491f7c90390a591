"""A step run as a workflow task (Step Functions' `.waitForTaskToken`), and Replicate's webhooks
reaching the task that waits on a prediction.

The task's token is recorded under the job, track and attempt (`TASK_NAMESPACE`,
"<job>:<track>:<token digest>") so the webhook can fail the task as soon as Replicate reports a
failed prediction; the providers call back with that id (`context.for_task`). One record per
attempt: a retried task gets a new token, and the attempt it replaces (still running after the
webhook failed it) must not delete the new attempt's record when it ends.

While the step runs, a heartbeat every `heartbeat_s` tells the engine it is alive (a Lambda that
dies stops them, and the task's HeartbeatSeconds retries it); the step ends the task itself:
success with its result once its outputs are stored, or failure with an error name the state
machine's Retry and Catch rules match.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from omnigen.pipeline.lifecycle import error_name, error_of
from omnigen.providers.ports import ProviderError
from omnigen.store.ports import KeyValue, StoreError, Tasks

log = logging.getLogger("omnigen.tasks")

TASK_NAMESPACE = "task"
TASK_TTL_S = 24 * 3600
MAX_CAUSE = 32000
FAILED_PREDICTIONS = ("failed", "canceled", "aborted")  # aborted: queued past its deadline, never started
TRACKS = {"write_script": "script", "make_music": "music", "make_voiceover": "voiceover"}


def track_of(event: dict[str, Any]) -> str:
    """The track a step event works on: `scene_<n>` for a scene, else the step's own track."""
    step = str(event["step"])
    if step == "render_scene":
        return f"scene_{int(event['scene'])}"
    return TRACKS.get(step, step)


def task_id(event: dict[str, Any]) -> str:
    """A new id for this run of the step: one record per attempt, so an attempt that outlives
    its task (the webhook failed it, the state machine retried) deletes only its own record.
    It is not derived from the token: an attempt's token is not guaranteed to differ from the
    last one's (moto's retrier reuses it), while a retry must never lose its record."""
    return f"{event['job_id']}:{track_of(event)}:{uuid.uuid4().hex[:12]}"


def end_task(
    tasks: Tasks, token: str, step: str, result: dict[str, Any] | None, err: BaseException | None
) -> None:
    """Success with `result`, or failure named by `error_name` with `error_of` as its cause: the
    step and the webhook report the same failure under the same name."""
    if err is None:
        told = tasks.succeed(token, result or {})
    else:
        told = tasks.fail(token, error_name(err), json.dumps(error_of(step, err))[:MAX_CAUSE])
    if not told:
        log.info("the task of %s had already ended", step)


class Heartbeat:
    """Sends a heartbeat every `every_s` seconds until stopped, or until the task is gone."""

    def __init__(self, tasks: Tasks, token: str, every_s: float):
        self.tasks = tasks
        self.token = token
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                if not self.tasks.heartbeat(self.token):
                    log.info("the task has ended; stopping heartbeats")
                    return
            except StoreError as err:
                log.warning("heartbeat refused; stopping heartbeats: %s", err)
                return

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()


def run_as_task(
    run: Callable[[str], dict[str, Any]],
    event: dict[str, Any],
    kv: KeyValue,
    tasks: Tasks,
    heartbeat_s: float,
) -> tuple[dict[str, Any] | None, BaseException | None]:
    """Run one step event that carries a `task_token`: `run(task_id)` does the step. Returns
    (result, None) or (None, the error) after the task has been told either way."""
    token, step, tid = str(event["task_token"]), str(event["step"]), task_id(event)
    kv.kv_put(TASK_NAMESPACE, tid, json.dumps({"token": token, "step": step}), TASK_TTL_S)
    result: dict[str, Any] | None = None
    error: BaseException | None = None
    with Heartbeat(tasks, token, heartbeat_s):
        try:
            result = run(tid)
        except Exception as err:
            log.exception("step %s failed", step)
            error = err
    end_task(tasks, token, step, result, error)
    kv.kv_delete(TASK_NAMESPACE, tid)
    return result, error


def report_prediction(tasks: Tasks, record: dict[str, Any], prediction: dict[str, Any]) -> None:
    """A verified webhook about a prediction made inside the task `record` (as `run_as_task`
    stored it): a failed or cancelled prediction fails the task at once, as the failure the
    step's runner raises when it sees that status (retryable: the state machine retries the step,
    then fails the job), without waiting for the step to notice; anything else is a heartbeat."""
    state = str(prediction.get("status", ""))
    if state in FAILED_PREDICTIONS:
        logs = str(prediction.get("logs") or "")[-4000:]
        log.info("prediction %s ended %s; its logs: %s", prediction.get("id"), state, logs)
        reason = str(prediction.get("error") or "no error message").strip()
        err = ProviderError(f"Replicate prediction {prediction.get('id')} {state}: {reason}", retryable=True)
        end_task(tasks, record["token"], str(record.get("step", "replicate")), None, err)
    elif not tasks.heartbeat(record["token"]):
        log.info("task already closed (prediction %s)", prediction.get("id"))
