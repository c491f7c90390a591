// The compliance report of a job: counts, and every finding with its rule, severity, scene,
// time range and plain-English message, filterable by severity; beside it the QC of the
// rendered file (what OCR read on the frames, loudness and true peak, duration), in the same form.

import { useEffect, useMemo, useState } from "react";
import { Notice, StatusBadge, ViewHeading } from "../components/ui";
import { ApiError } from "../lib/api";
import { clock } from "../lib/format";
import { useJob } from "../lib/hooks";
import { href } from "../lib/router";
import { useServices } from "../lib/services";
import { ruleName } from "../lib/compliance";
import type { ComplianceReport, Finding, QcReport } from "../lib/types";

function range(f: Finding): string {
  if (f.start_s === null || f.end_s === null) return "whole ad";
  return `${clock(f.start_s)}–${clock(f.end_s)}`;
}

function sorted(findings: Finding[], severity: "all" | "error" | "warning"): Finding[] {
  return findings
    .filter((f) => severity === "all" || f.severity === severity)
    .slice()
    .sort((a, b) => (a.severity === b.severity ? (a.start_s ?? -1) - (b.start_s ?? -1) : a.severity === "error" ? -1 : 1));
}

function FindingsTable({ findings, caption }: { findings: Finding[]; caption: string }) {
  return (
    <div className="table-wrap">
      <table className="findings">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">Rule</th>
            <th scope="col">Where</th>
            <th scope="col">Finding</th>
          </tr>
        </thead>
        <tbody>
          {findings.map((f, i) => (
            <tr key={i} className={`sev-${f.severity}`}>
              <td>
                <span className={`badge sev-${f.severity}`}>{f.severity}</span>
              </td>
              <td>
                <strong>{f.rule}</strong>
                <div className="muted small">{ruleName(f.rule)}</div>
              </td>
              <td>
                {f.scene ? `Scene ${f.scene}, ` : ""}
                {range(f)}
              </td>
              <td>
                {f.message}
                {f.source && <div className="muted small">{f.source}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function QcSection({ qc }: { qc: QcReport }) {
  const a = qc.audio;
  return (
    <section aria-labelledby="qc-h" className="qc-report">
      <h2 id="qc-h">Render QC{qc.version ? ` · version ${qc.version}` : ""}</h2>
      <p data-testid="qc-verdict">
        {qc.passed
          ? "The rendered file passed: every text item was read whole on its frames, inside title-safe, with the contrast it needs."
          : `The rendered file fails ${qc.errors} QC check${qc.errors === 1 ? "" : "s"}.`}
        {!qc.made && " This compose was refused: no version was made from it."}
      </p>
      {qc.allow_noncompliant && qc.errors > 0 && <Notice kind="warning">This version was made with its QC errors allowed (recorded here on purpose).</Notice>}
      {a && (
        <p className="muted small">
          Loudness {a.integrated_lufs.toFixed(1)} LUFS (target {a.target_lufs.toFixed(1)}) · true peak {a.true_peak_dbtp.toFixed(1)} dBTP (ceiling{" "}
          {a.ceiling_dbtp.toFixed(1)}){qc.tracks?.video_s != null && ` · ${qc.tracks.video_s.toFixed(2)} s`}
        </p>
      )}
      {qc.findings.length > 0 && <FindingsTable findings={sorted(qc.findings, "all")} caption="QC findings" />}
    </section>
  );
}

export function ComplianceView({ id }: { id: string }) {
  const { api } = useServices();
  const { job } = useJob(id);
  const [report, setReport] = useState<ComplianceReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [severity, setSeverity] = useState<"all" | "error" | "warning">("all");
  const [qc, setQc] = useState<QcReport | null>(null);

  useEffect(() => {
    let live = true;
    api.compliance(id).then(
      (r) => live && setReport(r),
      (e: unknown) => live && setError(e instanceof ApiError && e.status === 404 ? "This job has no compliance report yet: it is written with the script and again at every compose." : (e as Error).message),
    );
    api.qc(id).then(
      (r) => live && setQc(r),
      () => undefined, // no render yet: the QC section stays away
    );
    return () => {
      live = false;
    };
  }, [api, id]);

  const findings = useMemo(() => sorted(report?.findings ?? [], severity), [report, severity]);

  return (
    <div className="compliance">
      <div className="view-top">
        <div>
          <ViewHeading>Compliance report{job ? ` · ${job.brief.product.brand_name}` : ""}</ViewHeading>
          {report?.version && <p className="muted">{report.made === false ? `For the refused compose of version ${report.version} (not made).` : `For version ${report.version} of the ad.`}</p>}
        </div>
        {job && <StatusBadge status={job.status} />}
      </div>
      {error && <Notice kind="warning">{error}</Notice>}
      {!report && !error && <p role="status">Loading the report…</p>}
      {report && (
        <>
          <div className="summary-tiles">
            <div className={`tile ${report.errors ? "tile-error" : "tile-ok"}`}>
              <span className="tile-n" data-testid="errors-count">
                {report.errors}
              </span>
              <span>error{report.errors === 1 ? "" : "s"}</span>
            </div>
            <div className={`tile ${report.warnings ? "tile-warning" : "tile-ok"}`}>
              <span className="tile-n">{report.warnings}</span>
              <span>warning{report.warnings === 1 ? "" : "s"}</span>
            </div>
            <div className="tile-text">
              {report.errors === 0 ? (
                <p>No rule is broken.{report.warnings ? " The warnings are worth a look before the ad airs." : ""}</p>
              ) : (
                <p>The ad breaks {report.errors} rule{report.errors === 1 ? "" : "s"}; fix them in the workspace and re-compose.</p>
              )}
              {report.allow_noncompliant && (
                <Notice kind="warning">This version was rendered with its compliance errors allowed (recorded here on purpose).</Notice>
              )}
            </div>
          </div>
          <div className="filters">
            <div className="field">
              <label htmlFor="sev">Show</label>
              <select id="sev" value={severity} onChange={(e) => setSeverity(e.target.value as typeof severity)}>
                <option value="all">All findings</option>
                <option value="error">Errors</option>
                <option value="warning">Warnings</option>
              </select>
            </div>
            <a className="button secondary" href={href.editor(id)}>
              Open the workspace
            </a>
          </div>
          {findings.length === 0 ? (
            <p>No findings{severity === "all" ? "" : ` of this severity`}.</p>
          ) : (
            <FindingsTable findings={findings} caption="Compliance findings" />
          )}
        </>
      )}
      {qc && <QcSection qc={qc} />}
    </div>
  );
}
