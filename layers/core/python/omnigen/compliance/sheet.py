"""Every rule checked on a rendered version, with pass/fail and its evidence — what a reviewer
reads instead of "no findings": the major statement as spoken and as shown with their times, and
for each rule the lines and texts it judged. Built from the version's own stored report (the
findings) and timeline, so it says exactly what was checked when the version was made."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field

from omnigen.brief import Brief
from omnigen.compliance.context import TimelineContext
from omnigen.compliance.policy import default_policy
from omnigen.compliance.referral import refers_to_provider
from omnigen.compliance.rules import RULES
from omnigen.script import Script
from omnigen.timeline import Timeline

Status = Literal["pass", "fail", "warning", "not_applicable"]


class Evidence(BaseModel):
    kind: Literal["spoken", "shown"]
    text: str
    start_s: float
    end_s: float


class RuleResult(BaseModel):
    rule: str
    title: str
    severity: str
    source: str
    status: Status
    findings: list[dict[str, Any]] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


class RuleSheet(BaseModel):
    version: int | None
    ad_type: str
    errors: int
    warnings: int
    allow_noncompliant: bool
    spoken_major_statement: list[Evidence]
    shown_major_statement: list[Evidence]
    rules: list[RuleResult]


def _spoken(ctx: TimelineContext, keep: Callable[[str], bool]) -> list[Evidence]:
    return [Evidence(kind="spoken", text=v.text, start_s=round(v.start_s, 3), end_s=round(v.end_s, 3))
            for v in sorted(ctx.timeline.voice, key=lambda v: v.start_s) if keep(v.text)]  # fmt: skip


def _shown(ctx: TimelineContext, keep: Callable[[str], bool], kinds: tuple[str, ...] | None = None) -> list[Evidence]:
    return [Evidence(kind="shown", text=t.text, start_s=round(t.start_s, 3), end_s=round(t.end_s, 3))
            for t in sorted(ctx.timeline.texts, key=lambda t: t.start_s)
            if keep(t.text) and (kinds is None or t.kind in kinds)]  # fmt: skip


def _ms_spoken(ctx: TimelineContext) -> list[Evidence]:
    return [Evidence(kind="spoken", text=v.text, start_s=round(v.start_s, 3), end_s=round(v.end_s, 3))
            for v in ctx.ms_lines]  # fmt: skip


def _mentions(*needles: str | None) -> Callable[[str], bool]:
    words = [n.casefold() for n in needles if n]
    digits = [re.sub(r"\D", "", n) for n in needles if n and sum(c.isdigit() for c in n) >= 7]

    def keep(text: str) -> bool:
        low = text.casefold()
        return any(w in low for w in words) or any(d and d in re.sub(r"\D", "", text) for d in digits)

    return keep


def _evidence(rule_id: str, ctx: TimelineContext) -> list[Evidence]:
    """What the rule looked at, as the viewer hears and sees it."""
    p = ctx.brief.product
    every = lambda _: True  # noqa: E731
    if rule_id.startswith("MS-"):
        return _ms_spoken(ctx) + _shown(ctx, every, ("major_statement",))
    pick: dict[str, Callable[[str], bool]] = {
        "AP-PHONE": _mentions(p.phone),
        "AP-WEBSITE": _mentions(p.website),
        "AP-PRINT": _mentions(p.print_ad, "print", "magazine"),
        "AP-HCP": refers_to_provider,
        "NAME-GENERIC": _mentions(p.brand_name, p.generic_name),
        "NAME-INDICATION": _mentions(p.indication),
    }
    if rule_id in pick:
        return _spoken(ctx, pick[rule_id]) + _shown(ctx, pick[rule_id])
    if rule_id.startswith("TEXT-"):
        return _shown(ctx, every)
    return _spoken(ctx, every)


def rule_sheet(report: dict[str, Any], timeline: Timeline, script: Script, brief: Brief) -> RuleSheet:
    """`report` is the version's stored compliance report (its findings by rule)."""
    ctx = TimelineContext(script, brief, default_policy(), timeline=timeline)
    findings: dict[str, list[dict[str, Any]]] = {}
    for f in report.get("findings", []):
        findings.setdefault(str(f.get("rule")), []).append(f)
    results = []
    for rule in RULES:
        mine = findings.get(rule.id, [])
        status: Status
        if not rule.applies(brief.ad_type):
            status = "not_applicable"
        elif any(f.get("severity") == "error" for f in mine):
            status = "fail"
        elif mine:
            status = "warning"
        else:
            status = "pass"
        evidence = _evidence(rule.id, ctx) if status != "not_applicable" else []
        results.append(
            RuleResult(
                rule=rule.id,
                title=rule.title,
                severity=rule.severity,
                source=rule.source,
                status=status,
                findings=mine,
                evidence=evidence,
            )
        )
    every = lambda _: True  # noqa: E731
    return RuleSheet(
        version=report.get("version"),
        ad_type=brief.ad_type,
        errors=int(report.get("errors", 0)),
        warnings=int(report.get("warnings", 0)),
        allow_noncompliant=bool(report.get("allow_noncompliant", False)),
        spoken_major_statement=_ms_spoken(ctx),
        shown_major_statement=_shown(ctx, every, ("major_statement",)),
        rules=results,
    )
