"""One compliance rule: its id, severity, source, the ad types it applies to, and its checks.

The type lives apart from the registry (`rules.py`) so the check modules can name it without
importing the registry that imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from omnigen.compliance.context import ScriptContext, TimelineContext
from omnigen.compliance.findings import Finding, Severity

ALL = frozenset({"product_claim", "reminder", "help_seeking"})
CLAIM_ONLY = frozenset({"product_claim"})
NAMED = frozenset({"product_claim", "reminder"})

ScriptCheck = Callable[["Rule", "ScriptContext"], Iterable[Finding]]
TimelineCheck = Callable[["Rule", "TimelineContext"], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A compliance rule. Its checks yield findings; `finding()` stamps id, severity and source."""

    id: str
    title: str
    severity: Severity
    source: str
    ad_types: frozenset[str]
    script_check: ScriptCheck | None = None
    timeline_check: TimelineCheck | None = None

    def applies(self, ad_type: str) -> bool:
        return ad_type in self.ad_types

    def finding(
        self,
        message: str,
        *,
        fix: str = "",
        scene: int | None = None,
        start_s: float | None = None,
        end_s: float | None = None,
        severity: Severity | None = None,
        source: str | None = None,
    ) -> Finding:
        """A finding of this rule; `severity` and `source` override the rule's for one finding
        (e.g. AD-TYPE cites the reminder rule or the help-seeking guidance, whichever applies)."""
        return Finding(
            rule=self.id,
            severity=severity or self.severity,
            scene=scene,
            start_s=start_s,
            end_s=end_s,
            message=message,
            source=source or self.source,
            fix=fix,
        )
