"""Whether a brief's risks fit its length, and the shortest length they fit in.

A 15 s ad cannot say a boxed warning at a natural pace. The estimate warns before such a brief
is generated, and a job that failed on it says the length to ask for instead ("needs 29.6 s, has
8.8 s: make it 30 s"). Both plan the script with the offline writer (deterministic, no network,
about a third of a second): its scene plan gives the major statement the time the real writers
are asked to give it, and the compliance engine's fit, pace and reading-time rules judge it, as
they judge every script.
"""

from __future__ import annotations

from pydantic import BaseModel

from omnigen.brief import Brief
from omnigen.compliance import Report, load_policy
from omnigen.compliance.policy import Policy
from omnigen.pipeline.rehearsal import TIMING_RULES
from omnigen.pipeline.script_draft import draft_script
from omnigen.providers.local.script_writer import LocalScriptWriter
from omnigen.providers.ports import CallContext
from omnigen.script import Script, word_count

FIT_RULES = TIMING_RULES
"""The rules a longer ad fixes."""
STANDARD = (15, 30, 45, 60, 90, 120)
"""The lengths broadcast sells airtime in: the search's first steps, and the one to suggest."""
MAX_S = 120
"""The longest ad a brief may ask for."""


class Fit(BaseModel):
    fits: bool
    duration_s: int
    shortest_s: int | None = None
    """The shortest whole-second length that fits (None: it fits, or nothing up to 120 s does)."""
    standard_s: int | None = None
    """The shortest broadcast length (15, 30, 45, 60, 90, 120 s) from `shortest_s` on: what to
    ask for when the ad is bought as airtime."""
    tried: int = 0
    """How many lengths the search planned (each one offline script plan, about 0.3 s)."""
    need_s: float | None = None
    """Seconds the major statement needs at a natural pace."""
    have_s: float | None = None
    """Seconds the plan for `duration_s` gives it."""
    message: str = ""
    """The warning with its fix first ("needs 29.6 s, has 8.8 s: make it 30 s"), or empty."""


def _plan(brief: Brief, policy: Policy) -> tuple[Script, Report]:
    """The script the offline writer ends with, revisions for compliance included, judged with
    its rehearsed first edit (the voice on the clock: pipeline/rehearsal.py)."""
    script, report, _ = draft_script(LocalScriptWriter(), brief, policy, CallContext())
    return script, report


def _breaks_fit(report: Report) -> bool:
    return any(f.severity == "error" and f.rule in FIT_RULES for f in report.findings)


def _fits(brief: Brief, seconds: int, policy: Policy) -> bool:
    """Whether the brief at `seconds` fits as first written: a length suggested must not depend
    on the writer's revisions rescuing it."""
    first_draft = policy.model_copy(update={"max_writer_retries": 0})
    return not _breaks_fit(_plan(brief.model_copy(update={"duration_s": seconds}), first_draft)[1])


def shortest_fitting(brief: Brief, policy: Policy, floor_s: float = 0.0) -> tuple[int | None, int]:
    """The shortest whole-second length above the brief's that fits, and how many lengths were
    planned to find it. Bounded: the broadcast lengths first (at most six plans) find the first
    that fits, then a bisection of the whole seconds between it and the last that did not (at
    most five more). A longer ad gives the risks more time, so fitting is taken as monotone in
    length; the answer is always a length that was planned and fits. No length at or under
    `floor_s` (the risks' words at a natural pace) can fit, so the search starts above it: an
    unfit 60 s brief answers in a second."""
    tried = 0
    low, high = max(brief.duration_s, int(floor_s)), None  # low does not fit; high fits
    for d in (d for d in STANDARD if d > low):
        tried += 1
        if _fits(brief, d, policy):
            high = d
            break
        low = d
    if high is None:
        return None, tried
    while high - low > 1:
        mid = (low + high) // 2
        tried += 1
        if _fits(brief, mid, policy):
            high = mid
        else:
            low = mid
    return high, tried


def standard_from(seconds: int) -> int | None:
    return next((d for d in STANDARD if d >= seconds), None)


def fit(brief: Brief, policy: Policy | None = None) -> Fit:
    policy = policy or load_policy(None)
    script, report = _plan(brief, policy)
    if not _breaks_fit(report):
        return Fit(fits=True, duration_s=brief.duration_s, tried=1)
    ms = [s for s in script.scenes if s.purpose == "major_statement"]
    have = round(sum(s.duration_s for s in ms), 1)
    need = round(sum(word_count(s.voiceover) for s in ms) * 60.0 / policy.natural_wpm, 1)
    shortest, tried = shortest_fitting(brief, policy, need)
    standard = standard_from(shortest) if shortest else None
    if need > have:
        what = f"The major statement needs {need:.1f} s, has {have:.1f} s"
    else:  # it has the time at a natural pace, but its pace or a text's reading time does not fit
        first = next(f for f in report.findings if f.severity == "error" and f.rule in FIT_RULES)
        what = first.message.rstrip(".")
    if shortest is None:
        todo = f"no length up to {MAX_S} s fits: shorten the risk information"
    elif standard == shortest:
        todo = f"make it {shortest} s"
    else:
        todo = f"make it {shortest} s (or {standard} s, the next broadcast length)"
    return Fit(
        fits=False,
        duration_s=brief.duration_s,
        shortest_s=shortest,
        standard_s=standard,
        tried=tried + 1,
        need_s=need,
        have_s=have,
        message=f"{what} (a {brief.duration_s} s ad): {todo}.",
    )


class BriefDoesNotFit(ValueError):
    """A brief whose risks (or closing card) cannot be said and read in its length: refused when
    the job is created, before anything is rendered or billed."""

    def __init__(self, found: Fit):
        super().__init__(found.message)
        self.fit = found

    @property
    def brief_changes(self) -> dict[str, object]:
        """The change that makes it fit (`{"duration_s": N}`), or none when no length does."""
        return {"duration_s": self.fit.shortest_s} if self.fit.shortest_s else {}


def require_fit(brief: Brief, policy: Policy | None = None) -> None:
    """Raise BriefDoesNotFit, naming the shortest length that fits, unless the brief fits."""
    found = fit(brief, policy)
    if not found.fits:
        raise BriefDoesNotFit(found)


def advice(report: Report, brief: Brief) -> tuple[str, dict[str, object]]:
    """What to do about a script that still breaks rules: (the fix, the brief change it names)."""
    if _breaks_fit(report):
        found = fit(brief)
        if not found.fits:
            changes: dict[str, object] = {"duration_s": found.shortest_s} if found.shortest_s else {}
            return found.message, changes
    first = next((f for f in report.findings if f.severity == "error"), None)
    return (first.fix or first.message, {}) if first else ("", {})
