// Library: the user's jobs (name, status, poster, duration, cost, date, versions, campaign),
// filtered by status and campaign and searched, with play and download, rename, campaigns,
// delete (confirmed) and duplicate; the list is fetched again before its signed URLs expire.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { CardTools } from "../components/library/CardTools";
import { Notice, ProgressBar, StatusBadge, ViewHeading } from "../components/ui";
import { expiredOrSoon } from "../lib/expiry";
import { formatDate, formatUsd } from "../lib/format";
import { useRefreshBeforeExpiry } from "../lib/hooks";
import { isCreator, useMe } from "../lib/people";
import { href } from "../lib/router";
import { useServices } from "../lib/services";
import { isTerminal, type JobSummary } from "../lib/types";

const FILTERS = [
  { value: "all", label: "All" },
  { value: "running", label: "In progress" },
  { value: "completed", label: "Completed" },
  { value: "failed", label: "Failed" },
  { value: "cancelled", label: "Cancelled" },
] as const;
type Filter = (typeof FILTERS)[number]["value"];

export function matches(job: JobSummary, filter: Filter, query: string): boolean {
  if (filter === "running" ? isTerminal(job.status) : filter !== "all" && job.status !== filter) return false;
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [job.title ?? "", job.brand_name, job.prompt, job.job_id, job.campaign ?? ""].some((s) => s.toLowerCase().includes(q));
}

