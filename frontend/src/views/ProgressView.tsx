// Progress: the stage timeline and every track (script, each scene with its thumbnail as soon
// as it exists, music, voiceover, compose), live over the progress client; cancel; the finished
// ad with its player.

import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { Notice, ProgressBar, StatusBadge, ViewHeading } from "../components/ui";
import { formatSeconds, formatUsd, humanize } from "../lib/format";
import { useJob } from "../lib/hooks";
import { ProgressClient, type ConnectionState } from "../lib/progress";
import { href } from "../lib/router";
import { useServices } from "../lib/services";
import { isTerminal, type Job, type ProgressEvent, type TrackProgress } from "../lib/types";

export const STAGES = [
  { status: "queued", label: "Queued" },
  { status: "generating_script", label: "Script" },
  { status: "generating_videos", label: "Scenes" },
  { status: "generating_music", label: "Music and voice" },
  { status: "composing", label: "Compose" },
  { status: "completed", label: "Done" },
] as const;

const done = (t?: TrackProgress) => !!t && (t.state === "done" || t.state === "skipped");

/** How far the pipeline got, from the tracks: a failed or cancelled job still shows it. */
export function reachedStage(job: Pick<Job, "status" | "tracks">): number {
  const direct = STAGES.findIndex((s) => s.status === job.status);
  if (direct >= 0) return direct;
  const t = job.tracks;
  const scenes = Object.keys(t).filter((k) => k.startsWith("scene_"));
  if (done(t.compose)) return 5;
  if (scenes.length && scenes.every((k) => done(t[k])) && done(t.music) && done(t.voiceover)) return 4;
  if (scenes.length && scenes.every((k) => done(t[k]))) return 3;
  if (done(t.script)) return 2;
  if (t.script) return 1;
  return 0;
}

export function mergeEvent(job: Job, e: ProgressEvent): Job {
  if (e.seq <= job.seq) return job;
  return { ...job, seq: e.seq, status: e.status, stage: e.stage, percent: e.percent, message: e.message, tracks: e.tracks, updated_at: e.updated_at };
}

function sceneKeys(tracks: Record<string, TrackProgress>): string[] {
  return Object.keys(tracks)
    .filter((k) => /^scene_\d+$/.test(k))
    .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
}

function elapsed(t: TrackProgress): string | null {
  if (!t.started_at) return null;
  const end = t.finished_at ? Date.parse(t.finished_at) : Date.now();
  const s = (end - Date.parse(t.started_at)) / 1000;
  return Number.isFinite(s) && s >= 0 ? formatSeconds(s) : null;
}

function TrackRow({ name, label, track, children }: { name: string; label: string; track?: TrackProgress; children?: ReactNode }) {
  const state = track?.state ?? "pending";
  const time = track ? elapsed(track) : null;
  return (
    <li className={`track track-${state}`} data-track={name} data-state={state}>
      <div className="track-head">
        <h3>{label}</h3>
        <span className={`state state-${state}`}>{humanize(state)}</span>
      </div>
      <ProgressBar small value={done(track) ? 100 : (track?.percent ?? 0)} label={`${label} progress`} />
      <p className="track-msg">
        {track?.message || "\u00a0"}
        {time && <span className="muted"> · {time}</span>}
      </p>
      {children}
    </li>
  );
}

function ConnectionLine({ state, onRetry }: { state: ConnectionState | null; onRetry(): void }) {
  if (!state || state.kind === "done") return null;
  let text: string;
  switch (state.kind) {
    case "connecting":
      text = state.attempt ? `Reconnecting (attempt ${state.attempt + 1})…` : "Connecting to live progress…";
      break;
    case "open":
      text = "Live";
      break;
    case "waiting":
      text = `Connection lost${state.error ? ` (${state.error})` : ""}. Reconnecting in ${Math.round(state.delayMs / 1000)} s.`;
      break;
    case "error":
      text = `Live progress is unavailable: ${state.error}`;
      break;
  }
  return (
    <p className={`connection conn-${state.kind}`} role="status" data-testid="connection">
      <span className="dot" aria-hidden="true" /> {text}{" "}
      {state.kind === "waiting" && (
        <button type="button" className="link" onClick={onRetry}>
          Retry now
        </button>
      )}
    </p>
  );
}

