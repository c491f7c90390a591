// The job's append-only audit trail: who did what, when, on which version and content hash.

import { formatDate } from "../../lib/format";
import type { AuditEntry } from "../../lib/types";

const ACTIONS: Record<string, string> = {
  "job.created": "created the job",
  "timeline.edited": "edited the timeline",
  "render.requested": "asked for a render",
  "version.rendered": "rendered a version",
  "override.recorded": "recorded an override",
  "comment.added": "commented",
  "comment.resolved": "resolved a comment",
  "comment.reopened": "reopened a comment",
  "decision.recorded": "recorded a decision",
  "reviewer.added": "shared the job with a reviewer",
  "reviewer.removed": "stopped sharing with a reviewer",
  "share_link.created": "made a share link",
  "share_link.revoked": "revoked a share link",
  "package.exported": "exported the package",
};

export function AuditList({ items, onExport }: { items: AuditEntry[]; onExport(): void }) {
  return (
    <section aria-labelledby="audit-h" className="card audit">
      <div className="timeline-toolbar">
        <h2 id="audit-h">Audit trail</h2>
        <button type="button" className="secondary" onClick={onExport}>
          Export CSV
        </button>
      </div>
      <div className="table-scroll">
        <table data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Version</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.seq} data-action={e.action}>
                <td>{formatDate(e.at)}</td>
                <td>{e.actor_name || e.actor}</td>
                <td>
                  {ACTIONS[e.action] ?? e.action}
                  {typeof e.detail.decision === "string" ? ` (${e.detail.decision.replace(/_/g, " ")})` : ""}
                </td>
                <td>{e.version ?? ""}</td>
                <td>
                  <code title={e.content_hash ?? ""}>{e.content_hash ? e.content_hash.slice(0, 10) : ""}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
