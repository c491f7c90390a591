// Progress: the stage timeline and every track (script, each scene with what it is rendering —
// its shot and its line, from the script — and its last frame as soon as it exists, music,
// voiceover, compose), live over the progress client, in a producer's words; cancel; what to do
// when it failed; the finished ad with its player.

import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { Notice, ProgressBar, StatusBadge, ViewHeading } from "../components/ui";
import { UsageTable } from "../components/UsageTable";
import { formatSeconds, formatUsd, humanize } from "../lib/format";
import { plainMessage } from "../lib/plain";
import { plainStatus, plainTrackMessage, shownState, trackLabel } from "../lib/status";
import { useJob } from "../lib/hooks";
import { isCreator, mayEdit, useMe } from "../lib/people";
import { ProgressClient, type ConnectionState } from "../lib/progress";
import { href, navigate } from "../lib/router";
import { useServices } from "../lib/services";
import { isTerminal, type Job, type ProgressEvent, type Scene, type Script, type TrackProgress } from "../lib/types";

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

function TrackRow({ name, job, track, children }: { name: string; job: Job; track?: TrackProgress; children?: ReactNode }) {
  const state = shownState(track, job.status);
  const label = trackLabel(name);
  const time = track ? elapsed(track) : null;
  const message = state === "skipped" ? "Not run: the job ended first" : plainTrackMessage(track?.message);
  return (
    <li className={`track track-${state}`} data-track={name} data-state={state}>
      <div className="track-head">
        <h3>{label}</h3>
        <span className={`state state-${state}`}>{humanize(state)}</span>
      </div>
      <ProgressBar small value={done(track) ? 100 : (track?.percent ?? 0)} label={`${label} progress`} />
      <p className="track-msg">
        {message || "\u00a0"}
        {time && <span className="muted"> · {time}</span>}
      </p>
      {children}
    </li>
  );
}

/** What a scene shows and says (its shot and its line), from the script. */
function SceneBrief({ scene }: { scene: Scene | undefined }) {
  if (!scene) return null;
  return (
    <div className="scene-brief">
      <p className="scene-purpose">{humanize(scene.purpose)}</p>
      {scene.shot && (
        <p className="scene-shot clamp" title={scene.shot}>
          <span className="visually-hidden">Shot: </span>
          {scene.shot}
        </p>
      )}
      {scene.voiceover && (
        <p className="scene-line clamp" title={scene.voiceover}>
          <span className="visually-hidden">Line: </span>“{scene.voiceover}”
        </p>
      )}
    </div>
  );
}

/** A brief change as words: {duration_s: 30} → "length 30 s". */
export function describeChanges(changes: Record<string, unknown>, prefix = ""): string {
  return Object.entries(changes)
    .map(([k, v]) => {
      if (v && typeof v === "object" && !Array.isArray(v)) return describeChanges(v as Record<string, unknown>, `${prefix}${k}.`);
      const name = `${prefix}${k}` === "duration_s" ? "length" : `${prefix}${k}`.replace(/^product\./, "").replace(/_/g, " ");
      return `${name} ${Array.isArray(v) ? v.join(", ") : String(v)}${`${prefix}${k}` === "duration_s" ? " s" : ""}`;
    })
    .join("; ");
}

