// Regenerate one scene from the workspace: a new shot, camera or mood, or just another take.
// The cost and time are shown first (POST …/regenerate/estimate) and the button names the price;
// the take renders on the job's stream (its scene track), and every take of the scene is kept
// and can be chosen for the draft.

import { useCallback, useEffect, useRef, useState } from "react";
import { problemText as say } from "../../lib/api";
import { formatSeconds, formatUsd } from "../../lib/format";
import { ProgressClient } from "../../lib/progress";
import { composeFinished } from "../../lib/recompose";
import { useServices } from "../../lib/services";
import type { Job, Scene, TakeEstimate, TakeRequest, TakeView, Timeline } from "../../lib/types";

interface Props {
  job: Job;
  scene: number;
  /** The script's scene (its shot, camera, mood, and whether the next one continues it). */
  script: Scene | undefined;
  /** The next scene continues this one: the default is to re-seed it from the new take. */
  chainedNext: boolean;
  reload(): Promise<Job | null>;
  /** A take was chosen: the saved draft now uses it (`etag`: its revision's tag, null if none sent). */
  onDraft(t: Timeline, etag: string | null): void;
  /** Whether the saved draft may be replaced now (asks when there are unsaved edits). */
  mayReplaceDraft?(): boolean;
}

export function ScenePanel({ job, scene, script, chainedNext, reload, onDraft, mayReplaceDraft }: Props) {
  const { api, transport } = useServices();
  const [shot, setShot] = useState(script?.shot ?? "");
  const [camera, setCamera] = useState(script?.camera ?? "");
  const [mood, setMood] = useState(script?.mood ?? "");
  const [reseed, setReseed] = useState(chainedNext);
  const [estimate, setEstimate] = useState<TakeEstimate | null>(null);
  const [takes, setTakes] = useState<TakeView[]>([]);
  const [state, setState] = useState<{ kind: "idle" | "estimating" | "rendering" | "error" | "done"; text?: string }>({ kind: "idle" });
  const stop = useRef<(() => void) | null>(null);
  useEffect(() => () => stop.current?.(), []);

  const loadTakes = useCallback(() => api.takes(job.job_id, scene).then(setTakes, () => undefined), [api, job.job_id, scene]);
  useEffect(() => {
    void loadTakes();
  }, [loadTakes]);

  const request = (): TakeRequest => ({
    shot: shot.trim() && shot !== script?.shot ? shot.trim() : null,
    camera: camera.trim() && camera !== script?.camera ? camera.trim() : null,
    mood: mood.trim() && mood !== script?.mood ? mood.trim() : null,
    reseed_following: reseed,
    // The person chooses the take (below): the server never swaps it into a draft being edited.
    select: false,
  });
  // Any change to what would be rendered makes the price shown stale.
  useEffect(() => setEstimate(null), [shot, camera, mood, reseed]);

  const price = async () => {
    setState({ kind: "estimating" });
    try {
      setEstimate(await api.estimateTake(job.job_id, scene, request()));
      setState({ kind: "idle" });
    } catch (e) {
      setState({ kind: "error", text: say(e) });
    }
  };

  const run = async () => {
    const before = (await reload())?.tracks[`scene_${scene}`] ?? job.tracks[`scene_${scene}`];
    try {
      const accepted = await api.regenerate(job.job_id, scene, request());
      setState({ kind: "rendering", text: `Rendering take ${accepted.take} of scene ${scene}…` });
      await new Promise<void>((resolve) => {
        const client = new ProgressClient(transport, job.job_id, {
          lastSeq: job.seq,
          done: (e) => composeFinished(e.tracks[`scene_${scene}`], before),
          onEvent: (e) => {
            const t = e.tracks[`scene_${scene}`];
            if (composeFinished(t, before)) {
              setState(t!.state === "done" ? { kind: "done", text: `Take ${accepted.take} is ready: choose it below to use it.` } : { kind: "error", text: `Take ${accepted.take} failed: ${t!.message}` });
              resolve();
            } else if (t?.state === "running") setState({ kind: "rendering", text: `Rendering take ${accepted.take} of scene ${scene}… ${Math.round(t.percent)}%` });
          },
          onState: (s) => s.kind === "error" && (setState({ kind: "error", text: `The take is rendering, but its progress cannot be followed (${s.error}).` }), resolve()),
        }).start();
        stop.current = () => {
          client.stop();
          resolve();
        };
      });
      stop.current = null;
      await loadTakes();
      await reload();
    } catch (e) {
      setState({ kind: "error", text: say(e) });
    }
  };

  const choose = async (take: number) => {
    if (mayReplaceDraft && !mayReplaceDraft()) return;
    try {
      const r = await api.selectTake(job.job_id, scene, take);
      onDraft(r.value.timeline, r.etag);
      await loadTakes();
      setState({ kind: "done", text: `The draft now uses take ${take} of scene ${scene} (saved). Save and re-compose to render it.` });
    } catch (e) {
      setState({ kind: "error", text: say(e) });
    }
  };

  const busy = state.kind === "rendering" || state.kind === "estimating";
  return (
    <div className="scene-panel" data-testid="scene-panel">
      <h3>Regenerate scene {scene}</h3>
      <div className="field">
        <label htmlFor="regen-shot">Shot</label>
        <textarea id="regen-shot" rows={3} maxLength={1000} value={shot} onChange={(e) => setShot(e.target.value)} />
      </div>
      <div className="row">
        <div className="field">
          <label htmlFor="regen-camera">Camera</label>
          <input id="regen-camera" value={camera} maxLength={200} onChange={(e) => setCamera(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="regen-mood">Mood</label>
          <input id="regen-mood" value={mood} maxLength={200} onChange={(e) => setMood(e.target.value)} />
        </div>
      </div>
      <label className="check">
        <input type="checkbox" checked={reseed} onChange={(e) => setReseed(e.target.checked)} /> Re-seed the scenes that continue this one from its new last frame
      </label>
      <div className="actions">
        {!estimate ? (
          <button type="button" className="secondary" disabled={busy} onClick={() => void price()}>
            What will it cost?
          </button>
        ) : (
          <>
            <span data-testid="take-estimate">
              {formatUsd(estimate.usd)} · about {formatSeconds(estimate.expected_seconds, 0)} · scene{estimate.scenes.length === 1 ? "" : "s"} {estimate.scenes.join(", ")}
            </span>
            <button type="button" className="primary" disabled={busy} onClick={() => void run()}>
              Regenerate for {formatUsd(estimate.usd)}
            </button>
          </>
        )}
      </div>
      {state.text && (
        <p className={state.kind === "error" ? "field-error" : "muted"} role={state.kind === "error" ? "alert" : "status"} data-testid="take-status">
          {state.text}
        </p>
      )}
      {takes.length > 0 && (
        <ol className="plain takes" aria-label={`Takes of scene ${scene}`}>
          {takes.map((t) => (
            <li key={t.take} data-take={t.take} className={t.in_draft ? "in-draft" : ""}>
              {t.urls.last_frame && <img src={api.assetUrl(t.urls.last_frame)} alt={`Last frame of take ${t.take}`} className="clip-thumb" />}
              <span>
                <strong>Take {t.take}</strong> · {t.state}
                {t.cost_usd ? ` · ${formatUsd(t.cost_usd)}` : ""}
                {t.model ? ` on ${t.model}` : ""}
                <span className="muted small clamp"> {t.shot}</span>
              </span>
              {t.in_draft ? (
                <span className="badge">in the draft</span>
              ) : (
                t.state === "done" && (
                  <button type="button" className="secondary small" onClick={() => void choose(t.take)}>
                    Use take {t.take}
                  </button>
                )
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
