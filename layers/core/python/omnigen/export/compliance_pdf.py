"""The compliance report of one version as a PDF (fpdf2, with the fonts the ad itself is set in,
so every character of the label text prints): the approval, the major statement as spoken and as
shown with their times, then every rule checked with pass/fail, its findings and evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fpdf import FPDF

from omnigen.compliance.sheet import Evidence, RuleSheet
from omnigen.text_layout import font_path

STATUS = {"pass": "PASS", "fail": "FAIL", "warning": "WARNING", "not_applicable": "N/A"}
COLOURS = {"pass": (20, 110, 50), "fail": (170, 20, 20), "warning": (150, 95, 0), "not_applicable": (110, 110, 110)}


def _t(s: float) -> str:
    return f"{s:5.2f} s"


class _Doc(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.add_font("Sans", "", str(font_path("regular")))
        self.add_font("Sans", "B", str(font_path("bold")))
        self.set_title(title)
        self.set_author("OmniGen")
        self.set_auto_page_break(auto=True, margin=15)
        self.footer_text = title

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Sans", size=8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, f"{self.footer_text} · page {self.page_no()}", align="C")

    def heading(self, text: str, size: int = 13) -> None:
        self.set_font("Sans", "B", size)
        self.set_text_color(0, 0, 0)
        self.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def para(self, text: str, size: float = 9.5, colour: tuple[int, int, int] = (0, 0, 0), indent: float = 0) -> None:
        self.set_font("Sans", size=size)
        self.set_text_color(*colour)
        self.set_x(self.l_margin + indent)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")

    def evidence(self, items: Sequence[Evidence], indent: float = 0) -> None:
        if not items:
            self.para("(nothing)", colour=(110, 110, 110), indent=indent)
        for e in items:
            self.para(f"{e.kind:6} {_t(e.start_s)} – {_t(e.end_s)}   {e.text}", size=8.5, indent=indent)


def compliance_pdf(sheet: RuleSheet, *, title: str, facts: Sequence[tuple[str, str]]) -> bytes:
    """`facts`: (label, value) lines for the head (brand, version, content hash, approval...)."""
    doc = _Doc(title)
    doc.add_page()
    doc.heading(title, 16)
    for label, value in facts:
        doc.para(f"{label}: {value}")
    doc.ln(2)
    fails = sum(1 for r in sheet.rules if r.status == "fail")
    passes = sum(1 for r in sheet.rules if r.status == "pass")
    summary = f"{len(sheet.rules)} rules checked: {passes} pass, {fails} fail, {sheet.errors} error(s), "
    summary += f"{sheet.warnings} warning(s)"
    if sheet.allow_noncompliant:
        summary += "; made despite its errors (override recorded)"
    doc.para(summary, size=10.5)
    doc.ln(3)
    doc.heading("Major statement as spoken")
    doc.evidence(sheet.spoken_major_statement)
    doc.ln(2)
    doc.heading("Major statement as shown")
    doc.evidence(sheet.shown_major_statement)
    doc.ln(3)
    doc.heading("Every rule checked")
    for r in sheet.rules:
        doc.set_font("Sans", "B", 10.5)
        doc.set_text_color(*COLOURS[r.status])
        doc.multi_cell(0, 5.5, f"{STATUS[r.status]:8} {r.rule} — {r.title}", new_x="LMARGIN", new_y="NEXT")
        doc.para(f"source: {r.source}", size=8, colour=(90, 90, 90), indent=4)
        for f in r.findings:
            where = _where(f)
            doc.para(f"{str(f.get('severity', '')).upper()} {where}: {f.get('message', '')}", size=9, indent=4)
        if r.evidence:
            doc.para("evidence:", size=8, colour=(90, 90, 90), indent=4)
            doc.evidence(r.evidence, indent=8)
        doc.ln(1.5)
    return bytes(doc.output())


def _where(f: dict[str, Any]) -> str:
    start, end = f.get("start_s"), f.get("end_s")
    if start is not None and end is not None:
        return f"{float(start):.2f}–{float(end):.2f} s"
    return "whole ad"
