// The compliance page a reviewer reads: every rule checked on the version with pass or fail and
// its evidence (the major statement as spoken and as shown, with their times), printable.

import { clock, humanize } from "../../lib/format";
import type { Evidence, RuleSheet } from "../../lib/types";

function EvidenceList({ items, label }: { items: Evidence[]; label: string }) {
  if (!items.length) return null;
  return (
    <ul className="plain evidence" aria-label={label}>
      {items.map((e, i) => (
        <li key={i}>
          <span className="muted small">
            {humanize(e.kind)} {clock(e.start_s)}–{clock(e.end_s)}
          </span>{" "}
          “{e.text}”
        </li>
      ))}
    </ul>
  );
}

export function RuleSheetView({ sheet, links }: { sheet: RuleSheet; links?: { html?: string; pdf?: string } }) {
  return (
    <section aria-labelledby="rules-h" className="card rule-sheet">
      <div className="timeline-toolbar">
        <h2 id="rules-h">Every rule checked{sheet.version ? ` on version ${sheet.version}` : ""}</h2>
        <div className="actions no-print">
          {links?.html && (
            <a className="button secondary" href={links.html} target="_blank" rel="noreferrer">
              HTML report
            </a>
          )}
          <button type="button" className="secondary" onClick={() => window.print()}>
            Print
          </button>
        </div>
      </div>
      <p className="muted">
        {sheet.errors} error{sheet.errors === 1 ? "" : "s"}, {sheet.warnings} warning{sheet.warnings === 1 ? "" : "s"} · {humanize(sheet.ad_type)} ad
        {sheet.allow_noncompliant ? " · made despite errors (recorded)" : ""}
      </p>
      <h3>Major statement</h3>
      <EvidenceList items={sheet.spoken_major_statement} label="Spoken" />
      <EvidenceList items={sheet.shown_major_statement} label="Shown" />
      <table className="rules-table" data-testid="rules-table">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Result</th>
            <th scope="col">Evidence and findings</th>
          </tr>
        </thead>
        <tbody>
          {sheet.rules.map((r) => (
            <tr key={r.rule} className={`rule-${r.status}`} data-rule={r.rule}>
              <th scope="row">
                {r.title}
                <div className="muted small">
                  {r.rule} · {r.source}
                </div>
              </th>
              <td>
                <span className={`badge rule-status-${r.status}`}>{r.status === "not_applicable" ? "Not applicable" : humanize(r.status)}</span>
              </td>
              <td>
                <EvidenceList items={r.evidence} label={`Evidence for ${r.rule}`} />
                {r.findings.map((f, i) => (
                  <p key={i} className="small">
                    {String(f.message ?? "")}
                  </p>
                ))}
                {!r.evidence.length && !r.findings.length && <span className="muted small">checked, nothing to show</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
