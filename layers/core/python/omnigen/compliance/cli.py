"""`omnigen check SCRIPT --brief BRIEF [--timeline T] [--format text|json] [--policy P]`.

`run_check` does the work and returns (exit code, output) so the command line and tests share it:
0 no errors, 1 errors, 2 bad input. Bad input names the file and the field, because the person
running the check usually has the file open and needs to know where to look.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from omnigen.brief import BriefError, load_brief, read_text_file
from omnigen.compliance.checker import check_script, check_timeline
from omnigen.compliance.policy import PolicyError, load_policy
from omnigen.documents import DocumentError, parse_json_or_yaml
from omnigen.script import Script
from omnigen.timeline import Timeline
from omnigen.validation import located_errors

EXIT_CLEAN, EXIT_ERRORS, EXIT_BAD_INPUT = 0, 1, 2
FORMATS = ("text", "json")

M = TypeVar("M", bound=BaseModel)


WORDING = {"extra_forbidden": "unknown field", "missing": "required"}


class InputError(ValueError):
    """A file given to the check that cannot be used."""


def load_model(path: str | Path, model: type[M], what: str) -> M:
    """Read a JSON or YAML file into `model`; `InputError` names the file and every bad field."""
    p = Path(path)
    try:
        text = read_text_file(p, what)
    except BriefError as err:
        raise InputError(str(err)) from None
    try:
        data = parse_json_or_yaml(text)
    except DocumentError as err:
        raise InputError(f"{what} {p}: not valid JSON or YAML ({err})") from None
    if not isinstance(data, dict):
        raise InputError(f"{what} {p}: must be a JSON object (a mapping of fields)")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        located = located_errors(err, brackets=True, wording=WORDING)
        problems = [f"{field or '(top level)'}: {message}" for field, message in located]
        raise InputError(f"{what} {p}: " + "; ".join(problems)) from None


def _bad(fmt: str, message: str) -> tuple[int, str]:
    if fmt == "json":
        return EXIT_BAD_INPUT, json.dumps({"error": message})
    return EXIT_BAD_INPUT, f"bad input: {message}"


def run_check(
    script_path: str | Path,
    brief_path: str | Path,
    timeline_path: str | Path | None = None,
    fmt: str = "text",
    policy_path: str | Path | None = None,
) -> tuple[int, str]:
    """Check a script (and its timeline) against the brief: (exit code, report text or JSON)."""
    if fmt not in FORMATS:
        return _bad("text", f"--format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    try:
        policy = load_policy(policy_path)
        try:
            brief = load_brief(brief_path)
        except BriefError as err:
            raise InputError(f"brief {brief_path}: " + "; ".join(err.lines())) from None
        script = load_model(script_path, Script, "script")
        timeline = load_model(timeline_path, Timeline, "timeline") if timeline_path else None
    except (InputError, PolicyError) as err:
        msg = str(err) if not isinstance(err, PolicyError) else f"policy {err}"
        return _bad(fmt, msg)
    report = check_timeline(timeline, script, brief, policy) if timeline else check_script(script, brief, policy)
    output = report.to_json() if fmt == "json" else report.to_text()
    return (EXIT_ERRORS if report.errors else EXIT_CLEAN), output
