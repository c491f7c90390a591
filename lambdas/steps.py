"""The pipeline's step Lambda: parse the event, run the omnigen step, shape the reply.

Events (built by the state machine in stacks/pipeline.py):
`{"step": "write_script" | "make_keyframes" | "render_scene" | "make_music" | "make_voiceover" | "compose" |
"finalize" | "fail_job" | "regenerate_scene" | "package", "job_id": ..., "scene": n, "version": k, "take": t,
"build_id": b,
"error": {"Error", "Cause"}, "task_token": ...}`, and from the EventBridge rule on executions that ended badly
`{"step": "reconcile", "job_id", "execution": <the event's detail: status, error?, cause?>}`.
The zip Lambda and the media container run this same handler.
"""

from __future__ import annotations

import json
from typing import Any

from lambdas.runtime import logger, metrics, run_step, tracer
from omnigen.pipeline import delivery, lifecycle, steps, takes
from omnigen.pipeline.context import StepContext

# What a person is told when Step Functions ends a step without a Cause of ours.
WITHOUT_CAUSE = {
    "States.Timeout": "a step ran past its time limit (stepTimeoutS) and was stopped",
    "States.HeartbeatTimeout": "a step stopped reporting progress (its Lambda ended before finishing)",
    "States.TaskFailed": "a step failed without saying why",
    "States.Runtime": "the pipeline could not run a step (its input was not what it expected)",
    "TIMED_OUT": "the job ran past the pipeline's time limit (executionTimeoutS) and was stopped",
    "ABORTED": "the job's pipeline was stopped outside OmniGen",
}


def _error(event: dict[str, Any]) -> dict[str, Any]:
    """The Catch's `{"Error", "Cause"}`: Cause is our JSON error record, Lambda's own
    `{"errorMessage", ...}`, plain text, or nothing (a timeout has no Cause)."""
    raw = event.get("error") or {}
    name = str(raw.get("Error") or "")
    text = raw.get("Cause")
    try:
        cause: Any = json.loads(text) if text else None
    except ValueError:
        cause = text
    if isinstance(cause, dict) and cause.get("message"):
        record = dict(cause)
    elif isinstance(cause, dict) and cause.get("errorMessage"):
        record = {"message": str(cause["errorMessage"])}
    elif isinstance(cause, str) and cause.strip():
        record = {"message": cause.strip()}
    else:
        status = str(event.get("status") or "")
        fallback = f"the pipeline failed ({name})" if name else "the pipeline failed without saying why"
        record = {"message": WITHOUT_CAUSE.get(name) or WITHOUT_CAUSE.get(status) or fallback}
    record.setdefault("detail", name)
    return record


def _fail(ctx: StepContext, e: dict[str, Any]) -> dict[str, Any]:
    return lifecycle.fail_job(ctx, e["job_id"], _error(e))


def _reconcile(ctx: StepContext, e: dict[str, Any]) -> dict[str, Any]:
    """An execution ended FAILED, TIMED_OUT or ABORTED: a job it left unfinished is failed (one
    FailJob already ended, or a user's cancel already stopped, is left as it is)."""
    job = ctx.jobs.get(e["job_id"])
    if job is None or job.status.terminal:
        return {"status": job.status.value if job else None, "changed": False}
    execution = e.get("execution") or {}
    error = {"Error": execution.get("error"), "Cause": execution.get("cause")}
    return {**_fail(ctx, {**e, "status": execution.get("status"), "error": error}), "changed": True}


STEPS = {
    "write_script": lambda ctx, e: steps.write_script(ctx, e["job_id"]),
    "render_scene": lambda ctx, e: steps.render_scene(ctx, e["job_id"], int(e["scene"])),
    "make_keyframes": lambda ctx, e: steps.make_keyframes(ctx, e["job_id"]),
    "make_music": lambda ctx, e: steps.make_music(ctx, e["job_id"]),
    "make_voiceover": lambda ctx, e: steps.make_voiceover(ctx, e["job_id"]),
    # From the state machine, a compose failure fails the job; from the API (a re-compose of a
    # finished job, invoked asynchronously) it is reported on the track, as the local runner does.
    "compose": lambda ctx, e: (
        steps.compose_version(ctx, e["job_id"], int(e["version"]))
        if e.get("source") == "api"
        else steps.compose(ctx, e["job_id"], version=e.get("version"))
    ),
    # From the API (one asynchronous invocation of the media function): a take of one scene of a
    # finished job, and the chain it re-seeds; a failure is reported on the take and its track.
    "regenerate_scene": lambda ctx, e: takes.render_take(ctx, e["job_id"], int(e["scene"]), int(e["take"])),
    # From the API: one build of a version's export package; its progress and any failure are
    # reported on the build's record (pipeline/delivery.py).
    "package": lambda ctx, e: delivery.build_version_package(ctx, e["job_id"], int(e["version"]), str(e["build_id"])),
    "finalize": lambda ctx, e: lifecycle.finalize(ctx, e["job_id"]),
    "fail_job": _fail,
    "reconcile": _reconcile,
}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> Any:
    return run_step(event, STEPS, context)
