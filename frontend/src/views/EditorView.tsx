// Workspace: a multi-track editor of the job's timeline — video clips (reorder by drag and drop
// or buttons, trim, transitions), the voice track, the music bed (gain, duck, fades), the text
// track — with the compliance findings drawn at their time ranges, a preview player, and
// save → re-compose → a new version beside the old.
//
// This view holds the state and wires it: the edit history (lib/history), the re-compose that
// follows live progress (lib/recompose), and the parts under components/editor/.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ClipOrder } from "../components/editor/ClipOrder";
import { useClipDrag } from "../components/editor/clipDrag";
import { Inspector, type Selection } from "../components/editor/Inspector";
import { MusicControls } from "../components/editor/MusicControls";
import { TimelineLanes } from "../components/editor/TimelineLanes";
import { VersionList, type Version } from "../components/editor/VersionList";
import { Notice, StatusBadge, ViewHeading } from "../components/ui";
import { ApiError } from "../lib/api";
import { formatSeconds } from "../lib/format";
import { useHistory } from "../lib/history";
import { useJob } from "../lib/hooks";
import { recomposeNotice, useRecompose } from "../lib/recompose";
import { href } from "../lib/router";
import { useServices } from "../lib/services";
import { clipStarts, moveClip, sameTimeline, timelineDuration, updateMusic } from "../lib/timeline";
import type { ComplianceReport, Script, Timeline } from "../lib/types";

interface Status {
  kind: "info" | "error" | "success";
  text: string;
  errors?: string[];
}

