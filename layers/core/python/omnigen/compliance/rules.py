"""The rule objects: one per rule id, with its severity, source, the ad types it applies to, and
its script-level and timeline-level checks.

Ids are stable: they appear in stored reports, in the labelled test corpus and in the feedback
the script writer gets, so a rule is renamed never, only added or retired.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from omnigen.compliance.findings import Finding, Severity

if TYPE_CHECKING:
    from omnigen.compliance.context import ScriptContext, TimelineContext

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


def _rules() -> tuple[Rule, ...]:
    from omnigen.compliance import rules_script as s
    from omnigen.compliance import rules_timeline as t

    ms = "21 CFR 202.1(e)(1)(ii)"
    ap = "21 CFR 202.1(e)(1) adequate provision; FDA guidance, Consumer-Directed Broadcast Advertisements (1999)"
    return (
        Rule("MS-COMPLETE", "Major statement names every major risk", "error",
             "FD&C Act 502(n); 21 CFR 202.1(e)(1)", CLAIM_ONLY, s.ms_complete, t.ms_complete),
        Rule("MS-BOXED-WARNING", "Major statement carries the boxed warning", "error",
             "21 CFR 202.1(e)(1); 21 CFR 201.57(c)(1) (boxed warning)", CLAIM_ONLY, s.ms_boxed_warning),
        Rule("MS-LANGUAGE", "Consumer-friendly terms in the major statement", "warning",
             f"{ms}(A)", CLAIM_ONLY, s.ms_language),
        Rule("MS-PACE", "Major statement no faster than the rest", "error",
             f"{ms}(B)", CLAIM_ONLY, s.ms_pace, t.ms_pace),
        Rule("MS-DUAL-MODALITY", "Major statement shown while spoken", "error",
             f"{ms}(C)", CLAIM_ONLY, None, t.ms_dual_modality),
        Rule("MS-LEGIBILITY", "Major-statement text legible", "error",
             f"{ms}(D)", CLAIM_ONLY, None, t.ms_legibility),
        Rule("MS-DISTRACTION", "Nothing competes with the major statement", "error",
             f"{ms}(E)", CLAIM_ONLY, None, t.ms_distraction),
        Rule("AP-PHONE", "Toll-free number given", "error", ap, CLAIM_ONLY, s.ap_phone),
        Rule("AP-WEBSITE", "Website given", "error", ap, CLAIM_ONLY, s.ap_website),
        Rule("AP-PRINT", "Print-ad reference given", "error", ap, CLAIM_ONLY, s.ap_print),
        Rule("AP-HCP", "Healthcare-provider reference given", "error", ap, CLAIM_ONLY, s.ap_hcp),
        Rule("NAME-GENERIC", "Brand name with its established name", "error",
             "FD&C Act 502(n)(1); 21 CFR 202.1(b)(1)", NAMED, s.name_generic),
        Rule("NAME-INDICATION", "An approved use is stated", "error",
             "FD&C Act 502(n); 21 CFR 202.1(e)(1), (e)(6)(i)", CLAIM_ONLY, s.name_indication),
        Rule("CLAIM-ABSOLUTE", "No unsubstantiated absolute claims", "error",
             "21 CFR 202.1(e)(5), (e)(6)", ALL, s.claim_absolute, t.claim_absolute),
        Rule("FIT-DURATION", "Script fits the duration at a natural pace", "error",
             f"brief duration; {ms}(B)", ALL, s.fit_duration, t.fit_duration),
        Rule("AD-TYPE", "Content matches the ad type", "error",
             "21 CFR 202.1(e)(2)(i) (reminder); FDA draft guidance, Help-Seeking and Other Disease "
             "Awareness Communications (2004)", ALL, s.ad_type, t.ad_type),
    )  # fmt: skip


RULES: tuple[Rule, ...] = _rules()
RULE_IDS: tuple[str, ...] = tuple(r.id for r in RULES)


def rule(rule_id: str) -> Rule:
    """The rule with this id (KeyError names it when there is none)."""
    for r in RULES:
        if r.id == rule_id:
            return r
    raise KeyError(f"no compliance rule {rule_id!r}")
