"""The compliance report as one standalone HTML page, stored with every job.

Regulatory reviewers open it from the job page or the asset store: no scripts, no external
styles, every value escaped (messages quote the script, which is user text).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Protocol


class FindingView(Protocol):
    """What the page shows of one finding (`findings.Finding` has it)."""

    @property
    def severity(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def fix(self) -> str: ...
    @property
    def source(self) -> str: ...
    def where(self) -> str: ...


class ReportView(Protocol):
    """What the page shows of a report (`findings.Report` has it). A protocol, so this module
    needs nothing from `findings`, which calls it."""

    @property
    def findings(self) -> Sequence[FindingView]: ...
    @property
    def level(self) -> str: ...
    @property
    def errors(self) -> int: ...
    @property
    def warnings(self) -> int: ...


_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 980px; color: #1d232a; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; }
.summary { margin: .5rem 0 1.5rem; font-size: 1.05rem; }
.badge { display: inline-block; padding: .1rem .55rem; border-radius: .8rem; font-weight: 600;
         font-size: .85rem; }
.error { background: #fde2e1; color: #8a1c12; }
.warning { background: #fff1c7; color: #6b4c00; }
.clean { background: #dcf5e3; color: #135c2c; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .55rem .6rem; border-bottom: 1px solid #e3e6ea; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: #59636e; }
td.rule { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: nowrap; }
.fix { color: #33547a; margin-top: .3rem; }
.source { color: #59636e; font-size: .85rem; }
"""


def render_html(report: ReportView) -> str:
    """Summary line and one table row per finding (severity, rule, where, message, fix, source)."""
    if report.errors:
        status = f'<span class="badge error">{report.errors} error(s)</span>'
    else:
        status = '<span class="badge clean">no errors</span>'
    if report.warnings:
        status += f' <span class="badge warning">{report.warnings} warning(s)</span>'
    rows = []
    for f in report.findings:
        fix = f'<div class="fix">Fix: {escape(f.fix)}</div>' if f.fix else ""
        rows.append(
            "<tr>"
            f'<td><span class="badge {escape(f.severity)}">{escape(f.severity)}</span></td>'
            f'<td class="rule">{escape(f.rule)}</td>'
            f"<td>{escape(f.where())}</td>"
            f"<td>{escape(f.message)}{fix}</td>"
            f'<td class="source">{escape(f.source)}</td>'
            "</tr>"
        )
    if rows:
        body = (
            "<table><thead><tr><th>Severity</th><th>Rule</th><th>Where</th><th>Finding</th>"
            "<th>Source</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
    else:
        body = "<p>Every rule passed.</p>"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Compliance report ({escape(report.level)})</title><style>{_STYLE}</style></head>"
        f"<body><h1>Compliance report</h1>"
        f'<p class="summary">Checked the {escape(report.level)}: {status}</p>'
        f"{body}"
        '<p class="source">Rules: 21 CFR 202.1 (major statement, adequate provision, names, claims) '
        "and the OmniGen policy for the thresholds the law does not fix.</p>"
        "</body></html>\n"
    )
