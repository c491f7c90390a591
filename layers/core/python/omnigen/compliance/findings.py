"""Findings and the report that holds them: what a person (or the script writer) acts on.

A finding says which rule, how serious, where (scene and time range on the ad's clock), what is
wrong in plain English, and the regulation or policy it comes from. The JSON form is the public
contract (DESIGN.md: `omnigen check --format json`, `compliance.json`, the API), so it carries
exactly the seven documented keys; the `fix` hint feeds the writer and the text/HTML forms.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from omnigen.compliance.report_html import render_html

Severity = Literal["error", "warning"]

JSON_KEYS: tuple[str, ...] = ("rule", "severity", "scene", "start_s", "end_s", "message", "source")


def _t(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


class Finding(BaseModel):
    """One thing a rule found. `fix` is an instruction for whoever revises the script."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    severity: Severity
    scene: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    message: str
    source: str
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape: the seven documented keys, times rounded to milliseconds."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "scene": self.scene,
            "start_s": _t(self.start_s),
            "end_s": _t(self.end_s),
            "message": self.message,
            "source": self.source,
        }

    def where(self) -> str:
        """'scene 4, 12.3–20.0 s' or 'whole ad': the location as a person reads it."""
        parts = []
        if self.scene is not None:
            parts.append(f"scene {self.scene}")
        if self.start_s is not None and self.end_s is not None:
            parts.append(f"{self.start_s:.1f}–{self.end_s:.1f} s")
        elif self.start_s is not None:
            parts.append(f"at {self.start_s:.1f} s")
        return ", ".join(parts) or "whole ad"


class Tally:
    """Counts over a report's `findings` (the compliance report and the QC report share them)."""

    findings: list[Finding]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    def rule_ids(self) -> set[str]:
        return {f.rule for f in self.findings}


class Report(Tally, BaseModel):
    """Every finding of one check, in a stable order (by time, then rule)."""

    model_config = ConfigDict(extra="forbid")

    findings: list[Finding] = Field(default_factory=list)
    level: Literal["script", "timeline"] = "script"

    @property
    def ok(self) -> bool:
        """True when nothing blocks the ad (warnings are advice, not blockers)."""
        return self.errors == 0

    def by_rule(self, rule: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule]

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "errors": self.errors,
            "warnings": self.warnings,
        }

    def to_json(self) -> str:
        """DESIGN's JSON: {"findings": [{rule, severity, scene, start_s, end_s, message, source}],
        "errors": N, "warnings": N}."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        """A plain listing for a terminal or a job's error detail."""
        head = f"compliance ({self.level}): {self.errors} error(s), {self.warnings} warning(s)"
        if not self.findings:
            return head + "\nno findings: every rule passed."
        lines = [head]
        for f in self.findings:
            lines.append(f"{f.severity.upper():7} {f.rule:<17} {f.where()}")
            lines.append(f"        {f.message}")
            if f.fix:
                lines.append(f"        fix: {f.fix}")
            lines.append(f"        source: {f.source}")
        return "\n".join(lines)

    def to_html(self) -> str:
        """A standalone, readable HTML page (every text escaped)."""
        return render_html(self)