export function ProgressView({ id }: { id: string }) {
  const { api, transport } = useServices();
  const { job, error, reload, setJob } = useJob(id);
  const [conn, setConn] = useState<ConnectionState | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const client = useRef<ProgressClient | null>(null);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const jobRef = useRef<Job | null>(null);
  jobRef.current = job;

  const reloadSoon = useCallback(() => {
    clearTimeout(reloadTimer.current);
    reloadTimer.current = setTimeout(() => void reload(), 250);
  }, [reload]);
  useEffect(() => () => clearTimeout(reloadTimer.current), []);

  const loaded = job !== null;
  const terminalAtStart = job ? isTerminal(job.status) : false;
  useEffect(() => {
    if (!loaded || terminalAtStart) return;
    const c = new ProgressClient(transport, id, {
      lastSeq: jobRef.current?.seq ?? 0,
      onState: setConn,
      onEvent: (e) => {
        const before = jobRef.current;
        setJob((j) => mergeEvent(j, e));
        // Thumbnails and players need signed URLs, which only the job read gives.
        const missing = Object.entries(e.tracks).some(([name, t]) => t.state === "done" && t.asset && !before?.urls[`track:${name}`]);
        if (missing || isTerminal(e.status)) reloadSoon();
      },
    }).start();
    client.current = c;
    const online = () => c.retryNow();
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("online", online);
      c.stop();
      client.current = null;
    };
  }, [id, loaded, terminalAtStart, transport, setJob, reloadSoon]);

  if (error && !job) {
    return (
      <div>
        <ViewHeading>Job {id}</ViewHeading>
        <Notice kind="error">{error.status === 404 ? `There is no job ${id} (or it is not yours).` : error.message}</Notice>
        <p>
          <a href={href.library()}>Back to the library</a>
        </p>
      </div>
    );
  }
  if (!job) return <p role="status">Loading the job…</p>;

  const cancel = async () => {
    setCancelError(null);
    try {
      await api.cancel(job.job_id);
      setConfirmCancel(false);
      await reload();
    } catch (e) {
      setCancelError((e as Error).message);
    }
  };

  const reached = reachedStage(job);
  const finished = isTerminal(job.status);
  const scenes = sceneKeys(job.tracks);
  const url = (k: string) => api.assetUrl(job.urls[k]);

  return (
    <div className="progress-view">
      <div className="view-top">
        <div>
          <ViewHeading>
            {job.brief.product.brand_name} · {job.brief.duration_s} s ad
          </ViewHeading>
          <p className="muted prompt-line">{job.brief.prompt}</p>
        </div>
        <StatusBadge status={job.status} />
      </div>

      <section aria-labelledby="overall-h" className="card">
        <h2 id="overall-h" className="visually-hidden">
          Overall progress
        </h2>
        <div className="overall">
          <ProgressBar value={job.status === "completed" ? 100 : job.percent} label="Overall progress" />
          <span className="overall-pct" aria-hidden="true">
            {Math.round(job.status === "completed" ? 100 : job.percent)}%
          </span>
        </div>
        <p className="muted" aria-live="polite" data-testid="job-message">
          {job.message}
        </p>
        <ol className="stages" aria-label="Stages">
          {STAGES.map((s, i) => {
            const failedHere = (job.status === "failed" || job.status === "cancelled") && i === reached;
            const cls = failedHere ? job.status : i < reached || job.status === "completed" ? "done" : i === reached ? "current" : "pending";
            return (
              <li key={s.status} className={`stage stage-${cls}`} aria-current={i === reached && !finished ? "step" : undefined}>
                <span className="stage-dot" aria-hidden="true" />
                <span>{s.label}</span>
                <span className="visually-hidden">
                  {" "}
                  ({cls === "current" ? "in progress" : cls})
                </span>
              </li>
            );
          })}
        </ol>
        <ConnectionLine state={finished ? null : conn} onRetry={() => client.current?.retryNow()} />
        {!finished && (
          <div className="actions">
            {!confirmCancel ? (
              <button type="button" className="danger" onClick={() => setConfirmCancel(true)}>
                Cancel job
              </button>
            ) : (
              <>
                <span>Stop making this ad? What was made so far is kept.</span>
                <button type="button" className="danger" onClick={() => void cancel()}>
                  Yes, cancel it
                </button>
                <button type="button" className="secondary" onClick={() => setConfirmCancel(false)}>
                  Keep going
                </button>
              </>
            )}
            {cancelError && <Notice kind="error">{cancelError}</Notice>}
          </div>
        )}
      </section>

      {job.status === "completed" && job.urls.output && (
        <section aria-labelledby="result-h" className="card result">
          <h2 id="result-h">Your ad</h2>
          <video
            className={`player ar-${job.brief.aspect_ratio.replace(":", "-")}`}
            controls
            preload="metadata"
            src={url("output")}
            poster={url("poster")}
            data-testid="output-video"
            aria-label={`${job.brief.product.brand_name} ad`}
          >
            {/* Captions are offered, not on by default: the burned-in text already carries the risk
                statement, and the cues are placed clear of it when a viewer turns them on. */}
            {job.urls.captions && <track kind="captions" srcLang="en" label="English" src={url("captions")} />}
          </video>
          <div className="actions">
            <a className="button primary" href={href.editor(job.job_id)}>
              Edit in the workspace
            </a>
            <a className="button secondary" href={href.compliance(job.job_id)}>
              Compliance report
              {job.compliance ? ` (${job.compliance.errors} errors, ${job.compliance.warnings} warnings)` : ""}
            </a>
            <a className="button secondary" href={url("output")} download={`${job.brief.product.brand_name}-${job.job_id}.mp4`}>
              Download MP4
            </a>
            <span className="muted">Cost {formatUsd(job.cost_usd)}</span>
          </div>
        </section>
      )}

      {job.status === "failed" && (
        <Notice kind="error">
          <strong>The ad could not be made{job.error ? ` at ${humanize(job.error.step)}` : ""}.</strong> {job.error?.message}
          {job.error?.detail && (
            <details>
              <summary>Details</summary>
              <pre className="detail">{job.error.detail}</pre>
            </details>
          )}
          {job.assets.compliance && (
            <p>
              <a href={href.compliance(job.job_id)}>Read the compliance report</a>
            </p>
          )}
          <p>
            <a href={href.create(job.job_id)}>Start again from this brief</a>
          </p>
        </Notice>
      )}
      {job.status === "cancelled" && <Notice kind="warning">This job was cancelled. What it made so far is kept.</Notice>}

      <section aria-labelledby="tracks-h">
        <h2 id="tracks-h">Tracks</h2>
        <ul className="tracks plain">
          <TrackRow name="script" label="Script" track={job.tracks.script} />
        </ul>
        <h3 className="sub">Scenes</h3>
        {scenes.length === 0 ? (
          <p className="muted">The scenes appear once the script is written.</p>
        ) : (
          <ul className="scene-grid plain">
            {scenes.map((k) => {
              const n = k.slice(6);
              const thumb = url(`track:${k}`);
              return (
                <TrackRow key={k} name={k} label={`Scene ${n}`} track={job.tracks[k]}>
                  <div className={`thumb ar-${job.brief.aspect_ratio.replace(":", "-")}`}>
                    {thumb ? <img src={thumb} alt={`Last frame of scene ${n}`} loading="lazy" /> : <span className="muted">no frame yet</span>}
                  </div>
                </TrackRow>
              );
            })}
          </ul>
        )}
        <ul className="tracks plain">
          <TrackRow name="music" label="Music" track={job.tracks.music}>
            {job.urls["track:music"] && <audio controls preload="none" src={url("track:music")} aria-label="Music bed" />}
          </TrackRow>
          <TrackRow name="voiceover" label="Voiceover" track={job.tracks.voiceover}>
            {job.urls["track:voiceover"] && <audio controls preload="none" src={url("track:voiceover")} aria-label="Voiceover" />}
          </TrackRow>
          <TrackRow name="compose" label="Compose" track={job.tracks.compose} />
        </ul>
      </section>
    </div>
  );
}