export function EditorView({ id }: { id: string }) {
  const { api } = useServices();
  const { job, error: jobError, reload } = useJob(id);
  const hist = useHistory<Timeline>(null);
  const draft = hist.value;
  const recompose = useRecompose(id, reload);
  const [saved, setSaved] = useState<Timeline | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [report, setReport] = useState<ComplianceReport | null>(null);
  const [script, setScript] = useState<Script | null>(null);
  const [selection, setSelection] = useState<Selection>(null);
  const [carry, setCarry] = useState(false);
  const [busy, setBusy] = useState<null | "saving" | "composing">(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [announce, setAnnounce] = useState("");
  /** Renders this session has seen replaced; the latest always comes fresh with the job. */
  const [earlier, setEarlier] = useState<Version[]>([]);
  const [playhead, setPlayhead] = useState(0);
  const players = useRef(new Map<number, HTMLVideoElement>());
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const loadReport = useCallback(async () => {
    try {
      setReport(await api.compliance(id));
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) setReport(null);
    }
  }, [api, id]);

  const { reset } = hist;
  useEffect(() => {
    let live = true;
    api.getTimeline(id).then(
      (t) => {
        if (!live) return;
        reset(t);
        setSaved(t);
      },
      (e: unknown) => live && setLoadError((e as Error).message),
    );
    void loadReport();
    return () => {
      live = false;
    };
  }, [api, id, loadReport, reset]);

  // The script (scene purposes, full clip lengths) is an asset of the job.
  const scriptUrl = job?.urls.script;
  useEffect(() => {
    if (!scriptUrl || script) return;
    api.assetJson<Script>(scriptUrl).then(setScript, () => undefined);
  }, [api, scriptUrl, script]);

  // A re-compose reports as it goes (percent, ready, why it failed) in the status line.
  useEffect(() => {
    const notice = recomposeNotice(recompose.state);
    if (notice) setStatus(notice);
  }, [recompose.state]);

  const latest: Version | null = job && job.renders >= 1 && job.urls.output ? { version: job.renders, url: job.urls.output, poster: job.urls.poster } : null;
  const versions = latest ? [latest, ...earlier.filter((v) => v.version < latest.version)] : earlier;

  const dirty = !!draft && !!saved && !sameTimeline(draft, saved);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const total = draft ? timelineDuration(draft) : 0;
  const starts = useMemo(() => (draft ? clipStarts(draft) : []), [draft]);
  const sceneLength = useCallback(
    (scene: number, loadedOut: number) => Math.max(loadedOut, script?.scenes.find((s) => s.index === scene)?.duration_s ?? 0, saved?.clips.find((c) => c.scene_index === scene)?.out_s ?? 0),
    [script, saved],
  );
  const purpose = (scene: number) => script?.scenes.find((s) => s.index === scene)?.purpose;
  const thumb = (scene: number) => api.assetUrl(job?.urls[`track:scene_${scene}`]);

  const move = (from: number, to: number) => {
    if (!draft || to < 0 || to >= draft.clips.length || from === to) return;
    const scene = draft.clips[from].scene_index;
    hist.set((t) => moveClip(t, from, to, { carry }));
    setSelection({ kind: "clip", index: to });
    setAnnounce(`Scene ${scene} moved to position ${to + 1} of ${draft.clips.length}.`);
  };
  const drag = useClipDrag(move);

  const seek = (t: number) => {
    const preview = versions[0] && players.current.get(versions[0].version);
    if (preview) preview.currentTime = Math.max(0, t);
    setPlayhead(t);
  };

  const save = async (): Promise<boolean> => {
    if (!draft) return false;
    setBusy("saving");
    setStatus({ kind: "info", text: "Saving the edit…" });
    try {
      const t = await api.putTimeline(id, draft);
      if (!alive.current) return false;
      setSaved(t);
      if (!sameTimeline(t, draft)) hist.set(t);
      setStatus({ kind: "success", text: "Saved." });
      return true;
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, "Error", String(e));
      setStatus({ kind: "error", text: `The edit was not saved: ${err.title || "error"}.`, errors: err.errors.length ? err.errors.map((x) => `${x.field || "timeline"}: ${x.message}`) : [err.message] });
      return false;
    } finally {
      if (alive.current) setBusy(null);
    }
  };

  const saveAndCompose = async () => {
    if (!job || !(await save())) return;
    setBusy("composing");
    const previous = latest;
    const outcome = await recompose.start();
    if (!outcome || !alive.current) return;
    if (outcome.kind === "ready" && previous) setEarlier((vs) => [previous, ...vs.filter((v) => v.version !== previous.version)]);
    await loadReport();
    if (alive.current) setBusy(null);
  };

  if (jobError && !job) return <Notice kind="error">{jobError.status === 404 ? `There is no job ${id}.` : jobError.message}</Notice>;
  if (loadError)
    return (
      <div>
        <ViewHeading>Workspace</ViewHeading>
        <Notice kind="error">The timeline cannot be opened: {loadError}</Notice>
        <p>
          <a href={href.progress(id)}>See the job's progress</a>
        </p>
      </div>
    );
  if (!job || !draft) return <p role="status">Loading the workspace…</p>;

  const briefLength = job.brief.duration_s;

  return (
    <div className="editor">
      <div className="view-top">
        <div>
          <ViewHeading>Workspace · {job.brief.product.brand_name}</ViewHeading>
          <p className="muted">
            Timeline {formatSeconds(total, 2)} (brief {briefLength} s) · {draft.clips.length} clips · {draft.output.width}×{draft.output.height}
            {dirty && <strong className="unsaved"> · unsaved changes</strong>}
          </p>
        </div>
        <StatusBadge status={job.status} />
      </div>
      {Math.abs(total - briefLength) > 0.05 && (
        <Notice kind="warning">
          The edit is {formatSeconds(total, 2)} long but the brief asks for {briefLength} s; voice and text past the end are cut.
        </Notice>
      )}

      <div className="editor-top">
        <VersionList
          versions={versions}
          renders={job.renders}
          aspectRatio={job.brief.aspect_ratio}
          brandName={job.brief.product.brand_name}
          assetUrl={(u) => api.assetUrl(u)}
          player={(version, el) => {
            if (el) players.current.set(version, el);
            else players.current.delete(version);
          }}
          onTime={setPlayhead}
          onExpired={() => void reload()}
        />
        <Inspector
          selection={selection}
          draft={draft}
          findings={report?.findings ?? []}
          starts={starts}
          sceneLength={sceneLength}
          purpose={purpose}
          onChange={hist.set}
          onMove={move}
        />
      </div>

      <section aria-labelledby="timeline-h" className="card timeline-card">
        <div className="timeline-toolbar">
          <h2 id="timeline-h">Timeline</h2>
          <div className="actions">
            <button type="button" className="secondary" onClick={hist.undo} disabled={!hist.canUndo || !!busy}>
              Undo
            </button>
            <button type="button" className="secondary" onClick={hist.redo} disabled={!hist.canRedo || !!busy}>
              Redo
            </button>
            <button type="button" className="secondary" onClick={() => saved && hist.set(saved)} disabled={!dirty || !!busy}>
              Revert
            </button>
            <button type="button" className="secondary" onClick={() => void save()} disabled={!dirty || !!busy}>
              Save
            </button>
            <button type="button" className="primary" onClick={() => void saveAndCompose()} disabled={!!busy || job.status !== "completed"}>
              {busy === "composing" ? "Rendering…" : busy === "saving" ? "Saving…" : "Save and re-compose"}
            </button>
          </div>
        </div>
        <label className="check">
          <input type="checkbox" checked={carry} onChange={(e) => setCarry(e.target.checked)} /> Move a scene's voice and supers with its picture
        </label>
        {status && (
          <div className={`notice notice-${status.kind}`} role={status.kind === "error" ? "alert" : "status"} data-testid="editor-status">
            {status.text}
            {status.errors && (
              <ul>
                {status.errors.map((x) => (
                  <li key={x}>{x}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <p className="visually-hidden" aria-live="assertive">
          {announce}
        </p>
        <TimelineLanes
          draft={draft}
          starts={starts}
          total={total}
          playhead={playhead}
          selection={selection}
          report={report}
          drag={drag}
          thumb={thumb}
          onSelect={setSelection}
          onSeek={seek}
          onMove={move}
        />
      </section>

      <div className="editor-bottom">
        <ClipOrder draft={draft} drag={drag} thumb={thumb} purpose={purpose} onMove={move} onSelect={(index) => setSelection({ kind: "clip", index })} />
        <section aria-labelledby="music-h" className="card">
          <h2 id="music-h">Music</h2>
          <MusicControls music={draft.music} onChange={(patch) => hist.set(updateMusic(draft, patch))} />
          <p className="muted small">
            <a href={href.compliance(id)}>Full compliance report</a> · <a href={href.progress(id)}>Job details</a>
          </p>
        </section>
      </div>
    </div>
  );
}
