"""Write → check → feedback: how every caller gets a script from a writer (the pipeline's
write_script, `omnigen script`, and the fit check that plans a brief before it is generated)."""

from __future__ import annotations

from collections.abc import Callable

from omnigen.brief import Brief
from omnigen.compliance import Policy, Report, feedback_for_writer
from omnigen.pipeline.rehearsal import check_plan
from omnigen.providers.ports import CallContext, ScriptWriter
from omnigen.script import Script


def draft_script(
    writer: ScriptWriter,
    brief: Brief,
    policy: Policy,
    call: CallContext,
    on_revision: Callable[[int, int], None] | None = None,
) -> tuple[Script, Report, int]:
    """Write → check → feedback: the writer's script, checked by the compliance engine (its own
    rules, and the timing of its rehearsed first edit: pipeline/rehearsal.py); while it breaks a
    rule, the findings go back to the writer, at most `policy.max_writer_retries` times.
    Returns the last script, its report (no errors when one passed) and the tries allowed.
    `on_revision(attempt, attempts)` is told before each revision (the step shows it as progress).
    The pipeline's write_script and `omnigen script` both write through this."""
    feedback: list[str] | None = None
    attempts = policy.max_writer_retries + 1
    for attempt in range(1, attempts + 1):
        script = writer.write(brief, call, feedback)
        report = check_plan(script, brief, policy)
        if report.errors == 0 or attempt == attempts:
            break
        feedback = feedback_for_writer(report)
        if on_revision is not None:
            on_revision(attempt, attempts)
    return script, report, attempts
