"""The rule registry: every rule id with its severity, source, ad types and checks, in report order.

Ids are stable: they appear in stored reports, in the labelled test corpus and in the feedback
the script writer gets, so a rule is renamed never, only added or retired.
"""

from __future__ import annotations

from omnigen.compliance import rules_script as s
from omnigen.compliance import rules_text as x
from omnigen.compliance import rules_timeline as t
from omnigen.compliance.rule import ALL, CLAIM_ONLY, NAMED, Rule


def _rules() -> tuple[Rule, ...]:
    ms = "21 CFR 202.1(e)(1)(ii)"
    text = f"{ms}(D) applied to all on-screen text (house policy)"
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
             f"{ms}(D)", CLAIM_ONLY, None, x.ms_legibility),
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
        Rule("TEXT-FIT", "Every text fits its frame whole, inside title-safe", "error",
             f"{text}; title-safe area, SMPTE ST 2046-1", ALL, None, x.text_fit),
        Rule("TEXT-LEGIBILITY", "Every text big enough and legible on its plate", "error",
             text, ALL, None, x.text_legibility),
        Rule("TEXT-READING-TIME", "Every text on screen long enough to read", "error",
             f"{ms}(C)(2) (major statement); {text}; reading time per policy (DCMP Captioning Guidelines, "
             "BBC Subtitle Guidelines)", ALL, x.script_reading_time, x.timeline_reading_time),
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
