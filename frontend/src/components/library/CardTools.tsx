// A library card's own tools: rename the ad, put it in a campaign (or take it out), and delete
// it after a confirmation that says what goes with it. Each change is sent at once; the list is
// read again after it.

import { useState, type FormEvent } from "react";
import { problemText as say } from "../../lib/api";
import { useServices } from "../../lib/services";
import type { JobSummary } from "../../lib/types";

interface Props {
  job: JobSummary;
  campaigns: string[];
  onChanged(): void;
  onDeleted(id: string): void;
}

export function CardTools({ job, campaigns, onChanged, onDeleted }: Props) {
  const { api } = useServices();
  const [mode, setMode] = useState<null | "rename" | "campaign" | "delete">(null);
  const [title, setTitle] = useState(job.title || job.brand_name);
  const [campaign, setCampaign] = useState(job.campaign);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const name = job.title || job.brand_name;
  const listId = `campaigns-${job.job_id}`;

  const run = async (work: () => Promise<unknown>, after: () => void) => {
    setBusy(true);
    setProblem(null);
    try {
      await work();
      setMode(null);
      after();
    } catch (e) {
      setProblem(say(e));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mode === "rename") void run(() => api.changeJob(job.job_id, { title: title.trim() }), onChanged);
    if (mode === "campaign") void run(() => api.changeJob(job.job_id, { campaign: campaign.trim() }), onChanged);
  };

  return (
    <div className="card-tools">
      {mode === null && (
        <div className="actions">
          <button type="button" className="secondary small" onClick={() => setMode("rename")}>
            Rename<span className="visually-hidden"> the ad {name}</span>
          </button>
          <button type="button" className="secondary small" onClick={() => setMode("campaign")}>
            {job.campaign ? "Change campaign" : "Add to a campaign"}
            <span className="visually-hidden"> for {name}</span>
          </button>
          <button type="button" className="danger small" onClick={() => setMode("delete")}>
            Delete<span className="visually-hidden"> the ad {name}</span>
          </button>
        </div>
      )}
      {(mode === "rename" || mode === "campaign") && (
        <form onSubmit={submit} className="row">
          {mode === "rename" ? (
            <div className="field grow">
              <label htmlFor={`title-${job.job_id}`}>New name</label>
              <input id={`title-${job.job_id}`} value={title} maxLength={120} required onChange={(e) => setTitle(e.target.value)} autoFocus />
            </div>
          ) : (
            <div className="field grow">
              <label htmlFor={`campaign-${job.job_id}`}>Campaign (empty: none)</label>
              <input id={`campaign-${job.job_id}`} list={listId} value={campaign} maxLength={80} onChange={(e) => setCampaign(e.target.value)} autoFocus />
              <datalist id={listId}>
                {campaigns.map((c) => (
                  <option key={c} value={c} />
                ))}
              </datalist>
            </div>
          )}
          <button type="submit" className="primary small" disabled={busy || (mode === "rename" && !title.trim())}>
            Save
          </button>
          <button type="button" className="secondary small" onClick={() => setMode(null)}>
            Cancel
          </button>
        </form>
      )}
      {mode === "delete" && (
        <div className="notice notice-warning" role="alertdialog" aria-label={`Delete ${name}?`}>
          <p>
            Delete “{name}” and everything made for it (clips, audio, every version)? This cannot be undone.
          </p>
          <div className="actions">
            <button type="button" className="danger" disabled={busy} onClick={() => void run(() => api.deleteJob(job.job_id), () => onDeleted(job.job_id))}>
              Yes, delete it
            </button>
            <button type="button" className="secondary" onClick={() => setMode(null)}>
              Keep it
            </button>
          </div>
        </div>
      )}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