export function LibraryView() {
  const { api } = useServices();
  /** A reviewer's library is the ads shared with them: nothing here changes one. */
  const creator = isCreator(useMe());
  const [items, setItems] = useState<JobSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState<Filter>("all");
  const [query, setQuery] = useState("");
  const [playing, setPlaying] = useState<string | null>(null);
  const [campaign, setCampaign] = useState("");
  const [campaigns, setCampaigns] = useState<string[]>([]);
  const shownCount = useRef(0);
  shownCount.current = items.length;

  /** Fetch the first page again, and as many more as are already shown (fresh URLs for all). */
  const refresh = useCallback(async () => {
    setLoading(true);
    try {
      let page = await api.listJobs(null, undefined, campaign || null);
      const all = [...page.items];
      while (page.next_cursor && all.length < shownCount.current) {
        page = await api.listJobs(page.next_cursor, undefined, campaign || null);
        all.push(...page.items);
      }
      setItems(all);
      setCursor(page.next_cursor);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
    api.campaigns().then(
      (cs) => setCampaigns(cs.map((c) => c.name)),
      () => undefined, // a server without campaigns: no campaign filter
    );
  }, [api, campaign]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // While a job is running its row changes: poll gently until every shown job has finished.
  const running = items.some((j) => !isTerminal(j.status));
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => void refresh(), 5000);
    return () => clearInterval(t);
  }, [running, refresh]);

  useRefreshBeforeExpiry(
    items.flatMap((j) => [j.poster_url, j.output_url]),
    () => void refresh(),
  );

  const more = async () => {
    if (!cursor) return;
    setLoading(true);
    try {
      const page = await api.listJobs(cursor, undefined, campaign || null);
      setItems((xs) => [...xs, ...page.items.filter((j) => !xs.some((x) => x.job_id === j.job_id))]);
      setCursor(page.next_cursor);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  };

  const shown = useMemo(() => items.filter((j) => matches(j, filter, query)), [items, filter, query]);

  return (
    <div className="library">
      <div className="view-top">
        <ViewHeading>{creator ? "Library" : "Shared with you"}</ViewHeading>
        {creator && (
          <a className="button primary" href={href.create()}>
            New ad
          </a>
        )}
      </div>
      <div className="filters" role="search">
        <div className="field grow">
          <label htmlFor="lib-search">Search</label>
          <input id="lib-search" type="search" placeholder="Brand, prompt or job id" value={query} onChange={(e) => setQuery(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="lib-status">Status</label>
          <select id="lib-status" value={filter} onChange={(e) => setFilter(e.target.value as Filter)}>
            {FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </div>
        {campaigns.length > 0 && (
          <div className="field">
            <label htmlFor="lib-campaign">Campaign</label>
            <select id="lib-campaign" value={campaign} onChange={(e) => setCampaign(e.target.value)}>
              <option value="">All campaigns</option>
              {campaigns.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
        )}
        <button type="button" className="secondary" onClick={() => void refresh()} disabled={loading}>
          Refresh
        </button>
      </div>
      {error && <Notice kind="error">The library could not be loaded: {error}</Notice>}
      <p className="muted" role="status" aria-live="polite">
        {loading && items.length === 0 ? "Loading…" : `${shown.length} of ${items.length}${cursor ? "+" : ""} ads`}
      </p>
      {!loading && items.length === 0 && !error && (
        <p>{creator ? <>No ads yet. <a href={href.create()}>Create your first one.</a></> : "No ad has been shared with you yet."}</p>
      )}
      <ul className="job-grid plain">
        {shown.map((j) => {
          const poster = api.assetUrl(j.poster_url);
          const output = api.assetUrl(j.output_url);
          return (
            <li key={j.job_id} className="job-card card" data-job-id={j.job_id}>
              <div className={`poster ar-${j.aspect_ratio.replace(":", "-")}`}>
                {playing === j.job_id && output ? (
                  <video src={output} poster={poster} controls autoPlay aria-label={`${j.brand_name} ad`} onError={() => expiredOrSoon(output) && void refresh()} />
                ) : poster ? (
                  <img src={poster} alt={`Poster frame of the ${j.brand_name} ad`} loading="lazy" onError={() => expiredOrSoon(poster) && void refresh()} />
                ) : (
                  <div className="poster-empty">{isTerminal(j.status) ? "No video" : <ProgressBar value={j.percent} label={`${j.brand_name} progress`} small />}</div>
                )}
              </div>
              <div className="job-card-body">
                <h2 className="job-title">
                  <a href={j.status !== "completed" ? href.progress(j.job_id) : creator ? href.editor(j.job_id) : href.review(j.job_id)}>{j.title || j.brand_name}</a>
                </h2>
                {j.campaign && <p className="muted small campaign">Campaign: {j.campaign}</p>}
                <p className="muted clamp">{j.prompt}</p>
                <dl className="facts">
                  <div>
                    <dt>Status</dt>
                    <dd>
                      <StatusBadge status={j.status} />
                    </dd>
                  </div>
                  <div>
                    <dt>Length</dt>
                    <dd>
                      {j.duration_s} s · {j.aspect_ratio}
                    </dd>
                  </div>
                  <div>
                    <dt>Cost</dt>
                    <dd>{formatUsd(j.cost_usd)}</dd>
                  </div>
                  <div>
                    <dt>Versions</dt>
                    <dd data-testid="version-count">{j.versions ?? 0}</dd>
                  </div>
                  <div>
                    <dt>Created</dt>
                    <dd>
                      <time dateTime={j.created_at}>{formatDate(j.created_at)}</time>
                    </dd>
                  </div>
                </dl>
                <div className="actions">
                  {output && (
                    <>
                      <button type="button" className="secondary" aria-pressed={playing === j.job_id} onClick={() => setPlaying(playing === j.job_id ? null : j.job_id)}>
                        {playing === j.job_id ? "Stop" : "Play"}
                        <span className="visually-hidden"> {j.brand_name} ad</span>
                      </button>
                      <a className="button secondary" href={output} download={`${j.brand_name}-${j.job_id}.mp4`}>
                        Download<span className="visually-hidden"> {j.brand_name} ad</span>
                      </a>
                    </>
                  )}
                  <a className="button secondary" href={href.progress(j.job_id)}>
                    Details<span className="visually-hidden"> of {j.brand_name}</span>
                  </a>
                  {creator && (
                    <a className="button secondary" href={href.create(j.job_id)}>
                      Duplicate brief<span className="visually-hidden"> of {j.brand_name}</span>
                    </a>
                  )}
                  {j.status === "completed" && (
                    <a className="button secondary" href={href.review(j.job_id)}>
                      Review<span className="visually-hidden"> the {j.brand_name} ad</span>
                    </a>
                  )}
                  {j.status === "completed" && (
                    <a className="button secondary" href={href.compliance(j.job_id)}>
                      Compliance<span className="visually-hidden"> of {j.brand_name}</span>
                    </a>
                  )}
                </div>
                {creator && <CardTools job={j} campaigns={campaigns} onChanged={() => void refresh()} onDeleted={(gone) => setItems((xs) => xs.filter((x) => x.job_id !== gone))} />}
              </div>
            </li>
          );
        })}
      </ul>
      {cursor && (
        <button type="button" className="secondary" onClick={() => void more()} disabled={loading}>
          Load more
        </button>
      )}
    </div>
  );
}
