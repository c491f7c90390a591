// The compliance report of a job: counts, and every finding with its rule, severity, scene,
// time range and plain-English message, filterable by severity.

import { useEffect, useMemo, useState } from "react";
import { Notice, StatusBadge, ViewHeading } from "../components/ui";
import { ApiError } from "../lib/api";
import { clock } from "../lib/format";
import { useJob } from "../lib/hooks";
import { href } from "../lib/router";
import { useServices } from "../lib/services";
import { ruleName } from "../lib/compliance";
import type { ComplianceReport, Finding } from "../lib/types";

function range(f: Finding): string {
  if (f.start_s === null || f.end_s === null) return "whole ad";
  return `${clock(f.start_s)}–${clock(f.end_s)}`;
}

export function ComplianceView({ id }: { id: string }) {
  const { api } = useServices();
  const { job } = useJob(id);
  const [report, setReport] = useState<ComplianceReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [severity, setSeverity] = useState<"all" | "error" | "warning">("all");

  useEffect(() => {
    let live = true;
    api.compliance(id).then(
      (r) => live && setReport(r),
      (e: unknown) => live && setError(e instanceof ApiError && e.status === 404 ? "This job has no compliance report yet: it is written with the script and again at every compose." : (e as Error).message),
    );
    return () => {
      live = false;
    };
  }, [api, id]);

  const findings = useMemo(
    () =>
      (report?.findings ?? [])
        .filter((f) => severity === "all" || f.severity === severity)
        .slice()
        .sort((a, b) => (a.severity === b.severity ? (a.start_s ?? -1) - (b.start_s ?? -1) : a.severity === "error" ? -1 : 1)),
    [report, severity],
  );

  return (
    <div className="compliance">
      <div className="view-top">
        <div>
          <ViewHeading>Compliance report{job ? ` · ${job.brief.product.brand_name}` : ""}</ViewHeading>
          {report?.version && <p className="muted">For version {report.version} of the ad.</p>}
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
            <div className="table-wrap">
              <table className="findings">
                <caption className="visually-hidden">Compliance findings</caption>
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
          )}
        </>
      )}
    </div>
  );
}