/** The ad's length as made: the newest version's, else what the brief asked for. */
export function adLength(job: Pick<Job, "versions" | "brief">): number {
  const latest = job.versions.reduce<Job["versions"][number] | null>((a, v) => (!a || v.version > a.version ? v : a), null);
  return latest ? latest.duration_s : job.brief.duration_s;
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
  const me = useMe();
  const [conn, setConn] = useState<ConnectionState | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const [restarting, setRestarting] = useState(false);
  const [restartError, setRestartError] = useState<string | null>(null);
  const client = useRef<ProgressClient | null>(null);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const jobRef = useRef<Job | null>(null);
  jobRef.current = job;
  const [script, setScript] = useState<Script | null>(null);

  // The script says what each scene is rendering (its shot and line): read it once it exists.
  const scriptUrl = job?.urls.script;
  useEffect(() => {
    if (!scriptUrl || script) return;
    let live = true;
    api.assetJson<Script>(scriptUrl).then(
      (s) => live && setScript(s),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, scriptUrl, script]);

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
        // Thumbnails, players and the script need signed URLs, and what the job has spent its
        // billed calls: only the job read gives them, so it is read again as each track ends.
        const ended = Object.entries(e.tracks).some(([name, t]) => t.state === "done" && before?.tracks[name]?.state !== "done");
        const missing =
          Object.entries(e.tracks).some(([name, t]) => t.state === "done" && t.asset && !before?.urls[`track:${name}`]) ||
          (e.tracks.script?.state === "done" && !before?.urls.script);
        if (ended || missing || isTerminal(e.status)) reloadSoon();
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

  /** A new ad from this brief with the change the error names, started at once. */
  const startAgain = async (changes: Record<string, unknown>) => {
    setRestarting(true);
    setRestartError(null);
    try {
      const next = await api.duplicate(job.job_id, { changes });
      navigate(href.progress(next.job_id));
    } catch (e) {
      setRestartError((e as Error).message);
    } finally {
      setRestarting(false);
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
            {job.brief.product.brand_name} · {formatSeconds(adLength(job), 1)} ad
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
          {plainStatus(job.message)}
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
        {!finished && <UsageTable usage={job.usage} total={job.cost_usd} caption="Spent so far, by model" />}
        {!finished && mayEdit(me, job) && (
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
            {mayEdit(me, job) ? (
              <>
                <a className="button primary" href={href.editor(job.job_id)}>
                  Edit in the workspace
                </a>
                <a className="button secondary" href={href.review(job.job_id)}>
                  Review and share
                </a>
              </>
            ) : (
              <a className="button primary" href={href.review(job.job_id)}>
                Review: comment and decide
              </a>
            )}
            <a className="button secondary" href={href.compliance(job.job_id)}>
              Compliance report
              {job.compliance ? ` (${job.compliance.errors} errors, ${job.compliance.warnings} warnings)` : ""}
            </a>
            <a className="button secondary" href={url("output")} download={`${job.brief.product.brand_name}-${job.job_id}.mp4`}>
              Download MP4
            </a>
            <span className="muted">Cost {formatUsd(job.cost_usd)}</span>
          </div>
          <UsageTable usage={job.usage} total={job.cost_usd} />
        </section>
      )}

      {job.status === "failed" && (
        <Notice kind="error">
          <h2 className="fix-first">What to do</h2>
          <p data-testid="job-fix">{job.error ? plainMessage(job.error.fix || job.error.message) : "The ad could not be made; start again from this brief."}</p>
          {job.error && mayEdit(me, job) && Object.keys(job.error.brief_changes ?? {}).length > 0 && (
            <p>
              <button type="button" className="primary" disabled={restarting} onClick={() => void startAgain(job.error!.brief_changes)}>
                Start again with this change
              </button>{" "}
              <span className="muted small">({describeChanges(job.error.brief_changes)})</span>
            </p>
          )}
          {restartError && <p className="field-error">{restartError}</p>}
          {job.error?.fix && job.error.message && <p className="muted small">{plainMessage(job.error.message)}</p>}
          <p className="muted small">
            It stopped at {job.error ? trackLabel(job.error.step === "write_script" ? "script" : job.error.step).toLowerCase() : "an unknown step"}; what was made so far is kept, and the steps that did not run are marked skipped below.
          </p>
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
          {isCreator(me) && (
            <p>
              <a href={href.create(job.job_id)}>Start again from this brief</a>
            </p>
          )}
        </Notice>
      )}
      {job.status === "cancelled" && <Notice kind="warning">This job was cancelled. What it made so far is kept.</Notice>}
      {(job.status === "failed" || job.status === "cancelled") && job.usage.length > 0 && (
        <div className="card">
          <UsageTable usage={job.usage} total={job.cost_usd} caption="Spent before it stopped, by model" />
        </div>
      )}

      <section aria-labelledby="tracks-h">
        <h2 id="tracks-h">Tracks</h2>
        <ul className="tracks plain">
          <TrackRow name="script" job={job} track={job.tracks.script} />
        </ul>
        <h3 className="sub">Scenes</h3>
        {scenes.length === 0 ? (
          <p className="muted">The scenes appear once the script is written.</p>
        ) : (
          <ul className="scene-grid plain">
            {scenes.map((k) => {
              const n = Number(k.slice(6));
              const thumb = url(`track:${k}`);
              const state = shownState(job.tracks[k], job.status);
              return (
                <TrackRow key={k} name={k} job={job} track={job.tracks[k]}>
                  <div className={`thumb ar-${job.brief.aspect_ratio.replace(":", "-")}`}>
                    {thumb ? (
                      <img src={thumb} alt={`Last frame of scene ${n}`} loading="lazy" />
                    ) : (
                      <span className="muted">{state === "running" ? "rendering…" : state === "done" ? "frame loading…" : state === "pending" ? "waiting to start" : humanize(state)}</span>
                    )}
                  </div>
                  <SceneBrief scene={script?.scenes.find((s) => s.index === n)} />
                </TrackRow>
              );
            })}
          </ul>
        )}
        <ul className="tracks plain">
          <TrackRow name="music" job={job} track={job.tracks.music}>
            {job.urls["track:music"] && <audio controls preload="none" src={url("track:music")} aria-label="Music bed" />}
          </TrackRow>
          <TrackRow name="voiceover" job={job} track={job.tracks.voiceover}>
            {job.urls["track:voiceover"] && <audio controls preload="none" src={url("track:voiceover")} aria-label="Voiceover" />}
          </TrackRow>
          <TrackRow name="compose" job={job} track={job.tracks.compose} />
        </ul>
      </section>
    </div>
  );
}
