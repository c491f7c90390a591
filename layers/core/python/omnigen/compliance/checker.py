"""Run the rules: a script before rendering, a timeline before compose, and the writer's feedback.

The compose step stores one report per render, so `check_timeline` returns the script-level
findings together with the timeline-level ones.
"""

from __future__ import annotations

from omnigen.brief import Brief
from omnigen.compliance.context import ScriptContext, TimelineContext
from omnigen.compliance.findings import Finding, Report
from omnigen.compliance.policy import Policy, default_policy
from omnigen.compliance.rules import RULES
from omnigen.script import Script
from omnigen.timeline import Timeline

_ORDER = {r.id: n for n, r in enumerate(RULES)}


def _sorted(findings: list[Finding]) -> list[Finding]:
    """By time (whole-ad findings first), then the rule's place in the rule list: a stable order
    that reads like the ad."""
    return sorted(
        findings,
        key=lambda f: (f.start_s if f.start_s is not None else -1.0, _ORDER.get(f.rule, 99), f.scene or 0),
    )


def _script_findings(ctx: ScriptContext) -> list[Finding]:
    out: list[Finding] = []
    for rule in RULES:
        if rule.script_check is not None and rule.applies(ctx.ad_type):
            out.extend(rule.script_check(rule, ctx))
    return out


def check_script(script: Script, brief: Brief, policy: Policy | None = None) -> Report:
    """Every script-level rule that applies to the brief's ad type."""
    ctx = ScriptContext(script, brief, policy or default_policy())
    return Report(findings=_sorted(_script_findings(ctx)), level="script")


def check_timeline(timeline: Timeline, script: Script, brief: Brief, policy: Policy | None = None) -> Report:
    """The script-level findings plus every timeline-level rule: the one report a render stores."""
    ctx = TimelineContext(script, brief, policy or default_policy(), timeline=timeline)
    findings = _script_findings(ctx)
    for rule in RULES:
        if rule.timeline_check is not None and rule.applies(ctx.ad_type):
            findings.extend(rule.timeline_check(rule, ctx))
    return Report(findings=_sorted(findings), level="timeline")


def feedback_for_writer(report: Report) -> list[str]:
    """One instruction per error, for the script writer's next try: rule, where, what, how to fix."""
    out = []
    for f in report.findings:
        if f.severity != "error":
            continue
        where = f" ({f.where()})" if f.scene is not None else ""
        fix = f" Fix: {f.fix}" if f.fix else ""
        out.append(f"[{f.rule}]{where} {f.message}{fix}")
    return out
