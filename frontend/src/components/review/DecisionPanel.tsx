// A version's review state and the reviewer's decision: approve, request changes or reject with
// a reason; approving a version made despite compliance or QC errors asks why (the override),
// which the approval then shows. An approval binds to the version's content hash. Who may decide
// is the server's rule (omnigen/review/approval.py); the panel shows only what it would accept.

import { useState, type FormEvent } from "react";
import { formatDate, humanize } from "../../lib/format";
import type { Decision, DecisionRequest, VersionReview } from "../../lib/types";

interface Props {
  review: VersionReview | null;
  /** What the signed-in person may do: reviewers decide; the ad's maker approves it only where
   *  self-approval is allowed. */
  may?: { decide: boolean; approve: boolean };
  onDecide(d: DecisionRequest): Promise<boolean>;
}

const CHOICES: { value: Decision; label: string }[] = [
  { value: "approved", label: "Approve" },
  { value: "changes_requested", label: "Request changes" },
  { value: "rejected", label: "Reject" },
];

export function DecisionPanel({ review, may = { decide: true, approve: true }, onDecide }: Props) {
  const [decision, setDecision] = useState<Decision>("changes_requested");
  const [reason, setReason] = useState("");
  const [override, setOverride] = useState("");
  if (!review) return null;
  const errors = review.compliance_errors + review.qc_errors;
  const needsOverride = decision === "approved" && errors > 0;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await onDecide({ decision, reason, override: needsOverride ? override : null })) {
      setReason("");
      setOverride("");
    }
  };

  return (
    <section aria-labelledby="decision-h" className="card decision">
      <h2 id="decision-h">Decision on version {review.version}</h2>
      <p>
        <span className={`badge review-${review.status}`} data-testid="review-status">
          {humanize(review.status)}
        </span>{" "}
        <span className="muted small">
          content hash <code title={review.content_hash}>{review.content_hash.slice(0, 12)}</code> · {review.open_comments} open comment
          {review.open_comments === 1 ? "" : "s"}
        </span>
      </p>
      {review.recorded_hash && review.recorded_hash !== review.content_hash && (
        <p className="notice notice-error">This version's files changed after it was rendered: its hash no longer matches the one recorded.</p>
      )}
      {errors > 0 && (
        <p className="notice notice-warning">
          Made despite {review.compliance_errors} compliance and {review.qc_errors} QC error{errors === 1 ? "" : "s"}
          {review.override_recorded ? " (override recorded)" : ""}. Approving it needs the reason they are accepted.
        </p>
      )}
      {review.approval ? (
        <p className="notice notice-success" data-testid="approval">
          Approved by {review.approval.by_name} on {formatDate(review.approval.at)}: “{review.approval.reason}”.
          {review.approval.override && <> Override: “{review.approval.override}”.</>} An approved version never changes; any edit makes a new version.
        </p>
      ) : !may.decide ? (
        <p className="muted" data-testid="decision-who">
          Only reviewers decide on a version. Share the ad with one under Reviewers; their decision shows here.
        </p>
      ) : (
        <form onSubmit={submit}>
          <fieldset className="inline-choices">
            <legend>Decision</legend>
            {CHOICES.map((c) => (
              <label key={c.value} className="choice">
                <input
                  type="radio"
                  name="decision"
                  value={c.value}
                  checked={decision === c.value}
                  disabled={c.value === "approved" && !may.approve}
                  aria-describedby={c.value === "approved" && !may.approve ? "approve-why" : undefined}
                  onChange={() => setDecision(c.value)}
                />{" "}
                {c.label}
              </label>
            ))}
          </fieldset>
          {!may.approve && (
            <p className="muted small" id="approve-why">
              You made this ad, so another reviewer approves it; you can still request changes or reject it.
            </p>
          )}
          <div className="field">
            <label htmlFor="decision-reason">Reason</label>
            <textarea id="decision-reason" rows={2} maxLength={2000} required value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          {needsOverride && (
            <div className="field">
              <label htmlFor="decision-override">Why the errors are accepted (recorded with the approval)</label>
              <textarea id="decision-override" rows={2} maxLength={2000} required value={override} onChange={(e) => setOverride(e.target.value)} />
            </div>
          )}
          <button type="submit" className="primary" disabled={!reason.trim() || (needsOverride && !override.trim())}>
            Record the decision
          </button>
        </form>
      )}
      {review.decisions.length > 0 && (
        <ol className="plain decisions" aria-label="Decisions">
          {review.decisions.map((d) => (
            <li key={d.seq}>
              <strong>{humanize(d.decision)}</strong> by {d.by_name}, {formatDate(d.at)}: {d.reason}
              {d.override && <span className="muted"> (override: {d.override})</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
